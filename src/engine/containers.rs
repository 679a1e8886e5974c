//! Containers: list this project's, create and start, stop and remove,
//! logs and exit state.
use std::path::Path;

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, Mount, MountType, NetworkingConfig,
    PortBinding,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use futures_util::StreamExt;

use super::*;

impl Engine {
    pub(crate) async fn project_containers(&self, project: &str) -> Result<Vec<Observed>> {
        self.containers_labelled(&format!("{LABEL_PROJECT}={project}"))
            .await
    }

    /// Every container (running or not) matching a label filter: `key` or
    /// `key=value`.
    pub(crate) async fn containers_labelled(&self, label: &str) -> Result<Vec<Observed>> {
        let filters: HashMap<&str, Vec<String>> = [("label", vec![label.to_string()])].into();
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
                let mut ports: Vec<PortMapping> = c
                    .ports
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|p| {
                        Some(PortMapping {
                            container: p.private_port,
                            host: p.public_port?,
                        })
                    })
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
                    networks: c
                        .network_settings
                        .and_then(|n| n.networks)
                        .map(|n| n.into_keys().map(|n| self.network_seen(n)).collect())
                        .unwrap_or_default(),
                    parts: labels.get(LABEL_PARTS).cloned(),
                    volumes: c
                        .mounts
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|m| m.name)
                        .collect(),
                }
            })
            .collect())
    }

    /// Creates and starts a container; `new_volume`: its data volume does
    /// not exist yet (as the caller observed), so it is created first,
    /// labelled. Engines differ on a volume a container's mount creates:
    /// Docker gives it the mount's labels, Podman none.
    pub(crate) async fn create_and_start(
        &self,
        spec: &ContainerSpec,
        new_volume: bool,
    ) -> Result<String> {
        if new_volume && let Some(volume) = &spec.volume {
            self.create_volume(&volume.name, volume_labels(volume, &spec.labels))
                .await?;
        }
        let port_bindings = spec
            .ports
            .iter()
            .map(|port| {
                let binding = PortBinding {
                    host_ip: Some(spec.host_ip.clone()),
                    host_port: Some(port.host.to_string()),
                };
                (format!("{}/tcp", port.container), Some(vec![binding]))
            })
            .collect();
        let host_config = HostConfig {
            init: Some(true),
            port_bindings: Some(port_bindings),
            mounts: spec.volume.as_ref().map(|v| vec![volume_mount(v)]),
            network_mode: spec.network.clone(),
            ..Default::default()
        };
        let endpoint = EndpointSettings {
            aliases: Some(vec![spec.alias.clone()]),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            hostname: spec.hostname.clone(),
            cmd: spec.cmd.clone(),
            env: Some(spec.env.clone()),
            labels: Some(spec.labels.clone()),
            exposed_ports: Some(
                spec.ports
                    .iter()
                    .map(|p| format!("{}/tcp", p.container))
                    .collect(),
            ),
            stop_timeout: Some(whole_seconds(spec.stop_grace)),
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
            .map_err(|e| Error::engine(format!("creating container {}", spec.name), e))?;
        let started = async {
            self.copy_files(&created.id, &spec.files).await?;
            if let (Some(archive), Some(volume)) = (&spec.restore, &spec.volume) {
                // `data/...` entries go under the data folder's parent.
                let parent = Path::new(&volume.path).parent().unwrap_or(Path::new("/"));
                let into = parent.display().to_string();
                self.load_folder(&created.id, &into, archive, |_| {})
                    .await?;
            }
            self.start(&created.id, &spec.name).await
        }
        .await;
        if let Err(e) = started {
            // Leave no container that never ran (its ports may be retried).
            let _ = self
                .remove_container(&created.id, std::time::Duration::ZERO)
                .await;
            return Err(e);
        }
        Ok(created.id)
    }

    /// Uploads files into a created container, as one tar archive at `/`.
    async fn copy_files(&self, id: &str, files: &[FileCopy]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let mut archive = tar::Builder::new(Vec::new());
        for file in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(file.contents.len() as u64);
            header.set_mode(file.mode);
            header.set_uid(file.uid.into());
            header.set_gid(file.gid.into());
            header.set_cksum();
            archive
                .append_data(
                    &mut header,
                    file.path.trim_start_matches('/'),
                    &file.contents[..],
                )
                .map_err(|e| Error::Runtime(format!("packing {}: {e}", file.path)))?;
        }
        let tar = archive
            .into_inner()
            .map_err(|e| Error::Runtime(format!("packing files: {e}")))?;
        let options = bollard::query_parameters::UploadToContainerOptionsBuilder::default()
            .path("/")
            .build();
        self.docker
            .upload_to_container(
                id,
                Some(options),
                bollard::body_full(bytes::Bytes::from(tar)),
            )
            .await
            .map_err(|e| Error::engine(format!("copying files into container {id}"), e))
    }

    pub(crate) async fn start(&self, id: &str, name: &str) -> Result<()> {
        self.docker
            .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
            .await
            .map_err(|e| Error::engine(format!("starting container {name}"), e))
    }

    /// Stops a container gracefully (SIGTERM, SIGKILL after `grace`); one
    /// already stopped or gone is fine. A stop already under way (from an
    /// earlier request) is waited for.
    pub(crate) async fn stop(&self, id: &str, grace: Duration) -> Result<()> {
        let grace = i32::try_from(whole_seconds(grace)).unwrap_or(i32::MAX);
        let stop = StopContainerOptionsBuilder::default().t(grace).build();
        match self.docker.stop_container(id, Some(stop)).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) || is_not_modified(&e) => Ok(()),
            Err(e) => Err(Error::engine(format!("stopping container {id}"), e)),
        }
    }

    /// Stops (SIGTERM, then SIGKILL after `grace`) and removes a container.
    pub(crate) async fn remove_container(&self, id: &str, grace: Duration) -> Result<()> {
        self.stop(id, grace).await?;
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

    /// The last `lines` lines of a container's output.
    pub(crate) async fn tail_logs(&self, id: &str, lines: usize) -> String {
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
    pub(crate) async fn stream_logs(&self, id: &str, follow: bool, tail: &str) -> Result<()> {
        use std::io::Write;
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(follow)
            .tail(tail)
            .build();
        let mut stream = self.docker.logs(id, Some(options));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Error::engine("reading logs", e))?;
            let is_err = matches!(chunk, bollard::container::LogOutput::StdErr { .. });
            let bytes = chunk.into_bytes();
            if is_err {
                // Nobody is left to tell when stderr is gone.
                let _ = std::io::stderr().write_all(&bytes);
            } else {
                crate::ui::write_stdout(&bytes)?;
            }
        }
        Ok(())
    }

    /// Runs `command` inside a running container and waits for it: its
    /// exit code and the last of its output (for saying why it failed).
    pub(crate) async fn exec(&self, id: &str, command: &[String]) -> Result<(i64, String)> {
        let config = bollard::models::ExecConfig {
            cmd: Some(command.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let action = "running a readiness command";
        let created = self
            .docker
            .create_exec(id, config)
            .await
            .map_err(|e| Error::engine(action, e))?;
        let started = self
            .docker
            .start_exec(&created.id, None)
            .await
            .map_err(|e| Error::engine(action, e))?;
        let mut output = String::new();
        if let bollard::exec::StartExecResults::Attached {
            output: mut stream, ..
        } = started
        {
            while let Some(Ok(chunk)) = stream.next().await {
                output.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            }
        }
        let inspect = self
            .docker
            .inspect_exec(&created.id)
            .await
            .map_err(|e| Error::engine(action, e))?;
        let last = output
            .trim_end()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        Ok((inspect.exit_code.unwrap_or(-1), last))
    }

    /// Whether the container is still running, and its exit code if not.
    /// The memory a running container uses now (the engine's one-shot
    /// stats: the cgroup's figure); `None` when the engine tells none.
    pub(crate) async fn memory_use(&self, id: &str) -> Option<u64> {
        let options = bollard::query_parameters::StatsOptionsBuilder::default()
            .stream(false)
            .one_shot(true)
            .build();
        let stats = self.docker.stats(id, Some(options)).next().await?.ok()?;
        stats.memory_stats?.usage
    }

    pub(crate) async fn exit_code(&self, id: &str) -> Option<i64> {
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

/// A duration in whole seconds, as the engine's stop timeouts take it.
fn whole_seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// The data volume, mounted by name: devsvc creates it first when it is
/// new (`create_and_start`), so its labels never depend on the engine
/// honouring those of a mount.
fn volume_mount(volume: &VolumeMount) -> Mount {
    Mount {
        target: Some(volume.path.clone()),
        source: Some(volume.name.clone()),
        typ: Some(MountType::VOLUME),
        ..Default::default()
    }
}

/// A new data volume's labels: the project's and service's (from the
/// container's), the generated password its data is initialised with, and
/// the branch whose data it holds.
fn volume_labels(
    volume: &VolumeMount,
    container_labels: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut labels: HashMap<String, String> = container_labels
        .iter()
        .filter(|(key, _)| [LABEL_PROJECT, LABEL_SERVICE, LABEL_SHARED].contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if let Some(password) = &volume.password {
        labels.insert(LABEL_PASSWORD.to_string(), password.clone());
    }
    if let Some(branch) = &volume.branch {
        labels.insert(LABEL_BRANCH.to_string(), branch.clone());
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_volume_carries_the_project_service_password_and_branch() {
        let volume = VolumeMount {
            name: "devsvc-shop-postgres-data".into(),
            path: "/var/lib/postgresql/data".into(),
            password: Some("pw".into()),
            branch: Some("feature/x".into()),
        };
        let container: HashMap<String, String> = [
            (LABEL_PROJECT, "shop"),
            (LABEL_SERVICE, "postgres"),
            (LABEL_HASH, "abc"),
            (LABEL_PARTS, "image=1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let labels = volume_labels(&volume, &container);
        let mut pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.sort_unstable();
        assert_eq!(
            pairs,
            [
                (LABEL_BRANCH, "feature/x"),
                (LABEL_PASSWORD, "pw"),
                (LABEL_PROJECT, "shop"),
                (LABEL_SERVICE, "postgres"),
            ]
        );
        // No password, no branch: only whose it is.
        let plain = VolumeMount {
            password: None,
            branch: None,
            ..volume
        };
        assert_eq!(volume_labels(&plain, &container).len(), 2);
    }
}
