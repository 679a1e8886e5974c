//! Logins through real client libraries, for the protocols whose handshake
//! is not tiny: PostgreSQL (tokio-postgres, SCRAM-SHA-256 included, no
//! libpq), MySQL and MariaDB (mysql_async, caching_sha2_password included)
//! and AMQP 0-9-1 (amqprs). Each proves what the app will do with the
//! exported credentials, then disconnects.
use super::Login;

/// A PostgreSQL session as `login`; its connection runs on its own task,
/// which ends when the client is dropped.
pub(crate) async fn postgres_session(
    host: &str,
    login: &Login,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), String> {
    let (client, connection) = tokio_postgres::Config::new()
        .host(host)
        .port(login.port)
        .user(&login.user)
        .password(&login.password)
        .dbname(&login.database)
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| error_text(&e))?;
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((client, connection))
}

/// A MySQL or MariaDB session as `login`.
pub(crate) async fn mysql_session(host: &str, login: &Login) -> Result<mysql_async::Conn, String> {
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(host)
        .tcp_port(login.port)
        .user(Some(&login.user))
        .pass(Some(&login.password))
        .db_name(Some(&login.database))
        .prefer_socket(false);
    mysql_async::Conn::new(opts)
        .await
        .map_err(|e| e.to_string())
}

pub(super) async fn postgres(host: &str, login: &Login) -> Result<(), String> {
    let (client, connection) = postgres_session(host, login).await?;
    let result = client
        .simple_query("SELECT 1")
        .await
        .map(drop)
        .map_err(|e| error_text(&e));
    drop(client);
    let _ = connection.await;
    result
}

pub(super) async fn mysql(host: &str, login: &Login) -> Result<(), String> {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_session(host, login).await?;
    let result = conn.query_drop("SELECT 1").await.map_err(|e| e.to_string());
    let _ = conn.disconnect().await;
    result
}

pub(super) async fn amqp(host: &str, login: &Login) -> Result<(), String> {
    use amqprs::connection::{Connection, OpenConnectionArguments};
    let mut args = OpenConnectionArguments::new(host, login.port, &login.user, &login.password);
    args.virtual_host(&login.database);
    let connection = Connection::open(&args).await.map_err(|e| e.to_string())?;
    let _ = connection.close().await;
    Ok(())
}

/// The server's own message where there is one ("password authentication
/// failed for user ..."), not only the library's summary.
fn error_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut text = e.to_string();
            if let Some(source) = std::error::Error::source(e) {
                text = format!("{text}: {source}");
            }
            text
        }
    }
}
