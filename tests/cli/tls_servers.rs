//! Real TLS servers for the `tls` tests, run on the host on 127.0.0.1 (not
//! in the engine): a CA and a server certificate made with the `openssl`
//! CLI, redis-server on its `--tls-port`, PostgreSQL with `ssl=on` that
//! accepts only TLS logins, s3s-fs behind a Python TLS front, and a plain
//! listener that records what a client sends first. Each is held by a
//! guard that stops it even when the test fails.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;

/// A test CA and a server certificate it signed for 127.0.0.1 and
/// localhost, in a folder of their own.
pub(crate) struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    pub(crate) fn make() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let sh = r#"
set -e
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout ca.key -out ca.pem -days 2 -subj /CN=devsvc-test-ca \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout server.key -out server.csr -subj /CN=localhost
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out server.pem -days 2 -extfile ext.cnf
"#;
        let out = Command::new("sh")
            .args(["-c", sh])
            .current_dir(dir.path())
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Certs { dir }
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A server process, stopped on drop: SIGTERM first (PostgreSQL's smart
/// shutdown lets its backends go), then SIGKILL after a grace.
pub(crate) struct Server {
    child: ChildGuard,
    pub port: u16,
    _port: PortGuard,
}

impl Server {
    /// Starts `cmd` (the server of `what`) holding `reserved`, its port.
    fn spawn(what: &str, cmd: &mut Command, reserved: PortGuard) -> Server {
        let child = cmd
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{what} starts (scripts/test-env installs it): {e}"));
        Server {
            child: ChildGuard::new(child),
            port: reserved.port,
            _port: reserved,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.child().id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait_for(Duration::from_secs(10));
    }
}

/// Waits until `ready` holds, or fails the test naming `what`.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not come up within 30 s");
}

fn accepts(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// redis-server with only a TLS port and a password.
pub(crate) fn redis_tls(certs: &Certs, password: &str) -> Server {
    let reserved = reserve_port();
    let port = reserved.port;
    let data = certs.dir.path().join("redis");
    std::fs::create_dir_all(&data).unwrap();
    let server = Server::spawn(
        "redis-server",
        Command::new("redis-server")
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--tls-auth-clients", "no"])
            .arg("--tls-cert-file")
            .arg(certs.file("server.pem"))
            .arg("--tls-key-file")
            .arg(certs.file("server.key"))
            .arg("--tls-ca-cert-file")
            .arg(certs.file("ca.pem"))
            .args([
                "--requirepass",
                password,
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&data),
        reserved,
    );
    wait_until("redis-server", || accepts(port));
    server
}

/// The PostgreSQL server programs (Debian keeps them off PATH).
fn postgres_bin(program: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server installed (scripts/test-env installs it)")
        .flatten()
        .map(|e| e.path().join("bin").join(program))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().expect("a PostgreSQL server version")
}

/// Runs as the `postgres` user when the tests run as root (PostgreSQL
/// refuses root); `setpriv` execs in place, so the guard's pid is the
/// server's own.
fn as_postgres(program: &Path) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// PostgreSQL with `ssl=on` whose pg_hba.conf takes only TLS logins
/// (`hostssl`): a login in clear is refused by the server itself.
pub(crate) fn postgres_tls(certs: &Certs, user: &str, password: &str) -> Server {
    let dir = certs.dir.path().join("pg");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pw"), password).unwrap();
    for name in ["server.pem", "server.key"] {
        std::fs::copy(certs.file(name), dir.join(name)).unwrap();
    }
    // The server's user owns its folder and reaches it through the
    // certificates' folder; the key is readable by it alone.
    for (mode, path) in [
        ("0755", certs.dir.path().to_path_buf()),
        ("0700", dir.clone()),
        ("0600", dir.join("server.key")),
    ] {
        let _ = Command::new("chmod").arg(mode).arg(path).status();
    }
    let _ = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(&dir)
        .status();
    let data = dir.join("data");
    let out = as_postgres(&postgres_bin("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-U", user, "--auth=scram-sha-256", "--pwfile"])
        .arg(dir.join("pw"))
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        data.join("pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    let reserved = reserve_port();
    let port = reserved.port;
    let server = Server::spawn(
        "postgres",
        as_postgres(&postgres_bin("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(&dir)
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "ssl=on"])
            .arg("-c")
            .arg(format!(
                "ssl_cert_file={}",
                dir.join("server.pem").display()
            ))
            .arg("-c")
            .arg(format!("ssl_key_file={}", dir.join("server.key").display()))
            .stderr(Stdio::null()),
        reserved,
    );
    // postmaster.pid's last line says `ready` once it takes connections.
    wait_until("postgres", || {
        std::fs::read_to_string(data.join("postmaster.pid")).is_ok_and(|s| s.contains("ready"))
    });
    server
}

/// A TLS front: accepts TLS on its port and relays the bytes to a clear
/// server on `to`, as a managed service's load balancer would.
const TLS_FRONT: &str = r#"
import asyncio, ssl, sys
cert, key, port, to = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)

async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()

async def serve(reader, writer):
    try:
        back_reader, back_writer = await asyncio.open_connection("127.0.0.1", to)
    except Exception:
        writer.close()
        return
    await asyncio.gather(pipe(reader, back_writer), pipe(back_reader, writer))

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", port, ssl=context)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"#;

/// s3s-fs (a real S3 server, the stand-in's) in clear on loopback, and a
/// TLS front for it: the S3 API is reached only over TLS.
pub(crate) struct S3Tls {
    pub front: Server,
    _s3: Server,
}

/// Where `scripts/test-env` keeps s3s-fs.
fn s3s_fs() -> PathBuf {
    let cache = std::env::var("DEVSVC_STANDIN_CACHE")
        .unwrap_or_else(|_| "/var/cache/devsvc-standins".into());
    PathBuf::from(cache).join("s3s-fs/bin/s3s-fs")
}

pub(crate) fn s3_tls(certs: &Certs, access_key: &str, secret_key: &str) -> S3Tls {
    let data = certs.dir.path().join("s3");
    std::fs::create_dir_all(&data).unwrap();
    let reserved = reserve_port();
    let port = reserved.port;
    let s3 = Server::spawn(
        "s3s-fs",
        Command::new(s3s_fs())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", access_key, "--secret-key", secret_key])
            .arg(&data)
            .stderr(Stdio::null()),
        reserved,
    );
    wait_until("s3s-fs", || accepts(port));
    let reserved = reserve_port();
    let front_port = reserved.port;
    let front = Server::spawn(
        "the TLS front (python3)",
        Command::new("python3")
            .args(["-c", TLS_FRONT])
            .arg(certs.file("server.pem"))
            .arg(certs.file("server.key"))
            .args([front_port.to_string(), port.to_string()]),
        reserved,
    );
    wait_until("the TLS front", || accepts(front_port));
    S3Tls { front, _s3: s3 }
}

/// A plain TCP listener standing where a TLS server should be: it records
/// everything each client sends until the client stops for a moment, then
/// closes. When `answer` is given it is sent once the first bytes arrive
/// (PostgreSQL's `N`: "no TLS here").
pub(crate) struct Recorder {
    pub port: u16,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    _port: PortGuard,
}

impl Recorder {
    pub(crate) fn start(answer: Option<&'static [u8]>) -> Recorder {
        let reserved = reserve_port();
        let port = reserved.port;
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for socket in listener.incoming() {
                let Ok(mut socket) = socket else { return };
                let mut got = Vec::new();
                let _ = socket.set_read_timeout(Some(Duration::from_millis(700)));
                let mut buf = [0u8; 4096];
                let mut answered = false;
                while let Ok(n @ 1..) = socket.read(&mut buf) {
                    got.extend_from_slice(&buf[..n]);
                    if let (Some(answer), false) = (answer, answered) {
                        use std::io::Write;
                        let _ = socket.write_all(answer);
                        answered = true;
                    }
                }
                log.lock().unwrap().push(got);
            }
        });
        Recorder {
            port,
            received,
            _port: reserved,
        }
    }

    /// What each connection sent, in order.
    pub(crate) fn received(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap().clone()
    }
}
