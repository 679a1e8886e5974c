//! Servers shared by projects (`shared: true`): one container per engine,
//! template and major version (`devsvc-shared-postgres-17`), labelled as
//! shared and never as any project's, made on first use. Each project has
//! a slice of it (its own user, secret and databases) made through the
//! server's administrator login (`slice.rs`).
//!
//! The engine holds everything another devsvc needs, whatever its state
//! folder: the administrator's secret is a label of the server's volume,
//! and a project that runs on a server keeps a marker volume labelled with
//! both (`devsvc-<project>-<service>-uses`), made by `up` and removed by
//! `down`. The last project's `down` stops the server; its data stays until
//! `devsvc shared down --volumes`. Changes to a server are serialised by a
//! lock of its own, one per machine, whichever projects ask.
use std::collections::HashMap;
use std::path::PathBuf;

use crate::engine::{Engine, LABEL_PROJECT, LABEL_SERVICE, LABEL_SHARED, Observed};
use crate::error::{Error, Result};
use crate::lock::ProjectLock;

mod iam;
mod mysql_slice;
mod rabbitmq_slice;
mod redis_slice;
mod s3_slice;
mod server;
mod slice;

pub(crate) use server::{Server, ensure as ensure_server};
pub(crate) use slice::{drop_slice, provision};

/// `devsvc-shared-postgres-17`.
pub(crate) fn container_name(server: &str) -> String {
    format!("devsvc-shared-{server}")
}

fn volume_name(server: &str) -> String {
    format!("devsvc-shared-{server}-data")
}

/// The marker of a project's use of a server, between `up` and `down`.
fn marker_name(project: &str, service: &str) -> String {
    format!("devsvc-{project}-{service}-uses")
}

/// Marks that `project`'s `service` runs on `server` (kept if present).
pub(crate) async fn mark_use(
    engine: &Engine,
    project: &str,
    service: &str,
    server: &str,
) -> Result<()> {
    let labels: HashMap<String, String> = [
        (LABEL_PROJECT, project),
        (LABEL_SERVICE, service),
        (LABEL_SHARED, server),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    engine
        .create_volume(&marker_name(project, service), labels)
        .await
}

/// The projects that run on `server` now (those with a marker).
pub(crate) async fn users(engine: &Engine, server: &str) -> Result<Vec<String>> {
    let mut projects: Vec<String> = engine
        .volumes_with_label(LABEL_SHARED, server)
        .await?
        .into_iter()
        .filter_map(|(_, labels)| labels.get(LABEL_PROJECT).cloned())
        .collect();
    projects.sort();
    projects.dedup();
    Ok(projects)
}

/// Ends `project`'s use of its `service`'s server, and stops the server
/// when no other project runs on it. Returns whether it was stopped.
pub(crate) async fn end_use(
    engine: &Engine,
    project: &str,
    service: &str,
    server: &str,
    grace: std::time::Duration,
) -> Result<bool> {
    let _lock = lock(server).await?;
    engine.remove_volume(&marker_name(project, service)).await?;
    if !users(engine, server).await?.is_empty() {
        return Ok(false);
    }
    match running(engine, server).await? {
        Some(c) => {
            engine.stop(&c.id, grace).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Every shared server on the engine, by name (`postgres-17`).
pub(crate) async fn servers(engine: &Engine) -> Result<Vec<(String, Observed)>> {
    let mut found: Vec<(String, Observed)> = engine
        .containers_labelled(LABEL_SHARED)
        .await?
        .into_iter()
        .filter_map(|c| {
            let server = c.name.strip_prefix("devsvc-shared-")?.to_string();
            Some((server, c))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// Stops and removes a server's container; with `volumes`, its data and
/// every project's marker of it too. Returns the projects that ran on it.
pub(crate) async fn remove(
    engine: &Engine,
    server: &str,
    container: &Observed,
    volumes: bool,
    grace: std::time::Duration,
) -> Result<Vec<String>> {
    let _lock = lock(server).await?;
    let projects = users(engine, server).await?;
    engine.remove_container(&container.id, grace).await?;
    if volumes {
        for (name, _) in engine.volumes_with_label(LABEL_SHARED, server).await? {
            engine.remove_volume(&name).await?;
        }
    }
    Ok(projects)
}

/// The server's container, if it exists.
pub(crate) async fn container(engine: &Engine, server: &str) -> Result<Option<Observed>> {
    Ok(engine
        .containers_labelled(&format!("{LABEL_SHARED}={server}"))
        .await?
        .into_iter()
        .find(|c| c.name == container_name(server)))
}

async fn running(engine: &Engine, server: &str) -> Result<Option<Observed>> {
    Ok(container(engine, server).await?.filter(|c| c.running))
}

/// The shared servers a project's services run on, seen as the project's
/// own containers of those services (`service` set to theirs), so the
/// variables, `status` and `run` see them as `up` left them.
pub(crate) async fn observe(
    engine: &Engine,
    project: &crate::config::Project,
) -> Result<Vec<Observed>> {
    let mut seen = Vec::new();
    for spec in &project.services {
        let Some(slice) = &spec.shared else { continue };
        if let Some(mut c) = container(engine, &slice.server).await? {
            c.service = spec.name.clone();
            seen.push(c);
        }
    }
    Ok(seen)
}

/// Held while a server is made, started, sliced or stopped: a lock file
/// per server in this machine's temporary folder (one folder per user,
/// 0700), so projects with different state folders wait for each other
/// too.
pub(crate) async fn lock(server: &str) -> Result<ProjectLock> {
    let uid = nix::unistd::getuid();
    let dir: PathBuf = std::env::temp_dir().join(format!("devsvc-shared-{uid}"));
    let server = server.to_string();
    tokio::task::spawn_blocking(move || ProjectLock::acquire(&dir, &server))
        .await
        .map_err(|e| Error::Runtime(e.to_string()))?
}
