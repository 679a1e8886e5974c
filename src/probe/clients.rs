//! Logins through real client libraries, for the protocols whose handshake
//! is not tiny: PostgreSQL (tokio-postgres, SCRAM-SHA-256 included, no
//! libpq), MySQL and MariaDB (mysql_async, caching_sha2_password included)
//! and AMQP 0-9-1 (amqprs). Each proves what the app will do with the
//! exported credentials, then disconnects.
//! Over TLS (`reach.tls`), each library is told that encryption is
//! required, so none falls back to clear text when the server declines.
use super::{Login, Reach, Tls};

/// A PostgreSQL session as `login`; its connection runs on its own task,
/// which ends when the client is dropped. Over TLS the SSLRequest comes
/// first and the server must accept it (`sslmode=require`); the
/// certificate is checked for the host, as `verify-full` would.
pub(crate) async fn postgres_session(
    host: &str,
    login: &Login,
    tls: Option<&Tls>,
) -> Result<(tokio_postgres::Client, tokio::task::JoinHandle<()>), String> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(host)
        .port(login.port)
        .user(&login.user)
        .password(&login.password)
        .dbname(&login.database);
    let connection = match tls {
        Some(tls) => {
            config.ssl_mode(tokio_postgres::config::SslMode::Require);
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new((*tls.config).clone());
            let (client, connection) = config.connect(tls).await.map_err(|e| error_text(&e))?;
            (client, spawn_connection(connection))
        }
        None => {
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| error_text(&e))?;
            (client, spawn_connection(connection))
        }
    };
    Ok(connection)
}

/// The connection's own task, which ends when its client is dropped.
fn spawn_connection<F>(connection: F) -> tokio::task::JoinHandle<()>
where
    F: std::future::Future + Send + 'static,
{
    tokio::spawn(async move {
        let _ = connection.await;
    })
}

/// A MySQL or MariaDB session as `login`. Over TLS the server must offer
/// it (mysql_async refuses one that does not) and its certificate is
/// checked against the system's roots and the `ca_file`.
pub(crate) async fn mysql_session(
    host: &str,
    login: &Login,
    tls: Option<&Tls>,
) -> Result<mysql_async::Conn, String> {
    let mut opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(host)
        .tcp_port(login.port)
        .user(Some(&login.user))
        .pass(Some(&login.password))
        .db_name(Some(&login.database))
        .prefer_socket(false);
    if let Some(tls) = tls {
        // mysql_async builds its own rustls configuration: it is given the
        // same roots, and not its built-in ones.
        let roots = tls.roots.iter().map(|c| c.to_vec().into()).collect();
        opts = opts.ssl_opts(Some(
            mysql_async::SslOpts::default()
                .with_root_certs(roots)
                .with_disable_built_in_roots(true),
        ));
    }
    mysql_async::Conn::new(opts)
        .await
        .map_err(|e| e.to_string())
}

pub(super) async fn postgres(reach: &Reach<'_>, login: &Login) -> Result<(), String> {
    let (client, connection) = postgres_session(reach.host, login, reach.tls).await?;
    let result = client
        .simple_query("SELECT 1")
        .await
        .map(drop)
        .map_err(|e| error_text(&e));
    drop(client);
    let _ = connection.await;
    result
}

pub(super) async fn mysql(reach: &Reach<'_>, login: &Login) -> Result<(), String> {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_session(reach.host, login, reach.tls).await?;
    let result = conn.query_drop("SELECT 1").await.map_err(|e| e.to_string());
    let _ = conn.disconnect().await;
    result
}

/// Over TLS (`amqps://`), the TLS handshake comes before the protocol
/// header, so the PLAIN login only ever travels encrypted.
pub(super) async fn amqp(reach: &Reach<'_>, login: &Login) -> Result<(), String> {
    use amqprs::connection::{Connection, OpenConnectionArguments};
    let host = reach.host;
    let mut args = OpenConnectionArguments::new(host, login.port, &login.user, &login.password);
    args.virtual_host(&login.database);
    if let Some(tls) = reach.tls {
        let connector = tokio_rustls::TlsConnector::from(tls.config.clone());
        args.tls_adaptor(amqprs::tls::TlsAdaptor::new(connector, host.to_string()));
    }
    let connection = Connection::open(&args).await.map_err(|e| e.to_string())?;
    let _ = connection.close().await;
    Ok(())
}

/// The server's own message where there is one ("password authentication
/// failed for user ..."), not only the library's summary.
pub(crate) fn error_text(e: &tokio_postgres::Error) -> String {
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
