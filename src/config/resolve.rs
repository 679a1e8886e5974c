//! One service entry made whole: its template (built-in or inline) applied,
//! overrides checked against it, placeholders and exports validated.
use indexmap::IndexMap;

use std::path::{Path, PathBuf};

use serde_saphyr::{Location, Spanned};

use super::mistake::Mistake;
use super::names::{is_env_name, validate_bucket, validate_database, validate_name};
use super::raw::{DataMode, RawService};
use super::slices;
use super::trust::{self, Boundary};
use super::{External, Generated, Password, PortSpec, Seed, ServiceSpec, mask_url};
use crate::render::{FILTERS, filters, placeholders};
use crate::suggest::{closest, did_you_mean};
use crate::template::{self, PasswordRule, ProbeSpec, RedisLogin, SeedSpec, Template};

/// A built-in template by name, or an "unknown template" mistake.
fn builtin(name: &str, at: Option<Location>) -> Result<Template, Mistake> {
    let Some(source) = template::builtin_source(name) else {
        let suggestion = did_you_mean(name, template::builtin_names()).unwrap_or_else(|| {
            format!(
                "known templates: {}; or define the service with `inline:`",
                template::builtin_names().collect::<Vec<_>>().join(", ")
            )
        });
        return Err(Mistake::new(format!("unknown template `{name}`"))
            .help(suggestion)
            .at_maybe(at));
    };
    serde_saphyr::from_str(source).map_err(|e| {
        Mistake::new(format!("built-in template `{name}` is invalid: {e}")).at_maybe(at)
    })
}

/// One service entry made whole: its template applied, each override
/// checked against it, placeholders and exports validated.
pub(super) fn resolve_service(
    name: &str,
    mut raw: RawService,
    image_prefix: &str,
    boundary: &Boundary,
    shared_by_default: bool,
) -> Result<ServiceSpec, Mistake> {
    validate_name(name).map_err(|m| Mistake::new(format!("invalid service name `{name}`: {m}")))?;
    let inline_at = raw.inline.as_ref().map(|i| i.referenced);
    let (template_name, template) = choose_template(name, &mut raw)?;
    let image = format!(
        "{image_prefix}{}",
        raw.image.clone().unwrap_or_else(|| template.image.clone())
    );
    let shared = slices::wanted(
        name,
        &template_name,
        &template,
        &image,
        raw.shared.as_ref(),
        shared_by_default,
        &[
            (
                "user",
                raw.user.is_some(),
                raw.user.as_ref().map(|u| u.referenced),
            ),
            (
                "external",
                raw.external.is_some(),
                raw.external.as_ref().map(|e| e.referenced),
            ),
            // `data:` carries no position: the `shared:` key's is used.
            (
                "data: per-branch",
                matches!(raw.data, Some(DataMode::PerBranch)),
                None,
            ),
        ],
    )?;
    let ports = pin_ports(&template_name, &template, raw.ports.take())?;
    let password = password(&template_name, &template, raw.password.take())?;
    let user = user(&template_name, &template, raw.user.take())?;
    let buckets = buckets(&template_name, &template, raw.buckets.take())?;
    let databases = databases(&template_name, &template, raw.databases.take())?;
    let init = init_files(&template_name, &template, raw.init.take(), boundary)?;
    let seed = seed(
        &template_name,
        &template,
        raw.seed.take(),
        boundary,
        &buckets,
    )?;
    let prefix_at = raw.env_prefix.as_ref().map(|p| p.referenced);
    let prefix = env_prefix(raw.env_prefix.take())?;
    check_export_names(name, &template, &prefix)
        .map_err(|(m, by_prefix)| m.at_maybe(if by_prefix { prefix_at } else { inline_at }))?;
    let external = match raw.external.take() {
        Some(e) => {
            let mut external = e.value;
            check_external(&external, &template).map_err(|m| m.at(e.referenced))?;
            external.ca_file =
                ca_file(external.ca_file.take(), boundary).map_err(|m| m.at(e.referenced))?;
            Some(external)
        }
        None => None,
    };
    let prefixed = |names: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        names.map(|k| format!("{prefix}{k}")).collect()
    };
    let exports = prefixed(&mut template.exports.keys())
        .into_iter()
        .zip(template.exports.values().cloned())
        .collect();
    let url_exports = prefixed(&mut template.url_exports.iter());
    let mut env = template.env.clone();
    env.extend(raw.env);
    let spec = ServiceSpec {
        name: name.to_string(),
        template: template_name,
        image,
        ports,
        command: raw.command.or(template.command),
        files: template.files,
        hostname: template.hostname,
        env,
        data: template.data.filter(|_| raw.volume.unwrap_or(true)),
        password,
        ready: raw.ready.unwrap_or(template.ready),
        s3: template.s3,
        buckets,
        user,
        databases,
        init,
        seed,
        per_branch: matches!(raw.data, Some(DataMode::PerBranch)),
        shared,
        volume: None,
        data_branch: None,
        branch_source: None,
        init_dir: template.init_dir,
        admin: template.admin,
        web: template.web,
        exports,
        url_exports,
        env_prefix: prefix,
        external,
        url_schemes: crate::url_scheme::Schemes {
            schemes: template.schemes,
            tls_query: template.tls_query,
        },
    };
    check_placeholders(&spec)?;
    Ok(spec)
}

/// The built-in template the service names (or is named after), or its
/// inline one; the name is `inline` for the latter.
fn choose_template(name: &str, raw: &mut RawService) -> Result<(String, Template), Mistake> {
    match (raw.template.as_ref(), raw.inline.take()) {
        (Some(t), Some(_)) => Err(Mistake::new(format!(
            "service `{name}` has both `template` and `inline`"
        ))
        .at(t.referenced)
        .help("keep one: `template:` names a built-in template, `inline:` defines one")),
        (None, Some(inline)) => Ok(("inline".to_string(), inline.value)),
        (t, None) => {
            let template_name = t.map_or(name, |t| t.value.as_str()).to_string();
            let template = builtin(&template_name, t.map(|t| t.referenced))?;
            Ok((template_name, template))
        }
    }
}

/// The template's container ports, with the host ports services.yaml pins.
fn pin_ports(
    template_name: &str,
    template: &Template,
    pinned: Option<Spanned<IndexMap<String, u16>>>,
) -> Result<Vec<PortSpec>, Mistake> {
    let mut ports: Vec<PortSpec> = template
        .ports
        .iter()
        .map(|(n, p)| PortSpec {
            name: n.clone(),
            container: *p,
            host: None,
        })
        .collect();
    let Some(pinned) = pinned else {
        return Ok(ports);
    };
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
            return Err(
                Mistake::new(format!("`{template_name}` has no container port `{key}`"))
                    .at(pinned.referenced)
                    .help(format!("container ports: {}", known.join(", "))),
            );
        };
        if host == 0 {
            return Err(
                Mistake::new(format!("host port for `{key}` must be between 1 and 65535"))
                    .at(pinned.referenced),
            );
        }
        port.host = Some(host);
    }
    Ok(ports)
}

fn password(
    template_name: &str,
    template: &Template,
    given: Option<Spanned<String>>,
) -> Result<Option<Password>, Mistake> {
    match (given, &template.password) {
        (Some(given), Some(rule)) => {
            check_password(&given.value, rule).map_err(|m| Mistake::new(m).at(given.referenced))?;
            Ok(Some(Password::Given(given.value)))
        }
        (Some(given), None) => Err(Mistake::new(format!(
            "template `{template_name}` takes no password"
        ))
        .at(given.referenced)),
        (None, Some(rule)) => Ok(Some(Password::Generate(Generated {
            length: rule.generate.max(rule.min_length),
            symbols: rule.symbols,
        }))),
        (None, None) => Ok(None),
    }
}

/// The template's user, or the one services.yaml gives (a compose file's
/// fixed `POSTGRES_USER`, say, which the app's own settings name).
fn user(
    template_name: &str,
    template: &Template,
    given: Option<Spanned<String>>,
) -> Result<Option<String>, Mistake> {
    match (given, &template.user) {
        (Some(given), Some(_)) if given.value.trim().is_empty() => {
            Err(Mistake::new("`user` must not be empty").at(given.referenced))
        }
        (Some(given), Some(_)) => Ok(Some(given.value)),
        (Some(given), None) => Err(Mistake::new(format!(
            "template `{template_name}` takes no user"
        ))
        .at(given.referenced)),
        (None, user) => Ok(user.clone()),
    }
}

fn buckets(
    template_name: &str,
    template: &Template,
    buckets: Option<Vec<Spanned<String>>>,
) -> Result<Vec<String>, Mistake> {
    match (buckets, &template.s3) {
        (Some(buckets), Some(_)) => {
            for b in &buckets {
                validate_bucket(&b.value).map_err(|m| Mistake::new(m).at(b.referenced))?;
            }
            Ok(buckets.into_iter().map(|b| b.value).collect())
        }
        (Some(buckets), None) => {
            let mistake = Mistake::new(format!(
                "template `{template_name}` has no S3 API, so it takes no `buckets`"
            ));
            Err(mistake.at_maybe(buckets.first().map(|b| b.referenced)))
        }
        (None, _) => Ok(Vec::new()),
    }
}

/// `databases:` (the first is exported), or the template's default one.
fn databases(
    template_name: &str,
    template: &Template,
    given: Option<Vec<Spanned<String>>>,
) -> Result<Vec<String>, Mistake> {
    match (given, &template.database) {
        (Some(given), Some(_)) => {
            for d in &given {
                validate_database(&d.value).map_err(|m| Mistake::new(m).at(d.referenced))?;
            }
            if given.is_empty() {
                return Ok(template.database.iter().cloned().collect());
            }
            Ok(given.into_iter().map(|d| d.value).collect())
        }
        (Some(given), None) => {
            let mistake = Mistake::new(format!(
                "template `{template_name}` is not a database, so it takes no `databases`"
            ));
            Err(mistake.at_maybe(given.first().map(|d| d.referenced)))
        }
        (None, default) => Ok(default.iter().cloned().collect()),
    }
}

/// `init:` files, relative to services.yaml; each must exist and be SQL.
fn init_files(
    template_name: &str,
    template: &Template,
    given: Option<Vec<Spanned<String>>>,
    boundary: &Boundary,
) -> Result<Vec<PathBuf>, Mistake> {
    let Some(given) = given else {
        return Ok(Vec::new());
    };
    if template.init_dir.is_none() {
        let mistake = Mistake::new(format!(
            "template `{template_name}` runs no init scripts, so it takes no `init`"
        ));
        return Err(mistake.at_maybe(given.first().map(|f| f.referenced)));
    }
    given
        .into_iter()
        .map(|f| {
            let path = boundary
                .join(&format!("init file `{}`", f.value), &f.value)
                .map_err(|m| m.at(f.referenced))?;
            if !template.init_types.iter().any(|end| f.value.ends_with(end)) {
                return Err(Mistake::new(format!(
                    "init file `{}` is not a {} file",
                    f.value,
                    template.init_types.join(" or ")
                ))
                .at(f.referenced));
            }
            if !path.is_file() {
                return Err(Mistake::new(format!(
                    "init file `{}` not found (looked at {})",
                    f.value,
                    path.display()
                ))
                .at(f.referenced));
            }
            Ok(path)
        })
        .collect()
}

/// `seed:`, relative to services.yaml: a file or a folder, as the
/// template applies it.
fn seed(
    template_name: &str,
    template: &Template,
    given: Option<Spanned<String>>,
    boundary: &Boundary,
    buckets: &[String],
) -> Result<Option<Seed>, Mistake> {
    let Some(given) = given else {
        return Ok(None);
    };
    let Some(how) = template.seed.clone() else {
        return Err(Mistake::new(format!(
            "template `{template_name}` takes no seed data, so it takes no `seed`"
        ))
        .at(given.referenced));
    };
    let what = format!("seed `{}`", given.value);
    let path = boundary
        .join(&what, &given.value)
        .map_err(|m| m.at(given.referenced))?;
    let (fits, wanted) = match how {
        SeedSpec::S3 => (path.is_dir(), "a folder with one subfolder per bucket"),
        SeedSpec::Redis(_) => (path.is_file(), "a file of Redis commands"),
    };
    if !fits {
        return Err(Mistake::new(format!(
            "seed `{}` must be {wanted} (looked at {})",
            given.value,
            path.display()
        ))
        .at(given.referenced));
    }
    if how == SeedSpec::S3 {
        check_bucket_folders(&path, buckets).map_err(|m| Mistake::new(m).at(given.referenced))?;
        boundary
            .check_tree(&what, &path)
            .map_err(|m| m.at(given.referenced))?;
    }
    Ok(Some(Seed { path, how }))
}

/// An S3 seed folder holds one folder per bucket, each one of `buckets:`.
fn check_bucket_folders(path: &Path, buckets: &[String]) -> Result<(), String> {
    let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut found = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.path().is_dir() || name.starts_with('.') {
            continue;
        }
        found += 1;
        if !buckets.contains(&name) {
            return Err(format!(
                "seed folder `{name}` in {} is not one of the buckets ({}); add it to `buckets:` or rename the folder",
                path.display(),
                buckets.join(", ")
            ));
        }
    }
    if found == 0 {
        return Err(format!(
            "seed {} holds no bucket folders: put each bucket's files in a folder named after it",
            path.display()
        ));
    }
    Ok(())
}

fn env_prefix(prefix: Option<Spanned<String>>) -> Result<String, Mistake> {
    match prefix {
        Some(p) if !p.value.is_empty() && !is_env_name(&p.value) => Err(Mistake::new(format!(
            "env_prefix `{}` is not a valid variable name prefix",
            p.value
        ))
        .at(p.referenced)
        .help("use capitals, digits and `_`, e.g. SESSIONS_")),
        Some(p) => Ok(p.value),
        None => Ok(String::new()),
    }
}

/// Every name the service exports is a variable name, and none, prefix
/// applied, changes how programs run. The mistake says whether the prefix
/// made the name (true) or the template has it.
fn check_export_names(
    service: &str,
    template: &Template,
    prefix: &str,
) -> Result<(), (Mistake, bool)> {
    for name in template.exports.keys() {
        if !is_env_name(name) {
            let mistake = Mistake::new(format!(
                "service `{service}` exports `{name}`, which is not a variable name"
            ))
            .help(format!(
                "use letters, digits and `_`, not starting with a digit, e.g. `{}`",
                trust::safe_name(service, "URL")
            ));
            return Err((mistake, false));
        }
        let exported = format!("{prefix}{name}");
        if !trust::changes_how_programs_run(&exported) {
            continue;
        }
        let by_prefix = !trust::changes_how_programs_run(name);
        let help = if by_prefix {
            format!(
                "choose another env_prefix, e.g. `{}`",
                trust::safe_name(service, "")
            )
        } else {
            format!(
                "export it under another name, e.g. `{}`",
                trust::safe_name(service, name)
            )
        };
        return Err((
            trust::refused_export(service, &exported).help(help),
            by_prefix,
        ));
    }
    Ok(())
}

/// An external resource must say where it is, in terms the template knows.
fn check_external(external: &External, template: &Template) -> Result<(), Mistake> {
    if let Some(text) = &external.url {
        let url = url::Url::parse(text).map_err(|e| {
            Mistake::new(format!(
                "external url `{}` is not a URL: {e}",
                mask_url(text)
            ))
            .help("e.g. redis://default:password@host:6379/0")
        })?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Mistake::new(format!(
                "external url `{}` names no host",
                mask_url(text)
            )));
        }
        let schemes = crate::url_scheme::Schemes {
            schemes: template.schemes.clone(),
            tls_query: template.tls_query.clone(),
        };
        schemes.transport(&url).map_err(|known| {
            Mistake::new(format!(
                "external url `{}`: this template does not know the scheme `{}`",
                mask_url(text),
                url.scheme()
            ))
            .help(format!("use one of {known}"))
        })?;
        if external.tls {
            return Err(Mistake::new("`tls: true` is for an external `host:`").help(
                "a url asks for TLS by its scheme or query, e.g. rediss:// or ?sslmode=require",
            ));
        }
    } else if external.host.is_none() {
        return Err(Mistake::new("an external service needs `url:` or `host:`")
            .help("e.g. external: { url: \"${MANAGED_REDIS_URL}\" }"));
    }
    for name in external.ports.keys() {
        if !template.ports.contains_key(name) {
            return Err(Mistake::new(format!(
                "external port `{name}` is not a port of this template"
            ))
            .maybe_help(did_you_mean(
                name,
                template.ports.keys().map(String::as_str),
            )));
        }
    }
    for name in external.env.keys() {
        if !template.exports.contains_key(name) {
            return Err(Mistake::new(format!(
                "external env `{name}` is not a variable this template exports"
            ))
            .maybe_help(did_you_mean(
                name,
                template.exports.keys().map(String::as_str),
            )));
        }
    }
    Ok(())
}

/// An external `ca_file`, inside the project folder (unless allowed
/// otherwise), holding at least one PEM certificate.
fn ca_file(given: Option<PathBuf>, boundary: &Boundary) -> Result<Option<PathBuf>, Mistake> {
    let Some(given) = given else {
        return Ok(None);
    };
    let shown = given.display().to_string();
    let path = boundary.join(&format!("ca_file `{shown}`"), &shown)?;
    crate::probe::ca_certificates(&path).map_err(Mistake::new)?;
    Ok(Some(path))
}

/// Every `{{name}}` a service uses must be one devsvc can fill in.
fn check_placeholders(spec: &ServiceSpec) -> Result<(), Mistake> {
    let mut texts: Vec<&str> = spec.env.values().map(String::as_str).collect();
    texts.extend(spec.exports.values().map(String::as_str));
    texts.extend(spec.command.iter().flatten().map(String::as_str));
    texts.extend(spec.hostname.iter().map(String::as_str));
    texts.extend(spec.web.iter().map(String::as_str));
    texts.extend(spec.files.iter().map(|f| f.content.as_str()));
    if let Some(Seed {
        how:
            SeedSpec::Redis(RedisLogin {
                password: Some(password),
                ..
            }),
        ..
    }) = &spec.seed
    {
        texts.push(password.as_str());
    }
    for probe in spec.ready.iter().chain(&spec.admin) {
        texts.extend(probe.texts());
    }
    if let Some(s3) = &spec.s3 {
        texts.extend([
            s3.access_key.as_str(),
            s3.secret_key.as_str(),
            s3.region.as_str(),
        ]);
    }
    for filter in texts.iter().flat_map(|t| filters(t)) {
        if !FILTERS.contains(&filter.as_str()) {
            return Err(Mistake::new(format!(
                "service `{}` uses unknown filter `|{filter}`",
                spec.name
            ))
            .help("the filters are `|url`, which percent-encodes a value for a URL (`{{password|url}}`), and `|quoted`, a double-quoted string for a configuration file"));
        }
    }
    for name in texts.iter().flat_map(|t| placeholders(t)) {
        let known = match name.strip_prefix("port.") {
            Some(port) => spec.ports.iter().any(|p| p.name == port),
            None => match name.as_str() {
                "host" | "project" | "service" => true,
                "password" => spec.password.is_some(),
                "user" => spec.user.is_some(),
                "database" => !spec.databases.is_empty(),
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
            if spec.user.is_some() {
                valid.push("user".into());
            }
            if !spec.databases.is_empty() {
                valid.push("database".into());
            }
            if spec.s3.is_some() {
                valid.push("bucket".into());
            }
            let hint = closest(&name, valid.iter().map(String::as_str))
                .map(|c| format!("did you mean `{{{{{c}}}}}`?"))
                .unwrap_or_else(|| format!("placeholders here: {}", valid.join(", ")));
            return Err(Mistake::new(format!(
                "service `{}` uses unknown placeholder `{{{{{name}}}}}`",
                spec.name
            ))
            .help(hint));
        }
    }
    for port in spec.ready.iter().filter_map(ProbeSpec::port) {
        if !spec.ports.iter().any(|p| p.name == port) {
            let ports: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
            return Err(Mistake::new(format!(
                "readiness probe of `{}` names port `{port}`, which the service does not have",
                spec.name,
            ))
            .help(format!("its ports: {}", ports.join(", "))));
        }
    }
    Ok(())
}

pub(super) fn check_unique_exports(specs: &[(Location, ServiceSpec)]) -> Result<(), Mistake> {
    let mut seen: IndexMap<&str, &str> = IndexMap::new();
    for (loc, spec) in specs {
        for var in spec.exports.keys() {
            if let Some(first) = seen.insert(var, &spec.name) {
                return Err(Mistake::new(format!(
                    "services `{first}` and `{}` both export `{var}`",
                    spec.name
                ))
                .at(*loc)
                .help(format!(
                    "give `{}` an env_prefix, e.g. `env_prefix: {}_`",
                    spec.name,
                    spec.name.to_uppercase().replace('-', "_")
                )));
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
    if rule.symbols && password.chars().all(char::is_alphanumeric) {
        return Err(
            "the server needs a password with a character that is neither a letter nor a digit"
                .into(),
        );
    }
    Ok(())
}
