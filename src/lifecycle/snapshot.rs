//! Snapshots of service data: each service's data folder saved as a tar
//! file (through the engine's archive endpoints) under the snapshot folder,
//! with what it came from; restored into a new volume behind the same
//! container settings, ports and passwords.
//!
//! A service is stopped, not paused, while its data is copied: a stopped
//! server has written everything out (Redis its RDB file at shutdown,
//! PostgreSQL a checkpoint), where a paused one may hold recent writes in
//! memory or be halfway through a file.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::archive_check;
use super::select_fitting;
use crate::atomic;
use crate::config::{Project, ServiceSpec};
use crate::context::Context;
use crate::engine::{Engine, Observed};
use crate::error::{Error, Result};
use crate::exports;
use crate::instance;
use crate::private;
use crate::probe;
use crate::signals::Stops;

/// How long a service may take to shut down cleanly before its data is
/// copied (at least; `--stop-grace` may give more).
const SAVE_GRACE: Duration = Duration::from_secs(30);

/// What a snapshot holds, in its `snapshot.json`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Meta {
    /// Seconds since 1970 when it was saved.
    pub(crate) created: u64,
    pub(crate) services: IndexMap<String, Saved>,
}

/// One service's saved data, and what it came from.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Saved {
    pub(crate) image: String,
    pub(crate) template: String,
    /// The data folder in the container.
    pub(crate) path: String,
    /// The archive's size and SHA-256, checked before a restore.
    pub(crate) bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sha256: Option<String>,
    /// The generated password the data was initialised with (the data
    /// refuses any other), so a restore works after the state folder was
    /// lost; snapshot.json is the owner's alone, as the state folder is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<String>,
}

/// A snapshot's name becomes a folder's: letters, digits, `.`, `_`, `-`.
fn validate_name(name: &str) -> Result<()> {
    let fine = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    if name.is_empty() || name.len() > 64 || name.starts_with('.') || !name.chars().all(fine) {
        return Err(Error::Usage(format!(
            "snapshot name `{name}`: use up to 64 letters, digits, `.`, `_` and `-`, not starting with `.`"
        )));
    }
    Ok(())
}

/// Where a project's snapshots live.
pub(crate) fn folder(ctx: &Context, project: &str) -> Result<PathBuf> {
    let root = match &ctx.settings.snapshot_dir {
        Some(dir) => dir.clone(),
        None => ctx.state_dir()?.join("snapshots"),
    };
    Ok(root.join(project))
}

fn meta_path(dir: &Path) -> PathBuf {
    dir.join("snapshot.json")
}

/// The snapshot `name`, read; a missing one is a usage error naming the
/// closest.
pub(crate) fn read(ctx: &Context, project: &str, name: &str) -> Result<(PathBuf, Meta)> {
    validate_name(name)?;
    let dir = folder(ctx, project)?.join(name);
    let path = meta_path(&dir);
    let Ok(text) = std::fs::read_to_string(&path) else {
        let known = list(ctx, project)?;
        let hint = crate::suggest::did_you_mean(name, known.iter().map(|(n, _)| n.as_str()))
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        return Err(Error::Usage(format!(
            "no snapshot `{name}` of project `{project}`{hint}"
        )));
    };
    let meta = serde_json::from_str(&text)
        .map_err(|e| Error::Runtime(format!("{}: not a devsvc snapshot: {e}", path.display())))?;
    Ok((dir, meta))
}

/// Every snapshot of the project, oldest first.
pub(crate) fn list(ctx: &Context, project: &str) -> Result<Vec<(String, Meta)>> {
    let root = folder(ctx, project)?;
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Ok(text) = std::fs::read_to_string(meta_path(&entry.path()))
            && let Ok(meta) = serde_json::from_str::<Meta>(&text)
        {
            found.push((name, meta));
        }
    }
    found.sort_by_key(|(name, meta)| (meta.created, name.clone()));
    Ok(found)
}

/// The services a snapshot command works on: those named, or every one
/// that keeps data; each must keep data in a volume.
fn with_data<'p>(project: &'p Project, names: &[String]) -> Result<Vec<&'p ServiceSpec>> {
    select_fitting(
        project,
        names,
        |s| s.data.is_some() && s.external.is_none(),
        |name| match project
            .services
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.shared.as_ref())
        {
            // Never a snapshot of the whole server, restored over other
            // projects' data; a slice's own is not made yet.
            Some(slice) => format!(
                "service `{name}` lives on the shared server {}: snapshots of one project's slice are not made yet, and one of the whole server would be restored over other projects' data; to snapshot it, take it out of sharing (README: Shared servers)",
                crate::shared::container_name(&slice.server)
            ),
            None => format!("service `{name}` keeps no data volume, so it has nothing to snapshot"),
        },
    )
}

/// Saves the data of the services named (all with data when none).
///
/// A signal while saving undoes it: each service that was running is
/// started again (after the stop under way has finished, so the engine
/// never ends a stop after the start) and no snapshot is written. devsvc
/// killed outright leaves the services stopped, which the next `up`
/// starts, and a hidden partial folder, which the next save removes.
pub(crate) async fn save(
    ctx: &Context,
    name: &str,
    names: &[String],
    stops: &mut Stops,
) -> Result<()> {
    validate_name(name)?;
    let project = ctx.load_project()?;
    let services = with_data(&project, names)?;
    if services.is_empty() {
        return Err(Error::Usage(
            "no service of this project keeps a data volume: nothing to save".into(),
        ));
    }
    let root = folder(ctx, &project.name)?;
    let dir = root.join(name);
    let engine = ctx.engine().await?;
    let _lock = ctx.lock(&project).await?;
    if dir.exists() {
        return Err(Error::Usage(format!(
            "snapshot `{name}` exists already; `devsvc snapshot rm {name}` first, or choose another name"
        )));
    }
    let observed = engine.project_containers(&project.name).await?;
    // Every service has a container before any is stopped.
    if let Some(spec) = services
        .iter()
        .find(|s| !observed.iter().any(|c| c.service == s.name))
    {
        return Err(Error::Runtime(format!(
            "service `{0}` has no container, so no data to save; `devsvc up {0}` first",
            spec.name
        )));
    }
    let partial = begin(&root, name)?;
    let saver = Saver {
        ctx,
        engine: &engine,
        project: &project,
        observed: &observed,
        into: &partial,
    };
    let outcomes = tokio::select! {
        outcomes = join_all(services.iter().map(|spec| saver.save(spec))) => outcomes,
        stop = stops.next() => {
            saver.undo(&services).await;
            let _ = std::fs::remove_dir_all(&partial);
            return Err(Error::Interrupted(stop));
        }
    };
    let mut saved = IndexMap::new();
    let mut errors = Vec::new();
    for (spec, outcome) in services.iter().zip(outcomes) {
        match outcome {
            Ok(s) => {
                saved.insert(spec.name.clone(), s);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        let _ = std::fs::remove_dir_all(&partial);
        return Error::all(errors);
    }
    let meta = Meta {
        created: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        services: saved,
    };
    write_meta(&partial, &meta)?;
    std::fs::rename(&partial, &dir).map_err(|e| Error::io(&dir, e))?;
    ctx.ui.event(
        &project.name,
        &format!("saved snapshot {name} in {}", dir.display()),
    );
    Ok(())
}

/// The folder a snapshot `name` is saved into before it is complete,
/// new and empty, in the project's snapshot folder `root`. Snapshots hold
/// whole databases: every folder is the owner's alone (0700), `root` too
/// when an earlier version made it wider.
///
/// Partial folders left by a save that was killed are removed first: the
/// caller holds the project's lock, so no other save is writing one.
fn begin(root: &Path, name: &str) -> Result<PathBuf> {
    private::own_dir(root)?;
    for entry in std::fs::read_dir(root).map_err(|e| Error::io(root, e))? {
        let path = entry.map_err(|e| Error::io(root, e))?.path();
        if is_partial(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    // Snapshot names never start with `.`: this cannot be one.
    let partial = root.join(format!(".{name}.partial"));
    private::own_dir(&partial)?;
    Ok(partial)
}

/// A save's folder before it is complete: `.NAME.partial`.
fn is_partial(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n.ends_with(".partial"))
}

/// Writes what a snapshot holds into its folder `dir` (0600).
fn write_meta(dir: &Path, meta: &Meta) -> Result<()> {
    let json = serde_json::to_string_pretty(meta).expect("snapshot meta serialises");
    atomic::write(&meta_path(dir), json.as_bytes(), 0o600)
}

/// What saving one service needs.
struct Saver<'a> {
    ctx: &'a Context,
    engine: &'a Engine,
    project: &'a Project,
    observed: &'a [Observed],
    into: &'a Path,
}

impl Saver<'_> {
    /// Stops the service, copies its data folder out, and starts it again
    /// (waiting until it answers) when it was running.
    async fn save(&self, spec: &ServiceSpec) -> Result<Saved> {
        let container = self
            .observed
            .iter()
            .find(|c| c.service == spec.name)
            .ok_or_else(|| {
                Error::Runtime(format!(
                    "service `{0}` has no container, so no data to save; `devsvc up {0}` first",
                    spec.name
                ))
            })?;
        let path = spec.data.clone().unwrap_or_default();
        // Time for a clean shutdown (Redis writing a large RDB file, a
        // PostgreSQL checkpoint), whatever --stop-grace says for `down`.
        let grace = self.ctx.settings.stop_grace.max(SAVE_GRACE);
        let stopping = Instant::now();
        self.engine.stop(&container.id, grace).await?;
        self.ctx
            .ui
            .phase(&format!("{}: stopped, copying its data out", spec.name));
        let copying = Instant::now();
        let task = self.ctx.ui.spinner_task(&spec.name, "saving its data");
        let file = self.into.join(format!("{}.tar", spec.name));
        let saved = self
            .engine
            .save_folder(&container.id, &path, &file, |n| {
                task.status(&format!("saving its data: {:.1} MB", n as f64 / 1e6))
            })
            .await;
        // Running again whether or not the copy worked.
        let starting = Instant::now();
        let restarted = match container.running {
            true => self.restart(spec, &container.id).await,
            false => Ok(()),
        };
        let (bytes, sha256) = match saved.and_then(|saved| restarted.map(|()| saved)) {
            Ok(saved) => saved,
            Err(e) => {
                task.abandon();
                return Err(e);
            }
        };
        let secs = |from: Instant, to: Instant| (to - from).as_secs_f64();
        task.finish(&format!(
            "saved {:.1} MB of {path} (stop {:.2} s, copy {:.2} s, start until ready {:.2} s)",
            bytes as f64 / 1e6,
            secs(stopping, copying),
            secs(copying, starting),
            starting.elapsed().as_secs_f64()
        ));
        Ok(Saved {
            image: spec.image.clone(),
            template: spec.template.clone(),
            path,
            bytes,
            sha256: Some(sha256),
            password: self.password(spec)?,
        })
    }

    /// After an interrupted save: every service that was running runs
    /// again. Each is stopped first, which waits for a stop the dropped
    /// save had asked for (a start before it ended would be undone by it).
    /// Best effort: what cannot be started is left to the next `up`.
    async fn undo(&self, services: &[&ServiceSpec]) {
        let running = services.iter().filter_map(|spec| {
            let container = self.observed.iter().find(|c| c.service == spec.name)?;
            container.running.then_some((spec, container))
        });
        let restarts = running.map(|(spec, container)| async move {
            let grace = self.ctx.settings.stop_grace.max(SAVE_GRACE);
            let started = async {
                self.engine.stop(&container.id, grace).await?;
                self.engine.start(&container.id, &container.name).await
            };
            let said = match started.await {
                Ok(()) => "save interrupted: started again; no snapshot written".to_string(),
                Err(e) => {
                    format!("save interrupted and not started again ({e}); `devsvc up` starts it")
                }
            };
            self.ctx.ui.event(&spec.name, &said);
        });
        join_all(restarts).await;
    }

    /// The generated password the service's data was initialised with.
    fn password(&self, spec: &ServiceSpec) -> Result<Option<String>> {
        if !matches!(spec.password, Some(crate::config::Password::Generate(_))) {
            return Ok(None);
        }
        let state = self.ctx.state(self.project)?;
        Ok(state.stored_secret(&spec.name).map(str::to_string))
    }

    async fn restart(&self, spec: &ServiceSpec, id: &str) -> Result<()> {
        self.engine
            .start(
                id,
                &instance::container_name(&self.project.name, &spec.name),
            )
            .await?;
        let observed = self.engine.project_containers(&self.project.name).await?;
        let state = self.ctx.state(self.project)?;
        let placement = self.ctx.placement(self.engine, self.project);
        let Some(inst) =
            exports::running_instance(self.project, spec, &observed, &state, &placement)?
        else {
            return Err(Error::Runtime(format!(
                "service `{}` did not start again after its data was saved; see `devsvc logs {}`",
                spec.name, spec.name
            )));
        };
        let deadline = Instant::now() + self.ctx.settings.timeout;
        let reach = probe::Reach::container(
            &placement.host,
            &self.ctx.settings.http,
            self.engine,
            &inst.container.name,
        );
        probe::wait_all(&inst.probes, &reach, deadline, || async {
            Ok::<(), String>(())
        })
        .await
        .map_err(|last_error| Error::NotReady {
            service: spec.name.clone(),
            container: inst.container.name.clone(),
            timeout_secs: self.ctx.settings.timeout.as_secs(),
            last_error,
            logs: String::new(),
        })
    }
}

/// Restores the services named (all in the snapshot when none): each gets
/// a new volume holding the saved data, behind a new container with the
/// same settings, ports and passwords; other services are not touched.
/// What each volume held is saved first and put back when the restored
/// service does not answer.
pub(crate) async fn restore(ctx: &Context, name: &str, names: &[String]) -> Result<()> {
    let project = ctx.load_project()?;
    let (dir, meta) = read(ctx, &project.name, name)?;
    let services = with_data(&project, names)?;
    let mut archives = HashMap::new();
    for spec in &services {
        let Some(saved) = meta.services.get(&spec.name) else {
            if names.is_empty() {
                continue;
            }
            return Err(Error::Usage(format!(
                "snapshot `{name}` holds no data of `{}`; it holds {}",
                spec.name,
                meta.services.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        };
        check_compatible(name, spec, saved)?;
        archives.insert(spec.name.clone(), dir.join(format!("{}.tar", spec.name)));
    }
    if archives.is_empty() {
        return Err(Error::Usage(format!(
            "snapshot `{name}` holds no data of this project's services"
        )));
    }
    // Every archive is checked whole before any data is removed.
    for spec in services.iter().filter(|s| archives.contains_key(&s.name)) {
        check_archive(name, &archives[&spec.name], &meta.services[&spec.name]).await?;
    }
    let engine = ctx.engine().await?;
    // One lock from the removal through the `up` that restores, so no
    // other run sees the service without its data.
    let lock = ctx.lock(&project).await?;
    let before = adopt_passwords(ctx, &project, &meta, &archives)?;
    let keep = folder(ctx, &project.name)?.join(".before-restore");
    // Whole databases too: the owner's alone, as snapshots are.
    private::own_dir(&keep)?;
    let observed = engine.project_containers(&project.name).await?;
    let mut kept = HashMap::new();
    for spec in services.iter().filter(|s| archives.contains_key(&s.name)) {
        for c in observed.iter().filter(|c| c.service == spec.name) {
            engine
                .remove_container(&c.id, ctx.settings.stop_grace)
                .await?;
        }
        // This service's volume of the current branch's data, no other;
        // what it holds is kept until the restored data answers.
        if let (Some(volume), Some(path)) = (&spec.volume, &spec.data) {
            let file = keep.join(format!("{}.tar", spec.name));
            if engine
                .save_volume(&project.name, &spec.image, volume, path, &file)
                .await?
                .is_some()
            {
                // Remembered before the volume goes: an interrupted
                // restore leaves the next `up` to put the data back.
                let mut state = ctx.state(&project)?;
                state.set_restoring(&spec.name, Some(file.clone()));
                state.save()?;
                kept.insert(spec.name.clone(), file);
            }
            engine
                .remove_volumes(&project.name, |name, _| name == volume)
                .await?;
        }
    }
    let restoring: Vec<String> = archives.keys().cloned().collect();
    let restored = super::up::up_restoring(ctx, &restoring, &archives, Some(lock)).await;
    if let Err(e) = restored {
        put_back(ctx, &project, &engine, &kept, before).await;
        return Err(e);
    }
    forget_restoring(ctx, &project, kept.keys())?;
    let _ = std::fs::remove_dir_all(&keep);
    for service in &restoring {
        ctx.ui
            .event(service, &format!("restored from snapshot {name}"));
    }
    Ok(())
}

/// A restore that did not answer: the services' data from before goes
/// back (with the passwords it was initialised with), from the files kept
/// of it; where that fails too, the files stay, and the message says where.
async fn put_back(
    ctx: &Context,
    project: &Project,
    engine: &Engine,
    kept: &HashMap<String, PathBuf>,
    passwords: HashMap<String, Option<String>>,
) {
    if kept.is_empty() {
        return;
    }
    let undone = async {
        let mut state = ctx.state(project)?;
        for (service, password) in passwords {
            match password {
                Some(password) => state.adopt_secret(&service, password),
                None => state.forget_secret(&service),
            }
        }
        state.save()?;
        let _lock = ctx.lock(project).await?;
        remove_data(ctx, engine, project, kept).await?;
        drop(_lock);
        let names: Vec<String> = kept.keys().cloned().collect();
        super::up::up_restoring(ctx, &names, kept, None).await?;
        Ok::<(), Error>(())
    };
    match undone
        .await
        .and_then(|()| forget_restoring(ctx, project, kept.keys()))
    {
        Ok(()) => {
            for service in kept.keys() {
                ctx.ui.event(
                    service,
                    "the restore did not answer: its data from before is back",
                );
            }
            if let Some(dir) = kept.values().next().and_then(|f| f.parent()) {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        Err(e) => {
            for (service, file) in kept {
                ctx.ui.event(
                    service,
                    &format!(
                        "the restore did not answer, and putting its data from before back failed too ({e}); that data is kept in {}",
                        file.display()
                    ),
                );
            }
        }
    }
}

/// The services' restores are over (their data answers).
fn forget_restoring<'k>(
    ctx: &Context,
    project: &Project,
    services: impl Iterator<Item = &'k String>,
) -> Result<()> {
    let mut state = ctx.state(project)?;
    for service in services {
        state.set_restoring(service, None);
    }
    state.save()
}

/// Restores an earlier run left unfinished (interrupted after a service's
/// data was removed): what the volume holds now may be half the snapshot,
/// so it goes, and the data from before comes back through the `up` that
/// follows. Returns the services and the files their data comes from.
pub(crate) async fn unfinished_restores(
    ctx: &Context,
    project: &Project,
    engine: &Engine,
) -> Result<HashMap<String, PathBuf>> {
    let state = ctx.state(project)?;
    let unfinished: HashMap<String, PathBuf> = state
        .restoring()
        .iter()
        .filter(|(_, file)| file.is_file())
        .map(|(s, f)| (s.clone(), f.clone()))
        .collect();
    if unfinished.is_empty() {
        return Ok(unfinished);
    }
    remove_data(ctx, engine, project, &unfinished).await?;
    for service in unfinished.keys() {
        ctx.ui.event(
            service,
            "a restore was interrupted: its data from before comes back",
        );
    }
    Ok(unfinished)
}

/// Removes the containers of the services in `of` and their data volume
/// (of the current branch's data), so their data can come back whole.
async fn remove_data(
    ctx: &Context,
    engine: &Engine,
    project: &Project,
    of: &HashMap<String, PathBuf>,
) -> Result<()> {
    let observed = engine.project_containers(&project.name).await?;
    for spec in project.services.iter().filter(|s| of.contains_key(&s.name)) {
        for c in observed.iter().filter(|c| c.service == spec.name) {
            engine
                .remove_container(&c.id, ctx.settings.stop_grace)
                .await?;
        }
        if let Some(volume) = &spec.volume {
            engine
                .remove_volumes(&project.name, |name, _| name == volume)
                .await?;
        }
    }
    Ok(())
}

/// After the `up` that put their data back: the services' restores are
/// over, and the files kept for them go.
pub(crate) fn finish_unfinished(
    ctx: &Context,
    project: &Project,
    done: &HashMap<String, PathBuf>,
) -> Result<()> {
    forget_restoring(ctx, project, done.keys())?;
    for file in done.values() {
        let _ = std::fs::remove_file(file);
    }
    Ok(())
}

/// Restored data takes back the password it was initialised with (a
/// state folder lost or made anew since the snapshot has another one, or
/// none), so the service answers with its data and the env file says so.
/// Returns the passwords they had before (to put back with their data).
fn adopt_passwords(
    ctx: &Context,
    project: &Project,
    meta: &Meta,
    archives: &HashMap<String, PathBuf>,
) -> Result<HashMap<String, Option<String>>> {
    let mut state = ctx.state(project)?;
    let mut before = HashMap::new();
    for (service, saved) in &meta.services {
        if let (true, Some(password)) = (archives.contains_key(service), &saved.password)
            && state.stored_secret(service) != Some(password.as_str())
        {
            before.insert(
                service.clone(),
                state.stored_secret(service).map(str::to_string),
            );
            state.adopt_secret(service, password.clone());
            ctx.ui.event(
                service,
                "password taken from the snapshot, whose data was initialised with it",
            );
        }
    }
    state.save()?;
    Ok(before)
}

/// A saved tar file fit to restore (see `archive_check`): refused with
/// the reason, before anything is touched.
async fn check_archive(name: &str, path: &Path, saved: &Saved) -> Result<()> {
    let owned = path.to_path_buf();
    let data = saved.path.clone();
    let sha256 = saved.sha256.clone();
    let bytes = saved.bytes;
    let verdict = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&owned).map_err(|e| e.to_string())?;
        let recorded = archive_check::Recorded {
            bytes,
            sha256: sha256.as_deref(),
        };
        archive_check::check(std::io::BufReader::new(file), &data, &recorded)
    })
    .await
    .map_err(|e| Error::Runtime(e.to_string()))?;
    verdict.map_err(|why| {
        Error::Runtime(format!(
            "snapshot `{name}`: {} {why}; it was not restored, and nothing was touched",
            path.display()
        ))
    })
}

/// Data goes back only into the image and template it came from: another
/// server version may not read it, or may rewrite it for good.
fn check_compatible(name: &str, spec: &ServiceSpec, saved: &Saved) -> Result<()> {
    if saved.image == spec.image
        && saved.template == spec.template
        && spec.data.as_deref() == Some(saved.path.as_str())
    {
        return Ok(());
    }
    Err(Error::Runtime(format!(
        "snapshot `{name}` holds `{}` data of {} from image {} (template {}); the service now runs image {} (template {}, data in {}), which may not read it or may change it for good. Nothing was touched: set the service back to {} to restore, or save a new snapshot",
        spec.name,
        saved.path,
        saved.image,
        saved.template,
        spec.image,
        spec.template,
        spec.data.as_deref().unwrap_or("no volume"),
        saved.image
    )))
}

/// Removes the snapshot `name`.
pub(crate) fn remove(ctx: &Context, name: &str) -> Result<()> {
    let project = ctx.load_project()?;
    validate_name(name)?;
    let dir = folder(ctx, &project.name)?.join(name);
    if !dir.is_dir() {
        read(ctx, &project.name, name)?;
    }
    std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    ctx.ui
        .event(&project.name, &format!("removed snapshot {name}"));
    Ok(())
}

/// How long ago, in words: `5 s`, `3 min`, `2 h`, `4 d`.
pub(crate) fn age(created: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let secs = now.saturating_sub(created);
    match secs {
        0..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86400 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::private::mode;
    use std::os::unix::fs::PermissionsExt;

    /// Snapshots hold whole databases: only their owner may read them,
    /// in a new folder and in one an earlier version made 0755.
    #[test]
    fn snapshot_folders_and_files_are_the_owners_alone() {
        let state = tempfile::tempdir().unwrap();
        let root = state.path().join("snapshots/shop");
        let partial = begin(&root, "before").unwrap();
        assert_eq!(mode(&partial), 0o700, "the snapshot's folder");
        assert_eq!(mode(&root), 0o700, "the project's snapshot folder");
        assert_eq!(mode(root.parent().unwrap()), 0o700, "snapshots/");
        let meta = Meta {
            created: 0,
            services: IndexMap::new(),
        };
        write_meta(&partial, &meta).unwrap();
        assert_eq!(mode(&meta_path(&partial)), 0o600, "snapshot.json");
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        begin(&root, "after").unwrap();
        assert_eq!(mode(&root), 0o700, "an earlier version's folder, tightened");
    }
}
