//! services.yaml: parse, interpolate, apply templates, validate. The result is
//! a `Project` of fully resolved `ServiceSpec`s; nothing later reads YAML.
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::error::{Error, Result};
use crate::interpolate::{Missing, find_missing, interpolate};
use crate::render::placeholders;
use crate::suggest::closest;
use crate::template::{self, PasswordRule, ProbeSpec, S3Api, Template};

/// The services.yaml file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    project: Option<Spanned<String>>,
    env_file: Option<String>,
    image_prefix: Option<String>,
    /// One user-defined network per project (service names resolve on it).
    network: Option<bool>,
    services: Option<Spanned<IndexMap<String, Spanned<Option<RawService>>>>>,
    /// Per-environment overrides, chosen with --profile / DEVSVC_PROFILE.
    profiles: Option<IndexMap<String, Spanned<RawProfile>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    #[serde(default)]
    services: IndexMap<String, Spanned<Option<RawService>>>,
}

/// One entry under `services:`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    template: Option<Spanned<String>>,
    /// A template written in place, for kinds devsvc does not ship.
    inline: Option<Spanned<Template>>,
    image: Option<String>,
    ports: Option<Spanned<IndexMap<String, u16>>>,
    #[serde(default)]
    env: IndexMap<String, String>,
    command: Option<Vec<String>>,
    volume: Option<bool>,
    ready: Option<Vec<ProbeSpec>>,
    env_prefix: Option<Spanned<String>>,
    buckets: Option<Vec<Spanned<String>>>,
    password: Option<Spanned<String>>,
    /// Started nothing for: the variables come from these values.
    external: Option<Spanned<External>>,
    /// Only active under one of these profiles (always, when empty).
    profiles: Option<Vec<String>>,
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
            password: over.password.or(self.password),
            external: over.external.or(self.external),
            profiles: over.profiles.or(self.profiles),
        }
    }
}

/// A resource devsvc does not start (a managed cloud Redis, a shared S3):
/// the service's variables are rendered from these values instead.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// e.g. `rediss://user:secret@cache.example.com:6380/0`; gives host,
    /// port and password, and is written as is to the template's
    /// `url_exports`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "masked_url"
    )]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Port by template port name; default: the URL's port, else the
    /// template's container port.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub ports: IndexMap<String, u16>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "masked_option"
    )]
    pub password: Option<String>,
    /// Exported variables (names before env_prefix) set verbatim.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: IndexMap<String, String>,
}

/// A fully resolved project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub name: String,
    pub file: PathBuf,
    pub env_file: PathBuf,
    /// Containers join a project network (default) rather than the
    /// engine's default bridge.
    pub network: bool,
    pub services: Vec<ServiceSpec>,
}

/// A container port and, when pinned, the host port it is published on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PortSpec {
    pub name: String,
    pub container: u16,
    pub host: Option<u16>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Password {
    /// Set in services.yaml (shown masked by `devsvc config`).
    Given(#[serde(serialize_with = "masked")] String),
    /// Generated once per project with this many characters, then kept.
    Generate(usize),
}

/// One service after its template, overrides and prefix are applied.
/// Values may still hold `{{placeholders}}` for ports and secrets.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceSpec {
    pub name: String,
    pub template: String,
    pub image: String,
    pub ports: Vec<PortSpec>,
    pub command: Option<Vec<String>>,
    pub env: IndexMap<String, String>,
    /// Container path kept in a named volume; `None` when not persisted.
    pub data: Option<String>,
    pub password: Option<Password>,
    pub ready: Vec<ProbeSpec>,
    pub s3: Option<S3Api>,
    pub buckets: Vec<String>,
    /// Final variable name (prefix applied) to value template.
    pub exports: IndexMap<String, String>,
    /// Final names of the exports an external `url` is written to.
    pub url_exports: Vec<String>,
    /// The prefix applied to exported names.
    pub env_prefix: String,
    /// Set when devsvc starts nothing for this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
}

fn masked<S: serde::Serializer>(_: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("********")
}

fn masked_option<S: serde::Serializer>(
    value: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => serializer.serialize_str("********"),
        None => serializer.serialize_none(),
    }
}

fn masked_url<S: serde::Serializer>(
    value: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(url) => serializer.serialize_str(&mask_url(url)),
        None => serializer.serialize_none(),
    }
}

/// A URL with its password replaced by `****`, for output.
pub fn mask_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("****"));
            url.to_string()
        }
        _ => text.to_string(),
    }
}

/// Where the settings came from, for loading.
pub struct LoadOptions<'a> {
    pub file: &'a Path,
    pub project_name: Option<&'a str>,
    pub image_prefix: Option<&'a str>,
    pub profile: Option<&'a str>,
}

pub fn load(options: &LoadOptions) -> Result<Project> {
    let path = options.file;
    let source = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Usage(format!(
                "no services file at {} (looked there because of {}); create one with `devsvc init` or pass -f FILE",
                path.display(),
                "-f/--file, DEVSVC_FILE or the default ./services.yaml"
            ))
        } else {
            Error::io(path, e)
        }
    })?;
    parse(&source, path, options)
}

/// Parses and resolves services.yaml text; `path` names it in errors and
/// anchors relative paths.
pub fn parse(source: &str, path: &Path, options: &LoadOptions) -> Result<Project> {
    let file = path.display().to_string();
    let at = |line: u64, column: u64, message: String, suggestion: Option<String>| Error::Config {
        file: file.clone(),
        line,
        column,
        message,
        suggestion,
    };
    if let Some((line, column)) = find_tab_indent(source) {
        return Err(at(
            line,
            column,
            "a tab in indentation; YAML indents with spaces".into(),
            Some("replace the tab with spaces".into()),
        ));
    }
    let interpolated = interpolate(source, |name| std::env::var(name).ok()).map_err(|m| {
        at(
            m.line,
            m.column,
            format!("malformed interpolation `{}`", m.text),
            Some("write ${NAME} or ${NAME:-default}; a literal $ is $$".into()),
        )
    })?;
    let unset = |m: &Missing| {
        at(
            m.line,
            m.column,
            format!("environment variable `{}` is not set", m.name),
            Some(format!(
                "set {0}, or give a default: ${{{0}:-value}}",
                m.name
            )),
        )
    };
    let raw: RawFile = serde_saphyr::from_str(&interpolated.text).map_err(|e| {
        // A value that failed to parse because a variable was unset: say so.
        let line = e.location().map(|l| l.line());
        match interpolated.missing.iter().find(|m| Some(m.line) == line) {
            Some(m) => unset(m),
            None => yaml_error(&file, &e),
        }
    })?;

    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = match (options.project_name, &raw.project) {
        (Some(name), _) => validate_project_name(name).map_err(Error::Usage)?,
        (None, Some(spanned)) => validate_project_name(&spanned.value).map_err(|m| {
            at(
                spanned.referenced.line(),
                spanned.referenced.column(),
                m,
                None,
            )
        })?,
        (None, None) => sanitize_project_name(dir),
    };
    let image_prefix = options
        .image_prefix
        .map(str::to_string)
        .or(raw.image_prefix)
        .unwrap_or_default();

    let Some(services) = raw.services.filter(|s| !s.value.is_empty()) else {
        return Err(at(
            1,
            1,
            "no services: services.yaml needs a `services:` map with at least one service".into(),
            Some("for example:\n    services:\n      redis: {}".into()),
        ));
    };
    let entries = apply_profile(
        services.value,
        raw.profiles.unwrap_or_default(),
        options.profile,
    )?;
    let mut specs = Vec::new();
    for (service_name, (loc, raw)) in entries {
        let active = raw
            .profiles
            .as_ref()
            .is_none_or(|list| options.profile.is_some_and(|p| list.iter().any(|x| x == p)));
        if !active {
            continue;
        }
        let spec = resolve_service(&service_name, raw, &image_prefix).map_err(
            |(l, message, suggestion)| {
                let l = l.unwrap_or(loc);
                at(l.line(), l.column(), message, suggestion)
            },
        )?;
        specs.push((loc, spec));
    }
    if specs.is_empty() {
        return Err(Error::Usage(format!(
            "no service is active in {} under profile `{}`",
            path.display(),
            options.profile.unwrap_or("(none)")
        )));
    }
    check_unique_exports(&specs).map_err(|(loc, m, s)| at(loc.line(), loc.column(), m, s))?;
    let env_file = dir.join(raw.env_file.unwrap_or_else(|| ".env".into()));
    let project = Project {
        name,
        file: path.to_path_buf(),
        env_file,
        network: raw.network.unwrap_or(true),
        services: specs.into_iter().map(|(_, s)| s).collect(),
    };
    // Only now is it known which values are used: an unset variable in an
    // unchosen profile is no error.
    let used = serde_json::to_string(&project).expect("project serialises");
    let used_secrets: String = project
        .services
        .iter()
        .filter_map(|s| match (&s.password, &s.external) {
            (Some(Password::Given(p)), _) => Some(p.clone()),
            (_, Some(e)) => Some(format!("{:?}{:?}", e.url, e.password)),
            _ => None,
        })
        .collect();
    if let Some(m) = find_missing(&format!("{used}{used_secrets}"), &interpolated.missing) {
        return Err(unset(m));
    }
    Ok(project)
}

type Entries = IndexMap<String, (serde_saphyr::Location, RawService)>;

/// The services with the chosen profile's entries laid over them.
fn apply_profile(
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
    let Some(profile) = profiles.get(chosen) else {
        let hint = closest(chosen, profiles.keys().map(String::as_str))
            .map(|c| format!("; did you mean `{c}`?"))
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
    let _ = profile.referenced;
    for (name, entry) in profiles
        .into_iter()
        .find(|(n, _)| n == chosen)
        .map(|(_, p)| p.value.services)
        .unwrap_or_default()
    {
        let over = entry.value.unwrap_or_default();
        match entries.shift_remove(&name) {
            Some((loc, base)) => {
                let merged = base.overlay(over);
                entries.insert(name, (loc, merged));
            }
            None => {
                entries.insert(name, (entry.referenced, over));
            }
        }
    }
    Ok(entries)
}

type Located = (Option<serde_saphyr::Location>, String, Option<String>);

/// A built-in template by name, or a located "unknown template" error.
fn builtin(name: &str, at: Option<serde_saphyr::Location>) -> Result<Template, Located> {
    let Some(source) = template::builtin_source(name) else {
        let suggestion = closest(name, template::builtin_names())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| {
                format!(
                    "known templates: {}; or define the service with `inline:`",
                    template::builtin_names().collect::<Vec<_>>().join(", ")
                )
            });
        return Err((at, format!("unknown template `{name}`"), Some(suggestion)));
    };
    serde_saphyr::from_str(source).map_err(|e| {
        (
            at,
            format!("built-in template `{name}` is invalid: {e}"),
            None,
        )
    })
}

fn resolve_service(
    name: &str,
    mut raw: RawService,
    image_prefix: &str,
) -> Result<ServiceSpec, Located> {
    if let Err(m) = validate_name(name) {
        return Err((None, format!("invalid service name `{name}`: {m}"), None));
    }
    let (template_name, template) = match (raw.template.as_ref(), raw.inline.take()) {
        (Some(t), Some(_)) => {
            return Err((
                Some(t.referenced),
                format!("service `{name}` has both `template` and `inline`"),
                Some(
                    "keep one: `template:` names a built-in template, `inline:` defines one".into(),
                ),
            ));
        }
        (None, Some(inline)) => ("inline".to_string(), inline.value),
        (t, None) => {
            let template_name = t.map_or(name, |t| t.value.as_str()).to_string();
            (
                template_name.clone(),
                builtin(&template_name, t.map(|t| t.referenced))?,
            )
        }
    };
    let template_name = template_name.as_str();

    let mut ports: Vec<PortSpec> = template
        .ports
        .iter()
        .map(|(n, p)| PortSpec {
            name: n.clone(),
            container: *p,
            host: None,
        })
        .collect();
    if let Some(pinned) = raw.ports {
        for (key, host) in pinned.value {
            let port = ports
                .iter_mut()
                .find(|p| p.name == key || p.container.to_string() == key);
            let Some(port) = port else {
                let known: Vec<String> = template
                    .ports
                    .iter()
                    .map(|(n, p)| format!("{p} ({n})"))
                    .collect();
                return Err((
                    Some(pinned.referenced),
                    format!("`{template_name}` has no container port `{key}`"),
                    Some(format!("container ports: {}", known.join(", "))),
                ));
            };
            if host == 0 {
                return Err((
                    Some(pinned.referenced),
                    format!("host port for `{key}` must be between 1 and 65535"),
                    None,
                ));
            }
            port.host = Some(host);
        }
    }

    let password = match (raw.password, &template.password) {
        (Some(given), Some(rule)) => {
            check_password(&given.value, rule).map_err(|m| (Some(given.referenced), m, None))?;
            Some(Password::Given(given.value))
        }
        (Some(given), None) => {
            return Err((
                Some(given.referenced),
                format!("template `{template_name}` takes no password"),
                None,
            ));
        }
        (None, Some(rule)) => Some(Password::Generate(rule.generate.max(rule.min_length))),
        (None, None) => None,
    };

    let buckets = match (raw.buckets, &template.s3) {
        (Some(buckets), Some(_)) => {
            for b in &buckets {
                validate_bucket(&b.value).map_err(|m| (Some(b.referenced), m, None))?;
            }
            buckets.into_iter().map(|b| b.value).collect()
        }
        (Some(buckets), None) => {
            return Err((
                buckets.first().map(|b| b.referenced),
                format!("template `{template_name}` has no S3 API, so it takes no `buckets`"),
                None,
            ));
        }
        (None, _) => Vec::new(),
    };

    let prefix = match raw.env_prefix {
        Some(p) if !p.value.is_empty() && !is_env_name(&p.value) => {
            return Err((
                Some(p.referenced),
                format!(
                    "env_prefix `{}` is not a valid variable name prefix",
                    p.value
                ),
                Some("use capitals, digits and `_`, e.g. SESSIONS_".into()),
            ));
        }
        Some(p) => p.value,
        None => String::new(),
    };
    let exports = template
        .exports
        .iter()
        .map(|(k, v)| (format!("{prefix}{k}"), v.clone()))
        .collect();

    let external = match raw.external {
        Some(e) => {
            check_external(&e.value, &template)
                .map_err(|(m, hint)| (Some(e.referenced), m, hint))?;
            Some(e.value)
        }
        None => None,
    };
    let url_exports = template
        .url_exports
        .iter()
        .map(|k| format!("{prefix}{k}"))
        .collect();
    let mut env = template.env.clone();
    env.extend(raw.env);
    let spec = ServiceSpec {
        name: name.to_string(),
        template: template_name.to_string(),
        image: format!("{image_prefix}{}", raw.image.unwrap_or(template.image)),
        ports,
        command: raw.command.or(template.command),
        env,
        data: if raw.volume.unwrap_or(true) {
            template.data
        } else {
            None
        },
        password,
        ready: raw.ready.unwrap_or(template.ready),
        s3: template.s3,
        buckets,
        exports,
        url_exports,
        env_prefix: prefix,
        external,
    };
    check_placeholders(&spec).map_err(|(m, hint)| (None, m, hint))?;
    Ok(spec)
}

/// An external resource must say where it is, in terms the template knows.
fn check_external(
    external: &External,
    template: &Template,
) -> Result<(), (String, Option<String>)> {
    if let Some(text) = &external.url {
        let url = url::Url::parse(text).map_err(|e| {
            (
                format!("external url `{}` is not a URL: {e}", mask_url(text)),
                Some("e.g. redis://:password@host:6379/0".into()),
            )
        })?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err((
                format!("external url `{}` names no host", mask_url(text)),
                None,
            ));
        }
    } else if external.host.is_none() {
        return Err((
            "an external service needs `url:` or `host:`".into(),
            Some("e.g. external: { url: \"${MANAGED_REDIS_URL}\" }".into()),
        ));
    }
    for name in external.ports.keys() {
        if !template.ports.contains_key(name) {
            let hint = closest(name, template.ports.keys().map(String::as_str))
                .map(|c| format!("did you mean `{c}`?"));
            return Err((
                format!("external port `{name}` is not a port of this template"),
                hint,
            ));
        }
    }
    for name in external.env.keys() {
        if !template.exports.contains_key(name) {
            let hint = closest(name, template.exports.keys().map(String::as_str))
                .map(|c| format!("did you mean `{c}`?"));
            return Err((
                format!("external env `{name}` is not a variable this template exports"),
                hint,
            ));
        }
    }
    Ok(())
}

/// Every `{{name}}` a service uses must be one devsvc can fill in.
fn check_placeholders(spec: &ServiceSpec) -> Result<(), (String, Option<String>)> {
    let mut texts: Vec<&str> = spec.env.values().map(String::as_str).collect();
    texts.extend(spec.exports.values().map(String::as_str));
    texts.extend(spec.command.iter().flatten().map(String::as_str));
    for probe in &spec.ready {
        if let ProbeSpec::Redis {
            password: Some(p), ..
        } = probe
        {
            texts.push(p);
        }
    }
    if let Some(s3) = &spec.s3 {
        texts.extend([
            s3.access_key.as_str(),
            s3.secret_key.as_str(),
            s3.region.as_str(),
        ]);
    }
    for name in texts.iter().flat_map(|t| placeholders(t)) {
        let known = match name.strip_prefix("port.") {
            Some(port) => spec.ports.iter().any(|p| p.name == port),
            None => match name.as_str() {
                "host" | "project" | "service" => true,
                "password" => spec.password.is_some(),
                "bucket" => spec.s3.is_some(),
                _ => false,
            },
        };
        if !known {
            let mut valid = vec!["host".to_string(), "project".into(), "service".into()];
            valid.extend(spec.ports.iter().map(|p| format!("port.{}", p.name)));
            if spec.password.is_some() {
                valid.push("password".into());
            }
            if spec.s3.is_some() {
                valid.push("bucket".into());
            }
            let hint = closest(&name, valid.iter().map(String::as_str))
                .map(|c| format!("did you mean `{{{{{c}}}}}`?"))
                .unwrap_or_else(|| format!("placeholders here: {}", valid.join(", ")));
            return Err((
                format!(
                    "service `{}` uses unknown placeholder `{{{{{name}}}}}`",
                    spec.name
                ),
                Some(hint),
            ));
        }
    }
    for probe in &spec.ready {
        if !spec.ports.iter().any(|p| p.name == probe.port()) {
            let ports: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
            return Err((
                format!(
                    "readiness probe of `{}` names port `{}`, which the service does not have",
                    spec.name,
                    probe.port()
                ),
                Some(format!("its ports: {}", ports.join(", "))),
            ));
        }
    }
    Ok(())
}

fn check_unique_exports(
    specs: &[(serde_saphyr::Location, ServiceSpec)],
) -> Result<(), (serde_saphyr::Location, String, Option<String>)> {
    let mut seen: IndexMap<&str, &str> = IndexMap::new();
    for (loc, spec) in specs {
        for var in spec.exports.keys() {
            if let Some(first) = seen.insert(var, &spec.name) {
                return Err((
                    *loc,
                    format!("services `{first}` and `{}` both export `{var}`", spec.name),
                    Some(format!(
                        "give `{}` an env_prefix, e.g. `env_prefix: {}_`",
                        spec.name,
                        spec.name.to_uppercase().replace('-', "_")
                    )),
                ));
            }
        }
    }
    Ok(())
}

fn check_password(password: &str, rule: &PasswordRule) -> Result<(), String> {
    if password.chars().count() < rule.min_length.max(1) {
        return Err(format!(
            "password is too short: the server needs at least {} characters",
            rule.min_length.max(1)
        ));
    }
    Ok(())
}

/// S3 bucket naming rules: 3-63 characters of lowercase letters, digits,
/// dots and hyphens, starting and ending with a letter or digit.
pub fn validate_bucket(name: &str) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&name.len())
        || !ok_chars
        || !ends_ok(name.chars().next())
        || !ends_ok(name.chars().last())
        || name.contains("..")
    {
        return Err(format!(
            "invalid bucket name `{name}`: S3 bucket names are 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

fn validate_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !first_ok
        || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(
            "use lowercase letters, digits, `-` and `_`, starting with a letter or digit".into(),
        );
    }
    Ok(())
}

fn validate_project_name(name: &str) -> Result<String, String> {
    validate_name(name)
        .map(|()| name.to_string())
        .map_err(|m| format!("invalid project name `{name}`: {m}"))
}

/// The folder's name made into a valid project name, like Compose does.
pub fn sanitize_project_name(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let cleaned: String = raw
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    let cleaned = cleaned.trim_start_matches(['-', '_']).to_string();
    if cleaned.is_empty() {
        "default".into()
    } else {
        cleaned
    }
}

fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn find_tab_indent(source: &str) -> Option<(u64, u64)> {
    source.lines().enumerate().find_map(|(i, line)| {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        line[..indent]
            .find('\t')
            .map(|col| (i as u64 + 1, col as u64 + 1))
    })
}

/// Turns a YAML/serde error into a located config error with a suggestion.
fn yaml_error(file: &str, e: &serde_saphyr::Error) -> Error {
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let raw = strip_location(&e.without_snippet().to_string());
    let suggestion = unknown_name_suggestion(&raw);
    Error::Config {
        file: file.to_string(),
        line,
        column,
        message: friendly(&raw),
        suggestion,
    }
}

/// serde-saphyr appends " at line X, column Y"; devsvc puts the position first.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Says what was expected in words a services.yaml author uses.
fn friendly(message: &str) -> String {
    let known = [
        (
            "expected mapping start",
            "expected a map of settings here (`key: value` lines, or `{}` for none)",
        ),
        (
            "expected sequence start",
            "expected a list here (`[a, b]`, or `- item` lines)",
        ),
        ("invalid u16", "expected a port number from 1 to 65535"),
        ("invalid boolean", "expected `true` or `false`"),
        ("invalid usize", "expected a whole number"),
    ];
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return format!("`{key}` appears twice in the same map; keep one");
    }
    for (raw, nice) in known {
        if message.trim() == raw {
            return nice.to_string();
        }
    }
    message.to_string()
}

/// For "unknown field `x`, expected one of a, b" (and variants): the
/// closest valid name.
fn unknown_name_suggestion(message: &str) -> Option<String> {
    let rest = message
        .split("unknown field `")
        .nth(1)
        .or_else(|| message.split("unknown variant `").nth(1))?;
    let (field, expected) = rest.split_once('`')?;
    let list = expected
        .split("expected one of ")
        .nth(1)
        .or_else(|| expected.split("expected ").nth(1))?;
    let candidates: Vec<&str> = list
        .split(", ")
        .map(|c| c.trim_matches(|ch: char| ch == '`' || ch.is_whitespace()))
        .collect();
    closest(field, candidates.iter().copied()).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(yaml: &str) -> Result<Project> {
        parse(
            yaml,
            Path::new("/tmp/shop/services.yaml"),
            &LoadOptions {
                file: Path::new("x"),
                project_name: None,
                image_prefix: None,
                profile: None,
            },
        )
    }

    #[test]
    fn default_file_resolves_three_services() {
        let p = parse_str(include_str!("../services.yaml")).unwrap();
        assert_eq!(p.name, "shop");
        let names: Vec<_> = p.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["redis", "mailhog", "minio"]);
        assert_eq!(p.services[2].buckets, ["uploads"]);
        assert!(p.services[0].exports.contains_key("REDIS_URL"));
    }

    #[test]
    fn prefix_template_and_pinned_ports() {
        let p = parse_str(
            "project: shop\nimage_prefix: m:5000/\nservices:\n  cache:\n    template: redis\n    env_prefix: CACHE_\n    ports: {6379: 16379}\n",
        )
        .unwrap();
        let s = &p.services[0];
        assert_eq!(s.image, "m:5000/redis:7.4-alpine");
        assert_eq!(s.ports[0].host, Some(16379));
        assert!(s.exports.contains_key("CACHE_REDIS_URL"));
    }

    #[test]
    fn unknown_template_suggests() {
        let e = parse_str("services:\n  cache:\n    template: redsi\n").unwrap_err();
        assert_eq!(e.code(), 2);
        assert_eq!(
            e.to_string(),
            "/tmp/shop/services.yaml:3:15: unknown template `redsi`\n  help: did you mean `redis`?"
        );
    }

    #[test]
    fn duplicate_exports_name_both() {
        let e = parse_str("services:\n  redis: {}\n  cache:\n    template: redis\n").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("services `redis` and `cache` both export `REDIS_URL`"),
            "{text}"
        );
        assert!(text.contains("env_prefix"), "{text}");
    }
}
