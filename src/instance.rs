//! A service made concrete for one run: its host ports and secrets are
//! known, so every template value can be rendered into the container to
//! create, the probes to run, the buckets to make and the variables to export.
use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::ServiceSpec;
use crate::engine::{self, ContainerSpec, FileCopy, PortMapping, VolumeMount};
use crate::error::{Error, Result};
use crate::probe::{HttpRequest, Login, Probe, S3Login};
use crate::provision::S3Target;
use crate::render::Values;
use crate::template::{HttpCheck, ProbeSpec, RedisLogin, SeedSpec};

pub(crate) struct Instance {
    pub service: String,
    pub container: ContainerSpec,
    /// Identifies the container's configuration; a change means recreate.
    pub hash: String,
    /// The hash of each part of it, to say what changed.
    pub parts: String,
    pub probes: Vec<Probe>,
    pub s3: Option<S3Target>,
    pub buckets: Vec<String>,
    /// What the buckets' names start with beyond the names services.yaml
    /// gives (a shared server's slice: `shop-`); seed folders take those.
    pub bucket_prefix: String,
    /// Databases to have (the first one the image creates) and a login
    /// that may create the others.
    pub databases: Vec<String>,
    pub admin: Option<Probe>,
    /// The user clients log in as (granted the extra databases).
    pub user: Option<String>,
    pub exports: IndexMap<String, String>,
    /// The web UI's address, when the service has one.
    pub web: Option<String>,
    /// Where its seed data goes, when it has some.
    pub seed: Option<SeedTarget>,
    /// Where each named port is reached, for the summary table.
    pub host_ports: Vec<NamedPort>,
    /// Whether its image initialises a fresh data volume (a database
    /// template: `init_dir`), which the init cache can stand in for.
    pub initialises: bool,
}

/// A service's seed data and where it goes.
#[derive(Debug, Clone)]
pub(crate) struct SeedTarget {
    pub(crate) path: std::path::PathBuf,
    pub(crate) to: SeedTo,
}

#[derive(Debug, Clone)]
pub(crate) enum SeedTo {
    /// Commands sent to Redis on this host port.
    Redis {
        port: u16,
        user: Option<String>,
        password: Option<String>,
    },
    /// Buckets of the service's S3 API.
    S3,
}

/// A service's named port and the host port it is published on.
pub(crate) struct NamedPort {
    pub(crate) name: String,
    pub(crate) host: u16,
}

pub(crate) use crate::naming::{container_name, network_name, volume_name};

/// Where a project's containers run and how they are reached.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    /// The host clients use to reach published ports.
    pub host: String,
    /// The host address ports are published on (127.0.0.1 unless asked).
    pub host_ip: String,
    pub stop_grace: std::time::Duration,
    /// The project network to join; `None` for the engine's default bridge.
    pub network: Option<String>,
    /// With an engine over SSH: the SSH the published ports are forwarded
    /// through, and the local port of each published one (clients use
    /// those; see `forwards`).
    pub tunnel: Option<crate::engine::SshSpec>,
    pub forwards: HashMap<u16, u16>,
}

impl Placement {
    /// The ports clients use for these published ones.
    fn reached(&self, published: &HashMap<String, u16>) -> HashMap<String, u16> {
        published
            .iter()
            .map(|(name, port)| (name.clone(), *self.forwards.get(port).unwrap_or(port)))
            .collect()
    }
}

/// What clients see of a service: the variables it exports, how to tell it
/// answers, and its S3 API if it has one. Shared by containers and external
/// resources.
pub(crate) struct Endpoints {
    pub exports: IndexMap<String, String>,
    pub probes: Vec<Probe>,
    pub s3: Option<S3Target>,
    /// A login that may create databases.
    pub admin: Option<Probe>,
    /// The web UI's address.
    pub web: Option<String>,
    /// Where seed data goes, when the service has some.
    pub seed: Option<SeedTarget>,
    values: Values,
}

impl Endpoints {
    /// Renders a template value of this service.
    pub(crate) fn render(&self, service: &str, text: &str) -> Result<String> {
        self.values
            .render(text)
            .map_err(|m| Error::Runtime(format!("service `{service}`: {m}")))
    }
}

/// Who clients are and what they use: the password, and, where the
/// template has them, the user and the database. For an external resource
/// its URL may say otherwise.
#[derive(Default)]
pub(crate) struct Credentials<'a> {
    pub(crate) password: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) database: Option<&'a str>,
}

impl<'a> Credentials<'a> {
    /// The service's own: its template's user, its first database.
    pub(crate) fn of(spec: &'a ServiceSpec, password: Option<&'a str>) -> Credentials<'a> {
        Credentials {
            password,
            user: spec.user.as_deref(),
            database: spec.databases.first().map(String::as_str),
        }
    }
}

/// Renders what clients see, given where the service is reached.
pub(crate) fn endpoints(
    project: &str,
    spec: &ServiceSpec,
    host: &str,
    host_ports: &HashMap<String, u16>,
    credentials: &Credentials,
) -> Result<Endpoints> {
    let mut values = Values::default();
    values.set("host", host);
    values.set("project", project);
    values.set("service", &spec.name);
    for (name, value) in [
        ("password", credentials.password),
        ("user", credentials.user),
        ("database", credentials.database),
    ] {
        if let Some(value) = value {
            values.set(name, value);
        }
    }
    values.set("bucket", spec.buckets.first().cloned().unwrap_or_default());
    for (name, port) in host_ports {
        values.set(format!("port.{name}"), port.to_string());
    }
    let render = |text: &str| {
        values
            .render(text)
            .map_err(|m| Error::Runtime(format!("service `{}`: {m}", spec.name)))
    };
    let port_of = |name: &str| {
        host_ports.get(name).copied().ok_or_else(|| {
            Error::Runtime(format!(
                "service `{}`: no host port for `{name}`",
                spec.name
            ))
        })
    };
    let probes_of = ProbeRenderer {
        render: &render,
        port_of: &port_of,
    };
    let probe_of = |p: &ProbeSpec| probes_of.probe(p);
    let probes = spec
        .ready
        .iter()
        .map(probe_of)
        .collect::<Result<Vec<_>>>()?;
    let admin = spec.admin.as_ref().map(probe_of).transpose()?;
    let s3 = spec
        .s3
        .as_ref()
        .map(|s3| {
            Ok::<_, Error>(S3Target {
                endpoint: format!("http://{host}:{}", port_of(&s3.port)?),
                access_key: render(&s3.access_key)?,
                secret_key: render(&s3.secret_key)?,
                region: render(&s3.region)?,
            })
        })
        .transpose()?;
    let exports = spec
        .exports
        .iter()
        .map(|(k, v)| Ok((k.clone(), render(v)?)))
        .collect::<Result<IndexMap<_, _>>>()?;
    let web = spec.web.as_deref().map(render).transpose()?;
    let seed = spec
        .seed
        .as_ref()
        .map(|seed| seed_target(seed, &render, &port_of))
        .transpose()?;
    Ok(Endpoints {
        exports,
        probes,
        s3,
        admin,
        web,
        seed,
        values,
    })
}

/// Where a service's seed data goes: its port looked up, its password
/// rendered.
fn seed_target(
    seed: &crate::config::Seed,
    render: &dyn Fn(&str) -> Result<String>,
    port_of: &dyn Fn(&str) -> Result<u16>,
) -> Result<SeedTarget> {
    let to = match &seed.how {
        SeedSpec::Redis(RedisLogin {
            port,
            user,
            password,
        }) => SeedTo::Redis {
            port: port_of(port)?,
            user: user.as_deref().map(render).transpose()?,
            password: password.as_deref().map(render).transpose()?,
        },
        SeedSpec::S3 => SeedTo::S3,
    };
    Ok(SeedTarget {
        path: seed.path.clone(),
        to,
    })
}

/// A template's probe made concrete: its port looked up, its texts rendered.
struct ProbeRenderer<'a> {
    render: &'a dyn Fn(&str) -> Result<String>,
    port_of: &'a dyn Fn(&str) -> Result<u16>,
}

impl ProbeRenderer<'_> {
    fn login(&self, port: &str, user: &str, password: &str, database: &str) -> Result<Login> {
        Ok(Login {
            port: (self.port_of)(port)?,
            user: (self.render)(user)?,
            password: (self.render)(password)?,
            database: (self.render)(database)?,
        })
    }

    fn probe(&self, p: &ProbeSpec) -> Result<Probe> {
        let (port_of, render) = (self.port_of, self.render);
        let login = |port: &str, user: &str, password: &str, database: &str| {
            self.login(port, user, password, database)
        };
        Ok(match p {
            ProbeSpec::Redis(RedisLogin {
                port,
                user,
                password,
            }) => Probe::Redis {
                port: port_of(port)?,
                user: user.as_deref().map(render).transpose()?,
                password: password
                    .as_deref()
                    .map(render)
                    .transpose()?
                    .filter(|p| !p.is_empty()),
            },
            ProbeSpec::Smtp { port } => Probe::Smtp {
                port: port_of(port)?,
            },
            ProbeSpec::Http(HttpCheck {
                port,
                path,
                status,
                headers,
                user,
                password,
            }) => Probe::Http(HttpRequest {
                port: port_of(port)?,
                path: path.clone(),
                status: *status,
                headers: headers
                    .iter()
                    .map(|(name, value)| Ok((name.clone(), render(value)?)))
                    .collect::<Result<_>>()?,
                basic: match user {
                    Some(user) => Some((
                        render(user)?,
                        password
                            .as_deref()
                            .map(render)
                            .transpose()?
                            .unwrap_or_default(),
                    )),
                    None => None,
                },
            }),
            ProbeSpec::Nats {
                port,
                user,
                password,
            } => Probe::Nats {
                port: port_of(port)?,
                user: user.as_deref().map(render).transpose()?,
                password: password.as_deref().map(render).transpose()?,
            },
            ProbeSpec::Kafka { port } => Probe::Kafka {
                port: port_of(port)?,
            },
            ProbeSpec::S3(s3) => Probe::S3(S3Login {
                port: port_of(&s3.port)?,
                access_key: render(&s3.access_key)?,
                secret_key: render(&s3.secret_key)?,
                region: render(&s3.region)?,
                bucket: s3.bucket.as_deref().map(render).transpose()?,
                write: s3.write,
            }),
            ProbeSpec::Exec { command } => Probe::Exec {
                command: command.iter().map(|a| render(a)).collect::<Result<_>>()?,
            },
            ProbeSpec::Tcp { port } => Probe::Tcp {
                port: port_of(port)?,
            },
            ProbeSpec::Postgres {
                port,
                user,
                password,
                database,
            } => Probe::Postgres(login(port, user, password, database)?),
            ProbeSpec::Mysql {
                port,
                user,
                password,
                database,
            } => Probe::Mysql(login(port, user, password, database)?),
            ProbeSpec::Memcached { port } => Probe::Memcached {
                port: port_of(port)?,
            },
            ProbeSpec::Amqp {
                port,
                user,
                password,
                vhost,
            } => Probe::Amqp(login(port, user, password, vhost)?),
        })
    }
}

/// Renders `spec` as a container with its host ports (by port name) and
/// its password if it takes one.
pub(crate) fn render(
    project: &str,
    spec: &ServiceSpec,
    host_ports: &HashMap<String, u16>,
    password: Option<&str>,
    placement: &Placement,
) -> Result<Instance> {
    let credentials = Credentials::of(spec, password);
    let reached = placement.reached(host_ports);
    let endpoints = endpoints(project, spec, &placement.host, &reached, &credentials)?;
    let mut container = container(project, spec, host_ports, password, placement, &endpoints)?;
    let input = hash_input(&container);
    let hash = config_hash(&input);
    let parts = config_parts(&input);
    container
        .labels
        .insert(engine::LABEL_HASH.into(), hash.clone());
    container
        .labels
        .insert(engine::LABEL_PARTS.into(), parts.clone());
    Ok(Instance {
        service: spec.name.clone(),
        container,
        hash,
        parts,
        probes: endpoints.probes,
        s3: endpoints.s3,
        buckets: spec.buckets.clone(),
        bucket_prefix: spec
            .shared
            .as_ref()
            .map(|slice| crate::config::bucket_prefix(&slice.owner))
            .unwrap_or_default(),
        databases: spec.databases.clone(),
        admin: endpoints.admin,
        user: spec.user.clone(),
        exports: endpoints.exports,
        web: endpoints.web,
        seed: endpoints.seed,
        initialises: spec.init_dir.is_some() && spec.volume.is_some() && spec.shared.is_none(),
        host_ports: spec
            .ports
            .iter()
            .map(|p| NamedPort {
                name: p.name.clone(),
                host: reached[&p.name],
            })
            .collect(),
    })
}

/// The container to create, every value rendered (labelled, but without
/// its configuration hash yet).
fn container(
    project: &str,
    spec: &ServiceSpec,
    host_ports: &HashMap<String, u16>,
    password: Option<&str>,
    placement: &Placement,
    endpoints: &Endpoints,
) -> Result<ContainerSpec> {
    let render = |text: &str| endpoints.render(&spec.name, text);
    let cmd = spec
        .command
        .as_ref()
        .map(|c| c.iter().map(|a| render(a)).collect::<Result<Vec<_>>>())
        .transpose()?;
    let env = spec
        .env
        .iter()
        .map(|(k, v)| Ok(format!("{k}={}", render(v)?)))
        .collect::<Result<Vec<_>>>()?;
    let generated = matches!(spec.password, Some(crate::config::Password::Generate(_)));
    let mut labels = engine::project_labels(project);
    labels.insert(engine::LABEL_SERVICE.into(), spec.name.clone());
    Ok(ContainerSpec {
        name: container_name(project, &spec.name),
        image: spec.image.clone(),
        cmd,
        env,
        labels,
        ports: spec
            .ports
            .iter()
            .map(|p| PortMapping {
                container: p.container,
                host: host_ports[&p.name],
            })
            .collect(),
        host_ip: placement.host_ip.clone(),
        volume: spec.data.as_ref().map(|path| VolumeMount {
            name: spec
                .volume
                .clone()
                .unwrap_or_else(|| volume_name(project, &spec.name)),
            path: path.clone(),
            password: password.filter(|_| generated).map(str::to_string),
            branch: spec.data_branch.clone(),
        }),
        network: placement.network.clone(),
        alias: spec.name.clone(),
        hostname: spec.hostname.as_deref().map(render).transpose()?,
        stop_grace: placement.stop_grace,
        files: [template_files(spec, &render)?, init_files(spec)?].concat(),
        restore: None,
    })
}

#[derive(Serialize)]
struct HashInput<'a> {
    network: &'a Option<String>,
    host_ip: &'a str,
    image: &'a str,
    cmd: &'a Option<Vec<String>>,
    env: &'a [String],
    ports: &'a [(u16, u16)],
    volume: &'a Option<(String, String)>,
    /// Left out when unset, so hashes of other services stay what they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: &'a Option<String>,
    /// Left out when there are none, so hashes of services without files
    /// (init files, a template's) stay what they were.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    files: &'a [String],
}

/// The template's own files, rendered: private to the server's user.
fn template_files(
    spec: &ServiceSpec,
    render: &dyn Fn(&str) -> Result<String>,
) -> Result<Vec<FileCopy>> {
    spec.files
        .iter()
        .map(|file| {
            Ok(FileCopy {
                path: file.path.clone(),
                contents: render(&file.content)?.into_bytes(),
                mode: 0o600,
                uid: file.uid,
                gid: file.gid,
            })
        })
        .collect()
}

/// The service's `init:` files, numbered so the image runs them in the
/// order given.
fn init_files(spec: &ServiceSpec) -> Result<Vec<FileCopy>> {
    let Some(dir) = &spec.init_dir else {
        return Ok(Vec::new());
    };
    spec.init
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let contents = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(FileCopy {
                path: format!("{}/{:02}-{name}", dir.trim_end_matches('/'), i + 1),
                contents,
                mode: 0o644,
                uid: 0,
                gid: 0,
            })
        })
        .collect()
}

/// Identifies a container's configuration; a change means recreate.
fn config_hash(input: &serde_json::Value) -> String {
    let json = serde_json::to_vec(input).expect("hash input serialises");
    hex::encode(&Sha256::digest(&json)[..12])
}

/// A short hash of each part of the configuration but the network (which
/// the engine reports on the container itself): `image=…,env=…`, so a
/// recreate can say what changed.
fn config_parts(input: &serde_json::Value) -> String {
    let Some(fields) = input.as_object() else {
        return String::new();
    };
    fields
        .iter()
        .filter(|(name, _)| *name != "network")
        .map(|(name, value)| {
            let json = serde_json::to_vec(value).expect("hash input serialises");
            format!("{name}={}", hex::encode(&Sha256::digest(&json)[..4]))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What identifies a container's configuration, as JSON. Ports and volume
/// go in as pairs, as the hash has always been taken: a new shape here
/// would recreate every existing container.
fn hash_input(c: &ContainerSpec) -> serde_json::Value {
    let input = HashInput {
        network: &c.network,
        host_ip: &c.host_ip,
        image: &c.image,
        cmd: &c.cmd,
        env: &c.env,
        ports: &c
            .ports
            .iter()
            .map(|p| (p.container, p.host))
            .collect::<Vec<_>>(),
        volume: &c.volume.as_ref().map(|v| (v.name.clone(), v.path.clone())),
        hostname: &c.hostname,
        files: &c
            .files
            .iter()
            .map(|f| format!("{}:{}", f.path, hex::encode(Sha256::digest(&f.contents))))
            .collect::<Vec<_>>(),
    };
    serde_json::to_value(&input).expect("hash input serialises")
}

/// Words for a part of the configuration, as `config_parts` names them.
pub(crate) fn part_words(part: &str) -> &str {
    match part {
        "host_ip" => "published address",
        "cmd" => "command",
        "env" => "environment",
        "volume" => "data volume",
        "files" => "files",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_at;

    /// A given password full of URL syntax, in every URL a built-in
    /// template exports (and the mongosh probe's): each parses back to the
    /// right host, port, user and password. Plain exports stay raw.
    #[test]
    fn a_given_password_with_url_syntax_survives_every_url_template() {
        let password = "p@ss/w:x#?%&=+ [0123456789]";
        let mut checked = 0;
        for name in crate::template::builtin_names() {
            let template: crate::template::Template =
                serde_saphyr::from_str(crate::template::builtin_source(name).unwrap()).unwrap();
            if template.password.is_none() {
                continue;
            }
            let yaml = format!("services:\n  {name}:\n    password: '{password}'\n");
            let spec = parse_at("/tmp/urls/services.yaml", &yaml)
                .unwrap()
                .services
                .remove(0);
            let ports: HashMap<String, u16> = spec
                .ports
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), 20000 + i as u16))
                .collect();
            let credentials = Credentials::of(&spec, Some(password));
            let e = endpoints("p", &spec, "127.0.0.1", &ports, &credentials).unwrap();
            let mut urls: Vec<(String, String, String)> = template
                .exports
                .iter()
                .map(|(k, t)| (k.clone(), t.clone(), e.exports[k].clone()))
                .collect();
            for probe in &e.probes {
                if let Probe::Exec { command } = probe {
                    let at = command.iter().position(|a| a.contains("://")).unwrap();
                    let text = match &template.ready[0] {
                        ProbeSpec::Exec { command } => command[at].clone(),
                        _ => unreachable!(),
                    };
                    urls.push(("mongosh".into(), text, command[at].clone()));
                }
            }
            for (export, text, value) in urls {
                if !text.contains("://") || !text.contains("{{password") {
                    if text == "{{password}}" {
                        assert_eq!(value, password, "{name} {export} stays raw");
                    }
                    continue;
                }
                let url = url::Url::parse(&value)
                    .unwrap_or_else(|e| panic!("{name} {export}: {e}: {value}"));
                let port_name = text
                    .split("{{port.")
                    .nth(1)
                    .and_then(|r| r.split("}}").next());
                let (host, port) = match port_name {
                    Some(port) => ("127.0.0.1", ports[port]),
                    None => ("127.0.0.1", 27017),
                };
                assert_eq!(url.host_str(), Some(host), "{name} {export}: {value}");
                assert_eq!(url.port(), Some(port), "{name} {export}: {value}");
                let user = spec.user.clone().unwrap_or_else(|| "default".into());
                let decode = crate::external::percent_decode;
                assert_eq!(decode(url.username()), user, "{name} {export}: {value}");
                assert_eq!(
                    url.password().map(decode).as_deref(),
                    Some(password),
                    "{name} {export}: {value}"
                );
                checked += 1;
            }
        }
        // redis 1, valkey 2, postgres, mysql, mariadb, rabbitmq 2, nats,
        // elasticsearch, opensearch, mongodb 3 (its probe reads the
        // password from the container's environment, in no URL).
        assert_eq!(checked, 14);
    }
}
