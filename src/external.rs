//! Attached resources devsvc does not start: a service's variables rendered
//! from a URL or host/port/password given in services.yaml, exactly as the
//! template would render them for its own container, so the app cannot tell
//! the difference.
use std::collections::HashMap;

use indexmap::IndexMap;

use crate::config::{External, ServiceSpec};
use crate::error::{Error, Result};
use crate::instance::{self, Endpoints};
use crate::probe::{Reach, Tls};

/// What the app and `doctor` need of an external resource.
pub(crate) struct Attached {
    pub host: String,
    pub endpoints: Endpoints,
    /// The main port, when it speaks TLS: its probes speak it too.
    tls_port: Option<u16>,
    /// Trusted besides the system's roots.
    ca_file: Option<std::path::PathBuf>,
}

pub(crate) fn render(project: &str, spec: &ServiceSpec, external: &External) -> Result<Attached> {
    let url = external
        .url
        .as_deref()
        .map(url::Url::parse)
        .transpose()
        .map_err(|e| Error::Runtime(format!("service `{}`: external url: {e}", spec.name)))?;
    let host = external
        .host
        .clone()
        .or_else(|| {
            url.as_ref()
                .and_then(|u| u.host_str())
                .map(|h| h.trim_matches(['[', ']']).to_string())
        })
        .ok_or_else(|| {
            Error::Runtime(format!(
                "service `{}`: external resource has no host",
                spec.name
            ))
        })?;
    let transport = match &url {
        Some(url) => spec.url_schemes.transport(url).map_err(|known| {
            Error::Runtime(format!(
                "service `{}`: external url scheme `{}` is not one of {known}",
                spec.name,
                url.scheme()
            ))
        })?,
        None => crate::url_scheme::Transport {
            default_port: None,
            tls: external.tls,
        },
    };
    // A URL without a port means its scheme's, not the container's.
    let url_port = url
        .as_ref()
        .and_then(url::Url::port)
        .or(transport.default_port);
    let mut ports = HashMap::new();
    for (i, port) in spec.ports.iter().enumerate() {
        let given = external.ports.get(&port.name).copied();
        // The URL's port is the service's main (first) port.
        let from_url = if i == 0 { url_port } else { None };
        ports.insert(
            port.name.clone(),
            given.or(from_url).unwrap_or(port.container),
        );
    }
    let password = external
        .password
        .clone()
        .or_else(|| url.as_ref().and_then(|u| u.password()).map(percent_decode));
    // A URL's user and database (its path) win over the template's.
    let url_user = url
        .as_ref()
        .map(|u| percent_decode(u.username()))
        .filter(|u| !u.is_empty());
    let url_database = url
        .as_ref()
        .map(|u| percent_decode(u.path().trim_start_matches('/')))
        .filter(|d| !d.is_empty() && !d.contains('/'));
    let mut credentials = instance::Credentials::of(spec, password.as_deref());
    if spec.user.is_some() && url_user.is_some() {
        credentials.user = url_user.as_deref();
    }
    if !spec.databases.is_empty() && url_database.is_some() {
        credentials.database = url_database.as_deref();
    }
    let mut endpoints = instance::endpoints(project, spec, &host, &ports, &credentials)?;
    if let Some(url) = &external.url {
        for name in &spec.url_exports {
            if let Some(value) = endpoints.exports.get_mut(name) {
                value.clone_from(url);
            }
        }
    }
    let overrides: IndexMap<String, String> = external
        .env
        .iter()
        .map(|(k, v)| (format!("{}{k}", spec.env_prefix), v.clone()))
        .collect();
    for (name, value) in overrides {
        endpoints.exports.insert(name, value);
    }
    let main_port = spec.ports.first().and_then(|p| ports.get(&p.name)).copied();
    Ok(Attached {
        host,
        endpoints,
        tls_port: main_port.filter(|_| transport.tls),
        ca_file: external.ca_file.clone(),
    })
}

impl Attached {
    /// One attempt of each of the template's probes against the resource;
    /// those of a TLS port over TLS, failing (never falling back to clear
    /// text) when the handshake does.
    pub(crate) async fn check(&self, http: &reqwest::Client) -> std::result::Result<(), String> {
        let tls = match self.tls_port {
            Some(_) => {
                let tls = Tls::new(self.ca_file.as_deref())?;
                let client = tls.http_client()?;
                Some((tls, client))
            }
            None => None,
        };
        for probe in &self.endpoints.probes {
            let plain = Reach::remote(&self.host, http);
            let (reach, what) = match &tls {
                Some((tls, client)) if probe.port() == self.tls_port => {
                    (plain.with_tls(tls, client), probe.describe_tls(&self.host))
                }
                _ => (plain, probe.describe(&self.host)),
            };
            probe
                .check(&reach)
                .await
                .map_err(|e| format!("{what}: {e}"))?;
        }
        Ok(())
    }
}

/// How to name an external resource in output, with any password masked.
pub(crate) fn describe(external: &External) -> String {
    match (&external.url, &external.host) {
        (Some(url), _) => crate::config::mask_url(url),
        (None, Some(host)) => {
            let ports: Vec<String> = external
                .ports
                .iter()
                .map(|(n, p)| format!("{n} {p}"))
                .collect();
            if ports.is_empty() {
                host.clone()
            } else {
                format!("{host} ({})", ports.join(", "))
            }
        }
        (None, None) => "(no address)".into(),
    }
}

/// A URL part with its `%XX` escapes decoded (a password may hold `@`).
pub(crate) fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_at;

    fn spec(yaml: &str) -> ServiceSpec {
        parse_at("/tmp/x/services.yaml", yaml)
            .unwrap()
            .services
            .remove(0)
    }

    #[test]
    fn a_redis_url_fills_every_variable_and_is_kept_verbatim() {
        let s = spec(
            "services:\n  redis:\n    external:\n      url: \"rediss://default:p%40ss@cache.example.com:6380/2\"\n",
        );
        let r = render("p", &s, s.external.as_ref().unwrap()).unwrap();
        let e = &r.endpoints.exports;
        assert_eq!(
            e["REDIS_URL"],
            "rediss://default:p%40ss@cache.example.com:6380/2"
        );
        assert_eq!(e["REDIS_HOST"], "cache.example.com");
        assert_eq!(e["REDIS_PORT"], "6380");
        assert_eq!(e["REDIS_PASSWORD"], "p@ss");
    }

    /// A URL without a port is probed on its scheme's default port, not
    /// the template's container port; TLS is said by the scheme.
    #[test]
    fn a_url_without_a_port_means_its_schemes_port() {
        for (template, url, port, tls) in [
            ("rabbitmq", "amqps://app:pw@mq.example.com/%2F", 5671, true),
            ("rabbitmq", "amqp://app:pw@mq.example.com/%2F", 5672, false),
            ("minio", "https://s3.eu-west-1.amazonaws.com", 443, true),
            (
                "redis",
                "rediss://default:pw@cache.example.com/0",
                6379,
                true,
            ),
            (
                "postgres",
                "postgres://app:pw@db.example.com/app?sslmode=require",
                5432,
                true,
            ),
        ] {
            let s = spec(&format!(
                "services:\n  x:\n    template: {template}\n    external:\n      url: \"{url}\"\n      password: pw\n"
            ));
            let r = render("p", &s, s.external.as_ref().unwrap()).unwrap();
            assert_eq!(r.endpoints.probes[0].port(), Some(port), "{url}");
            assert_eq!(r.tls_port, Some(port).filter(|_| tls), "{url}");
        }
    }

    #[test]
    fn host_ports_and_env_overrides_with_a_prefix() {
        let s = spec(
            "services:\n  files:\n    template: minio\n    env_prefix: FILES_\n    buckets: [docs]\n    external:\n      url: https://s3.eu-west-1.amazonaws.com\n      password: secret-key\n      env: { AWS_ACCESS_KEY_ID: AKIAEXAMPLE, AWS_REGION: eu-west-1 }\n",
        );
        let r = render("p", &s, s.external.as_ref().unwrap()).unwrap();
        let e = &r.endpoints.exports;
        assert_eq!(
            e["FILES_AWS_ENDPOINT_URL_S3"],
            "https://s3.eu-west-1.amazonaws.com"
        );
        assert_eq!(e["FILES_AWS_ACCESS_KEY_ID"], "AKIAEXAMPLE");
        assert_eq!(e["FILES_AWS_SECRET_ACCESS_KEY"], "secret-key");
        assert_eq!(e["FILES_AWS_REGION"], "eu-west-1");
        assert_eq!(e["FILES_S3_BUCKET"], "docs");
    }
}
