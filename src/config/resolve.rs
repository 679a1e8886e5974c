//! One service entry made whole: its template (built-in or inline) applied,
//! overrides checked against it, placeholders and exports validated.
use indexmap::IndexMap;

use super::names::{is_env_name, validate_bucket, validate_name};
use super::raw::RawService;
use super::{External, Password, PortSpec, ServiceSpec, mask_url};
use crate::render::placeholders;
use crate::suggest::{closest, did_you_mean};
use crate::template::{self, PasswordRule, ProbeSpec, Template};

type Located = (Option<serde_saphyr::Location>, String, Option<String>);

/// A built-in template by name, or a located "unknown template" error.
fn builtin(name: &str, at: Option<serde_saphyr::Location>) -> Result<Template, Located> {
    let Some(source) = template::builtin_source(name) else {
        let suggestion = did_you_mean(name, template::builtin_names())
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

pub(super) fn resolve_service(
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
            let hint = did_you_mean(name, template.ports.keys().map(String::as_str));
            return Err((
                format!("external port `{name}` is not a port of this template"),
                hint,
            ));
        }
    }
    for name in external.env.keys() {
        if !template.exports.contains_key(name) {
            let hint = did_you_mean(name, template.exports.keys().map(String::as_str));
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

pub(super) fn check_unique_exports(
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
