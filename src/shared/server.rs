//! The shared server itself: found, started, or made (with a generated
//! administrator secret kept as a label of its volume) and waited for.
//! A running server is never restarted.
use std::collections::HashMap;

use tokio::time::Instant;

use super::{container_name, volume_name};
use crate::config::{Generated, Password, ServiceSpec, Slice};
use crate::context::Context;
use crate::engine::{Engine, LABEL_PASSWORD, LABEL_PROJECT, LABEL_SHARED, Observed};
use crate::error::{Error, Result};
use crate::instance::{self, Placement};
use crate::probe::{self, Probe};

/// A running shared server, and how its administrator logs in (a
/// PostgreSQL or MySQL login: the protocol decides how slices are made).
pub(crate) struct Server {
    pub(crate) container: Observed,
    pub(crate) admin: Probe,
    /// Its published host ports, by the template's port names.
    pub(crate) ports: HashMap<String, u16>,
}

/// The generated administrator secret: long, letters and digits.
const ADMIN_SECRET: Generated = Generated {
    length: 32,
    symbols: false,
};

/// The running server of `spec`'s slice: kept as it is when it runs,
/// started when stopped, made when absent. The caller holds its lock.
pub(crate) async fn ensure(
    ctx: &Context,
    engine: &Engine,
    placement: &Placement,
    spec: &ServiceSpec,
    slice: &Slice,
) -> Result<Server> {
    let server = &slice.server;
    let volume = volume_name(server);
    let secret = match engine.labels_of("volume", &volume).await? {
        Some(labels) => labels.get(LABEL_PASSWORD).cloned().ok_or_else(|| {
            Error::Runtime(format!(
                "volume {volume} carries no administrator secret: it was not made by devsvc's shared server; remove it or rename it"
            ))
        })?,
        None => crate::state::generate_secret(ADMIN_SECRET),
    };
    // The server on the engine's default bridge: it is no one project's.
    let placement = Placement {
        network: None,
        ..placement.clone()
    };
    let mut existing = super::container(engine, server).await?;
    // A stopped server is started first: only a running container lists
    // the ports it publishes.
    if let Some(c) = existing.as_ref().filter(|c| !c.running) {
        engine.start(&c.id, &c.name).await?;
        ctx.ui.event(server, "started the shared server");
        existing = super::container(engine, server).await?;
    }
    let ports = match &existing {
        Some(c) => published(spec, c)?,
        None => choose_ports(spec, server, engine.endpoint.is_local())?,
    };
    let server_spec = server_spec(spec, slice);
    let inst = instance::render("shared", &server_spec, &ports, Some(&secret), &placement)?;
    let mut container_spec = inst.container;
    container_spec.labels.remove(LABEL_PROJECT);
    container_spec
        .labels
        .insert(LABEL_SHARED.into(), server.clone());
    let id = match &existing {
        Some(c) => c.id.clone(),
        None => {
            let id = engine.create_and_start(&container_spec, true).await?;
            ctx.ui.event(
                server,
                &format!("made the shared server {}", container_name(server)),
            );
            id
        }
    };
    let deadline = Instant::now() + ctx.settings.timeout;
    let reach = probe::Reach::container(&placement.host, &ctx.settings.http, engine, &id);
    probe::wait_all(&inst.probes, &reach, deadline, || async { Ok(()) })
        .await
        .map_err(|last_error| Error::NotReady {
            service: server.clone(),
            container: container_name(server),
            timeout_secs: ctx.settings.timeout.as_secs(),
            last_error,
            logs: String::new(),
        })?;
    let Some(
        admin @ (Probe::Postgres(_)
        | Probe::Mysql(_)
        | Probe::Redis { .. }
        | Probe::S3(_)
        | Probe::Http(_)),
    ) = inst.admin
    else {
        return Err(Error::Runtime(format!(
            "template `{}`: a shared server needs an `admin:` login of postgres, mysql, redis, s3 or http (RabbitMQ's management API)",
            spec.template
        )));
    };
    let container = super::container(engine, server)
        .await?
        .ok_or_else(|| Error::Runtime(format!("the shared server {server} vanished")))?;
    Ok(Server {
        container,
        admin,
        ports,
    })
}

/// The server as a service of its own: the template's (its command,
/// readiness and S3 login), with the administrator as its user and
/// database, the secret as its password, its own volume, the ports it
/// publishes, and none of the project's slice (databases, buckets, init
/// files, seed).
fn server_spec(spec: &ServiceSpec, slice: &Slice) -> ServiceSpec {
    let mut server = spec.clone();
    server.name = slice.server.clone();
    server.user = Some(slice.admin_user.clone());
    server.databases = vec![slice.admin_user.clone()];
    // Generated, so the volume keeps it as a label (`instance::render`).
    server.password = Some(Password::Generate(ADMIN_SECRET));
    server.data = slice.data.clone();
    server.volume = Some(volume_name(&slice.server));
    server.init = Vec::new();
    server.seed = None;
    server.shared = None;
    server.per_branch = false;
    server.data_branch = None;
    server.branch_source = None;
    server.command = slice.server_command.clone();
    server.ready = slice.server_ready.clone();
    server.s3 = slice.server_s3.clone();
    server.buckets = Vec::new();
    server
}

/// The host ports a running (or stopped) server publishes.
fn published(spec: &ServiceSpec, c: &Observed) -> Result<HashMap<String, u16>> {
    spec.ports
        .iter()
        .map(|p| {
            let host = c
                .ports
                .iter()
                .find(|m| m.container == p.container)
                .map(|m| m.host)
                .ok_or_else(|| {
                    Error::Runtime(format!(
                        "the shared server {} publishes no port for {}",
                        c.name, p.name
                    ))
                })?;
            Ok((p.name.clone(), host))
        })
        .collect()
}

/// Free host ports for a new server, derived from its name.
fn choose_ports(
    spec: &ServiceSpec,
    server: &str,
    check_free: bool,
) -> Result<HashMap<String, u16>> {
    let mut reserved = std::collections::HashSet::new();
    let none = std::collections::HashSet::new();
    let mut ports = HashMap::new();
    for p in &spec.ports {
        let key = format!("shared/{server}/{}", p.name);
        let port =
            crate::ports::choose(&key, None, &none, &reserved, check_free).ok_or_else(|| {
                Error::Runtime(format!("the shared server {server}: no free host port"))
            })?;
        reserved.insert(port);
        ports.insert(p.name.clone(), port);
    }
    Ok(ports)
}
