//! The only code that talks to the container engine (Docker Engine API via
//! bollard). It speaks in containers, images, networks and volumes, never in
//! service kinds, and only ever lists or removes what carries devsvc labels.
use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as BollardError;

use crate::config::mask_url;
use crate::discovery::Endpoint;
use crate::error::{Error, Result};

mod archives;
mod containers;
mod events;
mod images;
mod ping;
mod resources;
mod ssh;
mod tar_rebase;
pub(crate) use ssh::SshSpec;

pub(crate) use resources::owner_conflict;

pub(crate) use crate::engine_error::Fault;
use crate::engine_error::{engine_message, status_code};
pub(crate) use crate::observed::{Observed, PortMapping};

pub(crate) const LABEL_PROJECT: &str = "dev.devsvc.project";
pub(crate) const LABEL_SERVICE: &str = "dev.devsvc.service";
pub(crate) const LABEL_HASH: &str = "dev.devsvc.config-hash";
/// A hash of each part of the configuration (`image=…,env=…`), so a
/// recreate can say what changed.
pub(crate) const LABEL_PARTS: &str = "dev.devsvc.config-parts";
/// On a data volume: the generated password its data was initialised
/// with, so a lost state folder cannot lock the user out of their data.
/// (Whoever can read labels can read the volume itself.)
pub(crate) const LABEL_PASSWORD: &str = "dev.devsvc.password";
/// On a server shared by projects, and on each project's marker of its
/// use of one: the server's name (`postgres-17`).
pub(crate) const LABEL_SHARED: &str = "dev.devsvc.shared";
/// On a volume of per-branch data: the git branch it belongs to.
pub(crate) const LABEL_BRANCH: &str = "dev.devsvc.branch";

/// The oldest Engine API devsvc speaks (Docker 20.10); newer engines are
/// negotiated up to what both sides know.
const MIN_API: bollard::ClientVersion = bollard::ClientVersion {
    major_version: 1,
    minor_version: 41,
};
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Over SSH the first answer waits for a handshake (the docker CLI, and
/// the ssh it runs, allow 30 s).
const SSH_CONNECT_TIMEOUT: Duration = Duration::from_secs(35);

pub(crate) struct Engine {
    docker: Docker,
    pub endpoint: Endpoint,
    /// The engine's own version, e.g. `20.10.24`.
    pub version: String,
    /// The API version both sides speak, e.g. `1.41`.
    pub api_version: String,
    /// How it is reached: through a socket, over TCP, or over SSH (with
    /// the command that carries the API).
    pub reached: String,
    /// Podman's Docker-compatible service, which differs from Docker in
    /// ways devsvc makes up for (see `default_network`).
    podman: bool,
}

/// A named volume mounted at a path in the container.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VolumeMount {
    pub(crate) name: String,
    pub(crate) path: String,
    /// The generated password, kept as a label when the volume is created.
    pub(crate) password: Option<String>,
    /// The git branch whose data it holds (`data: per-branch`), a label.
    pub(crate) branch: Option<String>,
}

/// Everything needed to create one container.
#[derive(Debug, Clone)]
pub(crate) struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<String>,
    pub labels: HashMap<String, String>,
    /// Published on `host_ip`.
    pub ports: Vec<PortMapping>,
    pub host_ip: String,
    pub volume: Option<VolumeMount>,
    /// A user-defined network to join under `alias`; `None` for the
    /// engine's default bridge.
    pub network: Option<String>,
    pub alias: String,
    pub hostname: Option<String>,
    /// Between SIGTERM and SIGKILL when the container stops.
    pub stop_grace: Duration,
    /// Files put into the container before it first starts (through the
    /// engine's archive API, so a remote engine gets them too).
    pub files: Vec<FileCopy>,
    /// A saved data folder (a snapshot's tar file, its entries named from
    /// the folder's own name) unpacked into the volume before the first
    /// start.
    pub restore: Option<std::path::PathBuf>,
}

/// A file to place in a container: its absolute path there, and contents.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileCopy {
    pub(crate) path: String,
    pub(crate) contents: Vec<u8>,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// Progress of one image pull, summed over its layers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PullProgress {
    pub current: u64,
    pub total: u64,
    /// Layers fetched whose size the engine never told (Podman often
    /// tells none), so a total of 0 does not mean nothing was fetched.
    pub sizeless: usize,
}

impl Engine {
    pub(crate) async fn connect(endpoint: Endpoint) -> Result<Engine> {
        let unreachable = |reason: String| Error::EngineUnreachable {
            endpoint: mask_url(&endpoint.url),
            chosen_by: endpoint.chosen_by.clone(),
            reason,
        };
        let url = endpoint.url.as_str();
        let ssh_spec = url
            .starts_with("ssh://")
            .then(|| ssh::SshSpec::parse(url))
            .transpose()
            .map_err(unreachable)?;
        let reached = how_reached(url, ssh_spec.as_ref());
        // One transport for both connections below, so they share its ssh.
        let over_ssh = ssh_spec.map(ssh::transport);
        let timeout = if over_ssh.is_some() {
            SSH_CONNECT_TIMEOUT
        } else {
            CONNECT_TIMEOUT
        };
        let connect = |api: &bollard::ClientVersion| {
            if let Some(transport) = &over_ssh {
                ssh::connect(transport.clone(), 120, api)
            } else if let Some(path) = url.strip_prefix("unix://") {
                Docker::connect_with_unix(path, 120, api)
            } else if url.starts_with("tcp://") || url.starts_with("http://") {
                Docker::connect_with_http(url, 120, api)
            } else {
                Err(BollardError::UnsupportedURISchemeError {
                    uri: url.to_string(),
                })
            }
        };
        let (api, version, podman) = match ping::ping(url).await {
            Some(pinged) => (pinged.api, pinged.release, pinged.podman),
            None => {
                // One round trip: the engine's version tells both its
                // release and the newest API it speaks.
                let docker = connect(&MIN_API).map_err(|e| unreachable(error_chain(&e)))?;
                let server = tokio::time::timeout(timeout, docker.version())
                    .await
                    .map_err(|_| unreachable(format!("no answer within {} s", timeout.as_secs())))?
                    .map_err(|e| match over_ssh {
                        // ssh's own words are the innermost cause; hyper's
                        // wrapping around them says nothing more.
                        Some(_) => unreachable(innermost(&e)),
                        None => unreachable(error_chain(&e)),
                    })?;
                let podman = server
                    .components
                    .iter()
                    .flatten()
                    .any(|c| c.name == "Podman Engine");
                (
                    server.api_version.unwrap_or_default(),
                    server.version.unwrap_or_else(|| "unknown".into()),
                    podman,
                )
            }
        };
        // `doctor` says which engine answers, not only its release.
        let version = match podman {
            true => format!("{version} (Podman)"),
            false => version,
        };
        let api =
            parse_api(&api).map_or(MIN_API, |v| newest_common(v, bollard::API_DEFAULT_VERSION));
        let docker = connect(&api).map_err(|e| unreachable(error_chain(&e)))?;
        let api_version = format!("{}.{}", api.major_version, api.minor_version);
        Ok(Engine {
            docker,
            reached,
            endpoint,
            version,
            api_version,
            podman,
        })
    }
}

/// How an engine address is reached, for `doctor`.
fn how_reached(url: &str, ssh: Option<&ssh::SshSpec>) -> String {
    match (ssh, url.strip_prefix("unix://")) {
        (Some(spec), _) => format!("over SSH: {} {}", spec.program, spec.args().join(" ")),
        (None, Some(path)) => format!("through the socket {path}"),
        (None, None) => "over TCP".to_string(),
    }
}

/// `1.41` as a client version.
fn parse_api(text: &str) -> Option<bollard::ClientVersion> {
    let (major, minor) = text.split_once('.')?;
    Some(bollard::ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

fn newest_common(
    server: bollard::ClientVersion,
    client: &bollard::ClientVersion,
) -> bollard::ClientVersion {
    let key = |v: &bollard::ClientVersion| (v.major_version, v.minor_version);
    if key(&server) <= key(client) {
        server
    } else {
        *client
    }
}

pub(crate) fn project_labels(project: &str) -> HashMap<String, String> {
    [(LABEL_PROJECT.to_string(), project.to_string())].into()
}

fn label_filter(project: &str) -> HashMap<&'static str, Vec<String>> {
    [("label", vec![format!("{LABEL_PROJECT}={project}")])].into()
}

fn is_not_found(e: &BollardError) -> bool {
    status_code(e) == Some(404)
}

fn is_conflict(e: &BollardError) -> bool {
    status_code(e) == Some(409)
}

fn is_not_modified(e: &BollardError) -> bool {
    status_code(e) == Some(304)
}

/// The innermost cause of an error.
fn innermost(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// An error and its causes, innermost last ("connection refused" is
/// usually at the bottom of hyper's chain).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `ssh://user:password@` address is refused before ssh runs; the
    /// refusal must not show the password it refuses.
    #[tokio::test]
    async fn an_ssh_address_with_a_password_is_refused_without_showing_it() {
        let endpoint = Endpoint {
            url: "ssh://me:hunter2@build-box".into(),
            chosen_by: "DOCKER_HOST".into(),
        };
        let Err(error) = Engine::connect(endpoint).await else {
            panic!("connected");
        };
        let text = error.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("ssh://me:****@build-box"), "{text}");
        assert!(text.contains("plain-text password"), "{text}");
    }
}
