//! A project's services on shared servers (`shared: true`), brought up
//! and down: the server made or started (never restarted), the project's
//! slice made and logged into as the app will, its use marked; on `down`
//! the mark removed (the last project out stops the server) and, with
//! `--volumes`, the slice dropped.
use tokio::time::Instant;

use crate::config::{Password, Project, ServiceSpec};
use crate::context::Context;
use crate::engine::{Engine, Observed};
use crate::error::{Error, Result};
use crate::instance::{self, Placement};
use crate::probe;
use crate::shared;
use crate::state::State;

/// Brings up each shared service's slice; returns the servers seen as
/// the services' containers, for the env file.
pub(crate) async fn up(
    ctx: &Context,
    engine: &Engine,
    placement: &Placement,
    project: &Project,
    state: &mut State,
    specs: &[&ServiceSpec],
) -> Result<Vec<Observed>> {
    let mut seen = Vec::new();
    for spec in specs {
        let Some(slice) = &spec.shared else { continue };
        let password = match &spec.password {
            Some(Password::Generate(rule)) => state.secret(&spec.name, *rule),
            Some(Password::Given(given)) => given.clone(),
            None => String::new(),
        };
        state.save()?;
        let server = {
            let _lock = shared::lock(&slice.server).await?;
            let server = shared::ensure_server(ctx, engine, placement, spec, slice).await?;
            make_slice(ctx, placement, spec, &server, &password).await?;
            shared::mark_use(engine, &project.name, &spec.name, &slice.server).await?;
            server
        };
        let inst = instance::render(
            &project.name,
            spec,
            &server.ports,
            Some(&password),
            placement,
        )?;
        wait_for_slice(ctx, placement, spec, &inst, &server.container.name).await?;
        // Seeded while the slice holds none of its own data yet (no key
        // under its prefix, an empty bucket): whether the slice is new is
        // the server's to say, not this project's state folder.
        if inst.seed.is_some() {
            let seeded =
                crate::provision::apply_seed(&inst, &placement.host, &ctx.settings.http, false)
                    .await
                    .map_err(|message| provision_error(spec, message))?;
            if let crate::provision::Seeded::Applied(what) = seeded {
                ctx.ui.event(&spec.name, &format!("seeded {what}"));
            }
        }
        let mut container = server.container;
        container.service = spec.name.clone();
        seen.push(container);
    }
    Ok(seen)
}

fn provision_error(spec: &ServiceSpec, message: String) -> Error {
    Error::Provision {
        service: spec.name.clone(),
        message,
    }
}

/// Makes (or brings up to date) the project's slice; says what it made.
async fn make_slice(
    ctx: &Context,
    placement: &Placement,
    spec: &ServiceSpec,
    server: &shared::Server,
    password: &str,
) -> Result<()> {
    let made = shared::provision(
        &placement.host,
        &server.admin,
        spec,
        password,
        &ctx.settings.http,
    )
    .await
    .map_err(|message| provision_error(spec, message))?;
    for thing in made {
        ctx.ui.event(
            &spec.name,
            &format!(
                "made {thing} on the shared server {}",
                server.container.name
            ),
        );
    }
    Ok(())
}

/// Ready once the project's own login works, as the app's will.
async fn wait_for_slice(
    ctx: &Context,
    placement: &Placement,
    spec: &ServiceSpec,
    inst: &instance::Instance,
    server: &str,
) -> Result<()> {
    let deadline = Instant::now() + ctx.settings.timeout;
    let reach = probe::Reach::remote(&placement.host, &ctx.settings.http);
    probe::wait_all(&inst.probes, &reach, deadline, || async { Ok(()) })
        .await
        .map_err(|last_error| Error::NotReady {
            service: spec.name.clone(),
            container: server.to_string(),
            timeout_secs: ctx.settings.timeout.as_secs(),
            last_error,
            logs: String::new(),
        })?;
    let owner = spec.shared.as_ref().map_or("", |s| s.owner.as_str());
    ctx.ui.event(
        &spec.name,
        &format!("ready: the slice `{owner}` of the shared server {server}"),
    );
    Ok(())
}

/// Ends the project's use of each shared service's server (the last
/// project out stops it); with `volumes`, drops the slice first.
pub(crate) async fn down(
    ctx: &Context,
    engine: &Engine,
    placement: &Placement,
    project: &Project,
    specs: &[&ServiceSpec],
    volumes: bool,
) -> Result<()> {
    for spec in specs {
        let Some(slice) = &spec.shared else { continue };
        if volumes {
            let _lock = shared::lock(&slice.server).await?;
            let server = shared::ensure_server(ctx, engine, placement, spec, slice).await?;
            let dropped = shared::drop_slice(
                &placement.host,
                &server.admin,
                &slice.owner,
                &ctx.settings.http,
            )
            .await
            .map_err(|message| provision_error(spec, message))?;
            ctx.ui.event(
                &spec.name,
                &format!(
                    "dropped the slice `{}` of the shared server {} ({})",
                    slice.owner,
                    server.container.name,
                    if dropped.is_empty() {
                        "nothing in it".to_string()
                    } else {
                        dropped.join(", ")
                    }
                ),
            );
        }
        if shared::end_use(
            engine,
            &project.name,
            &spec.name,
            &slice.server,
            ctx.settings.stop_grace,
        )
        .await?
        {
            ctx.ui.event(
                &spec.name,
                &format!(
                    "stopped the shared server {}: no project runs on it now (its data stays until `devsvc shared down --volumes`)",
                    shared::container_name(&slice.server)
                ),
            );
        }
    }
    Ok(())
}
