//! services.yaml as written, before templates: the serde types (which
//! `devsvc schema` describes too), and the profile overlay that lays a
//! chosen profile's entries over the services.
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::External;
use crate::error::{Error, Result};
use crate::schema;
use crate::suggest::did_you_mean;
use crate::template::{ProbeSpec, Template};

/// A services.yaml file: the backing services a project needs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    /// The project's name, which names its containers, networks and
    /// volumes (default: the folder's name, sanitised).
    #[schemars(with = "Option<schema::Name>")]
    pub(super) project: Option<Spanned<String>>,
    /// Where the variables are written, relative to services.yaml
    /// (default `.env`).
    #[schemars(with = "Option<schema::Text>")]
    pub(super) env_file: Option<Spanned<String>>,
    /// Prepended to every image, for registry mirrors (default: none).
    #[schemars(with = "Option<schema::Text>")]
    pub(super) image_prefix: Option<String>,
    /// One user-defined network per project, on which containers reach each
    /// other by service name; default false (the engine's default bridge).
    #[schemars(with = "Option<schema::Flag>")]
    pub(super) network: Option<bool>,
    /// `per-branch`: every service keeps one set of data per git branch
    /// (default `shared`: one set).
    pub(super) data: Option<DataMode>,
    /// With `data: per-branch`: the branch whose data a new branch's
    /// volumes start as a copy of (default: none, they start empty and
    /// take the seed).
    #[schemars(with = "Option<schema::Text>")]
    pub(super) branch_from: Option<Spanned<String>>,
    /// `true`: every service whose template allows it uses one server per
    /// engine, template and major version, shared with other projects,
    /// each with a slice of its own (default false).
    #[schemars(with = "Option<schema::Flag>")]
    pub(super) shared: Option<bool>,
    /// The services: the key is the service name, and the template
    /// defaults to the key.
    #[schemars(
        with = "schema::Services<Option<RawService>>",
        extend("minProperties" = 1)
    )]
    pub(super) services: Option<Spanned<IndexMap<String, Spanned<Option<RawService>>>>>,
    /// Per-environment overrides, chosen with --profile / DEVSVC_PROFILE.
    #[schemars(with = "Option<IndexMap<String, RawProfile>>")]
    pub(super) profiles: Option<IndexMap<String, Spanned<RawProfile>>>,
}

/// One profile: its entries are laid over the services, key by key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Profile")]
pub(super) struct RawProfile {
    /// Entries laid over the services of the same name, key by key (`env`
    /// merged); a new name adds a service.
    #[serde(default)]
    #[schemars(with = "schema::Services<Option<RawService>>")]
    pub(super) services: IndexMap<String, Spanned<Option<RawService>>>,
}

/// Whose data a volume holds.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum DataMode {
    /// One set of data, whatever the branch.
    Shared,
    /// One set of data per git branch, behind the same ports and
    /// passwords.
    PerBranch,
}

/// One entry under `services:`; every key is optional.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// Both is a mistake the parser names (`choose_template`).
#[schemars(rename = "Service", extend("not" = { "required": ["template", "inline"] }))]
pub(super) struct RawService {
    /// Which template (default: the service name).
    #[schemars(with = "Option<schema::TemplateName>")]
    pub(super) template: Option<Spanned<String>>,
    /// A template written in place, for kinds devsvc does not ship.
    #[schemars(with = "Option<Template>")]
    pub(super) inline: Option<Spanned<Template>>,
    /// Full image override.
    #[schemars(with = "Option<schema::Text>")]
    pub(super) image: Option<String>,
    /// Pin host ports: `{6379: 6379}` or by port name `{smtp: 1025}`;
    /// others get a stable automatic port.
    #[schemars(with = "Option<IndexMap<String, schema::Port>>")]
    pub(super) ports: Option<Spanned<IndexMap<String, u16>>>,
    /// Extra container environment.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, schema::Text>")]
    pub(super) env: IndexMap<String, String>,
    /// Container command, as a list.
    #[schemars(with = "Option<Vec<schema::Text>>")]
    pub(super) command: Option<Vec<String>>,
    /// Keep data in a named volume (default `true`).
    #[schemars(with = "Option<schema::Flag>")]
    pub(super) volume: Option<bool>,
    /// Override the readiness probes (all must pass, in order).
    pub(super) ready: Option<Vec<ProbeSpec>>,
    /// Prefix for every exported variable, e.g. `SESSIONS_`.
    #[schemars(with = "Option<schema::EnvPrefix>")]
    pub(super) env_prefix: Option<Spanned<String>>,
    /// Buckets to create (S3 templates).
    #[schemars(with = "Option<Vec<schema::BucketName>>")]
    pub(super) buckets: Option<Vec<Spanned<String>>>,
    /// Databases to have, the first exported (database templates).
    #[schemars(with = "Option<Vec<schema::DatabaseName>>")]
    pub(super) databases: Option<Vec<Spanned<String>>>,
    /// SQL files run once on a fresh volume, in order, relative to
    /// services.yaml (database templates).
    #[schemars(with = "Option<Vec<schema::SqlFile>>")]
    pub(super) init: Option<Vec<Spanned<String>>>,
    /// Data the service starts with, applied once to new data (and again by
    /// `devsvc seed`): a file of Redis commands, or a folder of S3 buckets,
    /// relative to services.yaml.
    #[schemars(with = "Option<schema::Text>")]
    pub(super) seed: Option<Spanned<String>>,
    /// `per-branch`: one set of data per git branch; `shared`: one set
    /// (default: the file's top-level `data:`).
    pub(super) data: Option<DataMode>,
    /// `true`: use one server per engine, template and major version,
    /// shared with other projects; this project gets its own user, secret
    /// and databases (or keys, buckets, vhost) on it (default: the file's
    /// top-level `shared:`).
    #[schemars(with = "Option<schema::Flag>")]
    pub(super) shared: Option<Spanned<bool>>,
    /// A fixed password instead of a generated one (templates that take
    /// one).
    #[schemars(with = "Option<schema::Text>", extend("minLength" = 1))]
    pub(super) password: Option<Spanned<String>>,
    /// Another user name than the template's (templates with a user, such
    /// as `app` for the databases).
    #[schemars(with = "Option<schema::Text>", extend("minLength" = 1))]
    pub(super) user: Option<Spanned<String>>,
    /// Start nothing: the variables come from `url`, or `host` / `ports` /
    /// `password`, plus verbatim `env` overrides.
    #[schemars(with = "Option<External>")]
    pub(super) external: Option<Spanned<External>>,
    /// Only active under one of these profiles, e.g. `[debug]` (always,
    /// when absent).
    #[schemars(with = "Option<Vec<schema::Text>>")]
    pub(super) profiles: Option<Vec<String>>,
}

impl RawService {
    /// This entry with a profile's entry laid over it, key by key.
    fn overlay(self, over: RawService) -> RawService {
        let mut env = self.env;
        env.extend(over.env);
        RawService {
            template: over.template.or(self.template),
            inline: over.inline.or(self.inline),
            image: over.image.or(self.image),
            ports: over.ports.or(self.ports),
            env,
            command: over.command.or(self.command),
            volume: over.volume.or(self.volume),
            ready: over.ready.or(self.ready),
            env_prefix: over.env_prefix.or(self.env_prefix),
            buckets: over.buckets.or(self.buckets),
            databases: over.databases.or(self.databases),
            init: over.init.or(self.init),
            seed: over.seed.or(self.seed),
            data: over.data.or(self.data),
            shared: over.shared.or(self.shared),
            password: over.password.or(self.password),
            user: over.user.or(self.user),
            external: over.external.or(self.external),
            profiles: over.profiles.or(self.profiles),
        }
    }
}

pub(super) type Entries = IndexMap<String, (serde_saphyr::Location, RawService)>;

/// The services with the chosen profile's entries laid over them.
pub(super) fn apply_profile(
    services: IndexMap<String, Spanned<Option<RawService>>>,
    profiles: IndexMap<String, Spanned<RawProfile>>,
    chosen: Option<&str>,
) -> Result<Entries> {
    let mut entries: Entries = services
        .into_iter()
        .map(|(name, entry)| (name, (entry.referenced, entry.value.unwrap_or_default())))
        .collect();
    let Some(chosen) = chosen else {
        return Ok(entries);
    };
    let mut profiles = profiles;
    let Some(profile) = profiles.shift_remove(chosen) else {
        let hint = did_you_mean(chosen, profiles.keys().map(String::as_str))
            .map(|h| format!("; {h}"))
            .unwrap_or_else(|| {
                let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
                if known.is_empty() {
                    "; the file defines no `profiles:`".into()
                } else {
                    format!("; profiles: {}", known.join(", "))
                }
            });
        return Err(Error::Usage(format!(
            "unknown profile `{chosen}` (from --profile or DEVSVC_PROFILE){hint}"
        )));
    };
    for (name, entry) in profile.value.services {
        let over = entry.value.unwrap_or_default();
        // Laid over in place, so services keep their order in the file.
        match entries.get_mut(&name) {
            Some((_, base)) => *base = std::mem::take(base).overlay(over),
            None => {
                entries.insert(name, (entry.referenced, over));
            }
        }
    }
    Ok(entries)
}
