//! Which template an image is: its repository (registry, `library/`, tag
//! and digest stripped) against every template's own image, then the
//! aliases in `data/compose.yaml`. Templates are data, so no service kind
//! is named here.
use indexmap::IndexMap;
use serde::Deserialize;

use crate::template::{self, Template};

/// `data/compose.yaml`, compiled in.
const DATA: &str = include_str!("../../data/compose.yaml");

#[derive(Debug, Deserialize)]
struct Data {
    aliases: IndexMap<String, String>,
    env_aliases: IndexMap<String, IndexMap<String, String>>,
}

fn data() -> Data {
    serde_saphyr::from_str(DATA).expect("data/compose.yaml is valid (a unit test proves it)")
}

/// An image reference taken apart.
#[derive(Debug, PartialEq)]
pub(crate) struct ImageRef {
    /// The repository without registry or `library/`: `postgres`,
    /// `minio/minio`.
    pub repository: String,
    /// The tag, when one is written (`latest` counts as none).
    pub tag: Option<String>,
    pub digest: Option<String>,
}

pub(crate) fn parse(image: &str) -> ImageRef {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (image, None),
    };
    // A tag is after the last `:` that follows the last `/` (a registry's
    // port comes before a `/`).
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
        None => (rest, None),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    // The first part is a registry when it looks like a host.
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    if parts.len() > 1 && parts[0] == "library" {
        parts.remove(0);
    }
    ImageRef {
        repository: parts.join("/").to_lowercase(),
        tag: tag.filter(|t| t != "latest"),
        digest,
    }
}

/// How an image matched a template.
#[derive(Debug)]
pub(crate) struct Match {
    pub name: String,
    pub template: Template,
    /// The image is a build of the server under another repository.
    pub alias: bool,
    /// Other names for the template's own environment variables.
    pub env_aliases: IndexMap<String, String>,
}

pub(crate) fn template_for(image: &str) -> Option<Match> {
    let wanted = parse(image).repository;
    let data = data();
    let own = template::builtin_names()
        .find(|name| builtin(name).is_some_and(|t| parse(&t.image).repository == wanted));
    let (name, alias) = match own {
        Some(name) => (name.to_string(), false),
        None => (data.aliases.get(&wanted)?.clone(), true),
    };
    let template = builtin(&name)?;
    Some(Match {
        env_aliases: data.env_aliases.get(&name).cloned().unwrap_or_default(),
        name,
        template,
        alias,
    })
}

pub(crate) fn builtin(name: &str) -> Option<Template> {
    serde_saphyr::from_str(template::builtin_source(name)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_library_and_tags_are_stripped() {
        let r = parse("docker.io/library/postgres:16-alpine");
        assert_eq!(
            (r.repository.as_str(), r.tag.as_deref()),
            ("postgres", Some("16-alpine"))
        );
        assert_eq!(parse("localhost:5000/redis").repository, "redis");
        assert_eq!(
            parse("quay.io/minio/minio:RELEASE.x").repository,
            "minio/minio"
        );
        assert_eq!(parse("redis:latest").tag, None);
        let d = parse("postgres@sha256:abc");
        assert_eq!(
            (d.repository.as_str(), d.digest.as_deref()),
            ("postgres", Some("sha256:abc"))
        );
    }

    #[test]
    fn templates_and_aliases_match_and_others_do_not() {
        let name = |i: &str| template_for(i).map(|m| (m.name, m.alias));
        assert_eq!(name("postgres:16"), Some(("postgres".into(), false)));
        assert_eq!(name("minio/minio"), Some(("minio".into(), false)));
        assert_eq!(
            name("docker.io/axllent/mailpit:v1.20"),
            Some(("mailpit".into(), false))
        );
        assert_eq!(
            name("postgis/postgis:16-3.4"),
            Some(("postgres".into(), true))
        );
        assert_eq!(
            name("elasticsearch:8.15.0"),
            Some(("elasticsearch".into(), true))
        );
        assert_eq!(name("bitnami/redis:7.2"), None);
        assert_eq!(name("clickhouse/clickhouse-server"), None);
    }

    #[test]
    fn every_alias_names_a_shipped_template() {
        let data = data();
        for (image, name) in data.aliases.iter() {
            assert!(builtin(name).is_some(), "{image} -> {name}");
        }
        for name in data.env_aliases.keys() {
            assert!(builtin(name).is_some(), "{name}");
        }
    }
}
