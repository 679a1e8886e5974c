//! `devsvc up`: plan against what runs, create or recreate only what changed,
//! start services in parallel, wait until each answers, create buckets,
//! write the env file, print where everything is.
use std::collections::{HashMap, HashSet};

use futures_util::future::{join_all, try_join_all};
use tokio::time::Instant;

use super::{Context, select};
use crate::config::{Project, ServiceSpec};
use crate::current;
use crate::engine::{Engine, Observed};
use crate::error::{Error, Result};
use crate::instance::{self, Instance};
use crate::plan::{Action, plan};
use crate::ports;
use crate::probe;
use crate::provision;
use crate::state::State;
use crate::ui::table;

pub async fn run(ctx: &Context, names: &[String]) -> Result<()> {
    let started = Instant::now();
    let project = ctx.load_project()?;
    let selected = select(&project, names)?;
    let services: Vec<&ServiceSpec> = selected
        .iter()
        .copied()
        .filter(|s| s.external.is_none())
        .collect();
    for spec in selected.iter().filter(|s| s.external.is_some()) {
        ctx.ui.event(&spec.name, "external: nothing to start");
    }
    if services.is_empty() {
        return attach_only(ctx, &project, names.is_empty()).await;
    }
    ctx.ui.phase("config loaded");
    let engine = ctx.engine().await?;
    ctx.ui.phase("engine connected");
    let _lock = ctx.lock(&project).await?;

    let observed = engine.project_containers(&project.name).await?;
    ctx.ui.phase("containers listed");
    let mut state = State::load(&project.name)?;
    let (mut instances, mut reserved) =
        resolve_all(ctx, &project, &services, &observed, &engine, &mut state)?;
    // Remember secrets and ports before creating anything, so an interrupted
    // run converges to the same values next time.
    state.save()?;

    let desired: Vec<(String, String)> = instances
        .iter()
        .map(|i| (i.service.clone(), i.hash.clone()))
        .collect();
    let plan = plan(&desired, &observed, names.is_empty());
    let creating: Vec<&Instance> = instances
        .iter()
        .zip(&plan.steps)
        .filter(|(_, step)| matches!(step.action, Action::Create | Action::Recreate { .. }))
        .map(|(inst, _)| inst)
        .collect();
    // Everything that can fail before a resource exists fails first: names
    // taken by resources that are not ours, and images that cannot be pulled.
    refuse_foreign(&engine, &project, &creating).await?;
    pull_missing(ctx, &engine, &creating).await?;
    ctx.ui.phase("images present");

    let grace = ctx.cli.stop_grace as i32;
    let engine_ref = &engine;
    try_join_all(plan.remove.iter().map(|(id, name, service)| async move {
        engine_ref.remove_container(id, grace).await?;
        ctx.ui.event(
            service,
            &format!("removed container {name} (no longer in services.yaml)"),
        );
        Ok::<_, Error>(())
    }))
    .await?;
    if plan
        .steps
        .iter()
        .any(|s| !matches!(s.action, Action::Keep { .. }))
    {
        // The network and the data volumes do not depend on each other.
        let network_name = instance::network_name(&project.name);
        let network = async {
            match project.network {
                true => engine.ensure_network(&network_name, &project.name).await,
                false => Ok(()),
            }
        };
        let volumes = try_join_all(creating.iter().filter_map(|inst| {
            let (volume, _) = inst.container.volume.as_ref()?;
            Some(engine.ensure_volume(volume, inst.container.labels.clone()))
        }));
        tokio::try_join!(network, volumes)?;
        ctx.ui.phase("network and volumes ready");
    }

    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    let deadline = Instant::now() + ctx.timeout();
    let host = engine.endpoint.service_host();
    // Every service runs to the end: one that fails does not stop the others.
    let mut results =
        join_all(instances.iter().zip(&plan.steps).map(|(inst, step)| {
            bring_up(ctx, &engine, inst, &step.action, deadline, &host, &http)
        }))
        .await;
    // An automatic host port can be taken between choosing and starting
    // (by another program, or another project's `up`): choose again.
    for _ in 0..3 {
        let retry: Vec<usize> = (0..results.len())
            .filter(|&i| {
                port_taken(&results[i]) && services[i].ports.iter().any(|p| p.host.is_none())
            })
            .collect();
        if retry.is_empty() {
            break;
        }
        for &i in &retry {
            state.forget_ports(&services[i].name);
            instances[i] = resolve_one(
                ctx,
                &project,
                services[i],
                &[],
                &engine,
                &mut state,
                &mut reserved,
            )?;
            ctx.ui.event(
                &services[i].name,
                "a host port was taken meanwhile; trying another",
            );
        }
        state.save()?;
        // A stopped container that could not start again is replaced; a
        // new one that could not start was already removed.
        let actions: Vec<Action> = retry
            .iter()
            .map(|&i| match &plan.steps[i].action {
                Action::Start { id } => Action::Recreate { id: id.clone() },
                _ => Action::Create,
            })
            .collect();
        let retried = join_all(retry.iter().zip(&actions).map(|(&i, action)| {
            bring_up(ctx, &engine, &instances[i], action, deadline, &host, &http)
        }))
        .await;
        for (&i, result) in retry.iter().zip(retried) {
            results[i] = result;
        }
    }
    ctx.ui.phase("all ready");

    let ready: Vec<Instance> = instances
        .into_iter()
        .zip(&results)
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| i)
        .collect();
    // Services brought up now speak for themselves (ready) or not at all
    // (failed); the others, with `up SERVICE`, are as they were observed.
    let untouched: Vec<Observed> = observed
        .into_iter()
        .filter(|c| !services.iter().any(|s| s.name == c.service))
        .collect();
    let placement = ctx.placement(&engine, &project);
    let all = current::exports(&project, &ready, &untouched, &mut state, &placement)?;
    super::write_env_file(ctx, &project, &all)?;
    if let Some(error) = results.into_iter().find_map(Result::err) {
        return Err(error);
    }
    let rows: Vec<Vec<String>> = ready
        .iter()
        .map(|i| {
            let ports: Vec<String> = i
                .host_ports
                .iter()
                .map(|(n, p)| format!("{n} {host}:{p}"))
                .collect();
            vec![i.service.clone(), "ready".into(), ports.join(", ")]
        })
        .collect();
    if !ctx.cli.quiet {
        ctx.ui
            .data(&table(&["SERVICE", "STATE", "ENDPOINTS"], &rows))?;
        ctx.ui.event(
            &project.name,
            &format!("ready in {:.1} s", started.elapsed().as_secs_f64()),
        );
    }
    Ok(())
}

/// Every service is external: nothing to start, and no engine needed. When
/// one is reachable, containers left from before (say, the laptop profile's)
/// are removed, as `up` removes any service that is no longer wanted.
async fn attach_only(ctx: &Context, project: &Project, prune: bool) -> Result<()> {
    let _lock = ctx.lock(project).await?;
    if prune && let Ok(engine) = ctx.engine().await {
        for c in engine.project_containers(&project.name).await? {
            engine
                .remove_container(&c.id, ctx.cli.stop_grace as i32)
                .await?;
            ctx.ui.event(
                &c.service,
                &format!("removed container {} (now attached, not started)", c.name),
            );
        }
    }
    let (_, vars) = super::env::collect(ctx).await?;
    super::write_env_file(ctx, project, &vars)
}

/// Fails, before anything is created, when a container, network or volume
/// devsvc would create already exists without this project's label: it
/// belongs to someone else and devsvc never touches it.
async fn refuse_foreign(engine: &Engine, project: &Project, creating: &[&Instance]) -> Result<()> {
    if creating.is_empty() {
        return Ok(());
    }
    let mut names: Vec<(&str, String)> = Vec::new();
    if project.network {
        names.push(("network", instance::network_name(&project.name)));
    }
    for inst in creating {
        names.push(("container", inst.container.name.clone()));
        if let Some((volume, _)) = &inst.container.volume {
            names.push(("volume", volume.clone()));
        }
    }
    let owners = try_join_all(
        names
            .iter()
            .map(|(kind, name)| engine.foreign_owner(kind, name, &project.name)),
    )
    .await?;
    for ((kind, name), owner) in names.iter().zip(owners) {
        if let Some(owner) = owner {
            return Err(Error::Runtime(format!(
                "a {kind} named `{name}` already exists and was not created by devsvc for project `{}` ({owner}); devsvc leaves it alone. Remove or rename it, or choose another project name with -p",
                project.name
            )));
        }
    }
    Ok(())
}

/// Pulls every missing image, in parallel, before any container exists.
async fn pull_missing(ctx: &Context, engine: &Engine, creating: &[&Instance]) -> Result<()> {
    let mut images: Vec<(&str, &str)> = Vec::new();
    for inst in creating {
        if !images
            .iter()
            .any(|(image, _)| *image == inst.container.image)
        {
            images.push((&inst.container.image, &inst.service));
        }
    }
    try_join_all(images.into_iter().map(|(image, service)| async move {
        if engine.image_present(image).await? {
            return Ok(());
        }
        let task = ctx.ui.bytes_task(service, &format!("pulling {image}"));
        let mut total = 0;
        let pulled = engine
            .pull(image, |p| {
                total = p.total;
                task.progress(p.current, p.total);
            })
            .await;
        match pulled {
            Ok(()) => task.finish(&pull_summary(image, total)),
            Err(e) => {
                task.abandon();
                return Err(e);
            }
        }
        Ok::<_, Error>(())
    }))
    .await
    .map(drop)
}

/// Gives every service its host ports and password, and renders it.
/// Returns the host ports given out, so a retry can avoid them.
fn resolve_all(
    ctx: &Context,
    project: &Project,
    services: &[&ServiceSpec],
    observed: &[Observed],
    engine: &Engine,
    state: &mut State,
) -> Result<(Vec<Instance>, HashSet<u16>)> {
    let mut reserved = HashSet::new();
    let instances = services
        .iter()
        .map(|spec| resolve_one(ctx, project, spec, observed, engine, state, &mut reserved))
        .collect::<Result<Vec<_>>>()?;
    Ok((instances, reserved))
}

fn resolve_one(
    ctx: &Context,
    project: &Project,
    spec: &ServiceSpec,
    observed: &[Observed],
    engine: &Engine,
    state: &mut State,
    reserved: &mut HashSet<u16>,
) -> Result<Instance> {
    let local = engine.endpoint.is_local();
    let ours: HashSet<u16> = observed
        .iter()
        .filter(|c| c.service == spec.name)
        .flat_map(|c| c.ports.iter().map(|(_, host)| *host))
        .collect();
    let mut host_ports = HashMap::new();
    for port in &spec.ports {
        let chosen = match port.host {
            Some(pinned) => {
                if local && !ours.contains(&pinned) && !ports::bindable(pinned) {
                    return Err(Error::Runtime(format!(
                        "service `{}`: host port {pinned} (pinned for container port {}) is already in use; free it or change `ports:` in {}",
                        spec.name,
                        port.container,
                        project.file.display()
                    )));
                }
                pinned
            }
            None => {
                let key = format!("{}/{}/{}", project.name, spec.name, port.name);
                ports::choose(
                    &key,
                    state.port(&spec.name, &port.name),
                    &ours,
                    reserved,
                    local,
                )
                .ok_or_else(|| {
                    Error::Runtime(format!("service `{}`: no free host port", spec.name))
                })?
            }
        };
        reserved.insert(chosen);
        state.set_port(&spec.name, &port.name, chosen);
        host_ports.insert(port.name.clone(), chosen);
    }
    let password = current::password(state, spec);
    instance::resolve(
        &project.name,
        spec,
        &host_ports,
        password.as_deref(),
        &ctx.placement(engine, project),
    )
}

/// The engine refused a host port that was free when it was chosen:
/// something else took it in between.
fn port_taken(result: &Result<()>) -> bool {
    matches!(result, Err(Error::Engine { message, .. })
        if message.contains("port is already allocated") || message.contains("address already in use"))
}

/// Creates, starts or keeps one service, then waits for it and provisions it.
async fn bring_up(
    ctx: &Context,
    engine: &Engine,
    inst: &Instance,
    action: &Action,
    deadline: Instant,
    host: &str,
    http: &reqwest::Client,
) -> Result<()> {
    let ui = &ctx.ui;
    let spec = &inst.container;
    let id = match action {
        Action::Keep { id } => id.clone(),
        Action::Start { id } => {
            engine.start(id, &spec.name).await?;
            ui.event(&inst.service, "started");
            id.clone()
        }
        Action::Create | Action::Recreate { .. } => {
            if let Action::Recreate { id } = action {
                engine
                    .remove_container(id, ctx.cli.stop_grace as i32)
                    .await?;
                ui.event(&inst.service, "configuration changed: recreating");
            }
            let id = engine.create_and_start(spec).await?;
            ui.event(&inst.service, &format!("started container {}", spec.name));
            id
        }
    };
    let task = ui.spinner_task(&inst.service, "waiting until ready");
    let waited = Instant::now();
    let result = probe::wait_all(&inst.probes, host, deadline, http, || async {
        match engine.exit_code(&id).await {
            Some(code) => Err(format!("the container exited with code {code}")),
            None => Ok(()),
        }
    })
    .await;
    if let Err(last_error) = result {
        task.abandon();
        return Err(Error::NotReady {
            service: inst.service.clone(),
            container: spec.name.clone(),
            timeout_secs: ctx.cli.timeout,
            last_error,
            logs: engine.tail_logs(&id, 20).await,
        });
    }
    if matches!(action, Action::Keep { .. }) {
        task.abandon();
    } else {
        task.finish(&format!(
            "ready after {:.2} s",
            waited.elapsed().as_secs_f64()
        ));
    }
    if let (Some(target), false) = (&inst.s3, inst.buckets.is_empty()) {
        let created = provision::ensure_buckets(target, &inst.buckets, http)
            .await
            .map_err(|message| Error::Provision {
                service: inst.service.clone(),
                message,
            })?;
        for bucket in created {
            ui.event(&inst.service, &format!("created bucket {bucket}"));
        }
    }
    Ok(())
}

fn pull_summary(image: &str, bytes: u64) -> String {
    if bytes == 0 {
        format!("pulled {image} (all layers already present)")
    } else {
        format!("pulled {image} ({:.1} MB)", bytes as f64 / 1e6)
    }
}
