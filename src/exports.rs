//! The variables a project exports as it is right now, without changing
//! anything: each service rendered with the host ports its running
//! container publishes (or, when it is not running, the ports pinned in
//! services.yaml), so `env`, `status` and `run` report the same variables
//! `up` wrote.
use std::collections::HashMap;

use indexmap::IndexMap;

use crate::config::{Password, Project, ServiceSpec};
use crate::engine::Observed;
use crate::error::Result;
use crate::external;
use crate::instance::{self, Instance, Placement};
use crate::state::State;

/// The password a service runs with: the given one, or the project's
/// generated secret for it (created on first use).
pub(crate) fn password(state: &mut State, spec: &ServiceSpec) -> Option<String> {
    match &spec.password {
        Some(Password::Given(p)) => Some(p.clone()),
        Some(Password::Generate(rule)) => Some(state.secret(&spec.name, *rule)),
        None => None,
    }
}

/// The service's running container, if any.
pub(crate) fn running<'a>(spec: &ServiceSpec, observed: &'a [Observed]) -> Option<&'a Observed> {
    observed
        .iter()
        .find(|c| c.service == spec.name && c.running)
}

/// Host ports by port name: published by the running container, or all
/// pinned; `None` when they cannot be known without starting the service.
fn host_ports(spec: &ServiceSpec, container: Option<&Observed>) -> Option<HashMap<String, u16>> {
    spec.ports
        .iter()
        .map(|p| {
            let published = container.and_then(|c| {
                c.ports
                    .iter()
                    .find(|m| m.container == p.container)
                    .map(|m| m.host)
            });
            let host = if container.is_some() {
                published
            } else {
                p.host
            };
            Some((p.name.clone(), host?))
        })
        .collect()
}

/// The service as it is now, or `None` when it is not running and its
/// ports are not all pinned.
pub(crate) fn instance(
    project: &Project,
    spec: &ServiceSpec,
    observed: &[Observed],
    state: &mut State,
    placement: &Placement,
) -> Result<Option<Instance>> {
    let Some(ports) = host_ports(spec, running(spec, observed)) else {
        return Ok(None);
    };
    let password = password(state, spec);
    instance::render(&project.name, spec, &ports, password.as_deref(), placement).map(Some)
}

/// The service as its running container has it; `None` when it does not
/// run.
pub(crate) fn running_instance(
    project: &Project,
    spec: &ServiceSpec,
    observed: &[Observed],
    state: &mut State,
    placement: &Placement,
) -> Result<Option<Instance>> {
    match running(spec, observed) {
        Some(_) => instance(project, spec, observed, state, placement),
        None => Ok(None),
    }
}

/// The variables of every service that runs now (or whose ports are
/// pinned) and of every external one, in services.yaml order; `fresh`
/// instances take precedence.
pub(crate) fn exports(
    project: &Project,
    fresh: &[Instance],
    observed: &[Observed],
    state: &mut State,
    placement: &Placement,
) -> Result<IndexMap<String, String>> {
    let mut all = IndexMap::new();
    for spec in &project.services {
        if let Some(ext) = &spec.external {
            all.extend(
                external::render(&project.name, spec, ext)?
                    .endpoints
                    .exports,
            );
        } else if let Some(inst) = fresh.iter().find(|i| i.service == spec.name) {
            all.extend(inst.exports.clone());
        } else if let Some(inst) = instance(project, spec, observed, state, placement)? {
            all.extend(inst.exports);
        }
    }
    Ok(all)
}
