//! `devsvc init`: writes a commented starter services.yaml, and beside it
//! the JSON Schema its first line points editors at; or, with
//! `--from-compose` or `--detect`, one converted from a compose project or
//! proposed from the app's manifests. Never over an existing file.
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::context::Context;
use crate::error::{Error, Result};

/// Where the starter's modeline points: beside services.yaml, and written
/// by the binary in use, so it never describes another version than the
/// one that reads the file (a URL could).
const SCHEMA_FILE: &str = "services.schema.json";

const STARTER: &str = r#"# yaml-language-server: $schema=services.schema.json
# services.yaml: the backing services this project needs.
# `devsvc up` starts them, waits until they answer, and writes .env.
# Reference: the services.yaml section of devsvc's README. The first line
# lets editors check this file against services.schema.json (VS Code's YAML
# extension, any yaml-language-server); after upgrading devsvc, refresh it
# with `devsvc schema > services.schema.json`.

# project: myapp          # default: this folder's name
# env_file: .env          # where the variables are written

services:
  redis: {}               # REDIS_URL, REDIS_HOST, REDIS_PORT, REDIS_PASSWORD

  mailpit: {}             # SMTP_HOST, SMTP_PORT, SMTP_URL, MAILPIT_URL

  minio:                  # AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, S3_BUCKET, ...
    buckets: [uploads]

  # A second instance of a template, with its own variable names:
  # sessions:
  #   template: redis
  #   env_prefix: SESSIONS_

  # A database, with the names client libraries read (DATABASE_URL, PG*):
  # postgres:
  #   databases: [app, app_test]    # the first is exported
  #   init: [db/schema.sql]         # run once, on a fresh volume

  # Search engines (each with a generated key or password):
  # typesense: {}                   # TYPESENSE_HOST, _PORT, _PROTOCOL, _API_KEY, _URL
  # meilisearch: {}                 # MEILISEARCH_HOST, MEILISEARCH_KEY, ...
  # elasticsearch: {}               # ELASTICSEARCH_URL (or `opensearch`: OPENSEARCH_URL)
  # Streams and queues:
  # nats: {}                        # NATS_URL, with JetStream
  # kafka: {}                       # KAFKA_BOOTSTRAP_SERVERS
  # rabbitmq: {}                    # AMQP_URL
  # mongodb: {}                     # MONGODB_URI, a document database
  # A maintained S3 server with MinIO's variables: `seaweedfs` (or `rustfs`)
  # in place of `minio`; Redis's variables from Valkey: `valkey`.
  # A kind devsvc does not ship, defined in place (same fields as a template):
  # clickhouse:
  #   inline:
  #     image: clickhouse/clickhouse-server:25.8
  #     ports: { http: 8123 }
  #     data: /var/lib/clickhouse
  #     ready: [ { http: { port: http, path: /ping, status: 200 } } ]
  #     exports:
  #       CLICKHOUSE_URL: "http://{{host}}:{{port.http}}"
"#;

pub(crate) fn run(
    ctx: &Context,
    from_compose: Option<Vec<PathBuf>>,
    detect: bool,
    stdout: bool,
) -> Result<()> {
    let path = &ctx.settings.file;
    if stdout && from_compose.is_none() && !detect {
        return Err(Error::Usage(
            "--stdout goes with --from-compose or --detect (the starter is written as a file)"
                .into(),
        ));
    }
    if path.exists() && !stdout {
        return Err(Error::Usage(format!(
            "{} already exists; devsvc init never overwrites it (edit it, pass -f NEW_FILE, or --stdout)",
            path.display()
        )));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(files) = from_compose {
        let conversion = crate::compose::convert(dir, &files, &ctx.settings.variables)?;
        let text = crate::proposal::yaml::write(&conversion.proposal);
        // Only left-out services (the app alone): no file, the report says why.
        let written = match conversion.proposal.services.is_empty() {
            true => None,
            false => publish(ctx, path, &text, stdout)?,
        };
        if ctx.settings.json {
            let json = crate::compose::report::json(&conversion, &text, written.as_deref());
            return ctx.ui.data(&format!("{json:#}\n"));
        }
        ctx.ui.report(&crate::compose::report::text(&conversion));
        return finish(ctx, written);
    }
    if detect {
        let detection = crate::detect::detect(dir)?;
        let text = crate::detect::yaml(&detection);
        let written = match &text {
            Some(text) => publish(ctx, path, text, stdout)?,
            None => None,
        };
        if ctx.settings.json {
            let json = crate::detect::json(&detection, text.as_deref(), written.as_deref());
            return ctx.ui.data(&format!("{json:#}\n"));
        }
        ctx.ui.report(&crate::detect::report(&detection));
        return finish(ctx, written);
    }
    create_new(path, STARTER).map_err(|e| Error::io(path, e))?;
    let schema = path.with_file_name(SCHEMA_FILE);
    let wrote = match create_new(&schema, &crate::schema::services_file()) {
        Ok(()) => format!("wrote {} and {}", path.display(), schema.display()),
        // Another services file in this folder may rely on it as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => format!(
            "wrote {}; kept the existing {} (`devsvc schema > {SCHEMA_FILE}` refreshes it)",
            path.display(),
            schema.display()
        ),
        Err(e) => return Err(Error::io(&schema, e)),
    };
    ctx.ui.event("init", &format!("{wrote}; next: devsvc up"));
    Ok(())
}

/// The new file printed (`--stdout`) or written; the path written.
fn publish(ctx: &Context, path: &Path, text: &str, stdout: bool) -> Result<Option<String>> {
    if stdout {
        if !ctx.settings.json {
            ctx.ui.data(text)?;
        }
        return Ok(None);
    }
    create_new(path, text).map_err(|e| Error::io(path, e))?;
    Ok(Some(path.display().to_string()))
}

fn finish(ctx: &Context, written: Option<String>) -> Result<()> {
    if let Some(path) = written {
        ctx.ui.event(
            "init",
            &format!("wrote {path}; check it with `devsvc config`, then `devsvc up`"),
        );
    }
    Ok(())
}

/// Writes a file that must not exist yet.
fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use crate::config::parse_at;

    #[test]
    fn the_starter_file_is_valid() {
        let project = parse_at("/tmp/app/services.yaml", super::STARTER).unwrap();
        let names: Vec<_> = project.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["redis", "mailpit", "minio"]);
    }

    /// Each kind the starter mentions as `# NAME: {}` is one devsvc ships,
    /// and the file still parses with all of them uncommented.
    #[test]
    fn every_kind_the_starter_mentions_is_shipped() {
        let mut mentioned = Vec::new();
        let uncommented: String = super::STARTER
            .lines()
            .map(|line| match line.strip_prefix("  # ") {
                Some(rest)
                    if rest
                        .split_once(": {}")
                        .is_some_and(|(n, _)| !n.contains(' ')) =>
                {
                    mentioned.push(rest.split_once(':').unwrap().0.to_string());
                    format!("  {rest}\n")
                }
                _ => format!("{line}\n"),
            })
            .collect();
        assert!(mentioned.len() >= 7, "{mentioned:?}");
        for name in &mentioned {
            assert!(crate::template::builtin_source(name).is_some(), "{name}");
        }
        let project = parse_at("/tmp/app/services.yaml", &uncommented).unwrap();
        assert_eq!(project.services.len(), 3 + mentioned.len());
    }
}
