//! Docker Engine API over SSH, the way the docker CLI does it: every HTTP
//! connection is one `ssh … -- host docker system dial-stdio` child process,
//! HTTP/1.1 is spoken over its stdin/stdout, and its stderr is kept so a
//! failed ssh (bad key, unknown host, no docker on the remote) can be told.
//!
//! bollard (without its `ssh` feature) only sees a `CustomTransport`; the
//! HTTP client and its connection pool are hyper-util's legacy `Client`
//! with the connector below, exactly like bollard's own transports.
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bollard::{BollardRequest, ClientVersion, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::oneshot;

use crate::config::mask_url;

/// `ssh://[user@]host[:port][/path/to/docker.sock]`, parsed like
/// docker/cli `cli/connhelper/ssh` (no password, query or fragment).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SshSpec {
    pub(crate) user: Option<String>,
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    /// A socket path on the remote (`docker --host=unix://PATH …`).
    pub(crate) socket: Option<String>,
    /// The local ssh program (`ssh` from PATH).
    pub(crate) program: String,
}

impl SshSpec {
    pub(crate) fn parse(text: &str) -> Result<SshSpec, String> {
        // Never shown with the password it may be refused for.
        let bad = |why: &str| format!("invalid SSH URL {:?}: {why}", mask_url(text));
        let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        if url.scheme() != "ssh" {
            return Err(bad("the scheme is not ssh"));
        }
        if url.password().is_some() {
            return Err(bad("plain-text password is not supported"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("query parameters and fragments are not allowed"));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err(bad("hostname is empty")),
        };
        let user = Some(url.username().to_string()).filter(|u| !u.is_empty());
        // `--` keeps the host from being an option; the user and the port
        // are separate arguments of -l and -p, but a leading dash is never
        // a real name.
        if host.starts_with('-') || user.as_deref().is_some_and(|u| u.starts_with('-')) {
            return Err(bad("user and host may not start with '-'"));
        }
        let socket = Some(url.path().to_string()).filter(|p| !p.trim_matches('/').is_empty());
        Ok(SshSpec {
            user,
            host,
            port: url.port(),
            socket,
            program: "ssh".into(),
        })
    }

    /// The arguments after `ssh`, as docker/cli builds them:
    /// `[-l user] [-p port] -o ConnectTimeout=30 -T -- host 'docker system dial-stdio'`.
    pub(crate) fn args(&self) -> Vec<String> {
        let mut args = self.login_args();
        args.extend(["-o", "ConnectTimeout=30", "-T", "--"].map(String::from));
        args.push(self.host.clone());
        let mut remote = vec!["docker".to_string()];
        if let Some(socket) = &self.socket {
            remote.push(format!("--host=unix://{socket}"));
        }
        remote.extend(["system", "dial-stdio"].map(String::from));
        // ssh hands the remote command to the user's shell as one string.
        args.push(
            remote
                .iter()
                .map(|a| sh_quote(a))
                .collect::<Vec<_>>()
                .join(" "),
        );
        args
    }
}

impl SshSpec {
    /// `[-l user] [-p port]`: whom and where to log in as.
    fn login_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args
    }

    /// The arguments after `ssh` for a process that only forwards local
    /// ports to the remote's loopback: `[-l user] [-p port] -N -L
    /// 127.0.0.1:LOCAL:127.0.0.1:REMOTE ... -- host`; it exits when a local
    /// port cannot be had, rather than run without it.
    pub(crate) fn forward_args(&self, pairs: &[(u16, u16)]) -> Vec<String> {
        let mut args = self.login_args();
        args.extend(
            [
                "-o",
                "ConnectTimeout=30",
                "-o",
                "ExitOnForwardFailure=yes",
                "-o",
                "ServerAliveInterval=30",
                "-N",
                "-T",
            ]
            .map(String::from),
        );
        for (local, remote) in pairs {
            args.push("-L".into());
            args.push(format!("127.0.0.1:{local}:127.0.0.1:{remote}"));
        }
        args.push("--".into());
        args.push(self.host.clone());
        args
    }
}

/// POSIX shell quoting for one word.
fn sh_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// hyper-util connector: each new pooled connection is a fresh ssh child.
#[derive(Clone)]
pub(crate) struct SshConnector {
    spec: Arc<SshSpec>,
}

impl tower_service::Service<hyper::Uri> for SshConnector {
    type Response = TokioIo<SshStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _dummy_host: hyper::Uri) -> Self::Future {
        let spec = Arc::clone(&self.spec);
        Box::pin(async move { SshStream::spawn(&spec).map(TokioIo::new) })
    }
}

/// What the reaper task reports once ssh is gone: `Some(why)` if it failed.
type Failure = Option<String>;

enum Exit {
    Waiting(oneshot::Receiver<Failure>),
    Known(Failure),
}

/// One `ssh … docker system dial-stdio` child as a byte stream.
pub(crate) struct SshStream {
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    exit: Exit,
    /// Dropped with the stream: the reaper then ends the child.
    _closed: oneshot::Sender<()>,
}

impl SshStream {
    fn spawn(spec: &SshSpec) -> io::Result<SshStream> {
        let args = spec.args();
        let shown = format!("{} {}", spec.program, args.join(" "));
        let mut child = Command::new(&spec.program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run `{shown}`: {e}")))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("ssh started without its pipes"));
        };
        let (exit_tx, exit_rx) = oneshot::channel::<Failure>();
        let (closed_tx, closed_rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let stderr = tokio::spawn(stderr_tail(stderr));
            tokio::select! {
                status = child.wait() => {
                    let stderr = tokio::time::timeout(Duration::from_secs(2), stderr)
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .unwrap_or_default();
                    let failure = match status {
                        Ok(s) if s.success() => None,
                        Ok(s) => Some(format!("`{shown}` exited with {s}: {stderr}")),
                        Err(e) => Some(format!("`{shown}`: {e}")),
                    };
                    let _ = exit_tx.send(failure);
                }
                // The stream is gone and with it ssh's stdin: ssh normally
                // ends by itself; give it a moment, then kill it.
                _ = closed_rx => {
                    if tokio::time::timeout(Duration::from_secs(3), child.wait()).await.is_err() {
                        let _ = child.kill().await;
                    }
                }
            }
        });
        Ok(SshStream {
            stdin: Some(stdin),
            stdout,
            exit: Exit::Waiting(exit_rx),
            _closed: closed_tx,
        })
    }

    /// Once ssh has exited: why it failed, if it did.
    fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Error>> {
        if let Exit::Waiting(rx) = &mut self.exit {
            let failure = ready!(Pin::new(rx).poll(cx)).unwrap_or(None);
            self.exit = Exit::Known(failure);
        }
        let Exit::Known(failure) = &self.exit else {
            unreachable!()
        };
        Poll::Ready(
            failure
                .as_ref()
                .map(|why| io::Error::new(io::ErrorKind::ConnectionAborted, why.clone())),
        )
    }
}

/// The last 4 KiB of what ssh (and the remote command) wrote to stderr;
/// read all along so a chatty ssh never blocks on a full pipe.
async fn stderr_tail(mut stderr: ChildStderr) -> String {
    let mut tail = Vec::new();
    let mut chunk = [0u8; 1024];
    while let Ok(n @ 1..) = stderr.read(&mut chunk).await {
        tail.extend_from_slice(&chunk[..n]);
        if tail.len() > 4096 {
            tail.drain(..tail.len() - 4096);
        }
    }
    String::from_utf8_lossy(&tail).trim().to_string()
}

impl AsyncRead for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stdout).poll_read(cx, buf))?;
        if buf.filled().len() == before && buf.remaining() > 0 {
            // End of stdout: a clean end, or ssh failed (say so).
            if let Some(e) = ready!(this.poll_failure(cx)) {
                return Poll::Ready(Err(e));
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some(stdin) = this.stdin.as_mut() else {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        };
        match ready!(Pin::new(stdin).poll_write(cx, data)) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                let failure = ready!(this.poll_failure(cx));
                Poll::Ready(Err(failure.unwrap_or(e)))
            }
            other => Poll::Ready(other),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Closing stdin is the half-close: ssh sends EOF, dial-stdio
        // half-closes its daemon connection.
        self.get_mut().stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// What bollard's `CustomTransport` wants back. (The trait itself lives in
/// bollard's private `docker` module and is not re-exported, so it cannot
/// be named; any `Fn(BollardRequest) -> Future` implements it.)
pub(crate) type Reply = Pin<
    Box<
        dyn Future<Output = Result<hyper::Response<hyper::body::Incoming>, bollard::errors::Error>>
            + Send,
    >,
>;

/// A bollard transport over ssh. Cheap to clone; clones share the pool (so
/// the idle ssh process is reused across clones).
pub(crate) fn transport(
    spec: SshSpec,
) -> impl Fn(BollardRequest) -> Reply + Clone + Send + Sync + 'static {
    let connector = SshConnector {
        spec: Arc::new(spec),
    };
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(4)
        .build(connector);
    move |req: BollardRequest| {
        let client = client.clone();
        Box::pin(async move {
            client
                .request(req)
                .await
                .map_err(bollard::errors::Error::from)
        }) as Reply
    }
}

/// `Docker` over an ssh transport. The URL bollard puts in requests is a
/// dummy (as in the docker CLI: `http://docker.example.com`); the ssh
/// connector ignores it.
pub(crate) fn connect(
    transport: impl Fn(BollardRequest) -> Reply + Send + Sync + 'static,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    Docker::connect_with_custom_transport(
        transport,
        Some("http://docker.example.com"),
        timeout_secs,
        version,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_like_docker_cli() {
        let s = SshSpec::parse("ssh://me@example.org:2222").unwrap();
        assert_eq!(
            s.args(),
            [
                "-l",
                "me",
                "-p",
                "2222",
                "-o",
                "ConnectTimeout=30",
                "-T",
                "--",
                "example.org",
                "docker system dial-stdio"
            ]
        );
        let s = SshSpec::parse("ssh://[::1]/run/user/1000/docker.sock").unwrap();
        assert_eq!(s.host, "::1");
        assert_eq!(
            s.args().last().unwrap(),
            "docker --host=unix:///run/user/1000/docker.sock system dial-stdio"
        );
        assert!(SshSpec::parse("ssh://me:pw@host").is_err());
        assert!(SshSpec::parse("ssh://host?x=1").is_err());
        assert!(SshSpec::parse("ssh://-oProxyCommand=x").is_err());
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
