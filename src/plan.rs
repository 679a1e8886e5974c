//! The plan: what `up` must do to turn what the engine has into what
//! services.yaml asks for. A pure function of desired and observed state.
use crate::engine::Observed;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// No container yet.
    Create,
    /// A container with another config hash: remove it, create anew.
    Recreate { id: String },
    /// Same config, stopped: start it again.
    Start { id: String },
    /// Same config and running: leave it alone.
    Keep { id: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub service: String,
    pub action: Action,
}

#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Containers of this project that no wanted service owns (removed from
    /// services.yaml, or duplicates): (id, name, service).
    pub remove: Vec<(String, String, String)>,
}

/// `desired` holds (service, config hash) in services.yaml order. With
/// `prune`, containers of services no longer configured are removed.
pub fn plan(desired: &[(String, String)], observed: &[Observed], prune: bool) -> Plan {
    let mut result = Plan::default();
    let mut claimed = vec![false; observed.len()];
    for (service, hash) in desired {
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
                    Action::Recreate { id: c.id.clone() }
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
                result.remove.push((
                    observed[i].id.clone(),
                    observed[i].name.clone(),
                    service.clone(),
                ));
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
                result
                    .remove
                    .push((c.id.clone(), c.name.clone(), c.service.clone()));
            }
        }
    }
    result
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
        }
    }

    fn want(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(s, h)| (s.to_string(), h.to_string()))
            .collect()
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
                Action::Recreate { id: "2".into() },
                Action::Start { id: "3".into() },
                Action::Create,
            ]
        );
        assert_eq!(p.remove, vec![("4".into(), "n-4".into(), "gone".into())]);
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
        assert_eq!(p.remove, vec![("a".into(), "n-a".into(), "redis".into())]);
    }
}
