//! The variables a project exports as it is right now, without changing
//! anything: each service rendered with the host ports its running
//! container publishes (or, when it is not running, the ports pinned in
//! services.yaml), so `env`, `status` and `run` report the same variables
//! `up` wrote.
use std::collections::HashMap;

use indexmap::IndexMap;

use crate::config::{Password, Project, ServiceSpec};
use crate::engine::Observed;
use crate::error::{Error, Result};
use crate::external;
use crate::instance::{self, Instance, Placement};
use crate::state::State;

/// The password a service runs with: the given one, or the generated one
/// `up` stored for it; `Err(NotStored)` when there is none yet. Only `up`
/// generates one: a password a reading command made up would not be the
/// one the service's data was initialised with.
pub(crate) fn password(state: &State, spec: &ServiceSpec) -> Result<Option<String>, NotStored> {
    match &spec.password {
        Some(Password::Given(p)) => Ok(Some(p.clone())),
        Some(Password::Generate(_)) => state
            .stored_secret(&spec.name)
            .map(|s| Some(s.to_string()))
            .ok_or(NotStored),
        None => Ok(None),
    }
}

/// A generated password that is not in the state folder.
#[derive(Debug)]
pub(crate) struct NotStored;

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

/// What can be known of a service now, without starting it.
pub(crate) enum Now {
    /// Rendered with the host ports it has and its password.
    Known(Box<Instance>),
    /// Not running, and its ports are not all pinned.
    Unknown,
    /// Not running, and `up` has not run for it: its generated password
    /// does not exist yet.
    NotUp,
    /// Running, but its generated password is not in the state folder
    /// (deleted, or the project moved): see [`lost`].
    Lost,
}

/// The service as it is now.
pub(crate) fn now(
    project: &Project,
    spec: &ServiceSpec,
    observed: &[Observed],
    state: &State,
    placement: &Placement,
) -> Result<Now> {
    let container = running(spec, observed);
    let Some(ports) = host_ports(spec, container) else {
        return Ok(Now::Unknown);
    };
    let Ok(password) = password(state, spec) else {
        return Ok(if container.is_some() {
            Now::Lost
        } else {
            Now::NotUp
        });
    };
    instance::render(&project.name, spec, &ports, password.as_deref(), placement)
        .map(|i| Now::Known(Box::new(i)))
}

/// What to say of a running service whose password is not stored.
pub(crate) fn lost(spec: &ServiceSpec, state: &State) -> Error {
    Error::Runtime(format!(
        "service `{0}` runs, but its generated password is not in {1}; run `devsvc up {0}`, which takes it back from the service's data volume (or gives it a new one)",
        spec.name,
        state.path().display()
    ))
}

/// What to say of a service left out because `up` has not run for it.
pub(crate) fn not_up(service: &str) -> String {
    format!(
        "`devsvc up` has not run for service `{service}` yet, so its generated password does not exist: its variables are left out (run `devsvc up {service}`)"
    )
}

/// The service as its running container has it; `None` when it does not
/// run.
pub(crate) fn running_instance(
    project: &Project,
    spec: &ServiceSpec,
    observed: &[Observed],
    state: &State,
    placement: &Placement,
) -> Result<Option<Instance>> {
    if running(spec, observed).is_none() {
        return Ok(None);
    }
    match now(project, spec, observed, state, placement)? {
        Now::Known(inst) => Ok(Some(*inst)),
        Now::Lost => Err(lost(spec, state)),
        Now::Unknown | Now::NotUp => Ok(None),
    }
}

/// A project's variables, and the services left out for want of `up`.
pub(crate) struct Exported {
    pub(crate) vars: IndexMap<String, String>,
    /// Not running, ports pinned, and no generated password yet.
    pub(crate) not_up: Vec<String>,
}

/// The variables of every service that runs now (or whose ports are
/// pinned) and of every external one, in services.yaml order; `fresh`
/// instances take precedence. A running service whose password is not
/// stored is an error: no variables are better than wrong ones.
pub(crate) fn exports(
    project: &Project,
    fresh: &[Instance],
    observed: &[Observed],
    state: &State,
    placement: &Placement,
) -> Result<Exported> {
    let mut all = Exported {
        vars: IndexMap::new(),
        not_up: Vec::new(),
    };
    for spec in &project.services {
        if let Some(ext) = &spec.external {
            all.vars.extend(
                external::render(&project.name, spec, ext)?
                    .endpoints
                    .exports,
            );
        } else if let Some(inst) = fresh.iter().find(|i| i.service == spec.name) {
            all.vars.extend(inst.exports.clone());
        } else {
            match now(project, spec, observed, state, placement)? {
                Now::Known(inst) => all.vars.extend(inst.exports),
                Now::Unknown => {}
                Now::NotUp => all.not_up.push(spec.name.clone()),
                Now::Lost => return Err(lost(spec, state)),
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PortMapping;

    const YAML: &str = "services:\n  redis:\n    ports: { redis: 16999 }\n  given:\n    template: redis\n    env_prefix: GIVEN_\n    password: pw\n    ports: { redis: 16998 }\n";

    fn placement() -> Placement {
        Placement {
            host: "127.0.0.1".into(),
            host_ip: "127.0.0.1".into(),
            stop_grace: std::time::Duration::ZERO,
            network: None,
            tunnel: None,
            forwards: Default::default(),
        }
    }

    fn running_redis() -> Observed {
        Observed {
            id: "id".into(),
            name: "shop-redis".into(),
            service: "redis".into(),
            hash: String::new(),
            running: true,
            state: "running".into(),
            image: "redis".into(),
            ports: vec![PortMapping {
                container: 6379,
                host: 16999,
            }],
            networks: vec!["bridge".into()],
            volumes: vec![],
            parts: None,
        }
    }

    /// Issue 22: `env` invented a password for a service `up` never
    /// started, and `env --write` wrote it down. Its variables are left
    /// out instead; a given password needs nothing stored.
    #[test]
    fn a_generated_password_never_stored_is_not_invented() {
        let project = crate::config::parse_at("/tmp/shop/services.yaml", YAML).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = State::load(dir.path(), "shop").unwrap();
        let exported = exports(&project, &[], &[], &state, &placement()).unwrap();
        assert_eq!(exported.not_up, ["redis"]);
        let vars = exported.vars;
        assert!(!vars.contains_key("REDIS_URL"), "{vars:?}");
        assert!(!vars.contains_key("REDIS_PASSWORD"), "{vars:?}");
        assert_eq!(
            vars["GIVEN_REDIS_URL"],
            "redis://default:pw@127.0.0.1:16998/0"
        );
        // A container that runs while its password is not stored (the
        // state folder was lost): said, never guessed.
        let Err(error) = exports(&project, &[], &[running_redis()], &state, &placement()) else {
            panic!("a running service's lost password was not refused");
        };
        let message = error.to_string();
        assert!(message.contains("service `redis` runs"), "{message}");
        assert!(message.contains("devsvc up redis"), "{message}");
        assert!(!state.has_secret("redis"), "nothing generated");
    }
}
