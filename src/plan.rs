//! The plan: what `up` must do to turn what the engine has into what
//! services.yaml asks for. A pure function of desired and observed state.
use std::collections::HashMap;

use crate::observed::Observed;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// No container yet.
    Create,
    /// A container with another config hash: remove it, create anew.
    /// `changed` names the parts of the configuration that differ (empty
    /// when the container is too old to say).
    Recreate { id: String, changed: Vec<String> },
    /// Same config, stopped: start it again.
    Start { id: String },
    /// Same config and running: leave it alone.
    Keep { id: String },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub service: String,
    pub action: Action,
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Plan {
    /// One step per desired service, in the order given.
    pub steps: Vec<Step>,
    /// Containers of this project that no wanted service owns (removed from
    /// services.yaml, or duplicates).
    pub remove: Vec<Removal>,
}

/// A service as services.yaml wants it: its configuration's hash, the
/// hash of each part (`image=…,env=…`), and the network it joins
/// (`bridge`: the engine's default).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Desired {
    pub(crate) service: String,
    pub(crate) hash: String,
    pub(crate) parts: String,
    pub(crate) network: String,
}

/// A container to remove.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Removal {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) service: String,
}

impl Removal {
    fn of(c: &Observed) -> Removal {
        Removal {
            id: c.id.clone(),
            name: c.name.clone(),
            service: c.service.clone(),
        }
    }
}

/// The engine's state of a container created and never started.
pub(crate) const NEVER_STARTED: &str = "created";

/// `desired` is in services.yaml order. With `prune`, containers of
/// services no longer configured are removed.
pub(crate) fn plan(desired: &[Desired], observed: &[Observed], prune: bool) -> Plan {
    let mut result = Plan::default();
    let mut claimed = vec![false; observed.len()];
    for want in desired {
        let Desired { service, hash, .. } = want;
        let mine: Vec<usize> = (0..observed.len())
            .filter(|&i| observed[i].service == *service)
            .collect();
        // Prefer a running container with the wanted hash, then any with it.
        let best = mine
            .iter()
            .copied()
            .max_by_key(|&i| (observed[i].hash == *hash, observed[i].running));
        let action = match best {
            None => Action::Create,
            Some(i) => {
                claimed[i] = true;
                let c = &observed[i];
                if c.hash != *hash {
                    Action::Recreate {
                        id: c.id.clone(),
                        changed: changed(c, want),
                    }
                } else if c.state == NEVER_STARTED {
                    // Created but never started: a run interrupted between
                    // creating it and copying its files in (a config file
                    // holding its password, init scripts) and starting it.
                    // Made anew, never started without them.
                    Action::Recreate {
                        id: c.id.clone(),
                        changed: vec![NEVER_STARTED.to_string()],
                    }
                } else if c.running {
                    Action::Keep { id: c.id.clone() }
                } else {
                    Action::Start { id: c.id.clone() }
                }
            }
        };
        for &i in &mine {
            if !claimed[i] {
                claimed[i] = true;
                result.remove.push(Removal::of(&observed[i]));
            }
        }
        result.steps.push(Step {
            service: service.clone(),
            action,
        });
    }
    if prune {
        for (i, c) in observed.iter().enumerate() {
            if !claimed[i] {
                result.remove.push(Removal::of(c));
            }
        }
    }
    result
}

/// The parts of a container's configuration that differ from what is
/// wanted: its network (seen on the container itself), and the parts whose
/// hashes differ in its label.
fn changed(c: &Observed, want: &Desired) -> Vec<String> {
    let mut changed = Vec::new();
    if !c.networks.is_empty() && !c.networks.contains(&want.network) {
        changed.push("network".to_string());
    }
    if let Some(old) = &c.parts {
        let old = parts(old);
        for (part, hash) in parts(&want.parts) {
            if old.get(part) != Some(&hash) {
                changed.push(part.to_string());
            }
        }
    }
    changed
}

fn parts(label: &str) -> HashMap<&str, &str> {
    label
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(id: &str, service: &str, hash: &str, running: bool) -> Observed {
        Observed {
            id: id.into(),
            name: format!("n-{id}"),
            service: service.into(),
            hash: hash.into(),
            running,
            state: if running {
                "running".into()
            } else {
                "exited".into()
            },
            image: "img".into(),
            ports: vec![],
            networks: vec!["bridge".into()],
            volumes: vec![],
            parts: Some(format!("image=i,env={hash}")),
        }
    }

    fn want(pairs: &[(&str, &str)]) -> Vec<Desired> {
        pairs
            .iter()
            .map(|(s, h)| Desired {
                service: s.to_string(),
                hash: h.to_string(),
                parts: format!("image=i,env={h}"),
                network: "bridge".into(),
            })
            .collect()
    }

    fn removal(id: &str, service: &str) -> Removal {
        Removal {
            id: id.into(),
            name: format!("n-{id}"),
            service: service.into(),
        }
    }

    #[test]
    fn a_container_never_started_is_made_anew() {
        let mut unstarted = observed("1", "redis", "h1", false);
        unstarted.state = NEVER_STARTED.into();
        let p = plan(&want(&[("redis", "h1")]), &[unstarted], false);
        assert!(matches!(
            &p.steps[0].action,
            Action::Recreate { id, changed } if id == "1" && changed == &[NEVER_STARTED]
        ));
    }

    #[test]
    fn create_keep_start_recreate_remove() {
        let obs = vec![
            observed("1", "redis", "h1", true),
            observed("2", "mail", "old", true),
            observed("3", "minio", "h3", false),
            observed("4", "gone", "h4", true),
        ];
        let p = plan(
            &want(&[
                ("redis", "h1"),
                ("mail", "h2"),
                ("minio", "h3"),
                ("new", "h5"),
            ]),
            &obs,
            true,
        );
        let actions: Vec<_> = p.steps.iter().map(|s| s.action.clone()).collect();
        assert_eq!(
            actions,
            vec![
                Action::Keep { id: "1".into() },
                Action::Recreate {
                    id: "2".into(),
                    changed: vec!["env".into()]
                },
                Action::Start { id: "3".into() },
                Action::Create,
            ]
        );
        assert_eq!(p.remove, vec![removal("4", "gone")]);
    }

    #[test]
    fn duplicates_are_removed_and_unselected_services_kept_without_prune() {
        let obs = vec![
            observed("a", "redis", "h", false),
            observed("b", "redis", "h", true),
            observed("c", "other", "x", true),
        ];
        let p = plan(&want(&[("redis", "h")]), &obs, false);
        assert_eq!(p.steps[0].action, Action::Keep { id: "b".into() });
        assert_eq!(p.remove, vec![removal("a", "redis")]);
    }

    #[test]
    fn a_recreate_names_what_changed() {
        let mut on_network = observed("1", "redis", "old", true);
        on_network.networks = vec!["devsvc-p".into()];
        let mut want = want(&[("redis", "new")]);
        want[0].parts = "image=j,env=old".into();
        let p = plan(&want, &[on_network.clone()], false);
        let changed = |p: &Plan| match &p.steps[0].action {
            Action::Recreate { changed, .. } => changed.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(changed(&p), ["network", "image"]);
        // A container from before parts were labelled still tells its network.
        on_network.parts = None;
        assert_eq!(changed(&plan(&want, &[on_network], false)), ["network"]);
    }
}
