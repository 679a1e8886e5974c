//! `databases:` beyond the first (which the image creates from its own
//! settings): created through the template's admin login, only when
//! missing, so `up` can run any number of times.
use crate::probe::{Login, Probe, mysql_session, postgres_session};

/// Creates each database that does not exist yet and lets `owner` use it;
/// returns those it created.
pub(crate) async fn ensure_databases(
    host: &str,
    admin: &Probe,
    databases: &[String],
    owner: Option<&str>,
) -> Result<Vec<String>, String> {
    match admin {
        Probe::Postgres(login) => postgres(host, login, databases).await,
        Probe::Mysql(login) => mysql(host, login, databases, owner).await,
        other => Err(format!(
            "the template's admin login must be postgres or mysql, not {}",
            other.describe(host)
        )),
    }
}

async fn postgres(host: &str, login: &Login, databases: &[String]) -> Result<Vec<String>, String> {
    let (client, connection) = postgres_session(host, login, None).await?;
    let mut created = Vec::new();
    for name in databases {
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[name])
            .await
            .map_err(|e| e.to_string())?
            .is_some();
        if !exists {
            // Names are checked when services.yaml is read: letters,
            // digits and `_` only, so quoting is enough.
            client
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .await
                .map_err(|e| format!("creating database {name}: {e}"))?;
            created.push(name.clone());
        }
    }
    drop(client);
    let _ = connection.await;
    Ok(created)
}

async fn mysql(
    host: &str,
    login: &Login,
    databases: &[String],
    owner: Option<&str>,
) -> Result<Vec<String>, String> {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_session(host, login, None).await?;
    let mut created = Vec::new();
    for name in databases {
        let existing: Option<String> = conn
            .exec_first(
                "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?",
                (name,),
            )
            .await
            .map_err(|e| e.to_string())?;
        if existing.is_none() {
            conn.query_drop(format!("CREATE DATABASE `{name}`"))
                .await
                .map_err(|e| format!("creating database {name}: {e}"))?;
            created.push(name.clone());
        }
        if let Some(owner) = owner {
            // The owner is the template's user; quoted as a string literal.
            let owner_literal = owner.replace('\\', "\\\\").replace('\'', "''");
            conn.query_drop(format!("GRANT ALL ON `{name}`.* TO '{owner_literal}'@'%'"))
                .await
                .map_err(|e| format!("granting {name} to {owner}: {e}"))?;
        }
    }
    let _ = conn.disconnect().await;
    Ok(created)
}
