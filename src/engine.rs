//! The only code that talks to the container engine (Docker Engine API via
//! bollard). It speaks in containers, images, networks and volumes, never in
//! service kinds, and only ever lists or removes what carries devsvc labels.
use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkCreateRequest, NetworkingConfig,
    PortBinding, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveVolumeOptionsBuilder, StopContainerOptionsBuilder,
};
use futures_util::StreamExt;

use crate::discovery::Endpoint;
use crate::error::{Error, Result};

pub const LABEL_PROJECT: &str = "dev.devsvc.project";
pub const LABEL_SERVICE: &str = "dev.devsvc.service";
pub const LABEL_HASH: &str = "dev.devsvc.config-hash";

/// The oldest Engine API devsvc speaks (Docker 20.10); newer engines are
/// negotiated up to what both sides know.
const MIN_API: bollard::ClientVersion = bollard::ClientVersion {
    major_version: 1,
    minor_version: 41,
};
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Engine {
    docker: Docker,
    pub endpoint: Endpoint,
    /// The engine's own version, e.g. `20.10.24`.
    pub version: String,
    /// The API version both sides speak, e.g. `1.41`.
    pub api_version: String,
}

/// A container of this project as the engine reports it.
#[derive(Debug, Clone)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub service: String,
    pub hash: String,
    pub running: bool,
    pub state: String,
    pub image: String,
    /// (container port, host port) pairs that are published.
    pub ports: Vec<(u16, u16)>,
}

/// Everything needed to create one container.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<String>,
    pub labels: HashMap<String, String>,
    /// (container port, host port), published on `host_ip`.
    pub ports: Vec<(u16, u16)>,
    pub host_ip: String,
    /// (volume name, container path).
    pub volume: Option<(String, String)>,
    /// A user-defined network to join under `alias`; `None` for the
    /// engine's default bridge.
    pub network: Option<String>,
    pub alias: String,
    pub stop_grace_secs: i64,
}

/// Progress of one image pull, summed over its layers.
#[derive(Debug, Clone, Copy, Default)]
pub struct PullProgress {
    pub current: u64,
    pub total: u64,
}

impl Engine {
    pub async fn connect(endpoint: Endpoint) -> Result<Engine> {
        let unreachable = |reason: String| Error::EngineUnreachable {
            endpoint: endpoint.url.clone(),
            chosen_by: endpoint.chosen_by.clone(),
            reason,
        };
        let url = endpoint.url.as_str();
        let connect = |api: &bollard::ClientVersion| {
            if let Some(path) = url.strip_prefix("unix://") {
                Docker::connect_with_unix(path, 120, api)
            } else if url.starts_with("tcp://") || url.starts_with("http://") {
                Docker::connect_with_http(url, 120, api)
            } else {
                Err(BollardError::UnsupportedURISchemeError {
                    uri: url.to_string(),
                })
            }
        };
        let docker = connect(&MIN_API).map_err(|e| unreachable(error_chain(&e)))?;
        // One round trip: the engine's version tells both its release and
        // the newest API it speaks (what negotiate_version would ask again).
        let server = tokio::time::timeout(CONNECT_TIMEOUT, docker.version())
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(error_chain(&e)))?;
        let api = server
            .api_version
            .as_deref()
            .and_then(parse_api)
            .map_or(MIN_API, |v| newest_common(v, bollard::API_DEFAULT_VERSION));
        let docker = connect(&api).map_err(|e| unreachable(error_chain(&e)))?;
        let version = server.version.unwrap_or_else(|| "unknown".into());
        let api_version = format!("{}.{}", api.major_version, api.minor_version);
        Ok(Engine {
            docker,
            endpoint,
            version,
            api_version,
        })
    }

    pub async fn project_containers(&self, project: &str) -> Result<Vec<Observed>> {
        let filters = label_filter(project);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let list = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| Error::engine("listing containers", e))?;
        Ok(list
            .into_iter()
            .map(|c| {
                let labels = c.labels.unwrap_or_default();
                let state = c.state.map(|s| s.to_string()).unwrap_or_default();
                let mut ports: Vec<(u16, u16)> = c
                    .ports
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|p| Some((p.private_port, p.public_port?)))
                    .collect();
                ports.sort_unstable();
                ports.dedup();
                Observed {
                    id: c.id.unwrap_or_default(),
                    name: c
                        .names
                        .and_then(|n| n.first().cloned())
                        .unwrap_or_default()
                        .trim_start_matches('/')
                        .to_string(),
                    service: labels.get(LABEL_SERVICE).cloned().unwrap_or_default(),
                    hash: labels.get(LABEL_HASH).cloned().unwrap_or_default(),
                    running: state == "running",
                    state,
                    image: c.image.unwrap_or_default(),
                    ports,
                }
            })
            .collect())
    }

    /// Who owns an existing resource with this name, when it is not this
    /// project: `None` when there is no such resource or it is ours.
    pub async fn foreign_owner(
        &self,
        kind: &str,
        name: &str,
        project: &str,
    ) -> Result<Option<String>> {
        let labels = match kind {
            "container" => self
                .docker
                .inspect_container(
                    name,
                    None::<bollard::query_parameters::InspectContainerOptions>,
                )
                .await
                .map(|c| c.config.and_then(|c| c.labels)),
            "network" => self
                .docker
                .inspect_network(
                    name,
                    None::<bollard::query_parameters::InspectNetworkOptions>,
                )
                .await
                .map(|n| n.labels),
            _ => self
                .docker
                .inspect_volume(name)
                .await
                .map(|v| Some(v.labels)),
        };
        let labels = match labels {
            Ok(labels) => labels.unwrap_or_default(),
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(Error::engine(format!("inspecting {kind} {name}"), e)),
        };
        Ok(match labels.get(LABEL_PROJECT) {
            Some(owner) if owner == project => None,
            Some(owner) => Some(format!("it belongs to devsvc project `{owner}`")),
            None => Some("it carries no devsvc label".into()),
        })
    }

    pub async fn image_present(&self, image: &str) -> Result<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(Error::engine(format!("inspecting image {image}"), e)),
        }
    }

    /// Pulls an image, reporting summed layer progress as it goes.
    pub async fn pull(&self, image: &str, mut progress: impl FnMut(PullProgress)) -> Result<()> {
        let (name, tag) = split_image(image);
        let options = CreateImageOptionsBuilder::default()
            .from_image(name)
            .tag(tag)
            .build();
        let mut stream = self.docker.create_image(Some(options), None, None);
        let mut layers: HashMap<String, PullProgress> = HashMap::new();
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| Error::Pull {
                image: image.into(),
                message: engine_message(&e),
            })?;
            if let Some(err) = info.error_detail.and_then(|d| d.message) {
                return Err(Error::Pull {
                    image: image.into(),
                    message: err,
                });
            }
            if let (Some(id), Some(detail)) = (info.id, info.progress_detail) {
                let layer = layers.entry(id).or_default();
                if let Some(total) = detail.total.filter(|t| *t > 0) {
                    layer.total = total as u64;
                }
                if let Some(current) = detail.current {
                    layer.current = current as u64;
                }
                if info
                    .status
                    .as_deref()
                    .is_some_and(|s| s.starts_with("Download complete"))
                {
                    layer.current = layer.total;
                }
                progress(
                    layers
                        .values()
                        .fold(PullProgress::default(), |acc, l| PullProgress {
                            current: acc.current + l.current.min(l.total),
                            total: acc.total + l.total,
                        }),
                );
            }
        }
        Ok(())
    }

    pub async fn ensure_network(&self, name: &str, project: &str) -> Result<()> {
        match self
            .docker
            .inspect_network(
                name,
                None::<bollard::query_parameters::InspectNetworkOptions>,
            )
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(Error::engine(format!("inspecting network {name}"), e)),
        }
        let request = NetworkCreateRequest {
            name: name.into(),
            labels: Some(project_labels(project)),
            ..Default::default()
        };
        match self.docker.create_network(request).await {
            Ok(_) => Ok(()),
            Err(e) if is_conflict(&e) => Ok(()),
            Err(e) => Err(Error::engine(format!("creating network {name}"), e)),
        }
    }

    pub async fn ensure_volume(&self, name: &str, labels: HashMap<String, String>) -> Result<()> {
        let request = VolumeCreateRequest {
            name: Some(name.into()),
            labels: Some(labels),
            ..Default::default()
        };
        self.docker
            .create_volume(request)
            .await
            .map(|_| ())
            .map_err(|e| Error::engine(format!("creating volume {name}"), e))
    }

    pub async fn create_and_start(&self, spec: &ContainerSpec) -> Result<String> {
        let port_bindings = spec
            .ports
            .iter()
            .map(|(container, host)| {
                let binding = PortBinding {
                    host_ip: Some(spec.host_ip.clone()),
                    host_port: Some(host.to_string()),
                };
                (format!("{container}/tcp"), Some(vec![binding]))
            })
            .collect();
        let host_config = HostConfig {
            init: Some(true),
            port_bindings: Some(port_bindings),
            binds: spec
                .volume
                .as_ref()
                .map(|(name, path)| vec![format!("{name}:{path}")]),
            network_mode: spec.network.clone(),
            ..Default::default()
        };
        let endpoint = EndpointSettings {
            aliases: Some(vec![spec.alias.clone()]),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: spec.cmd.clone(),
            env: Some(spec.env.clone()),
            labels: Some(spec.labels.clone()),
            exposed_ports: Some(spec.ports.iter().map(|(c, _)| format!("{c}/tcp")).collect()),
            stop_timeout: Some(spec.stop_grace_secs),
            host_config: Some(host_config),
            networking_config: spec.network.as_ref().map(|network| NetworkingConfig {
                endpoints_config: Some([(network.clone(), endpoint)].into()),
            }),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(|e| {
                Error::engine(
                    format!("creating container {}", spec.name),
                    engine_message(&e),
                )
            })?;
        if let Err(e) = self.start(&created.id, &spec.name).await {
            // Leave no container that never ran (its ports may be retried).
            let _ = self.remove_container(&created.id, 0).await;
            return Err(e);
        }
        Ok(created.id)
    }

    pub async fn start(&self, id: &str, name: &str) -> Result<()> {
        self.docker
            .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(|e| Error::engine(format!("starting container {name}"), engine_message(&e)))
    }

    /// Stops (SIGTERM, then SIGKILL after `grace_secs`) and removes a container.
    pub async fn remove_container(&self, id: &str, grace_secs: i32) -> Result<()> {
        let stop = StopContainerOptionsBuilder::default().t(grace_secs).build();
        match self.docker.stop_container(id, Some(stop)).await {
            Ok(()) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) if is_not_modified(&e) => {}
            Err(e) => return Err(Error::engine(format!("stopping container {id}"), e)),
        }
        // `v` also removes anonymous volumes the image declared; named
        // volumes stay until `down --volumes`.
        let remove = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self.docker.remove_container(id, Some(remove)).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) || is_conflict(&e) => Ok(()),
            Err(e) => Err(Error::engine(format!("removing container {id}"), e)),
        }
    }

    /// Removes the project's networks; returns their names.
    pub async fn remove_networks(&self, project: &str) -> Result<Vec<String>> {
        let options = ListNetworksOptionsBuilder::default()
            .filters(&label_filter(project))
            .build();
        let networks = self
            .docker
            .list_networks(Some(options))
            .await
            .map_err(|e| Error::engine("listing networks", e))?;
        let mut removed = Vec::new();
        for network in networks {
            let name = network.name.unwrap_or_default();
            match self.docker.remove_network(&name).await {
                Ok(()) => removed.push(name),
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(Error::engine(format!("removing network {name}"), e)),
            }
        }
        Ok(removed)
    }

    /// Removes the project's volumes (those named in `only`, when given);
    /// returns their names.
    pub async fn remove_volumes(
        &self,
        project: &str,
        only: Option<&[String]>,
    ) -> Result<Vec<String>> {
        let options = ListVolumesOptionsBuilder::default()
            .filters(&label_filter(project))
            .build();
        let list = self
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|e| Error::engine("listing volumes", e))?;
        let mut removed = Vec::new();
        let wanted = |name: &String| only.is_none_or(|names| names.contains(name));
        for volume in list
            .volumes
            .unwrap_or_default()
            .into_iter()
            .filter(|v| wanted(&v.name))
        {
            let remove = RemoveVolumeOptionsBuilder::default().force(true).build();
            match self.docker.remove_volume(&volume.name, Some(remove)).await {
                Ok(()) => removed.push(volume.name),
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(Error::engine(format!("removing volume {}", volume.name), e)),
            }
        }
        Ok(removed)
    }

    /// The last `lines` lines of a container's output.
    pub async fn tail_logs(&self, id: &str, lines: usize) -> String {
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail(&lines.to_string())
            .build();
        let mut stream = self.docker.logs(id, Some(options));
        let mut out = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            out.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        out
    }

    /// Copies a container's output to stdout (and stderr), optionally following.
    pub async fn stream_logs(&self, id: &str, follow: bool, tail: &str) -> Result<()> {
        use std::io::Write;
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(follow)
            .tail(tail)
            .build();
        let mut stream = self.docker.logs(id, Some(options));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::engine("reading logs", engine_message(&e)))?;
            let is_err = matches!(chunk, bollard::container::LogOutput::StdErr { .. });
            let bytes = chunk.into_bytes();
            let written = if is_err {
                std::io::stderr().write_all(&bytes)
            } else {
                std::io::stdout()
                    .write_all(&bytes)
                    .and_then(|()| std::io::stdout().flush())
            };
            if written.is_err() {
                break; // the reader went away (e.g. `| head`)
            }
        }
        Ok(())
    }

    /// Whether the container is still running, and its exit code if not.
    pub async fn exit_code(&self, id: &str) -> Option<i64> {
        let inspect = self
            .docker
            .inspect_container(
                id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .ok()?;
        let state = inspect.state?;
        if state.running == Some(true) {
            None
        } else {
            state.exit_code
        }
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

pub fn project_labels(project: &str) -> HashMap<String, String> {
    [(LABEL_PROJECT.to_string(), project.to_string())].into()
}

fn label_filter(project: &str) -> HashMap<&'static str, Vec<String>> {
    [("label", vec![format!("{LABEL_PROJECT}={project}")])].into()
}

/// Splits `registry:5000/name:tag` into name and tag (default `latest`).
pub fn split_image(image: &str) -> (&str, &str) {
    if let Some((name, _digest)) = image.split_once('@') {
        return (name, "");
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, "latest"),
    }
}

fn status_code(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
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

/// The engine's own words, without bollard's wrapping.
pub fn engine_message(e: &BollardError) -> String {
    match e {
        BollardError::DockerResponseServerError { message, .. } => message.clone(),
        BollardError::DockerStreamError { error } => error.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn splits_image_references() {
        assert_eq!(split_image("redis:7.4-alpine"), ("redis", "7.4-alpine"));
        assert_eq!(
            split_image("127.0.0.1:5000/redis:7.4"),
            ("127.0.0.1:5000/redis", "7.4")
        );
        assert_eq!(
            split_image("127.0.0.1:5000/redis"),
            ("127.0.0.1:5000/redis", "latest")
        );
        assert_eq!(
            split_image("127.0.0.1:5000/quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"),
            (
                "127.0.0.1:5000/quay.io/minio/minio",
                "RELEASE.2025-09-07T16-13-09Z"
            )
        );
    }
}
