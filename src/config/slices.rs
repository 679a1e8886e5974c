//! `shared: true`: a service on one server per engine, template and major
//! version, shared with other projects. Here, what services.yaml says is
//! checked and the service is given the project's slice: its user is named
//! after the project and its databases are prefixed with it, so names stay
//! unique on the server while the env file exports the real ones.
use serde_saphyr::{Location, Spanned};

use super::mistake::Mistake;
use super::{ServiceSpec, Slice};
use crate::template::Template;

/// A key that cannot go with `shared: true`: its name, whether it is
/// present, and where (when its position is known).
pub(super) type Conflict<'a> = (&'a str, bool, Option<Location>);

/// The slice a service asks for, or `None`. `shared:` on the service wins
/// over the file's; the file's applies only where the template allows it.
pub(super) fn wanted(
    name: &str,
    template_name: &str,
    template: &Template,
    image: &str,
    shared: Option<&Spanned<bool>>,
    by_default: bool,
    conflicts: &[Conflict],
) -> Result<Option<Slice>, Mistake> {
    let asked = shared.map_or(by_default && template.shared.is_some(), |s| s.value);
    if !asked {
        return Ok(None);
    }
    let at = shared.map(|s| s.referenced);
    let Some(rule) = &template.shared else {
        return Err(Mistake::new(format!(
            "service `{name}`: template `{template_name}` cannot be shared: it has no users or databases to give each project a slice of its own, so projects would see and overwrite each other's data"
        ))
        .help(format!(
            "remove `shared: true` from `{name}`; templates that can be shared: {}",
            shareable().join(", ")
        ))
        .at_maybe(at));
    };
    if let Some((key, _, key_at)) = conflicts.iter().find(|(_, present, _)| *present) {
        let help = match *key {
            "user" => {
                "a shared service's user is named after the project (its slice); remove `user:`"
            }
            "external" => "an external resource runs somewhere else already; remove `shared:`",
            _ => {
                "a shared service's data lives on the shared server, one set for every branch; remove `data: per-branch` or `shared:`"
            }
        };
        return Err(Mistake::new(format!(
            "service `{name}`: `shared: true` and `{key}` exclude each other"
        ))
        .help(help)
        .at_maybe(key_at.or(at)));
    }
    Ok(Some(Slice {
        server: server_name(template_name, image),
        admin_user: rule.admin_user.clone(),
        owner: String::new(),
        data: None,
        rule: rule.clone(),
        server_command: None,
        server_ready: Vec::new(),
        server_s3: None,
    }))
}

/// Gives each shared service the project's slice: the user named after
/// the project, the databases prefixed with it, no volume of its own.
pub(super) fn apply(
    project: &str,
    specs: &mut [(Location, ServiceSpec)],
) -> Result<(), (Mistake, Location)> {
    let owner = project.replace('-', "_");
    for (at, spec) in specs.iter_mut() {
        let Some(slice) = &mut spec.shared else {
            continue;
        };
        if owner == slice.admin_user {
            return Err((
                Mistake::new(format!(
                    "service `{}`: a project named `{project}` cannot have a slice of a shared server, whose administrator has that name",
                    spec.name
                ))
                .help("give the project another name (`project:` in services.yaml, or -p)"),
                *at,
            ));
        }
        slice.owner = owner.clone();
        spec.user = Some(owner.clone());
        spec.databases = spec
            .databases
            .iter()
            .map(|db| format!("{owner}_{db}"))
            .collect();
        if let Some(long) = spec.databases.iter().find(|db| db.len() > 63) {
            return Err((
                Mistake::new(format!(
                    "service `{}`: database `{long}` on the shared server (the project's name, `_`, the database) is longer than 63 characters",
                    spec.name
                ))
                .help("use a shorter project or database name"),
                *at,
            ));
        }
        slice.data = spec.data.take();
        spec.volume = None;
        if spec.s3.is_some() && spec.buckets.is_empty() {
            return Err((
                Mistake::new(format!(
                    "service `{}`: a shared S3 service needs `buckets:`: its user may reach its own buckets only",
                    spec.name
                ))
                .help("add `buckets: [uploads]` (the names you use; the server's are prefixed with the project)"),
                *at,
            ));
        }
        let prefix = bucket_prefix(&owner);
        spec.buckets = spec
            .buckets
            .iter()
            .map(|b| format!("{prefix}{b}"))
            .collect();
        take_the_slice_view(spec);
    }
    Ok(())
}

/// The service as a project sees its slice: the rule's readiness, seed,
/// S3 login and exports over the template's (kept in the slice for the
/// server), and nothing through the ports the server does not publish.
fn take_the_slice_view(spec: &mut ServiceSpec) {
    let Some(slice) = &mut spec.shared else {
        return;
    };
    let rule = slice.rule.clone();
    slice.server_command = rule.command.or_else(|| spec.command.clone());
    slice.server_ready = rule.server_ready.unwrap_or_else(|| spec.ready.clone());
    slice.server_s3 = spec.s3.clone();
    if let Some(ready) = rule.ready {
        spec.ready = ready;
    }
    if let (Some(how), Some(seed)) = (rule.seed, &mut spec.seed) {
        seed.how = how;
    }
    if rule.s3.is_some() {
        spec.s3 = rule.s3;
    }
    for (name, value) in rule.exports {
        spec.exports
            .insert(format!("{}{name}", spec.env_prefix), value);
    }
    if let Some(publish) = rule.publish {
        let hidden: Vec<String> = spec
            .ports
            .iter()
            .filter(|p| !publish.contains(&p.name))
            .map(|p| format!("port.{}", p.name))
            .collect();
        let reaches_hidden = |text: &str| hidden.iter().any(|h| text.contains(h.as_str()));
        spec.ports.retain(|p| publish.contains(&p.name));
        spec.exports.retain(|_, value| !reaches_hidden(value));
        spec.web = spec.web.take().filter(|web| !reaches_hidden(web));
    }
}

/// What a slice's bucket names start with: the project's name, with `-`
/// (S3 bucket names take no `_`).
pub(crate) fn bucket_prefix(owner: &str) -> String {
    format!("{}-", owner.replace('_', "-"))
}

/// The built-in templates that can be shared.
fn shareable() -> Vec<&'static str> {
    crate::template::builtin_names()
        .filter(|name| {
            crate::template::builtin_source(name)
                .and_then(|source| serde_saphyr::from_str::<Template>(source).ok())
                .is_some_and(|t| t.shared.is_some())
        })
        .collect()
}

/// One server per template and major version: `postgres-17` for
/// `postgres:17.6-alpine` (a registry prefix or path aside). An image
/// pinned by digest alone is named by the digest's start.
fn server_name(template: &str, image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let version: String = match last.split_once('@') {
        Some((_, digest)) => digest
            .trim_start_matches("sha256:")
            .chars()
            .take(12)
            .collect(),
        None => match last.split_once(':') {
            Some((_, tag)) => tag.chars().take_while(char::is_ascii_digit).collect(),
            None => String::new(),
        },
    };
    match version.is_empty() {
        true => template.to_string(),
        false => format!("{template}-{version}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_server_per_template_and_major_version() {
        for (template, image, server) in [
            ("postgres", "postgres:17.6-alpine", "postgres-17"),
            (
                "postgres",
                "127.0.0.1:5000/postgres:17.6-alpine",
                "postgres-17",
            ),
            (
                "postgres",
                "127.0.0.1:5000/fresh/postgres:16",
                "postgres-16",
            ),
            ("mysql", "mysql:8.4.6", "mysql-8"),
            (
                "postgres",
                "postgres@sha256:0123456789abcdef0123",
                "postgres-0123456789ab",
            ),
            ("postgres", "postgres", "postgres"),
            ("postgres", "postgres:latest", "postgres"),
        ] {
            assert_eq!(server_name(template, image), server, "{image}");
        }
    }
}
