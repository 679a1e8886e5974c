//! services.yaml as written, before templates: the serde types, and the
//! profile overlay that lays a chosen profile's entries over the services.
use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::External;
use crate::error::{Error, Result};
use crate::suggest::did_you_mean;
use crate::template::{ProbeSpec, Template};

/// The services.yaml file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) project: Option<Spanned<String>>,
    pub(super) env_file: Option<String>,
    pub(super) image_prefix: Option<String>,
    /// One user-defined network per project, on which containers reach each
    /// other by service name; default false (the engine's default bridge).
    pub(super) network: Option<bool>,
    pub(super) services: Option<Spanned<IndexMap<String, Spanned<Option<RawService>>>>>,
    /// Per-environment overrides, chosen with --profile / DEVSVC_PROFILE.
    pub(super) profiles: Option<IndexMap<String, Spanned<RawProfile>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    #[serde(default)]
    pub(super) services: IndexMap<String, Spanned<Option<RawService>>>,
}

/// One entry under `services:`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    pub(super) template: Option<Spanned<String>>,
    /// A template written in place, for kinds devsvc does not ship.
    pub(super) inline: Option<Spanned<Template>>,
    pub(super) image: Option<String>,
    pub(super) ports: Option<Spanned<IndexMap<String, u16>>>,
    #[serde(default)]
    pub(super) env: IndexMap<String, String>,
    pub(super) command: Option<Vec<String>>,
    pub(super) volume: Option<bool>,
    pub(super) ready: Option<Vec<ProbeSpec>>,
    pub(super) env_prefix: Option<Spanned<String>>,
    pub(super) buckets: Option<Vec<Spanned<String>>>,
    pub(super) databases: Option<Vec<Spanned<String>>>,
    pub(super) init: Option<Vec<Spanned<String>>>,
    pub(super) password: Option<Spanned<String>>,
    /// Started nothing for: the variables come from these values.
    pub(super) external: Option<Spanned<External>>,
    /// Only active under one of these profiles (always, when empty).
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
            password: over.password.or(self.password),
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
