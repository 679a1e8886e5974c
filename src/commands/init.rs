//! `devsvc init`: writes a commented starter services.yaml, never over an
//! existing one.
use crate::context::Context;
use crate::error::{Error, Result};

const STARTER: &str = r#"# services.yaml: the backing services this project needs.
# `devsvc up` starts them, waits until they answer, and writes .env.
# Reference: the services.yaml section of devsvc's README.

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

  # A kind devsvc does not ship, defined in place (same fields as a template):
  # search:
  #   inline:
  #     image: docker.elastic.co/elasticsearch/elasticsearch:8.15.3
  #     ports: { http: 9200 }
  #     env: { discovery.type: single-node, xpack.security.enabled: "false" }
  #     data: /usr/share/elasticsearch/data
  #     ready: [ { http: { port: http, path: /_cluster/health, status: 200 } } ]
  #     exports:
  #       ELASTICSEARCH_URL: "http://{{host}}:{{port.http}}"
"#;

pub(crate) fn run(ctx: &Context) -> Result<()> {
    let path = &ctx.settings.file;
    if path.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; devsvc init never overwrites it (edit it, or pass -f NEW_FILE)",
            path.display()
        )));
    }
    let mut file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    std::io::Write::write_all(&mut file, STARTER.as_bytes()).map_err(|e| Error::io(path, e))?;
    ctx.ui.event(
        "init",
        &format!("wrote {}; next: devsvc up", path.display()),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{LoadOptions, parse};

    #[test]
    fn the_starter_file_is_valid() {
        let path = Path::new("/tmp/app/services.yaml");
        let options = LoadOptions {
            file: path,
            project_name: None,
            image_prefix: None,
            profile: None,
            variables: &std::collections::HashMap::new(),
        };
        let project = parse(super::STARTER, path, &options).unwrap();
        let names: Vec<_> = project.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["redis", "mailpit", "minio"]);
    }
}
