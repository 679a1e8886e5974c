//! `devsvc init --detect`: the backing services an app needs, proposed
//! from what its manifests depend on (`manifests`) and the variables its
//! `.env.example` names (`envexample`), through the mapping in
//! `data/detect.yaml`. Every proposal carries its evidence; nothing is
//! proposed without some.
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::error::Result;
use crate::proposal::{self, Proposal, Service};

mod envexample;
mod manifests;

use envexample::Variable;
use manifests::Dependency;

const DATA: &str = include_str!("../../data/detect.yaml");

#[derive(Debug, Deserialize)]
struct Data {
    #[serde(flatten)]
    libraries: IndexMap<String, IndexMap<String, String>>,
}

/// The mapping, split into libraries per ecosystem, lone variables and
/// URL schemes.
struct Mapping {
    libraries: IndexMap<String, IndexMap<String, String>>,
    variables: IndexMap<String, String>,
    schemes: IndexMap<String, String>,
}

fn mapping() -> Mapping {
    let mut data: Data =
        serde_saphyr::from_str(DATA).expect("data/detect.yaml is valid (a unit test proves it)");
    let variables = data.libraries.shift_remove("variables").unwrap_or_default();
    let schemes = data.libraries.shift_remove("schemes").unwrap_or_default();
    Mapping {
        libraries: data.libraries,
        variables,
        schemes,
    }
}

/// What was found and what it became.
#[derive(Debug)]
pub(crate) struct Detection {
    /// The manifests and example env files read.
    pub files: Vec<String>,
    pub proposal: Proposal,
    /// Per proposed service, its evidence.
    pub evidence: Vec<Vec<String>>,
    /// Variables of .env.example that no proposed service provides.
    pub unprovided: Vec<String>,
}

struct Candidate {
    template: String,
    prefix: String,
    libraries: Vec<String>,
    variables: Vec<String>,
}

pub(crate) fn detect(dir: &Path) -> Result<Detection> {
    let map = mapping();
    let (mut files, deps) = manifests::read(dir)?;
    let (env_file, vars) = envexample::read(dir)?;
    files.extend(env_file.clone());
    let env_name = env_file.unwrap_or_default();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut claimed = vec![false; vars.len()];
    // Templates named by a library, in the order the manifests name them.
    let mut by_library: IndexMap<String, Vec<String>> = IndexMap::new();
    for dep in &deps {
        if let Some(t) = library_template(&map, dep) {
            let evidence = format!("{} in {}", dep.name, dep.file);
            let list = by_library.entry(t).or_default();
            if !list.contains(&evidence) {
                list.push(evidence);
            }
        }
    }
    for (template, libraries) in by_library {
        let groups = claim(&template, &vars, &mut claimed);
        if groups.is_empty() {
            candidates.push(Candidate {
                template,
                prefix: String::new(),
                libraries,
                variables: Vec::new(),
            });
            continue;
        }
        for (prefix, variables) in groups {
            let libraries = libraries.clone();
            candidates.push(Candidate {
                template: template.clone(),
                prefix,
                libraries,
                variables,
            });
        }
    }
    // Variables that name a service on their own.
    for (i, var) in vars.iter().enumerate() {
        if claimed[i] {
            continue;
        }
        let Some(template) = lone_template(&map, var) else {
            continue;
        };
        let groups = claim(&template, &vars, &mut claimed);
        for (prefix, variables) in groups {
            candidates.push(Candidate {
                template: template.clone(),
                prefix,
                libraries: Vec::new(),
                variables,
            });
        }
    }
    let mut services = Vec::new();
    let mut evidence = Vec::new();
    for c in candidates {
        let name = service_name(&c, &services);
        let mut service = Service::of_template(&name, &c.template);
        if !c.prefix.is_empty() {
            service.env_prefix = Some(c.prefix.clone());
        }
        let mut said = c.libraries.clone();
        if !c.variables.is_empty() {
            said.push(format!("{} in {env_name}", c.variables.join(", ")));
        }
        service.notes.push(said.join("; "));
        evidence.push(said);
        services.push(service);
    }
    proposal::separate_exports(&mut services);
    let provided: Vec<String> = services.iter().flat_map(Service::variables).collect();
    let unprovided: Vec<String> = vars
        .iter()
        .map(|v| v.name.clone())
        .filter(|n| !provided.contains(n))
        .collect();
    let mut header = vec![
        format!(
            "services.yaml, proposed by `devsvc init --detect` from {}.",
            files.join(", ")
        ),
        "Each service names its evidence; `devsvc config` shows it resolved.".to_string(),
    ];
    if !unprovided.is_empty() {
        header.push(format!(
            "{env_name} names variables no service here provides: {}",
            unprovided.join(", ")
        ));
    }
    Ok(Detection {
        files,
        proposal: Proposal {
            header,
            services,
            profiles: Vec::new(),
        },
        evidence,
        unprovided,
    })
}

fn library_template(map: &Mapping, dep: &Dependency) -> Option<String> {
    map.libraries.get(dep.ecosystem)?.get(&dep.name).cloned()
}

/// The template a variable names by itself: by its name, or by the scheme
/// of its URL value.
fn lone_template(map: &Mapping, var: &Variable) -> Option<String> {
    if let Some(t) = map.variables.get(&var.name) {
        return Some(t.clone());
    }
    let scheme = var.value.split_once("://")?.0.to_ascii_lowercase();
    map.schemes.get(&scheme).cloned()
}

/// The unclaimed variables this template exports (with some prefix),
/// grouped by prefix in the order they appear; claims them.
fn claim(template: &str, vars: &[Variable], claimed: &mut [bool]) -> Vec<(String, Vec<String>)> {
    let exports = Service::of_template(template, template).exports;
    let mut groups: IndexMap<String, Vec<String>> = IndexMap::new();
    for (i, var) in vars.iter().enumerate() {
        if claimed[i] {
            continue;
        }
        if let Some(prefix) = prefix_of(&var.name, &exports) {
            claimed[i] = true;
            groups.entry(prefix).or_default().push(var.name.clone());
        }
    }
    groups.into_iter().collect()
}

/// The prefix under which `exports` holds `name` (`SESSIONS_REDIS_URL` ->
/// `SESSIONS_`), preferring the longest export it ends with.
fn prefix_of(name: &str, exports: &[String]) -> Option<String> {
    exports
        .iter()
        .filter(|e| name.ends_with(e.as_str()))
        .filter_map(|e| {
            let prefix = &name[..name.len() - e.len()];
            (prefix.is_empty() || prefix.ends_with('_')).then(|| (e.len(), prefix.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, p)| p)
}

/// The template's name, or the prefix's (`SESSIONS_` -> `sessions`),
/// made unique.
fn service_name(c: &Candidate, taken: &[Service]) -> String {
    let base = if c.prefix.is_empty() {
        c.template.clone()
    } else {
        c.prefix
            .trim_end_matches('_')
            .to_lowercase()
            .replace('_', "-")
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|s| s.name == name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The proposed file, or `None` when nothing was found.
pub(crate) fn yaml(d: &Detection) -> Option<String> {
    (!d.proposal.services.is_empty()).then(|| proposal::yaml::write(&d.proposal))
}

/// The report for stderr.
pub(crate) fn report(d: &Detection) -> String {
    let mut out = String::new();
    if d.files.is_empty() {
        out.push_str("found no dependency manifest and no .env.example here: nothing to propose\n");
        return out;
    }
    out.push_str(&format!("read {}\n", d.files.join(", ")));
    if d.proposal.services.is_empty() {
        out.push_str("no client library or variable here names a backing service devsvc has: nothing proposed, nothing written\n");
    }
    for (service, evidence) in d.proposal.services.iter().zip(&d.evidence) {
        let template = service.template.as_deref().unwrap_or("inline");
        out.push_str(&format!(
            "{} -> template {template}: {}\n",
            service.name,
            evidence.join("; ")
        ));
        for note in service.notes.iter().skip(1) {
            out.push_str(&format!("  {note}\n"));
        }
        out.push_str(&format!("  env file: {}\n", service.variables().join(", ")));
    }
    if !d.unprovided.is_empty() {
        out.push_str(&format!(
            "not provided by these services: {}\n",
            d.unprovided.join(", ")
        ));
    }
    out
}

pub(crate) fn json(
    d: &Detection,
    services_yaml: Option<&str>,
    written: Option<&str>,
) -> serde_json::Value {
    let services: Vec<serde_json::Value> = d
        .proposal
        .services
        .iter()
        .zip(&d.evidence)
        .map(|(s, e)| {
            serde_json::json!({
                "name": s.name,
                "template": s.template,
                "env_prefix": s.env_prefix,
                "evidence": e,
                "variables": s.variables(),
            })
        })
        .collect();
    serde_json::json!({
        "files": d.files,
        "services": services,
        "unprovided": d.unprovided,
        "services_yaml": services_yaml,
        "written": written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_template_is_shipped() {
        let map = mapping();
        let all = map
            .libraries
            .values()
            .flat_map(|m| m.values())
            .chain(map.variables.values())
            .chain(map.schemes.values());
        for t in all {
            assert!(crate::template::builtin_source(t).is_some(), "{t}");
        }
        for (var, t) in &map.variables {
            let exports = Service::of_template(t, t).exports;
            assert!(exports.contains(var), "{t} does not export {var}");
        }
    }

    #[test]
    fn prefixes_come_from_the_longest_export() {
        let exports: Vec<String> = ["REDIS_URL", "URL"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            prefix_of("SESSIONS_REDIS_URL", &exports).as_deref(),
            Some("SESSIONS_")
        );
        assert_eq!(prefix_of("REDIS_URL", &exports).as_deref(), Some(""));
        assert_eq!(prefix_of("XREDIS_URL", &exports[..1]), None);
    }
}
