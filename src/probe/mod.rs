//! Readiness probes, run from the host against the published ports: a
//! service is ready when it answers its own protocol, and a database or a
//! broker when the exported credentials log in, not when its process has
//! started. Each check is one bounded attempt; `wait_all` retries.
use std::time::Duration;

mod clients;

pub(crate) use clients::{mysql_session, postgres_session};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// A probe with its address and secrets filled in.
#[derive(Debug, Clone)]
pub(crate) enum Probe {
    Redis {
        port: u16,
        password: Option<String>,
    },
    Smtp {
        port: u16,
    },
    Http {
        port: u16,
        path: String,
        status: u16,
    },
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
}

/// Where and as whom a database or broker probe logs in.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub(crate) port: u16,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) database: String,
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
            Probe::Http { port, path, status } => {
                format!("HTTP {status} from http://{host}:{port}{path}")
            }
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
        }
    }

    /// One attempt; `Err` says what was seen instead of readiness.
    pub(crate) async fn check(&self, host: &str, http: &reqwest::Client) -> Result<(), String> {
        let attempt = async {
            match self {
                Probe::Redis { port, password } => redis(host, *port, password.as_deref()).await,
                Probe::Smtp { port } => smtp(host, *port).await,
                Probe::Http { port, path, status } => {
                    http_status(http, host, *port, path, *status).await
                }
                Probe::Tcp { port } => tcp_kept(host, *port).await,
                Probe::Postgres(login) => clients::postgres(host, login).await,
                Probe::Mysql(login) => clients::mysql(host, login).await,
                Probe::Memcached { port } => memcached(host, *port).await,
                Probe::Amqp(login) => clients::amqp(host, login).await,
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
    host: &str,
    deadline: Instant,
    http: &reqwest::Client,
    still_alive: F,
) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    futures_util::future::try_join_all(
        probes
            .iter()
            .map(|probe| wait_one(probe, host, deadline, http, &still_alive)),
    )
    .await
    .map(drop)
}

/// Polls one probe until it passes. Backoff starts short so a fast service
/// is seen at once.
async fn wait_one<F, Fut>(
    probe: &Probe,
    host: &str,
    deadline: Instant,
    http: &reqwest::Client,
    still_alive: &F,
) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    // Short first waits: most services answer within tens of milliseconds
    // of starting; the cap keeps a slow one from being hammered.
    let mut delay = Duration::from_millis(10);
    let mut last_alive_check = Instant::now();
    loop {
        let error = match probe.check(host, http).await {
            Ok(()) => return Ok(()),
            Err(e) => format!("{}: {e}", probe.describe(host)),
        };
        if Instant::now() >= deadline {
            return Err(error);
        }
        if last_alive_check.elapsed() > Duration::from_millis(500) {
            still_alive().await?;
            last_alive_check = Instant::now();
        }
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
        delay = (delay * 3 / 2).min(Duration::from_millis(200));
    }
}

async fn connect(host: &str, port: u16) -> Result<TcpStream, String> {
    TcpStream::connect((host, port))
        .await
        .map_err(|e| e.to_string())
}

async fn read_line(reader: &mut BufReader<TcpStream>) -> Result<String, String> {
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

fn resp_command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend(format!("${}\r\n{arg}\r\n", arg.len()).into_bytes());
    }
    out
}

async fn redis(host: &str, port: u16, password: Option<&str>) -> Result<(), String> {
    let mut reader = BufReader::new(connect(host, port).await?);
    if let Some(password) = password {
        reader
            .get_mut()
            .write_all(&resp_command(&["AUTH", password]))
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
async fn tcp_kept(host: &str, port: u16) -> Result<(), String> {
    let mut stream = connect(host, port).await?;
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
async fn memcached(host: &str, port: u16) -> Result<(), String> {
    let mut reader = BufReader::new(connect(host, port).await?);
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

async fn smtp(host: &str, port: u16) -> Result<(), String> {
    let mut reader = BufReader::new(connect(host, port).await?);
    let greeting = read_line(&mut reader).await?;
    let _ = reader.get_mut().write_all(b"QUIT\r\n").await;
    if greeting.starts_with("220") {
        Ok(())
    } else {
        Err(format!("greeting was `{greeting}`"))
    }
}

async fn http_status(
    client: &reqwest::Client,
    host: &str,
    port: u16,
    path: &str,
    want: u16,
) -> Result<(), String> {
    let response = client
        .get(format!("http://{host}:{port}{path}"))
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    let got = response.status().as_u16();
    if got == want {
        Ok(())
    } else {
        Err(format!("status {got}"))
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
        let client = reqwest::Client::new();
        let good = serve_once(b"220 ready ESMTP\r\n").await;
        assert!(
            Probe::Smtp { port: good }
                .check("127.0.0.1", &client)
                .await
                .is_ok()
        );
        let bad = serve_once(b"554 go away\r\n").await;
        let err = Probe::Smtp { port: bad }
            .check("127.0.0.1", &client)
            .await
            .unwrap_err();
        assert!(err.contains("554"), "{err}");
    }

    #[tokio::test]
    async fn redis_probe_reports_what_it_saw() {
        let client = reqwest::Client::new();
        let port = serve_once(b"-NOAUTH Authentication required.\r\n").await;
        let err = Probe::Redis {
            port,
            password: None,
        }
        .check("127.0.0.1", &client)
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
        let client = reqwest::Client::new();
        let closing = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closing.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let (socket, _) = closing.accept().await.unwrap();
                drop(socket);
            }
        });
        let err = Probe::Tcp { port }
            .check("127.0.0.1", &client)
            .await
            .unwrap_err();
        assert!(err.contains("closed at once"), "{err}");

        let speaks = serve_once(b"hello").await;
        assert!(
            Probe::Tcp { port: speaks }
                .check("127.0.0.1", &client)
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
                .check("127.0.0.1", &client)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn memcached_needs_a_version_line() {
        let client = reqwest::Client::new();
        let good = serve_once(b"VERSION 1.6.18\r\n").await;
        assert!(
            Probe::Memcached { port: good }
                .check("127.0.0.1", &client)
                .await
                .is_ok()
        );
        let bad = serve_once(b"ERROR\r\n").await;
        let err = Probe::Memcached { port: bad }
            .check("127.0.0.1", &client)
            .await
            .unwrap_err();
        assert!(err.contains("ERROR"), "{err}");
    }
}
