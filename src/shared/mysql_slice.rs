//! A project's slice of a shared MySQL or MariaDB server: a user named
//! after the project (`'shop'@'%'`) granted its databases and nothing
//! else; the init files run as that user in its first database when new.
use mysql_async::prelude::Queryable;

use super::slice::quote_literal;
use crate::config::ServiceSpec;
use crate::probe::{Login, mysql_session};

pub(super) async fn provision(
    host: &str,
    admin: &Login,
    spec: &ServiceSpec,
    owner: &str,
    password: &str,
) -> Result<Vec<String>, String> {
    let mut conn = mysql_session(host, admin, None).await?;
    let user = format!("{}@'%'", literal(owner));
    let secret = literal(password);
    // ALTER after CREATE ... IF NOT EXISTS: the password is this run's.
    for statement in [
        format!("CREATE USER IF NOT EXISTS {user} IDENTIFIED BY {secret}"),
        format!("ALTER USER {user} IDENTIFIED BY {secret}"),
    ] {
        conn.query_drop(statement)
            .await
            .map_err(|e| format!("making the user {owner}: {e}"))?;
    }
    let _ = conn.disconnect().await;
    // Made when missing and granted to the user, as `databases:` beyond
    // the first of a project's own server are.
    let created = crate::provision::ensure_databases(
        host,
        &crate::probe::Probe::Mysql(admin.clone()),
        &spec.databases,
        Some(owner),
    )
    .await?;
    if let Some(first) = spec.databases.first()
        && created.contains(first)
        && !spec.init.is_empty()
    {
        let login = Login {
            port: admin.port,
            user: owner.to_string(),
            password: password.to_string(),
            database: first.clone(),
        };
        let mut conn = mysql_session(host, &login, None).await?;
        for file in &spec.init {
            let sql = std::fs::read_to_string(file)
                .map_err(|e| format!("reading {}: {e}", file.display()))?;
            conn.query_drop(sql)
                .await
                .map_err(|e| format!("{}: {e}", file.display()))?;
        }
        let _ = conn.disconnect().await;
    }
    Ok(created)
}

/// Drops the databases granted to the project's user, then the user. By
/// its grants, not by name: another project's name may start with this
/// one's (`shop` and `shop_x`, whose `shop_x_app` a `shop_%` pattern
/// would take).
pub(super) async fn drop(host: &str, admin: &Login, owner: &str) -> Result<Vec<String>, String> {
    let mut conn = mysql_session(host, admin, None).await?;
    let grantee = format!("{}@'%'", literal(owner));
    let owned: Vec<String> = conn
        .exec(
            "SELECT DISTINCT table_schema FROM information_schema.schema_privileges WHERE grantee = ? ORDER BY 1",
            (grantee,),
        )
        .await
        .map_err(|e| e.to_string())?;
    for name in &owned {
        conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
            .await
            .map_err(|e| format!("dropping database {name}: {e}"))?;
    }
    conn.query_drop(format!("DROP USER IF EXISTS {}@'%'", literal(owner)))
        .await
        .map_err(|e| format!("dropping the user {owner}: {e}"))?;
    let _ = conn.disconnect().await;
    Ok(owned)
}

/// A MySQL string literal: `'` doubled, and `\` too (MySQL reads it as an
/// escape unless NO_BACKSLASH_ESCAPES is set).
fn literal(text: &str) -> String {
    quote_literal(&text.replace('\\', "\\\\"))
}
