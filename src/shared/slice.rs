//! A project's slice of a shared server, made and dropped through the
//! server's administrator login, in its protocol's terms. Its user is
//! named after the project, and its password is set on every `up`, so the
//! state folder's secret always logs in. PostgreSQL: a role owning the
//! project's databases, on which no other role may connect (`REVOKE ALL
//! ... FROM PUBLIC`). MySQL and MariaDB: a user granted the project's
//! databases and nothing else. The `init:` files run as that user, once,
//! when its first database is new. Redis and Valkey: an ACL user limited
//! to the project's key prefix (`redis_slice.rs`). S3: buckets and an IAM
//! user limited to them (`s3_slice.rs`). RabbitMQ: a vhost and a user
//! allowed in it only, through the management API (`rabbitmq_slice.rs`).
use crate::config::ServiceSpec;
use crate::probe::{Login, Probe, postgres_error_text as error_text, postgres_session};

/// Makes (or brings up to date) the slice: the user with `password`, and
/// what it owns (databases, buckets); runs the init files on a new first
/// database. Returns what was made (`database shop_app`).
pub(crate) async fn provision(
    host: &str,
    admin: &Probe,
    spec: &ServiceSpec,
    password: &str,
    http: &reqwest::Client,
) -> Result<Vec<String>, String> {
    let Some(owner) = spec.shared.as_ref().map(|s| s.owner.as_str()) else {
        return Err("not a shared service".into());
    };
    match admin {
        Probe::Postgres(admin) => postgres(host, admin, spec, owner, password)
            .await
            .map(as_databases),
        Probe::Mysql(admin) => super::mysql_slice::provision(host, admin, spec, owner, password)
            .await
            .map(as_databases),
        Probe::Redis { .. } => super::redis_slice::provision(host, admin, owner, password).await,
        Probe::S3(admin) => {
            super::s3_slice::provision(host, admin, http, owner, password, &spec.buckets).await
        }
        // The one HTTP API slices are made through: RabbitMQ's management.
        Probe::Http(admin) => {
            super::rabbitmq_slice::provision(host, admin, http, owner, password).await
        }
        other => Err(format!("no slices through {}", other.describe(host))),
    }
}

/// Drops the slice of `owner`; returns what was dropped.
pub(crate) async fn drop_slice(
    host: &str,
    admin: &Probe,
    owner: &str,
    http: &reqwest::Client,
) -> Result<Vec<String>, String> {
    match admin {
        Probe::Postgres(admin) => drop_postgres(host, admin, owner).await.map(as_databases),
        Probe::Mysql(admin) => super::mysql_slice::drop(host, admin, owner)
            .await
            .map(as_databases),
        Probe::Redis { .. } => super::redis_slice::drop(host, admin, owner).await,
        Probe::S3(admin) => super::s3_slice::drop(host, admin, http, owner).await,
        Probe::Http(admin) => super::rabbitmq_slice::drop(host, admin, http, owner).await,
        other => Err(format!("no slices through {}", other.describe(host))),
    }
}

/// `database shop_app`, for each database a slice made or dropped.
fn as_databases(names: Vec<String>) -> Vec<String> {
    names
        .into_iter()
        .map(|db| format!("database {db}"))
        .collect()
}

async fn postgres(
    host: &str,
    admin: &Login,
    spec: &ServiceSpec,
    owner: &str,
    password: &str,
) -> Result<Vec<String>, String> {
    let (client, connection) = postgres_session(host, admin, None).await?;
    let role = quote_ident(owner);
    let secret = quote_literal(password);
    let exists = client
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&owner])
        .await
        .map_err(|e| e.to_string())?
        .is_some();
    let statement = match exists {
        true => format!("ALTER ROLE {role} WITH LOGIN PASSWORD {secret}"),
        false => format!("CREATE ROLE {role} WITH LOGIN PASSWORD {secret}"),
    };
    client
        .batch_execute(&statement)
        .await
        .map_err(|e| format!("making the role {owner}: {}", error_text(&e)))?;
    let mut created = Vec::new();
    for name in &spec.databases {
        let holder: Option<String> = client
            .query_opt(
                "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1",
                &[name],
            )
            .await
            .map_err(|e| e.to_string())?
            .map(|row| row.get(0));
        match holder {
            Some(holder) if holder == owner => continue,
            // Names made of project and database can meet (`shop` with
            // `admin_app`, `shop_admin` with `app`).
            Some(holder) => {
                return Err(format!(
                    "database {name} on the shared server belongs to role {holder}, another project's; rename this project's database or the project"
                ));
            }
            None => {}
        }
        let db = quote_ident(name);
        // One statement each: CREATE DATABASE cannot run inside the
        // transaction a multi-statement query is.
        for statement in [
            format!("CREATE DATABASE {db} OWNER {role}"),
            format!("REVOKE ALL ON DATABASE {db} FROM PUBLIC"),
        ] {
            client
                .batch_execute(&statement)
                .await
                .map_err(|e| format!("creating database {name}: {}", error_text(&e)))?;
        }
        created.push(name.clone());
    }
    drop(client);
    let _ = connection.await;
    if let Some(first) = spec.databases.first()
        && created.contains(first)
        && !spec.init.is_empty()
    {
        run_init(host, admin.port, owner, password, first, &spec.init).await?;
    }
    Ok(created)
}

/// The init files, in order, as the slice's own role in its first
/// database (as the image would run them as its user).
async fn run_init(
    host: &str,
    port: u16,
    owner: &str,
    password: &str,
    database: &str,
    files: &[std::path::PathBuf],
) -> Result<(), String> {
    let login = Login {
        port,
        user: owner.to_string(),
        password: password.to_string(),
        database: database.to_string(),
    };
    let (client, connection) = postgres_session(host, &login, None).await?;
    for file in files {
        let sql = std::fs::read_to_string(file)
            .map_err(|e| format!("reading {}: {e}", file.display()))?;
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| format!("{}: {}", file.display(), error_text(&e)))?;
    }
    drop(client);
    let _ = connection.await;
    Ok(())
}

/// Drops the slice: every database its role owns (whoever is connected),
/// then the role. Returns the databases dropped.
async fn drop_postgres(host: &str, admin: &Login, owner: &str) -> Result<Vec<String>, String> {
    let (client, connection) = postgres_session(host, admin, None).await?;
    let owned: Vec<String> = client
        .query(
            "SELECT d.datname FROM pg_database d JOIN pg_roles r ON d.datdba = r.oid WHERE r.rolname = $1 ORDER BY 1",
            &[&owner],
        )
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for name in &owned {
        client
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(name)
            ))
            .await
            .map_err(|e| format!("dropping database {name}: {}", error_text(&e)))?;
    }
    client
        .batch_execute(&format!("DROP ROLE IF EXISTS {}", quote_ident(owner)))
        .await
        .map_err(|e| format!("dropping the role {owner}: {}", error_text(&e)))?;
    drop(client);
    let _ = connection.await;
    Ok(owned)
}

/// `"name"`, with any `"` doubled.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'`, with any `'` doubled (standard_conforming_strings is on;
/// MySQL takes the same, backslashes aside, which `mysql_slice` doubles).
pub(super) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_secrets_are_quoted() {
        assert_eq!(quote_ident("shop"), "\"shop\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
