//! Service templates: the facts that describe one kind of backing service
//! (image, ports, environment, readiness, provisioning, exported variables).
//! Templates are data files in `templates/`, compiled in by `build.rs`; the
//! rest of devsvc never names a service kind.
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::schema::{Integer, Port, Text};

include!(concat!(env!("OUT_DIR"), "/builtin_templates.rs"));

/// A service template: one file in templates/, or a service's `inline:`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Template {
    /// What the service is; shown in docs only.
    #[serde(default)]
    #[schemars(with = "Text")]
    pub description: String,
    /// A pinned image reference, never `latest`.
    #[schemars(with = "Text")]
    pub image: String,
    /// Named container ports, e.g. `smtp: 1025`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Port>")]
    pub ports: IndexMap<String, u16>,
    /// The container command, as a list (default: the image's).
    #[serde(default)]
    #[schemars(with = "Option<Vec<Text>>")]
    pub command: Option<Vec<String>>,
    /// Files written into the container before its first start, rendered
    /// like `command:`: a server's configuration holding its password, so
    /// that the password is on no command line (`ps` shows those to every
    /// user of the machine).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ContainerFile>,
    /// The container environment.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub env: IndexMap<String, String>,
    /// The container's host name, where the service keeps data under it
    /// (RabbitMQ names its node, and so its data folder, after the host).
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub hostname: Option<String>,
    /// The container path holding data, kept in a named volume.
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub data: Option<String>,
    /// The user clients log in as (`{{user}}`).
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub user: Option<String>,
    /// Present when the service takes a password (`{{password}}`).
    #[serde(default)]
    pub password: Option<PasswordRule>,
    /// The database clients use when services.yaml names none
    /// (`{{database}}`); present when the service takes `databases:`.
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub database: Option<String>,
    /// Where the image runs initialisation scripts from, once, on a fresh
    /// volume; present when the service takes `init:`.
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub init_dir: Option<String>,
    /// The endings of the init files the image runs (default `.sql`).
    #[serde(default = "sql_files")]
    #[schemars(with = "Vec<Text>")]
    pub init_types: Vec<String>,
    /// A login allowed to create databases (a `postgres` or `mysql` probe
    /// shape), for the `databases:` after the first, which the image
    /// creates itself.
    #[serde(default)]
    pub admin: Option<ProbeSpec>,
    /// Readiness probes: all must pass (they are polled at once).
    #[serde(default)]
    pub ready: Vec<ProbeSpec>,
    /// Present when projects may share one server of this template
    /// (`shared: true`), and how a project's slice of it is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<SharedRule>,
    /// Present when the service speaks S3 and can create `buckets`.
    #[serde(default)]
    pub s3: Option<S3Api>,
    /// Present when the service takes `seed:` data, and how it is applied.
    #[serde(default)]
    pub seed: Option<SeedSpec>,
    /// The service's web UI (a mail viewer, a console), which `devsvc open`
    /// opens and `status` shows, e.g. `http://{{host}}:{{port.http}}`.
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub web: Option<String>,
    /// Variables written to the env file, before any `env_prefix`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Text>")]
    pub exports: IndexMap<String, String>,
    /// Exports that take an external resource's `url` verbatim (so a
    /// `rediss://` scheme or a database index survives).
    #[serde(default)]
    #[schemars(with = "Vec<Text>")]
    pub url_exports: Vec<String>,
    /// The schemes an external resource's `url` may use, each with the
    /// port it means when the URL names none and whether it means TLS
    /// (`rediss: { port: 6379, tls: true }`). A scheme `a+b` not listed
    /// is read as `a` (`postgresql+psycopg://`); empty: any scheme, the
    /// template's own port, and no TLS.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub schemes: IndexMap<String, UrlScheme>,
    /// Query parameters of an external `url` that ask for TLS whatever
    /// the scheme, with the values (compared without case) that do:
    /// libpq's `sslmode: [require, verify-ca, verify-full]`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, Vec<Text>>")]
    pub tls_query: IndexMap<String, Vec<String>>,
}

/// How a shared server of a template is run and sliced. The slices are
/// made through the template's `admin:` login, in its protocol's own terms
/// (a PostgreSQL role owning its databases, ...).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SharedRule {
    /// The server's own administrator (`{{user}}` of the server), who makes
    /// each project's slice; no project's user may be named so.
    #[schemars(with = "Text")]
    pub admin_user: String,
    /// The server's command, when it differs from a project's own server
    /// (SeaweedFS opens its IAM API to writes, to make users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<Text>>")]
    pub command: Option<Vec<String>>,
    /// The ports the server publishes, by name (default: all). A port left
    /// out is not reachable from the host, and what a slice would export
    /// or open through it is left out too (SeaweedFS's filer answers
    /// anyone, so it stays inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<Text>>")]
    pub publish: Option<Vec<String>>,
    /// The server's readiness, when stricter than the template's `ready:`
    /// (a restarted SeaweedFS is asked to write and read an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_ready: Option<Vec<ProbeSpec>>,
    /// A slice's readiness, when the template's own `ready:` logs in as
    /// the server's administrator (a Redis ACL user, a RabbitMQ vhost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<Vec<ProbeSpec>>,
    /// A slice's `seed:`, when it logs in otherwise than the template's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<SeedSpec>,
    /// A slice's S3 login (its buckets and seeds), when the template's is
    /// the administrator's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Api>,
    /// A slice's exports over the template's: a value replaces the
    /// template's, a new name is added (a Redis key prefix).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, Text>")]
    pub exports: IndexMap<String, String>,
}

/// What one URL scheme means for the service's main (first) port.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UrlScheme {
    /// The port when the URL names none (the scheme's default).
    #[schemars(with = "Port")]
    pub port: u16,
    /// The port speaks TLS from the start; probes never send clear text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
}

/// A file a template writes into its container: mode 0600, owned by the
/// user the image's server runs as, so only that user (and root) reads it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContainerFile {
    /// Absolute path in the container.
    #[schemars(with = "Text")]
    pub path: String,
    /// The contents, with placeholders (`{{password|quoted}}`).
    #[schemars(with = "Text")]
    pub content: String,
    /// Numeric user id of the file's owner (default root).
    #[serde(default)]
    #[schemars(with = "Integer<0, 4294967295>")]
    pub uid: u32,
    /// Numeric group id of the file's owner (default root).
    #[serde(default)]
    #[schemars(with = "Integer<0, 4294967295>")]
    pub gid: u32,
}

/// A password generated once per project and then kept.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordRule {
    /// Length of the generated password.
    #[serde(deserialize_with = "password_length")]
    #[schemars(with = "PasswordLength")]
    pub generate: usize,
    /// Shortest password the server accepts.
    #[serde(default, deserialize_with = "password_length")]
    #[schemars(with = "PasswordLength")]
    pub min_length: usize,
    /// The server demands a character that is neither a letter nor a digit
    /// (OpenSearch): generated passwords then hold `-`, `_` or `.` too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub symbols: bool,
}

/// The longest password devsvc generates or asks for: far beyond any
/// server's need, and small enough that a typo cannot exhaust memory.
pub(crate) const MAX_PASSWORD_LENGTH: usize = 1024;

/// What `password_length` takes, for the schema.
type PasswordLength = Integer<0, { MAX_PASSWORD_LENGTH as u64 }>;

fn password_length<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    let length = u64::deserialize(deserializer)?;
    match usize::try_from(length) {
        Ok(n) if n <= MAX_PASSWORD_LENGTH => Ok(n),
        _ => Err(serde::de::Error::custom(format!(
            "a password length must be at most {MAX_PASSWORD_LENGTH}, got {length}"
        ))),
    }
}

/// How to tell, from the host, that a service really answers. Each probe
/// names one of the template's ports; the texts may hold placeholders.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
#[schemars(rename = "Probe")]
pub(crate) enum ProbeSpec {
    /// RESP `PING` answered by `+PONG` (after `AUTH` when a password is given).
    Redis(RedisLogin),
    /// An SMTP `220` greeting.
    Smtp {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
    },
    /// An HTTP `GET` answered with the given status (sent with the given
    /// headers, and as `user` with HTTP basic authentication when set).
    Http(HttpCheck),
    /// A TCP connection is accepted and kept: the server speaks first, or
    /// does not close it within a short wait (a proxy in front of nothing
    /// accepts and then closes at once).
    Tcp {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
    },
    /// PostgreSQL: log in with these credentials and run `SELECT 1`.
    Postgres {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
        /// The user to log in as.
        #[schemars(with = "Text")]
        user: String,
        /// The user's password.
        #[schemars(with = "Text")]
        password: String,
        /// The database to connect to.
        #[schemars(with = "Text")]
        database: String,
    },
    /// MySQL or MariaDB: log in with these credentials and run `SELECT 1`.
    Mysql {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
        /// The user to log in as.
        #[schemars(with = "Text")]
        user: String,
        /// The user's password.
        #[schemars(with = "Text")]
        password: String,
        /// The database to connect to.
        #[schemars(with = "Text")]
        database: String,
    },
    /// Memcached: `version` answered by `VERSION ...`.
    Memcached {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
    },
    /// NATS: the server's `INFO`, `CONNECT` with these credentials, and
    /// `PING` answered by `PONG` (an authorization error is not ready).
    Nats {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
        /// The user to connect as.
        #[serde(default)]
        #[schemars(with = "Option<Text>")]
        user: Option<String>,
        /// The user's password.
        #[serde(default)]
        #[schemars(with = "Option<Text>")]
        password: Option<String>,
    },
    /// Kafka: `ApiVersions` and `Metadata` answered, and the broker
    /// advertises exactly the address clients were given (the host and
    /// host port), not the container's own.
    Kafka {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
    },
    /// S3: a request signed with these keys is accepted (a `HEAD` of a
    /// bucket answered 200 or 404; 403 means the keys are refused).
    S3(S3Api),
    /// A command run inside the container exits with 0 (the image's own
    /// client, logged in with the exported credentials). Not run against
    /// external resources, which have no container.
    Exec {
        /// The command and its arguments.
        #[schemars(with = "Vec<Text>")]
        command: Vec<String>,
    },
    /// AMQP 0-9-1 (RabbitMQ): the whole connection handshake, logged in.
    Amqp {
        /// The port's name in the template.
        #[schemars(with = "Text")]
        port: String,
        /// The user to log in as.
        #[schemars(with = "Text")]
        user: String,
        /// The user's password.
        #[schemars(with = "Text")]
        password: String,
        /// The virtual host to open.
        #[serde(default = "root_vhost")]
        #[schemars(with = "Text")]
        vhost: String,
    },
}

fn sql_files() -> Vec<String> {
    vec![".sql".into()]
}

fn root_vhost() -> String {
    "/".into()
}

fn root_path() -> String {
    "/".into()
}

fn ok_status() -> u16 {
    200
}

/// An HTTP readiness check.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpCheck {
    /// The port's name in the template.
    #[schemars(with = "Text")]
    pub(crate) port: String,
    /// The path to `GET`.
    #[serde(default = "root_path")]
    #[schemars(with = "Text")]
    pub(crate) path: String,
    /// The status that means ready.
    #[serde(default = "ok_status")]
    #[schemars(with = "Integer<0, 65535>")]
    pub(crate) status: u16,
    /// Request headers, e.g. an API key: `{X-API-KEY: "{{password}}"}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, Text>")]
    pub(crate) headers: IndexMap<String, String>,
    /// The user for HTTP basic authentication (with `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Text>")]
    pub(crate) user: Option<String>,
    /// The password for HTTP basic authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Text>")]
    pub(crate) password: Option<String>,
}

impl HttpCheck {
    /// A plain `GET path` answered with `status`.
    #[cfg(test)]
    pub(crate) fn get(port: &str, path: &str, status: u16) -> ProbeSpec {
        ProbeSpec::Http(HttpCheck {
            port: port.into(),
            path: path.into(),
            status,
            headers: IndexMap::new(),
            user: None,
            password: None,
        })
    }
}

impl ProbeSpec {
    /// The template port the probe talks to; `None` for one that runs
    /// inside the container.
    pub(crate) fn port(&self) -> Option<&str> {
        match self {
            ProbeSpec::Redis(RedisLogin { port, .. })
            | ProbeSpec::Smtp { port }
            | ProbeSpec::Http(HttpCheck { port, .. })
            | ProbeSpec::Tcp { port }
            | ProbeSpec::Postgres { port, .. }
            | ProbeSpec::Mysql { port, .. }
            | ProbeSpec::Memcached { port }
            | ProbeSpec::Nats { port, .. }
            | ProbeSpec::Kafka { port }
            | ProbeSpec::S3(S3Api { port, .. })
            | ProbeSpec::Amqp { port, .. } => Some(port),
            ProbeSpec::Exec { .. } => None,
        }
    }

    /// The values that may hold `{{placeholders}}`.
    pub(crate) fn texts(&self) -> Vec<&str> {
        match self {
            ProbeSpec::Redis(RedisLogin { user, password, .. }) => {
                user.iter().chain(password).map(String::as_str).collect()
            }
            ProbeSpec::Postgres {
                user,
                password,
                database,
                ..
            }
            | ProbeSpec::Mysql {
                user,
                password,
                database,
                ..
            } => vec![user, password, database],
            ProbeSpec::Amqp {
                user,
                password,
                vhost,
                ..
            } => vec![user, password, vhost],
            ProbeSpec::Http(HttpCheck {
                headers,
                user,
                password,
                ..
            }) => headers
                .values()
                .chain(user)
                .chain(password)
                .map(String::as_str)
                .collect(),
            ProbeSpec::Nats { user, password, .. } => {
                user.iter().chain(password).map(String::as_str).collect()
            }
            ProbeSpec::S3(S3Api {
                access_key,
                secret_key,
                region,
                bucket,
                ..
            }) => [access_key, secret_key, region]
                .into_iter()
                .chain(bucket)
                .map(String::as_str)
                .collect(),
            ProbeSpec::Exec { command } => command.iter().map(String::as_str).collect(),
            ProbeSpec::Smtp { .. }
            | ProbeSpec::Tcp { .. }
            | ProbeSpec::Kafka { .. }
            | ProbeSpec::Memcached { .. } => Vec::new(),
        }
    }
}

/// A Redis port, by its name in the template, and the user and password
/// to `AUTH` with (probes and seeds log in alike; no user: `default`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedisLogin {
    /// The port's name in the template.
    #[schemars(with = "Text")]
    pub(crate) port: String,
    /// The ACL user to `AUTH` as (Redis 6+); none: the `default` user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Text>")]
    pub(crate) user: Option<String>,
    /// The password to `AUTH` with.
    #[serde(default)]
    #[schemars(with = "Option<Text>")]
    pub(crate) password: Option<String>,
}

/// How a template applies a service's `seed:`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
#[schemars(rename = "Seed")]
pub(crate) enum SeedSpec {
    /// `seed:` is a file of Redis commands, one per line, sent to this port.
    Redis(RedisLogin),
    /// `seed:` is a folder with one subfolder per bucket, uploaded through
    /// the template's `s3:` API.
    S3,
}

/// The S3 API a template offers for creating buckets.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "S3")]
pub(crate) struct S3Api {
    /// The port's name in the template.
    #[schemars(with = "Text")]
    pub port: String,
    /// The access key buckets are created with.
    #[schemars(with = "Text")]
    pub access_key: String,
    /// The secret key buckets are created with.
    #[schemars(with = "Text")]
    pub secret_key: String,
    /// The region buckets are created in.
    #[schemars(with = "Text")]
    pub region: String,
    /// As a readiness probe: the bucket asked about (default: one no
    /// project uses). A user limited to its own buckets is refused (403)
    /// on any other, so its probe asks about one of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Text>")]
    pub bucket: Option<String>,
    /// As a readiness probe: ready only once an object is written to the
    /// bucket (made when missing) and read back, so the storage serves
    /// data and not only the API.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write: bool,
}

/// The YAML source of a built-in template.
pub(crate) fn builtin_source(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

pub(crate) fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str) -> Template {
        serde_saphyr::from_str(builtin_source(name).unwrap()).unwrap()
    }

    /// Each template with its pinned image and exactly these exports, in
    /// this order; returned for further checks.
    fn pinned(cases: &[(&str, &str, &[&str])]) -> Vec<Template> {
        cases
            .iter()
            .map(|(name, image, exports)| {
                let t = load(name);
                assert_eq!(t.image, *image, "{name}");
                assert_eq!(
                    t.exports.keys().collect::<Vec<_>>(),
                    exports.to_vec(),
                    "{name}"
                );
                t
            })
            .collect()
    }

    #[test]
    fn every_builtin_template_parses_and_pins_its_image() {
        for name in builtin_names() {
            let t = load(name);
            let tag = t.image.rsplit_once(':').map(|(_, tag)| tag);
            assert!(
                tag.is_some_and(|tag| tag != "latest" && !tag.contains('/')),
                "{name}: image {} must carry a pinned tag",
                t.image
            );
            for port in t.ready.iter().filter_map(ProbeSpec::port) {
                assert!(t.ports.contains_key(port), "{name}: probe port");
            }
        }
    }

    #[test]
    fn minio_template_keeps_the_real_contract() {
        let t = load("minio");
        assert_eq!(t.image, "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z");
        assert_eq!(
            t.ready,
            vec![HttpCheck::get("s3", "/minio/health/live", 200)]
        );
        assert_eq!(t.ports["s3"], 9000);
        assert_eq!(t.ports["console"], 9001);
        assert!(t.password.unwrap().min_length >= 8);
        assert_eq!(t.exports["S3_FORCE_PATH_STYLE"], "true");
    }

    #[test]
    fn every_s3_template_exports_exactly_what_minio_exports() {
        let minio: Vec<String> = load("minio").exports.keys().cloned().collect();
        for name in builtin_names().filter(|n| *n != "minio") {
            let t = load(name);
            if t.s3.is_some() {
                let keys: Vec<String> = t.exports.keys().cloned().collect();
                assert_eq!(keys, minio, "{name} must be a drop-in for minio");
                assert_eq!(t.url_exports, load("minio").url_exports);
            }
        }
        assert!(load("rustfs").s3.is_some());
    }

    #[test]
    fn redis_and_mailhog_templates_keep_the_real_contract() {
        let redis = load("redis");
        assert_eq!(redis.image, "redis:7.4-alpine");
        assert!(matches!(
            &redis.ready[0],
            ProbeSpec::Redis(RedisLogin {
                password: Some(_),
                ..
            })
        ));
        let mailhog = load("mailhog");
        assert_eq!(mailhog.image, "mailhog/mailhog:v1.0.1");
        assert_eq!(mailhog.ports["smtp"], 1025);
        assert_eq!(mailhog.ports["http"], 8025);
    }

    #[test]
    fn database_queue_and_cache_templates_keep_the_real_contract() {
        let cases: [(&str, &str, &[&str]); 5] = [
            (
                "postgres",
                "postgres:17.6-alpine",
                &[
                    "DATABASE_URL",
                    "PGHOST",
                    "PGPORT",
                    "PGUSER",
                    "PGPASSWORD",
                    "PGDATABASE",
                ],
            ),
            (
                "mysql",
                "mysql:8.4.6",
                &[
                    "DATABASE_URL",
                    "MYSQL_HOST",
                    "MYSQL_PORT",
                    "MYSQL_USER",
                    "MYSQL_PASSWORD",
                    "MYSQL_DATABASE",
                ],
            ),
            (
                "mariadb",
                "mariadb:11.4.8",
                &[
                    "DATABASE_URL",
                    "MYSQL_HOST",
                    "MYSQL_PORT",
                    "MYSQL_USER",
                    "MYSQL_PASSWORD",
                    "MYSQL_DATABASE",
                ],
            ),
            (
                "memcached",
                "memcached:1.6.39-alpine",
                &[
                    "MEMCACHED_SERVERS",
                    "MEMCACHE_SERVERS",
                    "MEMCACHED_HOST",
                    "MEMCACHED_PORT",
                ],
            ),
            (
                "rabbitmq",
                "rabbitmq:4.1.4-management-alpine",
                &["AMQP_URL", "RABBITMQ_URL", "RABBITMQ_MANAGEMENT_URL"],
            ),
        ];
        for (t, (name, ..)) in pinned(&cases).into_iter().zip(cases) {
            // Readiness logs in (or speaks the protocol); never a bare TCP accept.
            assert!(
                !t.ready.iter().any(|p| matches!(p, ProbeSpec::Tcp { .. })),
                "{name}"
            );
        }
        assert!(matches!(
            load("postgres").ready[0],
            ProbeSpec::Postgres { .. }
        ));
        assert!(matches!(load("mysql").ready[0], ProbeSpec::Mysql { .. }));
        assert!(matches!(load("rabbitmq").ready[0], ProbeSpec::Amqp { .. }));
    }

    /// The kinds added with the search engines, and the contracts of their
    /// official images. MongoDB, Meilisearch, OpenSearch and Elasticsearch
    /// never ran here (no registry serves them and no stand-in exists), so
    /// this pin is what holds them to their documentation.
    #[test]
    fn search_stream_and_document_templates_keep_the_real_contract() {
        let cases: [(&str, &str, &[&str]); 9] = [
            (
                "typesense",
                "typesense/typesense:30.2",
                &[
                    "TYPESENSE_URL",
                    "TYPESENSE_HOST",
                    "TYPESENSE_PORT",
                    "TYPESENSE_PROTOCOL",
                    "TYPESENSE_API_KEY",
                ],
            ),
            (
                "meilisearch",
                "getmeili/meilisearch:v1.54.3",
                &[
                    "MEILISEARCH_URL",
                    "MEILISEARCH_HOST",
                    "MEILISEARCH_KEY",
                    "MEILISEARCH_API_KEY",
                    "MEILI_MASTER_KEY",
                ],
            ),
            (
                "elasticsearch",
                "docker.elastic.co/elasticsearch/elasticsearch:9.5.3",
                &[
                    "ELASTICSEARCH_URL",
                    "ELASTICSEARCH_USERNAME",
                    "ELASTICSEARCH_PASSWORD",
                ],
            ),
            (
                "opensearch",
                "opensearchproject/opensearch:3.9.0",
                &[
                    "OPENSEARCH_URL",
                    "OPENSEARCH_USERNAME",
                    "OPENSEARCH_PASSWORD",
                ],
            ),
            (
                "valkey",
                "valkey/valkey:8.1.10-alpine",
                &[
                    "REDIS_URL",
                    "REDIS_HOST",
                    "REDIS_PORT",
                    "REDIS_PASSWORD",
                    "VALKEY_URL",
                ],
            ),
            (
                "nats",
                "nats:2.14.7",
                &["NATS_URL", "NATS_USER", "NATS_PASSWORD"],
            ),
            (
                "kafka",
                "apache/kafka:4.3.1",
                &[
                    "KAFKA_BOOTSTRAP_SERVERS",
                    "SPRING_KAFKA_BOOTSTRAP_SERVERS",
                    "KAFKA_BROKERS",
                ],
            ),
            (
                "mongodb",
                "mongo:8.0.30",
                &["MONGODB_URI", "MONGO_URL", "SPRING_DATA_MONGODB_URI"],
            ),
            (
                "seaweedfs",
                "chrislusf/seaweedfs:4.47",
                &[
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_REGION",
                    "AWS_DEFAULT_REGION",
                    "AWS_ENDPOINT_URL_S3",
                    "S3_ENDPOINT",
                    "S3_BUCKET",
                    "S3_FORCE_PATH_STYLE",
                    "MINIO_CONSOLE_URL",
                ],
            ),
        ];
        for (t, (name, ..)) in pinned(&cases).into_iter().zip(cases) {
            assert!(t.data.is_some(), "{name} keeps its data in a volume");
            // Every one that takes a secret proves it in its readiness:
            // some probe renders {{password}} (in a URL, {{password|url}}),
            // or a command in the container reads the variable of the
            // container's environment that holds it.
            if t.password.is_some() {
                let secret_vars: Vec<&String> = t
                    .env
                    .iter()
                    .filter(|(_, v)| v.contains("{{password"))
                    .map(|(k, _)| k)
                    .collect();
                assert!(
                    t.ready.iter().any(|p| p.texts().iter().any(|x| {
                        x.contains("{{password")
                            || matches!(p, ProbeSpec::Exec { .. })
                                && secret_vars
                                    .iter()
                                    .any(|v| x.contains(&format!("process.env.{v}")))
                    })),
                    "{name}: readiness must log in with the generated secret"
                );
            }
        }
        let env = |name: &str, key: &str| load(name).env.get(key).cloned();
        assert_eq!(
            env("typesense", "TYPESENSE_API_KEY").as_deref(),
            Some("{{password}}")
        );
        assert_eq!(
            env("meilisearch", "MEILI_MASTER_KEY").as_deref(),
            Some("{{password}}")
        );
        assert!(load("meilisearch").password.unwrap().min_length >= 16);
        for search in ["elasticsearch", "opensearch"] {
            assert_eq!(
                env(search, "discovery.type").as_deref(),
                Some("single-node")
            );
            let heap = env(search, "ES_JAVA_OPTS").or(env(search, "OPENSEARCH_JAVA_OPTS"));
            assert_eq!(heap.as_deref(), Some("-Xms512m -Xmx512m"), "{search}");
            assert!(matches!(
                &load(search).ready[0],
                ProbeSpec::Http(HttpCheck { user: Some(_), password: Some(_), path, .. })
                    if path.contains("wait_for_status=yellow")
            ));
        }
        assert_eq!(
            env("elasticsearch", "xpack.security.enabled").as_deref(),
            Some("true")
        );
        assert_eq!(
            env("elasticsearch", "xpack.security.http.ssl.enabled").as_deref(),
            Some("false")
        );
        assert_eq!(
            env("elasticsearch", "ELASTIC_PASSWORD").as_deref(),
            Some("{{password}}")
        );
        assert_eq!(
            env("opensearch", "OPENSEARCH_INITIAL_ADMIN_PASSWORD").as_deref(),
            Some("{{password}}")
        );
        assert!(load("opensearch").password.unwrap().symbols);
        // Kafka advertises exactly what the env file says.
        assert_eq!(
            env("kafka", "KAFKA_ADVERTISED_LISTENERS").as_deref(),
            Some("PLAINTEXT://{{host}}:{{port.kafka}}")
        );
        assert_eq!(
            env("kafka", "KAFKA_LOG_DIRS").as_deref(),
            load("kafka").data.as_deref()
        );
        assert_eq!(
            load("kafka").ready,
            vec![ProbeSpec::Kafka {
                port: "kafka".into()
            }]
        );
        // MongoDB: the image's root-user contract and authSource=admin.
        let mongo = load("mongodb");
        assert_eq!(
            env("mongodb", "MONGO_INITDB_ROOT_USERNAME").as_deref(),
            Some("{{user}}")
        );
        assert_eq!(
            env("mongodb", "MONGO_INITDB_ROOT_PASSWORD").as_deref(),
            Some("{{password}}")
        );
        assert!(mongo.exports["MONGODB_URI"].ends_with("?authSource=admin"));
        assert!(matches!(&mongo.ready[0], ProbeSpec::Exec { command } if command[0] == "mongosh"));
        assert_eq!(mongo.init_types, vec![".js", ".sh"]);
        // NATS: JetStream on, its store on the volume, a login required.
        let nats = load("nats").command.unwrap();
        assert!(nats.contains(&"--jetstream".to_string()));
        let store = nats.iter().position(|a| a == "--store_dir").unwrap();
        assert_eq!(Some(nats[store + 1].as_str()), load("nats").data.as_deref());
        assert!(matches!(
            &load("nats").ready[0],
            ProbeSpec::Nats {
                password: Some(_),
                ..
            }
        ));
        // Valkey is a drop-in for Redis: every Redis variable, then its own.
        let redis: Vec<String> = load("redis").exports.keys().cloned().collect();
        let valkey: Vec<String> = load("valkey").exports.keys().cloned().collect();
        assert_eq!(valkey[..redis.len()], redis[..]);
        // SeaweedFS: the S3 identity comes from the environment.
        assert_eq!(
            env("seaweedfs", "AWS_SECRET_ACCESS_KEY").as_deref(),
            Some("{{password}}")
        );
        assert!(matches!(&load("seaweedfs").ready[0], ProbeSpec::S3(_)));
    }
}
