//! services.yaml: parse, interpolate, apply templates, validate. The result is
//! a `Project` of fully resolved `ServiceSpec`s; nothing later reads YAML.
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::interpolate::{Missing, find_missing, interpolate};
use crate::template::{ProbeSpec, S3Api};

mod mistake;
mod names;
mod raw;
mod resolve;
mod slices;
mod trust;
mod yaml_error;

use mistake::Mistake;
use names::validate_project_name;
pub(crate) use names::{sanitize_project_name, validate_database};
pub(crate) use raw::RawFile;
use raw::apply_profile;
use resolve::{check_unique_exports, resolve_service};
pub(crate) use slices::bucket_prefix;
use trust::Boundary;
use yaml_error::find_tab_indent;
pub(crate) use yaml_error::yaml_error;

/// A resource devsvc does not start (a managed cloud Redis, a shared S3):
/// the service's variables are rendered from these values instead.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
// Neither is a mistake the parser names (`check_external`).
#[schemars(extend("anyOf" = [{ "required": ["url"] }, { "required": ["host"] }]))]
pub(crate) struct External {
    /// The resource's URL, e.g.
    /// `rediss://user:secret@cache.example.com:6380/0`; gives host, port and
    /// password, and is written as is to the template's `url_exports`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "masked_url"
    )]
    #[schemars(with = "Option<crate::schema::Text>")]
    pub url: Option<String>,
    /// The host name or address, when there is no `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::schema::Text>")]
    pub host: Option<String>,
    /// Port by template port name; default: the URL's port, else the
    /// template's container port.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, crate::schema::Port>")]
    pub ports: IndexMap<String, u16>,
    /// The password (`{{password}}`); default: the URL's.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "masked_option"
    )]
    #[schemars(with = "Option<crate::schema::Text>")]
    pub password: Option<String>,
    /// Exported variables (names before env_prefix) set verbatim.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, crate::schema::Text>")]
    pub env: IndexMap<String, String>,
    /// A PEM file of CA certificates to trust for this resource's TLS
    /// besides the system's (a company CA), relative to services.yaml and
    /// inside its folder. Resolved when the file is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::schema::Text>")]
    pub ca_file: Option<PathBuf>,
    /// The main port speaks TLS: for `host:` (a `url:` says so by its
    /// scheme or query, e.g. `rediss://`, `sslmode=require`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
}

/// A fully resolved project.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Project {
    pub name: String,
    pub file: PathBuf,
    pub env_file: PathBuf,
    /// Containers join a project network (`network: true`) rather than
    /// the engine's default bridge (the default).
    pub network: bool,
    pub services: Vec<ServiceSpec>,
    /// Some service asks for data per branch, but services.yaml is not in
    /// a git repository: they keep one set.
    pub per_branch_without_git: bool,
}

/// A service's seed data and how its template applies it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Seed {
    pub path: PathBuf,
    #[serde(skip)]
    pub how: crate::template::SeedSpec,
}

/// A container port and, when pinned, the host port it is published on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct PortSpec {
    pub name: String,
    pub container: u16,
    pub host: Option<u16>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Password {
    /// Set in services.yaml (shown masked by `devsvc config`).
    Given(#[serde(serialize_with = "masked")] String),
    /// Generated once per project, then kept.
    Generate(Generated),
}

/// How a password is generated: its length, and whether the server
/// demands a character that is neither a letter nor a digit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Generated {
    pub(crate) length: usize,
    pub(crate) symbols: bool,
}

/// `config --json` shows `{"generate": LENGTH}`, as it always has.
impl Serialize for Generated {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.length.serialize(serializer)
    }
}

/// One service after its template, overrides and prefix are applied.
/// Values may still hold `{{placeholders}}` for ports and secrets.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ServiceSpec {
    pub name: String,
    pub template: String,
    pub image: String,
    pub ports: Vec<PortSpec>,
    pub command: Option<Vec<String>>,
    /// Files written into the container before it starts (contents may
    /// hold placeholders).
    pub files: Vec<crate::template::ContainerFile>,
    pub env: IndexMap<String, String>,
    /// The container's host name (may hold placeholders).
    pub hostname: Option<String>,
    /// Container path kept in a named volume; `None` when not persisted.
    pub data: Option<String>,
    pub password: Option<Password>,
    pub ready: Vec<ProbeSpec>,
    pub s3: Option<S3Api>,
    pub buckets: Vec<String>,
    /// The user clients log in as, if the template has one.
    pub user: Option<String>,
    /// Databases to have; the first is the one exported.
    pub databases: Vec<String>,
    /// SQL files run once on a fresh volume, in order (paths relative to
    /// services.yaml, resolved).
    pub init: Vec<PathBuf>,
    /// One set of data per git branch (`data: per-branch`).
    pub per_branch: bool,
    /// Set when the service lives on a server shared with other projects
    /// (`shared: true`): then `user` and `databases` are the project's own
    /// on that server, and the project keeps no volume for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<Slice>,
    /// The data volume's name (with the branch's suffix when per-branch);
    /// `None` when the service keeps no data.
    pub volume: Option<String>,
    /// The branch whose data the volume holds, when per-branch in a git
    /// repository.
    pub data_branch: Option<String>,
    /// Where a new branch's volume starts from (`branch_from:`), when the
    /// checked-out branch is another one.
    pub branch_source: Option<BranchSource>,
    /// The seed data (a file or folder, resolved) and how the template
    /// applies it.
    pub seed: Option<Seed>,
    /// Where the image picks init files up.
    pub init_dir: Option<String>,
    /// A login that may create databases.
    pub admin: Option<ProbeSpec>,
    /// The web UI's address (may hold placeholders).
    pub web: Option<String>,
    /// Final variable name (prefix applied) to value template.
    pub exports: IndexMap<String, String>,
    /// Final names of the exports an external `url` is written to.
    pub url_exports: Vec<String>,
    /// The prefix applied to exported names.
    pub env_prefix: String,
    /// Set when devsvc starts nothing for this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// What an external `url`'s scheme and query mean (the template's).
    #[serde(skip)]
    pub url_schemes: crate::url_scheme::Schemes,
}

/// The branch a per-branch volume starts as a copy of, and that
/// branch's volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct BranchSource {
    pub branch: String,
    pub volume: String,
}

/// A project's slice of a shared server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Slice {
    /// The server, by template and major version: `postgres-17`.
    pub server: String,
    /// The server's administrator, who makes each slice.
    pub admin_user: String,
    /// The project's name as the server's names take it: its user, and
    /// the prefix of its databases (`shop` and `shop_app`).
    pub owner: String,
    /// The template's data folder, which the server keeps in its volume.
    pub data: Option<String>,
    /// How the template shares (its `shared:`).
    #[serde(skip)]
    pub rule: crate::template::SharedRule,
    /// The server's own command, readiness and S3 login (the template's,
    /// where the slice's differ: `rule`).
    #[serde(skip)]
    pub server_command: Option<Vec<String>>,
    #[serde(skip)]
    pub server_ready: Vec<crate::template::ProbeSpec>,
    #[serde(skip)]
    pub server_s3: Option<crate::template::S3Api>,
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

/// A URL with its password and the values of its secret query parameters
/// (`password=`, `token=`, `X-Amz-Signature=`, ...) replaced by `****`,
/// for output. Other text is returned as it is.
pub(crate) fn mask_url(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text) else {
        return text.to_string();
    };
    let mut masked = false;
    if url.password().is_some() {
        masked |= url.set_password(Some("****")).is_ok();
    }
    if let Some(query) = url.query().filter(|q| query_secrets(q).next().is_some()) {
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if secret_name(name) => format!("{name}=****"),
                _ => pair.to_string(),
            })
            .collect();
        url.set_query(Some(&query.join("&")));
        masked = true;
    }
    if masked {
        url.to_string()
    } else {
        text.to_string()
    }
}

/// The secrets a URL carries, as clients read them: its password and the
/// values of its secret query parameters (none for other text).
pub(crate) fn url_secrets(text: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(text) else {
        return Vec::new();
    };
    let password = url.password().map(crate::external::percent_decode);
    let mut found: Vec<String> = password.into_iter().collect();
    found.extend(url.query().into_iter().flat_map(query_secrets));
    found.retain(|s| !s.is_empty());
    found
}

/// The decoded values of a query string's secret parameters.
fn query_secrets(query: &str) -> impl Iterator<Item = String> + '_ {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| secret_name(name))
        .map(|(_, value)| value.into_owned())
}

/// Whether a variable's or a query parameter's name says its value is a
/// secret: a password, secret, token, signature, credential or key
/// (`PGPASSWORD`, `AWS_SECRET_ACCESS_KEY`, `api_key`, `sig`, but not
/// `authSource` or `KEYCLOAK_URL`).
pub(crate) fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    let parts = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "SIGNATURE",
        "CREDENTIAL",
        "APIKEY",
    ];
    let words = ["KEY", "SIG", "PASS", "PWD", "AUTH"];
    parts.iter().any(|part| name.contains(part))
        || name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| words.contains(&word))
}

/// Where the settings came from, for loading.
pub(crate) struct LoadOptions<'a> {
    pub file: &'a Path,
    pub project_name: Option<&'a str>,
    pub image_prefix: Option<&'a str>,
    pub profile: Option<&'a str>,
    /// services.yaml may name files outside its folder: the user said so
    /// on their own machine (`--allow-outside-paths`), never the file.
    pub allow_outside_paths: bool,
    /// The environment `${VAR}` is filled from.
    pub variables: &'a std::collections::HashMap<String, String>,
}

pub(crate) fn load(options: &LoadOptions) -> Result<Project> {
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
pub(crate) fn parse(source: &str, path: &Path, options: &LoadOptions) -> Result<Project> {
    let file = path.display().to_string();
    if let Some((line, column)) = find_tab_indent(source) {
        return Err(
            Mistake::new("a tab in indentation; YAML indents with spaces")
                .help("replace the tab with spaces")
                .place_at(&file, line, column),
        );
    }
    let interpolated =
        interpolate(source, |name| options.variables.get(name).cloned()).map_err(|m| {
            Mistake::new(format!("malformed interpolation `{}`", m.text))
                .help("write ${NAME} or ${NAME:-default}; a literal $ is $$")
                .place_at(&file, m.line, m.column)
        })?;
    let raw: RawFile = serde_saphyr::from_str(&interpolated.text).map_err(|e| {
        // A value that failed to parse because a variable was unset: say so.
        let line = e.location().map(|l| l.line());
        match interpolated.missing.iter().find(|m| Some(m.line) == line) {
            Some(m) => unset(&file, m),
            None => yaml_error(&file, &e),
        }
    })?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = project_name(&file, dir, options.project_name, raw.project.as_ref())?;
    let boundary = Boundary::new(dir, options.allow_outside_paths);
    let env_file = match &raw.env_file {
        Some(given) => boundary
            .join(&format!("env_file `{}`", given.value), &given.value)
            .map_err(|m| m.place(&file, given.referenced))?,
        None => dir.join(".env"),
    };
    let image_prefix = options
        .image_prefix
        .map(str::to_string)
        .or(raw.image_prefix)
        .unwrap_or_default();
    let Some(services) = raw.services.filter(|s| !s.value.is_empty()) else {
        return Err(Mistake::new(
            "no services: services.yaml needs a `services:` map with at least one service",
        )
        .help("for example:\n    services:\n      redis: {}")
        .place_at(&file, 1, 1));
    };
    let mut entries = apply_profile(
        services.value,
        raw.profiles.unwrap_or_default(),
        options.profile,
    )?;
    for (_, service) in entries.values_mut() {
        service.data = service.data.or(raw.data);
    }
    let mut specs = active_services(
        &file,
        &boundary,
        entries,
        &image_prefix,
        options.profile,
        raw.shared.unwrap_or(false),
    )?;
    slices::apply(&name, &mut specs).map_err(|(m, at)| m.place(&file, at))?;
    let per_branch_without_git = name_volumes(&name, dir, &mut specs);
    if let Some(from) = &raw.branch_from {
        if !specs.iter().any(|(_, s)| s.per_branch) {
            return Err(Mistake::new("`branch_from:` names where a new branch's data starts, so it needs `data: per-branch`")
                .help("add `data: per-branch` at the top of services.yaml, or remove `branch_from:`")
                .place(&file, from.referenced));
        }
        name_branch_sources(&name, &from.value, &mut specs);
    }
    if specs.is_empty() {
        return Err(Error::Usage(format!(
            "no service is active in {} under profile `{}`",
            path.display(),
            options.profile.unwrap_or("(none)")
        )));
    }
    check_unique_exports(&specs).map_err(|m| m.place(&file, specs[0].0))?;
    let project = Project {
        name,
        file: path.to_path_buf(),
        env_file,
        network: raw.network.unwrap_or(false),
        services: specs.into_iter().map(|(_, s)| s).collect(),
        per_branch_without_git,
    };
    check_used_variables(&file, &project, &interpolated.missing)?;
    Ok(project)
}

/// Names each service's data volume: per-branch data gets the branch's
/// suffix. Returns whether some service wanted per-branch data outside a
/// git repository (it then keeps one set).
fn name_volumes(
    project: &str,
    dir: &Path,
    specs: &mut [(serde_saphyr::Location, ServiceSpec)],
) -> bool {
    let wanted = specs.iter().any(|(_, s)| s.per_branch && s.data.is_some());
    let branch = wanted.then(|| crate::gitbranch::current(dir)).flatten();
    for (_, spec) in specs.iter_mut().filter(|(_, s)| s.data.is_some()) {
        let base = crate::naming::volume_name(project, &spec.name);
        spec.data_branch = branch.clone().filter(|_| spec.per_branch);
        spec.volume = Some(match &spec.data_branch {
            Some(branch) => per_branch_volume(project, &spec.name, branch),
            None => base,
        });
    }
    wanted && branch.is_none()
}

/// Points each per-branch volume of a branch other than `from` at the
/// volume `from` keeps for the same service.
fn name_branch_sources(
    project: &str,
    from: &str,
    specs: &mut [(serde_saphyr::Location, ServiceSpec)],
) {
    for (_, spec) in specs.iter_mut() {
        let Some(branch) = &spec.data_branch else {
            continue;
        };
        if branch == from {
            continue;
        }
        spec.branch_source = Some(BranchSource {
            branch: from.to_string(),
            volume: per_branch_volume(project, &spec.name, from),
        });
    }
}

/// The volume of `service`'s data on `branch`.
fn per_branch_volume(project: &str, service: &str, branch: &str) -> String {
    format!(
        "{}-{}",
        crate::naming::volume_name(project, service),
        crate::gitbranch::slug(branch)
    )
}

/// `-p` wins over `project:`, which wins over the folder's name.
fn project_name(
    file: &str,
    dir: &Path,
    given: Option<&str>,
    in_file: Option<&serde_saphyr::Spanned<String>>,
) -> Result<String> {
    match (given, in_file) {
        (Some(name), _) => validate_project_name(name).map_err(Error::Usage),
        (None, Some(spanned)) => validate_project_name(&spanned.value)
            .map_err(|m| Mistake::new(m).place(file, spanned.referenced)),
        (None, None) => Ok(sanitize_project_name(dir)),
    }
}

/// The services active under the chosen profile, each made whole, with
/// the position of its key (for mistakes found later).
fn active_services(
    file: &str,
    boundary: &Boundary,
    entries: IndexMap<String, (serde_saphyr::Location, raw::RawService)>,
    image_prefix: &str,
    profile: Option<&str>,
    shared_by_default: bool,
) -> Result<Vec<(serde_saphyr::Location, ServiceSpec)>> {
    let mut specs = Vec::new();
    for (service_name, (loc, raw)) in entries {
        let active = raw
            .profiles
            .as_ref()
            .is_none_or(|list| profile.is_some_and(|p| list.iter().any(|x| x == p)));
        if active {
            let spec = resolve_service(
                &service_name,
                raw,
                image_prefix,
                boundary,
                shared_by_default,
            )
            .map_err(|m| m.place(file, loc))?;
            specs.push((loc, spec));
        }
    }
    Ok(specs)
}

/// An unset variable is an error only where its value is used: one in a
/// profile that was not chosen is none.
fn check_used_variables(file: &str, project: &Project, missing: &[Missing]) -> Result<()> {
    let used = serde_json::to_string(project).expect("project serialises");
    let used_secrets: String = project
        .services
        .iter()
        .filter_map(|s| match (&s.password, &s.external) {
            (Some(Password::Given(p)), _) => Some(p.clone()),
            (_, Some(e)) => Some(format!("{:?}{:?}", e.url, e.password)),
            _ => None,
        })
        .collect();
    match find_missing(&format!("{used}{used_secrets}"), missing) {
        Some(m) => Err(unset(file, m)),
        None => Ok(()),
    }
}

fn unset(file: &str, m: &Missing) -> Error {
    Mistake::new(format!("environment variable `{}` is not set", m.name))
        .help(format!(
            "set {0}, or give a default: ${{{0}:-value}}",
            m.name
        ))
        .place_at(file, m.line, m.column)
}

/// services.yaml text parsed as if it were the file at `path`, with no
/// flags and an empty environment: for tests.
#[cfg(test)]
pub(crate) fn parse_at(path: &str, yaml: &str) -> Result<Project> {
    let path = Path::new(path);
    let options = LoadOptions {
        file: path,
        project_name: None,
        image_prefix: None,
        profile: None,
        allow_outside_paths: false,
        variables: &std::collections::HashMap::new(),
    };
    parse(yaml, path, &options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(yaml: &str) -> Result<Project> {
        parse_at("/tmp/shop/services.yaml", yaml)
    }

    #[test]
    fn default_file_resolves_three_services() {
        let p = parse_str(include_str!("../../services.yaml")).unwrap();
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
    fn a_given_user_replaces_the_templates() {
        let p = parse_str("services:\n  postgres:\n    user: shop\n  redis: {}\n").unwrap();
        assert_eq!(p.services[0].user.as_deref(), Some("shop"));
        assert_eq!(p.services[1].user, None);
        let e = parse_str("services:\n  redis:\n    user: x\n").unwrap_err();
        assert!(
            e.to_string().ends_with("template `redis` takes no user"),
            "{e}"
        );
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
    fn an_unknown_filter_is_named() {
        let e = parse_str(
            "services:\n  pg:\n    inline:\n      image: postgres:16.4\n      password: { generate: 8 }\n      exports: { URL: \"pg://{{password|b64}}@{{host}}\" }\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "/tmp/shop/services.yaml:3:5: service `pg` uses unknown filter `|b64`\n  help: the filters are `|url`, which percent-encodes a value for a URL (`{{password|url}}`), and `|quoted`, a double-quoted string for a configuration file"
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

    #[test]
    fn masking_hides_passwords_in_the_user_part_and_in_query_strings() {
        assert_eq!(
            mask_url("postgres://app:pw@h:5432/app"),
            "postgres://app:****@h:5432/app"
        );
        assert_eq!(
            mask_url("ssh://me:hunter2@build-box:22"),
            "ssh://me:****@build-box:22"
        );
        assert_eq!(
            mask_url("postgres://h/app?user=app&password=hunter2&sslmode=require"),
            "postgres://h/app?user=app&password=****&sslmode=require"
        );
        assert_eq!(
            mask_url(
                "https://b.s3.example.com/k?X-Amz-Credential=AKIA&X-Amz-Signature=abc123&api_key=k3y&access_token=t0k"
            ),
            "https://b.s3.example.com/k?X-Amz-Credential=****&X-Amz-Signature=****&api_key=****&access_token=****"
        );
        // Names that hold no secret stay, and so does a URL without one.
        assert_eq!(
            mask_url("mongodb://h/app?authSource=admin&keepAlive=true"),
            "mongodb://h/app?authSource=admin&keepAlive=true"
        );
        assert_eq!(mask_url("not a url"), "not a url");
    }
}
