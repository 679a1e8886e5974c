//! Readiness probes, run from the host against the published ports: a
//! service is ready when it answers its own protocol, and a database or a
//! broker when the exported credentials log in, not when its process has
//! started. Each check is one bounded attempt; `wait_all` retries.
use std::time::Duration;

mod clients;
mod http;
mod kafka;
mod nats;
mod tls;

pub(crate) use clients::{error_text as postgres_error_text, mysql_session, postgres_session};
pub(crate) use http::{HttpRequest, S3Login};
pub(crate) use tls::{Stream, Tls, ca_certificates, install_provider, plain_http_client};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

use crate::engine::Engine;

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// A probe with its address and secrets filled in.
#[derive(Debug, Clone)]
pub(crate) enum Probe {
    Redis {
        port: u16,
        /// The ACL user; `None`: `default` (a bare `AUTH password`).
        user: Option<String>,
        password: Option<String>,
    },
    Smtp {
        port: u16,
    },
    Http(HttpRequest),
    Tcp {
        port: u16,
    },
    Postgres(Login),
    Mysql(Login),
    Memcached {
        port: u16,
    },
    /// `database` is the virtual host.
    Amqp(Login),
    Nats {
        port: u16,
        user: Option<String>,
        password: Option<String>,
    },
    Kafka {
        port: u16,
    },
    S3(S3Login),
    /// Runs inside the service's container.
    Exec {
        command: Vec<String>,
    },
}

/// Where and as whom a database or broker probe logs in.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub(crate) port: u16,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) database: String,
}

/// What probes need to reach a service: the host clients use, the HTTP
/// client, whether the probe's port speaks TLS (an external resource's
/// URL says so) and, for `exec` probes, the engine and the container to
/// run in (an external resource has none, and its `exec` probes are
/// skipped).
#[derive(Clone, Copy)]
pub(crate) struct Reach<'a> {
    pub(crate) host: &'a str,
    pub(crate) http: &'a reqwest::Client,
    pub(crate) tls: Option<&'a Tls>,
    pub(crate) container: Option<(&'a Engine, &'a str)>,
}

impl<'a> Reach<'a> {
    /// A service reached over the network only.
    pub(crate) fn remote(host: &'a str, http: &'a reqwest::Client) -> Reach<'a> {
        Reach {
            host,
            http,
            tls: None,
            container: None,
        }
    }

    /// The same, over TLS with `tls`'s trust; `http` must speak it too.
    pub(crate) fn with_tls(self, tls: &'a Tls, http: &'a reqwest::Client) -> Reach<'a> {
        Reach {
            tls: Some(tls),
            http,
            ..self
        }
    }

    /// A connection to `port`: TLS from the first byte when the port
    /// speaks it (never clear text then, whatever happens), else clear.
    pub(crate) async fn stream(&self, port: u16) -> Result<Stream, String> {
        match self.tls {
            Some(tls) => tls.connect(self.host, port).await,
            None => connect(self.host, port).await.map(Stream::Plain),
        }
    }

    /// A service in `container` (a name or an id) on `engine`.
    pub(crate) fn container(
        host: &'a str,
        http: &'a reqwest::Client,
        engine: &'a Engine,
        container: &'a str,
    ) -> Reach<'a> {
        Reach {
            host,
            http,
            tls: None,
            container: Some((engine, container)),
        }
    }
}

/// How long a plain TCP probe waits for the peer to close a connection it
/// accepted: the engine's port proxy accepts even while nothing listens in
/// the container, and closes within a few milliseconds.
const TCP_HOLD: Duration = Duration::from_millis(300);

impl Probe {
    pub(crate) fn describe(&self, host: &str) -> String {
        match self {
            Probe::Redis { port, .. } => format!("redis PING at {host}:{port}"),
            Probe::Smtp { port } => format!("SMTP greeting at {host}:{port}"),
            Probe::Http(request) => request.describe(host, "http"),
            Probe::Tcp { port } => format!("TCP connection kept open by {host}:{port}"),
            Probe::Postgres(l) => format!(
                "PostgreSQL login as {} to {} at {host}:{}",
                l.user, l.database, l.port
            ),
            Probe::Mysql(l) => format!(
                "MySQL login as {} to {} at {host}:{}",
                l.user, l.database, l.port
            ),
            Probe::Memcached { port } => format!("memcached version at {host}:{port}"),
            Probe::Amqp(l) => format!(
                "AMQP login as {} to vhost {} at {host}:{}",
                l.user, l.database, l.port
            ),
            Probe::Nats { port, user, .. } => match user {
                Some(user) => format!("NATS connect as {user} at {host}:{port}"),
                None => format!("NATS connect at {host}:{port}"),
            },
            Probe::Kafka { port } => format!("Kafka metadata from {host}:{port}"),
            Probe::S3(login) => login.describe(host, "http"),
            // The command may carry a password: only its program is named.
            Probe::Exec { command } => format!(
                "`{}` in the container",
                command.first().map_or("", String::as_str)
            ),
        }
    }

    /// `describe` for a probe over TLS: an `https://` address, or the
    /// protocol's words and "over TLS".
    pub(crate) fn describe_tls(&self, host: &str) -> String {
        match self {
            Probe::Http(request) => request.describe(host, "https"),
            Probe::S3(login) => login.describe(host, "https"),
            other => format!("{} over TLS", other.describe(host)),
        }
    }

    /// The port the probe connects to (`None`: it runs in the container).
    pub(crate) fn port(&self) -> Option<u16> {
        match self {
            Probe::Redis { port, .. }
            | Probe::Smtp { port }
            | Probe::Tcp { port }
            | Probe::Memcached { port }
            | Probe::Nats { port, .. }
            | Probe::Kafka { port } => Some(*port),
            Probe::Http(request) => Some(request.port),
            Probe::Postgres(l) | Probe::Mysql(l) | Probe::Amqp(l) => Some(l.port),
            Probe::S3(login) => Some(login.port),
            Probe::Exec { .. } => None,
        }
    }

    /// One attempt; `Err` says what was seen instead of readiness.
    pub(crate) async fn check(&self, reach: &Reach<'_>) -> Result<(), String> {
        let attempt = async {
            match self {
                Probe::Redis {
                    port,
                    user,
                    password,
                } => redis(reach, *port, user.as_deref(), password.as_deref()).await,
                Probe::Smtp { port } => smtp(reach, *port).await,
                Probe::Http(request) => request.check(reach).await,
                Probe::Tcp { port } => tcp_kept(reach, *port).await,
                Probe::Postgres(login) => clients::postgres(reach, login).await,
                Probe::Mysql(login) => clients::mysql(reach, login).await,
                Probe::Memcached { port } => memcached(reach, *port).await,
                Probe::Amqp(login) => clients::amqp(reach, login).await,
                Probe::Nats {
                    port,
                    user,
                    password,
                } => nats::check(reach, *port, user.as_deref(), password.as_deref()).await,
                Probe::Kafka { port } => kafka::check(reach, *port).await,
                Probe::S3(login) => login.check(reach).await,
                Probe::Exec { command } => exec(reach.container, command).await,
            }
        };
        timeout(ATTEMPT_TIMEOUT, attempt)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())))
    }
}

/// Polls every probe, all at once, until all pass or `deadline` passes.
/// `still_alive` lets the caller stop early when the container has exited.
pub(crate) async fn wait_all<F, Fut>(
    probes: &[Probe],
    reach: &Reach<'_>,
    deadline: Instant,
    still_alive: F,
) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    futures_util::future::try_join_all(
        probes
            .iter()
            .map(|probe| wait_one(probe, reach, deadline, &still_alive)),
    )
    .await
    .map(drop)
}

/// How often a probe is tried while a service starts: a refused connect
/// or a "starting up" answer costs well under a millisecond, and a
/// service that answers at 500 ms is seen by 520 ms (backing off from the
/// start, 1.5x from 10 ms, saw it at about 690 ms).
const FINE_POLL: Duration = Duration::from_millis(20);
/// How long the fine polling lasts before it backs off to `SLOW_POLL`,
/// so a service that takes its time (a first initdb, a JVM) is not asked
/// fifty times a second for a minute.
const FINE_FOR: Duration = Duration::from_secs(10);
const SLOW_POLL: Duration = Duration::from_millis(200);

/// Polls one probe until it passes: every `FINE_POLL` at first, then
/// backing off to `SLOW_POLL`.
async fn wait_one<F, Fut>(
    probe: &Probe,
    reach: &Reach<'_>,
    deadline: Instant,
    still_alive: &F,
) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    let mut delay = FINE_POLL;
    let mut last_alive_check = Instant::now();
    loop {
        let error = match probe.check(reach).await {
            Ok(()) => return Ok(()),
            Err(e) => format!("{}: {e}", probe.describe(reach.host)),
        };
        if Instant::now() >= deadline {
            return Err(error);
        }
        if last_alive_check.elapsed() > Duration::from_millis(500) {
            still_alive().await?;
            last_alive_check = Instant::now();
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        if started.elapsed() > FINE_FOR {
            delay = (delay * 3 / 2).min(SLOW_POLL);
        }
    }
}

async fn connect(host: &str, port: u16) -> Result<TcpStream, String> {
    TcpStream::connect((host, port))
        .await
        .map_err(|e| e.to_string())
}

async fn read_line<S: tokio::io::AsyncRead + Unpin>(
    reader: &mut BufReader<S>,
) -> Result<String, String> {
    let mut line = String::new();
    let n = reader
        .read_line(&mut line)
        .await
        .map_err(|e| e.to_string())?;
    if n == 0 {
        return Err("connection closed".into());
    }
    Ok(line.trim_end().to_string())
}

/// A Redis command of text words, as RESP sends it (`crate::resp`).
fn resp_command(args: &[&str]) -> Vec<u8> {
    let words: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    crate::resp::command(&words)
}

async fn redis(
    reach: &Reach<'_>,
    port: u16,
    user: Option<&str>,
    password: Option<&str>,
) -> Result<(), String> {
    let mut reader = BufReader::new(reach.stream(port).await?);
    if let Some(password) = password {
        let auth = match user {
            Some(user) => resp_command(&["AUTH", user, password]),
            None => resp_command(&["AUTH", password]),
        };
        reader
            .get_mut()
            .write_all(&auth)
            .await
            .map_err(|e| e.to_string())?;
        let reply = read_line(&mut reader).await?;
        if reply != "+OK" {
            return Err(format!("AUTH answered `{reply}`"));
        }
    }
    reader
        .get_mut()
        .write_all(&resp_command(&["PING"]))
        .await
        .map_err(|e| e.to_string())?;
    match read_line(&mut reader).await? {
        reply if reply == "+PONG" => Ok(()),
        reply => Err(format!("PING answered `{reply}`")),
    }
}

/// Connected, and the peer either speaks first or keeps the connection
/// open for `TCP_HOLD`.
async fn tcp_kept(reach: &Reach<'_>, port: u16) -> Result<(), String> {
    let mut stream = reach.stream(port).await?;
    let mut byte = [0u8; 1];
    match timeout(
        TCP_HOLD,
        tokio::io::AsyncReadExt::read(&mut stream, &mut byte),
    )
    .await
    {
        Err(_) | Ok(Ok(1..)) => Ok(()),
        Ok(Ok(0)) => {
            Err("accepted, then closed at once: nothing listens behind the port yet".into())
        }
        Ok(Err(e)) => Err(format!("accepted, then {e}")),
    }
}

/// memcached's text protocol: `version` is answered by `VERSION x.y.z`.
async fn memcached(reach: &Reach<'_>, port: u16) -> Result<(), String> {
    let mut reader = BufReader::new(reach.stream(port).await?);
    reader
        .get_mut()
        .write_all(b"version\r\n")
        .await
        .map_err(|e| e.to_string())?;
    match read_line(&mut reader).await? {
        reply if reply.starts_with("VERSION ") => Ok(()),
        reply => Err(format!("version answered `{reply}`")),
    }
}

async fn smtp(reach: &Reach<'_>, port: u16) -> Result<(), String> {
    let mut reader = BufReader::new(reach.stream(port).await?);
    let greeting = read_line(&mut reader).await?;
    let _ = reader.get_mut().write_all(b"QUIT\r\n").await;
    if greeting.starts_with("220") {
        Ok(())
    } else {
        Err(format!("greeting was `{greeting}`"))
    }
}

/// A command in the container exits with 0; an external resource (no
/// container) passes, since its other probes speak for it.
async fn exec(container: Option<(&Engine, &str)>, command: &[String]) -> Result<(), String> {
    let Some((engine, id)) = container else {
        return Ok(());
    };
    match engine.exec(id, command).await {
        Ok((0, _)) => Ok(()),
        Ok((code, last)) if last.is_empty() => Err(format!("exited with {code}")),
        Ok((code, last)) => Err(format!("exited with {code}: {last}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    async fn serve_once(reply: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(reply).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
        });
        port
    }

    #[tokio::test]
    async fn smtp_needs_a_220_greeting() {
        let client = plain_http_client().unwrap();
        let good = serve_once(b"220 ready ESMTP\r\n").await;
        assert!(
            Probe::Smtp { port: good }
                .check(&Reach::remote("127.0.0.1", &client))
                .await
                .is_ok()
        );
        let bad = serve_once(b"554 go away\r\n").await;
        let err = Probe::Smtp { port: bad }
            .check(&Reach::remote("127.0.0.1", &client))
            .await
            .unwrap_err();
        assert!(err.contains("554"), "{err}");
    }

    #[tokio::test]
    async fn redis_probe_reports_what_it_saw() {
        let client = plain_http_client().unwrap();
        let port = serve_once(b"-NOAUTH Authentication required.\r\n").await;
        let err = Probe::Redis {
            port,
            user: None,
            password: None,
        }
        .check(&Reach::remote("127.0.0.1", &client))
        .await
        .unwrap_err();
        assert!(err.contains("NOAUTH"), "{err}");
        assert_eq!(resp_command(&["PING"]), b"*1\r\n$4\r\nPING\r\n");
    }

    /// A port that accepts and closes at once (what the engine's proxy does
    /// while nothing listens in the container) is not ready; one that
    /// speaks first, or keeps the connection, is.
    #[tokio::test]
    async fn tcp_needs_a_connection_that_stays_open() {
        let client = plain_http_client().unwrap();
        let closing = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closing.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (socket, _) = closing.accept().await.unwrap();
                drop(socket);
            }
        });
        let err = Probe::Tcp { port }
            .check(&Reach::remote("127.0.0.1", &client))
            .await
            .unwrap_err();
        assert!(err.contains("closed at once"), "{err}");

        let speaks = serve_once(b"hello").await;
        assert!(
            Probe::Tcp { port: speaks }
                .check(&Reach::remote("127.0.0.1", &client))
                .await
                .is_ok()
        );
        let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (_socket, _) = silent.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(2)).await;
        });
        assert!(
            Probe::Tcp { port }
                .check(&Reach::remote("127.0.0.1", &client))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn memcached_needs_a_version_line() {
        let client = plain_http_client().unwrap();
        let good = serve_once(b"VERSION 1.6.18\r\n").await;
        assert!(
            Probe::Memcached { port: good }
                .check(&Reach::remote("127.0.0.1", &client))
                .await
                .is_ok()
        );
        let bad = serve_once(b"ERROR\r\n").await;
        let err = Probe::Memcached { port: bad }
            .check(&Reach::remote("127.0.0.1", &client))
            .await
            .unwrap_err();
        assert!(err.contains("ERROR"), "{err}");
    }

    /// A NATS server that refuses the login answers CONNECT with an
    /// error: not ready, and the error is named.
    #[tokio::test]
    async fn nats_needs_pong_after_connect() {
        let client = plain_http_client().unwrap();
        let nats = |port| Probe::Nats {
            port,
            user: Some("app".into()),
            password: Some("pw".into()),
        };
        let refused =
            serve_once(b"INFO {\"auth_required\":true}\r\n-ERR 'Authorization Violation'\r\n")
                .await;
        let err = nats(refused)
            .check(&Reach::remote("127.0.0.1", &client))
            .await
            .unwrap_err();
        assert!(err.contains("Authorization Violation"), "{err}");
        let accepted = serve_once(b"INFO {}\r\nPONG\r\n").await;
        assert!(
            nats(accepted)
                .check(&Reach::remote("127.0.0.1", &client))
                .await
                .is_ok()
        );
        let not_nats = serve_once(b"+PONG\r\n").await;
        assert!(
            nats(not_nats)
                .check(&Reach::remote("127.0.0.1", &client))
                .await
                .is_err()
        );
    }

    /// An HTTP server that answers 200 only to the request carrying
    /// `Authorization: Basic base64(elastic:pw)`, 401 to any other.
    async fn serve_basic_auth() -> u16 {
        use tokio::io::AsyncReadExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = vec![0u8; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..n]).to_ascii_lowercase();
                // base64("elastic:pw")
                let status = if request.contains("authorization: basic zwxhc3rpyzpwdw==") {
                    "200 OK"
                } else {
                    "401 Unauthorized"
                };
                let reply =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        port
    }

    #[tokio::test]
    async fn http_logs_in_with_basic_authentication() {
        let client = plain_http_client().unwrap();
        let port = serve_basic_auth().await;
        let as_user = |password: &str| {
            Probe::Http(HttpRequest {
                port,
                path: "/_cluster/health".into(),
                status: 200,
                headers: Vec::new(),
                basic: Some(("elastic".into(), password.into())),
            })
        };
        let reach = Reach::remote("127.0.0.1", &client);
        assert!(as_user("pw").check(&reach).await.is_ok());
        let err = as_user("wrong").check(&reach).await.unwrap_err();
        assert!(err.contains("status 401"), "{err}");
    }

    /// An external resource has no container: its `exec` probes pass, and
    /// its other probes speak for it.
    #[tokio::test]
    async fn exec_probes_are_skipped_without_a_container() {
        let client = plain_http_client().unwrap();
        let exec = Probe::Exec {
            command: vec!["false".into()],
        };
        assert!(
            exec.check(&Reach::remote("127.0.0.1", &client))
                .await
                .is_ok()
        );
    }
}
