//! Networks and volumes, and who owns a name devsvc wants to use.
use std::collections::HashMap;

use bollard::models::{NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, RemoveVolumeOptionsBuilder,
};

use super::*;

impl Engine {
    /// Who owns an existing resource with this name, when it is not this
    /// project: `None` when there is no such resource or it is ours.
    pub(crate) async fn foreign_owner(
        &self,
        kind: &str,
        name: &str,
        project: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .labels_of(kind, name)
            .await?
            .and_then(|labels| owner_conflict(&labels, project)))
    }

    /// The labels of the container, network or volume named `name`;
    /// `None` when there is none.
    pub(crate) async fn labels_of(
        &self,
        kind: &str,
        name: &str,
    ) -> Result<Option<HashMap<String, String>>> {
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
        match labels {
            Ok(labels) => Ok(Some(labels.unwrap_or_default())),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(Error::engine(format!("inspecting {kind} {name}"), e)),
        }
    }

    pub(crate) async fn ensure_network(&self, name: &str, project: &str) -> Result<()> {
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

    /// A network a container is listed on, by the name devsvc creates and
    /// compares networks by: Podman lists a container on its default
    /// network under that network's own name, `podman` (unless
    /// containers.conf's `default_network` renames it), where its networks
    /// endpoints call it `bridge`, as Docker does.
    pub(super) fn network_seen(&self, name: String) -> String {
        match self.podman && name == PODMAN_DEFAULT_NETWORK {
            true => "bridge".into(),
            false => name,
        }
    }

    /// Creates a named volume with these labels (one that exists already
    /// is kept as it is, by both Docker and Podman).
    pub(crate) async fn create_volume(
        &self,
        name: &str,
        labels: HashMap<String, String>,
    ) -> Result<()> {
        let request = VolumeCreateRequest {
            name: Some(name.into()),
            labels: Some(labels),
            ..Default::default()
        };
        match self.docker.create_volume(request).await {
            Ok(_) => Ok(()),
            Err(e) => Err(Error::engine(format!("creating volume {name}"), e)),
        }
    }

    /// Removes one volume by name; one already gone is fine.
    pub(crate) async fn remove_volume(&self, name: &str) -> Result<()> {
        let remove = RemoveVolumeOptionsBuilder::default().force(true).build();
        match self.docker.remove_volume(name, Some(remove)).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(Error::engine(format!("removing volume {name}"), e)),
        }
    }

    /// The volumes carrying the label `key=value`, each with its labels.
    pub(crate) async fn volumes_with_label(
        &self,
        key: &str,
        value: &str,
    ) -> Result<Vec<(String, HashMap<String, String>)>> {
        Ok(self
            .volumes_labelled(vec![format!("{key}={value}")])
            .await?
            .into_iter()
            .map(|v| (v.name, v.labels))
            .collect())
    }

    /// Removes the project's networks, but those still in use (a container
    /// of a service not brought down, or one joined by hand); returns the
    /// names of those removed.
    pub(crate) async fn remove_networks(&self, project: &str) -> Result<Vec<String>> {
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
                // 403: "network has active endpoints".
                Err(e) if is_not_found(&e) || status_code(&e) == Some(403) => {}
                Err(e) => return Err(Error::engine(format!("removing network {name}"), e)),
            }
        }
        Ok(removed)
    }

    /// The volumes of one of the project's services (every branch's data),
    /// each with its labels.
    pub(crate) async fn service_volumes(
        &self,
        project: &str,
        service: &str,
    ) -> Result<Vec<(String, HashMap<String, String>)>> {
        let labels = vec![
            format!("{LABEL_PROJECT}={project}"),
            format!("{LABEL_SERVICE}={service}"),
        ];
        Ok(self
            .volumes_labelled(labels)
            .await?
            .into_iter()
            .map(|v| (v.name, v.labels))
            .collect())
    }

    /// The volumes carrying every one of these `key=value` labels.
    async fn volumes_labelled(&self, labels: Vec<String>) -> Result<Vec<bollard::models::Volume>> {
        let filters: HashMap<&str, Vec<String>> = [("label", labels)].into();
        let options = ListVolumesOptionsBuilder::default()
            .filters(&filters)
            .build();
        let list = self
            .docker
            .list_volumes(Some(options))
            .await
            .map_err(|e| Error::engine("listing volumes", e))?;
        Ok(list.volumes.unwrap_or_default())
    }

    /// Removes the project's volumes that `wanted` picks (by name and
    /// labels); returns their names.
    pub(crate) async fn remove_volumes(
        &self,
        project: &str,
        wanted: impl Fn(&str, &HashMap<String, String>) -> bool,
    ) -> Result<Vec<String>> {
        let labelled = self
            .volumes_labelled(vec![format!("{LABEL_PROJECT}={project}")])
            .await?;
        let mut removed = Vec::new();
        for volume in labelled.into_iter().filter(|v| wanted(&v.name, &v.labels)) {
            let remove = RemoveVolumeOptionsBuilder::default().force(true).build();
            match self.docker.remove_volume(&volume.name, Some(remove)).await {
                Ok(()) => removed.push(volume.name),
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(Error::engine(format!("removing volume {}", volume.name), e)),
            }
        }
        Ok(removed)
    }
}

/// Podman's default network, as it lists containers on it.
const PODMAN_DEFAULT_NETWORK: &str = "podman";

/// Who owns a resource with these labels, when it is not `project`.
pub(crate) fn owner_conflict(labels: &HashMap<String, String>, project: &str) -> Option<String> {
    match labels.get(LABEL_PROJECT) {
        Some(owner) if owner == project => None,
        Some(owner) => Some(format!("it belongs to devsvc project `{owner}`")),
        None => Some("it carries no devsvc label".into()),
    }
}
