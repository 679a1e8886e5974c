//! Bringing a project up, as named stages:
//!
//! observe (what runs, what was remembered) -> plan (pure) -> prepare
//! (refuse foreign names, pull, remove what left, the project network) ->
//! for each service at once: start -> wait (until it answers) -> provision
//! (buckets) -> export (the env file).
//!
//! Everything that can fail before a resource exists fails in prepare,
//! before anything is created. Services go through start, wait and
//! provision independently: one that fails does not stop the others, and
//! every failure is reported.
use std::collections::{HashMap, HashSet};

use futures_util::future::{join_all, try_join_all};
use tokio::time::Instant;

use super::{select, write_env_file};
use crate::config::{Password, Project, ServiceSpec};
use crate::context::Context;
use crate::engine::{self, Engine, Fault, LABEL_PASSWORD, LABEL_PROJECT, LABEL_SERVICE, Observed};
use crate::error::{Error, Result};
use crate::exports;
use crate::forwards;
use crate::init_cache;
use crate::instance::{self, Instance, Placement};
use crate::lock::ProjectLock;
use crate::plan::{Action, Desired, Removal, plan};
use crate::ports;
use crate::probe;
use crate::provision;
use crate::state::State;

/// An automatic host port taken between choosing and starting is chosen
/// again this many times.
const PORT_RETRIES: usize = 3;

/// A service still not ready after this long shows its latest log line
/// (on a terminal), fetched again at this interval.
const LOG_LINE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
const LOG_LINE_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// What `up` brought up, for the summary table.
pub(crate) struct Report {
    pub(crate) project: String,
    /// The host clients reach published ports on.
    pub(crate) host: String,
    pub(crate) ready: Vec<Instance>,
    pub(crate) started: Instant,
}

/// One service on its way up.
struct Unit<'a> {
    spec: &'a ServiceSpec,
    instance: Instance,
    action: Action,
    outcome: Result<()>,
    /// Whether its seed went in, when one was due.
    seeded: Option<Result<()>>,
}

/// What the stages share.
struct Up<'a> {
    ctx: &'a Context,
    project: &'a Project,
    engine: Engine,
    placement: Placement,
    state: State,
    /// Host ports given out in this run.
    reserved: HashSet<u16>,
    /// Local ports given out in this run to SSH forwards.
    forwarded: HashSet<u16>,
    /// Services whose new data volume starts from a snapshot's tar file
    /// instead of nothing (and so is not seeded).
    restore: &'a HashMap<String, std::path::PathBuf>,
    /// The labels of data volumes that may be new to this run (`None`:
    /// no such volume yet), asked once for both passwords to recover and
    /// names to refuse.
    volumes: HashMap<String, Option<Labels>>,
}

type Labels = HashMap<String, String>;

/// Brings the services named (all when none) up; `None` when every one is
/// external and nothing was started.
pub(crate) async fn up(ctx: &Context, names: &[String]) -> Result<Option<Report>> {
    // A restore an earlier run left unfinished is finished first: the data
    // from before comes back, never half of the snapshot. A new branch's
    // data copied from another (`branch_from:`) comes in the same way.
    let project = ctx.load_project()?;
    let copying = project.services.iter().any(|s| s.branch_source.is_some());
    if project.services.iter().all(|s| s.external.is_some())
        || (ctx.state(&project)?.restoring().is_empty() && !copying)
    {
        return up_restoring(ctx, names, &HashMap::new(), None).await;
    }
    let engine = ctx.engine().await?;
    let lock = ctx.lock(&project).await?;
    let back = super::snapshot::unfinished_restores(ctx, &project, &engine).await?;
    let copies = super::branch_copy::prepare(ctx, &project, &engine, names).await?;
    let mut wanted: Vec<String> = names.to_vec();
    if !names.is_empty() {
        wanted.extend(back.keys().filter(|s| !names.contains(s)).cloned());
    }
    let mut restore = copies.archives.clone();
    restore.extend(back.clone());
    let report = up_restoring(ctx, &wanted, &restore, Some(lock)).await?;
    super::snapshot::finish_unfinished(ctx, &project, &back)?;
    super::branch_copy::remember(ctx, &project, &copies)?;
    Ok(report)
}

/// `up`, where the services in `restore` get their data from a snapshot's
/// tar file (their containers and volumes were removed first, under the
/// project's lock, which `held` hands over).
pub(crate) async fn up_restoring(
    ctx: &Context,
    names: &[String],
    restore: &HashMap<String, std::path::PathBuf>,
    held: Option<ProjectLock>,
) -> Result<Option<Report>> {
    let started = Instant::now();
    let project = ctx.load_project()?;
    if project.per_branch_without_git {
        ctx.ui.event(
            &project.name,
            "not in a git repository: services with `data: per-branch` keep one set of data",
        );
    }
    let selected = select(&project, names)?;
    for spec in selected.iter().filter(|s| s.external.is_some()) {
        ctx.ui.event(&spec.name, "external: nothing to start");
    }
    let services: Vec<&ServiceSpec> = selected
        .into_iter()
        .filter(|s| s.external.is_none())
        .collect();
    if services.is_empty() {
        attach_only(ctx, &project, names.is_empty()).await?;
        return Ok(None);
    }
    ctx.ui.phase("config loaded");
    let engine = ctx.engine().await?;
    ctx.ui.phase("engine connected");
    let _lock = match held {
        Some(lock) => lock,
        None => ctx.lock(&project).await?,
    };

    // observe
    let observed = engine.project_containers(&project.name).await?;
    ctx.ui.phase("containers listed");
    let mut up = Up {
        ctx,
        placement: ctx.placement(&engine, &project),
        engine,
        project: &project,
        state: ctx.state(&project)?,
        reserved: HashSet::new(),
        forwarded: HashSet::new(),
        restore,
        volumes: HashMap::new(),
    };
    // Services on shared servers are no containers of the project's: their
    // slices come up on their own (`slices.rs`).
    let (on_shared, services): (Vec<&ServiceSpec>, Vec<&ServiceSpec>) =
        services.into_iter().partition(|s| s.shared.is_some());
    up.observe_volumes(&services, &observed).await?;
    up.recover_passwords(&services);
    // plan
    let (mut units, removals) = up.plan(&services, &observed, names.is_empty())?;
    // With an engine over SSH, the forwards the services are reached
    // through (and probed through) before any is created.
    up.ensure_forwards()?;
    // prepare
    up.prepare(&units, &removals).await?;
    // start, wait, provision
    let deadline = Instant::now() + ctx.settings.timeout;
    // Where devsvc may wait long: an engine that stops or restarts ends
    // the run at once, rather than once every probe has timed out.
    let watch = up.engine.watch();
    watch
        .guard(&project.name, async {
            up.bring_up_all(units.iter_mut().collect(), deadline).await;
            up.retry_taken_ports(&mut units, deadline).await
        })
        .await?;
    let shared_servers = super::slices::up(
        ctx,
        &up.engine,
        &up.placement,
        &project,
        &mut up.state,
        &on_shared,
    )
    .await?;
    ctx.ui.phase("all ready");
    up.remove_unused_network(&units).await?;
    // export
    let untouched: Vec<Observed> = observed
        .into_iter()
        .filter(|c| !services.iter().any(|s| s.name == c.service))
        .chain(shared_servers)
        .collect();
    let ready = up.export(units, &untouched)?;
    Ok(Some(Report {
        project: project.name.clone(),
        host: up.placement.host.clone(),
        ready,
        started,
    }))
}

impl Up<'_> {
    /// Inspects the data volumes a service's container does not mount yet
    /// (it may find one, or none: then `start` creates it, labelled), or
    /// one without a remembered password may take it from, or a
    /// per-branch one a switch of branch may bring. A volume in use by the
    /// service's own container exists and is the project's: not asked.
    async fn observe_volumes(
        &mut self,
        services: &[&ServiceSpec],
        observed: &[Observed],
    ) -> Result<()> {
        let names: Vec<String> = services
            .iter()
            .filter(|spec| spec.data.is_some())
            .filter_map(|spec| Some((spec, spec.volume.as_ref()?)))
            .filter(|(spec, volume)| {
                !self.state.has_secret(&spec.name)
                    || spec.per_branch
                    || !observed
                        .iter()
                        .any(|c| c.service == spec.name && c.volumes.contains(volume))
            })
            .map(|(_, volume)| volume.clone())
            .collect();
        let labels = try_join_all(
            names
                .iter()
                .map(|name| self.engine.labels_of("volume", name)),
        )
        .await?;
        self.volumes = names.into_iter().zip(labels).collect();
        // Per-branch data without a remembered password: another branch's
        // volume may know it (a new branch's volume does not).
        for spec in services
            .iter()
            .filter(|s| s.per_branch && s.data.is_some() && !self.state.has_secret(&s.name))
        {
            for (name, labels) in self
                .engine
                .service_volumes(&self.project.name, &spec.name)
                .await?
            {
                self.volumes.entry(name).or_insert(Some(labels));
            }
        }
        Ok(())
    }

    /// A data volume keeps the generated password its data was
    /// initialised with: when the state folder has none (deleted, or the
    /// project moved to another machine), it comes back from the volume
    /// instead of a new one the data would refuse.
    fn recover_passwords(&mut self, services: &[&ServiceSpec]) {
        for spec in services {
            let generated = matches!(spec.password, Some(Password::Generate(_)));
            if !generated || spec.data.is_none() || self.state.has_secret(&spec.name) {
                continue;
            }
            let Some(volume) = &spec.volume else {
                continue;
            };
            // This service's volume first, then (per-branch data) another
            // branch's: the same password initialised them all.
            let ours = |labels: &&Labels| {
                labels.get(LABEL_PROJECT) == Some(&self.project.name)
                    && labels.contains_key(LABEL_PASSWORD)
            };
            let own = self
                .volumes
                .get(volume)
                .and_then(Option::as_ref)
                .filter(ours);
            let sibling = self.volumes.iter().find_map(|(name, labels)| {
                let labels = labels.as_ref().filter(ours)?;
                (labels.get(LABEL_SERVICE) == Some(&spec.name)).then_some((name, labels))
            });
            let Some((volume, labels)) = own.map(|l| (volume, l)).or(sibling) else {
                continue;
            };
            self.state
                .adopt_secret(&spec.name, labels[LABEL_PASSWORD].clone());
            self.ctx.ui.event(
                &spec.name,
                &format!("password taken from volume {volume}, whose data was initialised with it"),
            );
        }
    }

    /// Gives every service its host ports and password, renders it, and
    /// decides what to do with it. Secrets and ports are remembered before
    /// anything is created, so an interrupted run converges to the same
    /// values next time.
    fn plan<'s>(
        &mut self,
        services: &[&'s ServiceSpec],
        observed: &[Observed],
        prune: bool,
    ) -> Result<(Vec<Unit<'s>>, Vec<Removal>)> {
        let instances = services
            .iter()
            .map(|spec| self.instantiate(spec, observed))
            .collect::<Result<Vec<_>>>()?;
        let desired: Vec<Desired> = instances
            .iter()
            .map(|i| Desired {
                service: i.service.clone(),
                hash: i.hash.clone(),
                parts: i.parts.clone(),
                network: i
                    .container
                    .network
                    .clone()
                    .unwrap_or_else(|| "bridge".into()),
            })
            .collect();
        let plan = plan(&desired, observed, prune);
        let units: Vec<Unit> = services
            .iter()
            .zip(instances)
            .zip(plan.steps)
            .map(|((spec, instance), step)| Unit {
                spec,
                instance,
                action: step.action,
                outcome: Ok(()),
                seeded: None,
            })
            .collect();
        for unit in &units {
            self.mark_new_data(unit);
        }
        self.state.save()?;
        Ok((units, plan.remove))
    }

    /// Fails before anything is created when a name is taken by something
    /// not ours or an image cannot be pulled; then removes what is no
    /// longer wanted and creates the project network (data volumes are
    /// created just before their containers).
    async fn prepare(&self, units: &[Unit<'_>], removals: &[Removal]) -> Result<()> {
        let creating: Vec<&Instance> = units
            .iter()
            .filter(|u| matches!(u.action, Action::Create | Action::Recreate { .. }))
            .map(|u| &u.instance)
            .collect();
        self.refuse_foreign(&creating).await?;
        self.pull_missing(&creating).await?;
        self.ctx.ui.phase("images present");
        try_join_all(removals.iter().map(|r| async move {
            self.engine
                .remove_container(&r.id, self.ctx.settings.stop_grace)
                .await?;
            self.ctx.ui.event(
                &r.service,
                &format!("removed container {} (no longer in services.yaml)", r.name),
            );
            Ok::<_, Error>(())
        }))
        .await?;
        if let Some(network) = &self.placement.network
            && units
                .iter()
                .any(|u| !matches!(u.action, Action::Keep { .. }))
        {
            self.engine
                .ensure_network(network, &self.project.name)
                .await?;
        }
        self.ctx.ui.phase("ready to create containers");
        Ok(())
    }

    /// A project that no longer asks for a network leaves it once its
    /// containers have moved to the default bridge (one still in use, by
    /// a service not brought up this time, stays until `down`).
    async fn remove_unused_network(&self, units: &[Unit<'_>]) -> Result<()> {
        let moved = units.iter().any(|u| {
            matches!(&u.action, Action::Recreate { changed, .. } if changed.iter().any(|c| c == "network"))
        });
        if self.placement.network.is_some() || !moved {
            return Ok(());
        }
        for network in self.engine.remove_networks(&self.project.name).await? {
            self.ctx.ui.event(
                &self.project.name,
                &format!(
                    "removed network {network} (services are on the engine's default bridge now)"
                ),
            );
        }
        Ok(())
    }

    /// Refuses when a container, network or volume devsvc would create
    /// already exists without this project's label: it belongs to someone
    /// else and devsvc never touches it.
    async fn refuse_foreign(&self, creating: &[&Instance]) -> Result<()> {
        if creating.is_empty() {
            return Ok(());
        }
        let mut names: Vec<(&str, &str)> = Vec::new();
        if let Some(network) = &self.placement.network {
            names.push(("network", network));
        }
        for inst in creating {
            names.push(("container", &inst.container.name));
        }
        let project = &self.project.name;
        let mut owners = try_join_all(
            names
                .iter()
                .map(|(kind, name)| self.engine.foreign_owner(kind, name, project)),
        )
        .await?;
        // Volumes were inspected already, while observing.
        for inst in creating {
            if let Some(volume) = &inst.container.volume
                && let Some(Some(labels)) = self.volumes.get(&volume.name)
            {
                names.push(("volume", &volume.name));
                owners.push(engine::owner_conflict(labels, project));
            }
        }
        for ((kind, name), owner) in names.iter().zip(owners) {
            if let Some(owner) = owner {
                return Err(Error::Runtime(format!(
                    "a {kind} named `{name}` already exists and was not created by devsvc for project `{project}` ({owner}); devsvc leaves it alone. Remove or rename it, or choose another project name with -p"
                )));
            }
        }
        Ok(())
    }

    /// Pulls every missing image, in parallel, before any container exists.
    async fn pull_missing(&self, creating: &[&Instance]) -> Result<()> {
        let mut images: Vec<(&str, &str)> = Vec::new();
        for inst in creating {
            if !images
                .iter()
                .any(|(image, _)| *image == inst.container.image)
            {
                images.push((&inst.container.image, &inst.service));
            }
        }
        try_join_all(
            images
                .into_iter()
                .map(|(image, service)| self.pull(image, service)),
        )
        .await
        .map(drop)
    }

    async fn pull(&self, image: &str, service: &str) -> Result<()> {
        if self.engine.image_present(image).await? {
            return Ok(());
        }
        let task = self.ctx.ui.bytes_task(service, &format!("pulling {image}"));
        let mut last = engine::PullProgress::default();
        let pulled = self
            .engine
            .pull(image, |p| {
                last = p;
                task.progress(p.current, p.total);
            })
            .await;
        match pulled {
            Ok(()) => task.finish(&pull_summary(image, last)),
            Err(e) => {
                task.abandon();
                return Err(e);
            }
        }
        Ok(())
    }

    /// Start, wait and provision, for every unit at once.
    async fn bring_up_all(&self, units: Vec<&mut Unit<'_>>, deadline: Instant) {
        let outcomes = join_all(units.iter().map(|u| async move {
            let outcome = self.bring_up(&u.instance, &u.action, deadline).await;
            // Seeded once it answers; a failed seed leaves it running and
            // in the env file.
            let seeded = match outcome {
                Ok(()) => self.seed(&u.instance).await,
                Err(_) => None,
            };
            (outcome, seeded)
        }))
        .await;
        for (unit, (outcome, seeded)) in units.into_iter().zip(outcomes) {
            unit.outcome = outcome;
            unit.seeded = seeded;
        }
    }

    /// An automatic host port can be taken between choosing and starting
    /// (by another program, or another project's `up`): choose again.
    async fn retry_taken_ports(&mut self, units: &mut [Unit<'_>], deadline: Instant) -> Result<()> {
        for _ in 0..PORT_RETRIES {
            let mut retry: Vec<&mut Unit> = units
                .iter_mut()
                .filter(|u| port_taken(&u.outcome) && u.spec.ports.iter().any(|p| p.host.is_none()))
                .collect();
            if retry.is_empty() {
                break;
            }
            for unit in &mut retry {
                self.state.forget_ports(&unit.spec.name);
                unit.instance = self.instantiate(unit.spec, &[])?;
                // A stopped container that could not start again is
                // replaced; a new one that could not start was removed.
                unit.action = match &unit.action {
                    Action::Start { id } => Action::Recreate {
                        id: id.clone(),
                        changed: vec!["ports".into()],
                    },
                    _ => Action::Create,
                };
                self.ctx.ui.event(
                    &unit.spec.name,
                    "a host port was taken meanwhile; trying another",
                );
            }
            self.state.save()?;
            // New published ports, new forwards to them.
            self.ensure_forwards()?;
            self.bring_up_all(retry, deadline).await;
        }
        Ok(())
    }

    /// Creates, starts or keeps one service, waits until it answers, and
    /// provisions it.
    async fn bring_up(&self, inst: &Instance, action: &Action, deadline: Instant) -> Result<()> {
        let cache = self.init_cache(inst, action).await?;
        let cached = cache.as_ref().and_then(|c| c.hit.as_deref());
        let id = self.start(inst, action, cached).await?;
        self.wait(inst, action, &id, deadline).await?;
        self.provision(inst).await?;
        if let Some(InitCache { key, hit: None }) = &cache {
            self.keep_initialised(inst, &id, key, deadline).await?;
        }
        Ok(())
    }

    /// For a database whose data volume this run makes (not restored):
    /// its init cache key, and the entry to start from when there is one.
    async fn init_cache(&self, inst: &Instance, action: &Action) -> Result<Option<InitCache>> {
        let Some(volume) = &inst.container.volume else {
            return Ok(None);
        };
        let fresh = matches!(self.volumes.get(&volume.name), Some(None));
        if !inst.initialises
            || !fresh
            || !matches!(action, Action::Create | Action::Recreate { .. })
            || self.restore.contains_key(&inst.service)
        {
            return Ok(None);
        }
        let Some(image_id) = self.engine.image_id(&inst.container.image).await? else {
            return Ok(None);
        };
        let key = init_cache::key(&inst.container, &image_id, &inst.databases);
        let cache = init_cache::Cache::new(self.ctx.state_dir()?);
        let hit = match cache.lookup(&key) {
            Ok(hit) => hit,
            Err(why) => {
                self.ctx.ui.event(
                    &inst.service,
                    &format!("init cache entry {key} not used: {why}; initialising"),
                );
                None
            }
        };
        if hit.is_some() {
            self.ctx.ui.event(
                &inst.service,
                &format!("starting from the init cache (entry {key}) instead of initialising"),
            );
        }
        Ok(Some(InitCache { key, hit }))
    }

    /// Keeps the data a fresh initialisation just made (its databases
    /// provisioned too) as the init cache's entry: the service is stopped
    /// so the copy is consistent, then started and waited for again. A
    /// copy that fails costs the cache, never the `up`.
    async fn keep_initialised(
        &self,
        inst: &Instance,
        id: &str,
        key: &str,
        deadline: Instant,
    ) -> Result<()> {
        let (Some(volume), Ok(state_dir)) = (&inst.container.volume, self.ctx.state_dir()) else {
            return Ok(());
        };
        let cache = init_cache::Cache::new(state_dir);
        self.engine.stop(id, self.ctx.settings.stop_grace).await?;
        let kept = match cache.partial(key) {
            Ok(partial) => {
                let saved = self
                    .engine
                    .save_folder(id, &volume.path, &partial, |_| {})
                    .await
                    .and_then(|(bytes, sha256)| {
                        let meta = init_cache::Meta {
                            service: inst.service.clone(),
                            image: inst.container.image.clone(),
                            bytes,
                            sha256,
                            created: std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(0, |d| d.as_secs()),
                        };
                        cache.keep(key, &partial, &meta).map(|()| bytes)
                    });
                // A copy that failed leaves no half file behind.
                if saved.is_err() {
                    let _ = std::fs::remove_file(&partial);
                }
                saved
            }
            Err(e) => Err(e),
        };
        self.engine.start(id, &inst.container.name).await?;
        let message = match kept {
            Ok(bytes) => format!(
                "kept its initialised data in the init cache (entry {key}, {:.1} MB)",
                bytes as f64 / 1e6
            ),
            Err(e) => format!("init cache not filled: {e}"),
        };
        self.ctx.ui.event(&inst.service, &message);
        let again = Action::Start { id: id.to_string() };
        self.wait(inst, &again, id, deadline).await
    }

    /// Seed data goes into new data only: a data volume this run creates,
    /// or a new container's own layer when the service keeps no volume.
    /// Remembered before anything is created, so a run that stops before
    /// seeding leaves the seed to the next `up`.
    fn mark_new_data(&mut self, unit: &Unit) {
        let inst = &unit.instance;
        if inst.seed.is_none() || self.restore.contains_key(&inst.service) {
            return;
        }
        let new = match &inst.container.volume {
            Some(volume) => matches!(self.volumes.get(&volume.name), Some(None)),
            None => matches!(unit.action, Action::Create | Action::Recreate { .. }),
        };
        if new {
            self.state
                .set_seed_pending(&inst.service, seeded_data(inst));
        }
    }

    /// Applies the service's seed when its data still awaits it; `None`
    /// when none was due.
    async fn seed(&self, inst: &Instance) -> Option<Result<()>> {
        if inst.seed.is_none() || self.state.seed_pending(&inst.service) != Some(seeded_data(inst))
        {
            return None;
        }
        Some(self.apply_seed(inst).await)
    }

    /// Over whatever the data holds: it is new, or holds only part of the
    /// seed from a run that stopped halfway.
    async fn apply_seed(&self, inst: &Instance) -> Result<()> {
        let seeded =
            provision::apply_seed(inst, &self.placement.host, &self.ctx.settings.http, true)
                .await
                .map_err(|message| Error::Provision {
                    service: inst.service.clone(),
                    message,
                })?;
        if let provision::Seeded::Applied(what) = seeded {
            self.ctx.ui.event(&inst.service, &format!("seeded {what}"));
        }
        Ok(())
    }

    /// `cached`: an init cache entry the new data volume starts from.
    async fn start(
        &self,
        inst: &Instance,
        action: &Action,
        cached: Option<&std::path::Path>,
    ) -> Result<String> {
        let ui = &self.ctx.ui;
        let spec = &inst.container;
        Ok(match action {
            Action::Keep { id } => id.clone(),
            Action::Start { id } => {
                self.engine.start(id, &spec.name).await?;
                ui.event(&inst.service, "started");
                id.clone()
            }
            Action::Create | Action::Recreate { .. } => {
                if let Action::Recreate { id, changed } = action {
                    self.engine
                        .remove_container(id, self.ctx.settings.stop_grace)
                        .await?;
                    ui.event(&inst.service, &self.recreate_reason(inst, changed));
                }
                let from = self.restore.get(&inst.service).map(|a| a.as_path());
                let restoring = from.or(cached).map(|archive| {
                    let mut spec = spec.clone();
                    spec.restore = Some(archive.to_path_buf());
                    spec
                });
                // Seen absent while observing (a restore's volume was
                // removed before): created here, with its labels.
                let new_volume = spec
                    .volume
                    .as_ref()
                    .is_some_and(|v| matches!(self.volumes.get(&v.name), Some(None)));
                let created = self
                    .engine
                    .create_and_start(restoring.as_ref().unwrap_or(spec), new_volume)
                    .await;
                let id = match (created, &restoring) {
                    (Ok(id), _) => id,
                    // A half-restored volume must not pass for data later.
                    (Err(e), Some(spec)) => {
                        if let Some(volume) = &spec.volume {
                            let name = volume.name.as_str();
                            let _ = self
                                .engine
                                .remove_volumes(&self.project.name, |n, _| n == name)
                                .await;
                        }
                        return Err(e);
                    }
                    (Err(e), None) => return Err(e),
                };
                ui.event(&inst.service, &format!("started container {}", spec.name));
                id
            }
        })
    }

    /// Why a container is recreated, in the user's words.
    fn recreate_reason(&self, inst: &Instance, changed: &[String]) -> String {
        let branch = inst
            .container
            .volume
            .as_ref()
            .and_then(|v| v.branch.as_ref());
        if let (Some(branch), [only]) = (branch, changed)
            && only == "volume"
        {
            return format!(
                "recreating with the data of branch `{branch}` (same ports and passwords)"
            );
        }
        if changed.iter().any(|c| c == "network") {
            return match &self.placement.network {
                None => "recreating on the engine's default bridge (`network: true` keeps a project network)".into(),
                Some(network) => format!("recreating on the project network {network}"),
            };
        }
        if changed.is_empty() {
            return "configuration changed: recreating".into();
        }
        if changed.iter().any(|c| c == crate::plan::NEVER_STARTED) {
            return "its container was created but never started (an interrupted run): recreating"
                .into();
        }
        let words: Vec<&str> = changed.iter().map(|c| instance::part_words(c)).collect();
        format!("{} changed: recreating", words.join(", "))
    }

    async fn wait(
        &self,
        inst: &Instance,
        action: &Action,
        id: &str,
        deadline: Instant,
    ) -> Result<()> {
        let task = self
            .ctx
            .ui
            .spinner_task(&inst.service, "waiting until ready");
        let waited = Instant::now();
        let http = &self.ctx.settings.http;
        let reach = probe::Reach::container(&self.placement.host, http, &self.engine, id);
        let probing = probe::wait_all(&inst.probes, &reach, deadline, || async {
            match self.engine.exit_code(id).await {
                Some(code) => Err(format!("the container exited with code {code}")),
                None => Ok(()),
            }
        });
        // On a terminal, a service slow to answer shows its latest log line
        // under the spinner, so nobody wonders whether it hangs.
        let result = if task.shows_detail() {
            tokio::pin!(probing);
            let mut tick = tokio::time::interval_at(waited + LOG_LINE_AFTER, LOG_LINE_EVERY);
            loop {
                tokio::select! {
                    result = &mut probing => break result,
                    _ = tick.tick() => task.detail(&self.engine.tail_logs(id, 1).await),
                }
            }
        } else {
            probing.await
        };
        if let Err(last_error) = result {
            task.abandon();
            return Err(Error::NotReady {
                service: inst.service.clone(),
                container: inst.container.name.clone(),
                timeout_secs: self.ctx.settings.timeout.as_secs(),
                last_error,
                logs: self.engine.tail_logs(id, 20).await,
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
        Ok(())
    }

    async fn provision(&self, inst: &Instance) -> Result<()> {
        if let (Some(admin), [_, more @ ..]) = (&inst.admin, &inst.databases[..])
            && !more.is_empty()
        {
            let created = provision::ensure_databases(
                &self.placement.host,
                admin,
                more,
                inst.user.as_deref(),
            )
            .await;
            self.report_created(inst, "database", created)?;
        }
        if let (Some(target), false) = (&inst.s3, inst.buckets.is_empty()) {
            let created =
                provision::ensure_buckets(target, &inst.buckets, &self.ctx.settings.http).await;
            self.report_created(inst, "bucket", created)?;
        }
        Ok(())
    }

    /// One line per thing provisioning created; its failure as the
    /// service's error.
    fn report_created(
        &self,
        inst: &Instance,
        what: &str,
        created: std::result::Result<Vec<String>, String>,
    ) -> Result<()> {
        let created = created.map_err(|message| Error::Provision {
            service: inst.service.clone(),
            message,
        })?;
        for name in created {
            self.ctx
                .ui
                .event(&inst.service, &format!("created {what} {name}"));
        }
        Ok(())
    }

    /// Writes the variables of every service that answers (and of those
    /// left untouched); then reports every service that failed.
    fn export(&mut self, units: Vec<Unit<'_>>, untouched: &[Observed]) -> Result<Vec<Instance>> {
        let mut ready = Vec::new();
        let mut failed = Vec::new();
        for unit in units {
            match unit.seeded {
                Some(Ok(())) => self.state.seed_applied(&unit.instance.service),
                Some(Err(e)) => failed.push(e),
                None => {}
            }
            match unit.outcome {
                Ok(()) => ready.push(unit.instance),
                Err(e) => failed.push(e),
            }
        }
        self.state.save()?;
        // Services `up` has not run for (not selected, ports pinned) are
        // left out: their passwords do not exist yet.
        let exported = exports::exports(
            self.project,
            &ready,
            untouched,
            &self.state,
            &self.placement,
        )?;
        write_env_file(self.ctx, self.project, &exported.vars)?;
        Error::all(failed)?;
        Ok(ready)
    }

    /// Renders one service with its host ports and password.
    fn instantiate(&mut self, spec: &ServiceSpec, observed: &[Observed]) -> Result<Instance> {
        let ours: HashSet<u16> = observed
            .iter()
            .filter(|c| c.service == spec.name)
            .flat_map(|c| c.ports.iter().map(|m| m.host))
            .collect();
        let mut host_ports = HashMap::new();
        for port in &spec.ports {
            let chosen = match port.host {
                Some(pinned) => self.check_pinned(spec, port.container, pinned, &ours)?,
                None => self.choose_port(spec, &port.name, &ours)?,
            };
            self.reserved.insert(chosen);
            self.state.set_port(&spec.name, &port.name, chosen);
            host_ports.insert(port.name.clone(), chosen);
            if self.placement.tunnel.is_some() {
                let local = self.choose_forward(spec, &port.name, port.host)?;
                self.placement.forwards.insert(chosen, local);
            }
        }
        // A generated password is made here, once, and remembered (unless
        // recover_passwords took it back from a volume): only `up` makes one.
        if let Some(Password::Generate(rule)) = &spec.password {
            self.state.secret(&spec.name, *rule);
        }
        let password = exports::password(&self.state, spec).unwrap_or_default();
        instance::render(
            &self.project.name,
            spec,
            &host_ports,
            password.as_deref(),
            &self.placement,
        )
    }

    fn check_pinned(
        &self,
        spec: &ServiceSpec,
        container: u16,
        pinned: u16,
        ours: &HashSet<u16>,
    ) -> Result<u16> {
        let local = self.engine.endpoint.is_local();
        if local && !ours.contains(&pinned) && !ports::bindable(pinned) {
            return Err(Error::Runtime(format!(
                "service `{}`: host port {pinned} (pinned for container port {container}) is already in use; free it or change `ports:` in {}",
                spec.name,
                self.project.file.display()
            )));
        }
        Ok(pinned)
    }

    /// The local port a published one is forwarded from: a pinned port is
    /// the one the app uses, so it is the local one too.
    fn choose_forward(
        &mut self,
        spec: &ServiceSpec,
        port: &str,
        pinned: Option<u16>,
    ) -> Result<u16> {
        let key = format!("{}/{}/{port}", self.project.name, spec.name);
        let remembered = pinned.or(self.state.forward(&spec.name, port));
        let held = forwards::held(&self.state);
        let local =
            forwards::choose_local(&key, remembered, &held, &self.forwarded).ok_or_else(|| {
                Error::Runtime(format!(
                    "service `{}`: no free local port to forward",
                    spec.name
                ))
            })?;
        self.forwarded.insert(local);
        self.state.set_forward(&spec.name, port, local);
        Ok(local)
    }

    /// Starts (or keeps) the project's SSH forwards: every service's
    /// published ports that the state remembers, selected or not.
    fn ensure_forwards(&mut self) -> Result<()> {
        let Some(ssh) = self.placement.tunnel.clone() else {
            return Ok(());
        };
        let mut pairs = Vec::new();
        for spec in &self.project.services {
            for port in &spec.ports {
                if let (Some(local), Some(remote)) = (
                    self.state.forward(&spec.name, &port.name),
                    self.state.port(&spec.name, &port.name),
                ) {
                    pairs.push((local, remote));
                }
            }
        }
        let log = self
            .ctx
            .state_dir()?
            .join(format!("{}.forwards.log", self.project.name));
        if forwards::ensure(&ssh, &mut self.state, &log, &pairs)? {
            self.ctx.ui.event(
                &self.project.name,
                &format!(
                    "opened SSH port forwards to {}'s loopback ({} ports)",
                    ssh.host,
                    pairs.len()
                ),
            );
        }
        Ok(())
    }

    fn choose_port(&self, spec: &ServiceSpec, port: &str, ours: &HashSet<u16>) -> Result<u16> {
        let key = format!("{}/{}/{port}", self.project.name, spec.name);
        ports::choose(
            &key,
            self.state.port(&spec.name, port),
            ours,
            &self.reserved,
            self.engine.endpoint.is_local(),
        )
        .ok_or_else(|| Error::Runtime(format!("service `{}`: no free host port", spec.name)))
    }
}

/// Every service is external: nothing to start, and no engine needed. When
/// one is reachable, containers left from before (say, the laptop profile's)
/// are removed, as `up` removes any service that is no longer wanted.
async fn attach_only(ctx: &Context, project: &Project, prune: bool) -> Result<()> {
    let _lock = ctx.lock(project).await?;
    if prune && let Ok(engine) = ctx.engine().await {
        for c in engine.project_containers(&project.name).await? {
            engine
                .remove_container(&c.id, ctx.settings.stop_grace)
                .await?;
            ctx.ui.event(
                &c.service,
                &format!("removed container {} (now attached, not started)", c.name),
            );
        }
    }
    let (_, vars) = super::variables::collect(ctx).await?;
    write_env_file(ctx, project, &vars)
}

/// What a seed goes into: the data volume's name, or "" for a container's
/// own layer.
fn seeded_data(inst: &Instance) -> &str {
    inst.container
        .volume
        .as_ref()
        .map_or("", |v| v.name.as_str())
}

/// A fresh database volume's init cache key, and its entry when there is
/// one (`None`: initialise, then keep the result).
struct InitCache {
    key: String,
    hit: Option<std::path::PathBuf>,
}

/// The engine refused a host port that was free when it was chosen:
/// something else took it in between.
fn port_taken(outcome: &Result<()>) -> bool {
    matches!(outcome, Err(Error::Engine(e)) if e.fault() == Fault::PortTaken)
}

fn pull_summary(image: &str, pulled: engine::PullProgress) -> String {
    let megabytes = pulled.total as f64 / 1e6;
    let untold = match pulled.sizeless {
        1 => "1 layer".to_string(),
        n => format!("{n} layers"),
    };
    // Podman often says a layer is complete, not how large it was.
    match (pulled.total, pulled.sizeless) {
        (0, 0) => format!("pulled {image} (all layers already present)"),
        (0, _) => format!("pulled {image} ({untold}; the engine did not tell their size)"),
        (_, 0) => format!("pulled {image} ({megabytes:.1} MB)"),
        (_, _) => format!(
            "pulled {image} ({megabytes:.1} MB, and {untold} whose size the engine did not tell)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_summary_claims_layers_present_only_when_none_came() {
        let summary = |total, sizeless| {
            let pulled = engine::PullProgress {
                current: total,
                total,
                sizeless,
            };
            pull_summary("redis:7.4", pulled)
        };
        assert_eq!(
            summary(0, 0),
            "pulled redis:7.4 (all layers already present)"
        );
        assert_eq!(summary(12_345_678, 0), "pulled redis:7.4 (12.3 MB)");
        // Podman: layers complete, sizes never told.
        assert_eq!(
            summary(0, 2),
            "pulled redis:7.4 (2 layers; the engine did not tell their size)"
        );
        assert_eq!(
            summary(8_500_000, 1),
            "pulled redis:7.4 (8.5 MB, and 1 layer whose size the engine did not tell)"
        );
    }
}
