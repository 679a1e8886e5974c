//! The names devsvc gives what it makes on the engine for a project's
//! services: below configuration (which names per-branch volumes) and
//! the instances (which name containers), so neither reaches into the
//! other.

pub(crate) fn container_name(project: &str, service: &str) -> String {
    format!("devsvc-{project}-{service}")
}

pub(crate) fn network_name(project: &str) -> String {
    format!("devsvc-{project}")
}

pub(crate) fn volume_name(project: &str, service: &str) -> String {
    format!("devsvc-{project}-{service}-data")
}
