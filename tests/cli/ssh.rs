//! A remote engine over SSH, as the docker CLI reaches one: a real sshd on
//! 127.0.0.1 with key authentication only (started by the test, on a port
//! of its own), `DOCKER_HOST=ssh://root@127.0.0.1:PORT`, and devsvc running
//! `ssh ... docker system dial-stdio` through it. The client's ssh reads
//! its keys and known hosts from the test's folder (a wrapper on PATH adds
//! `-F`), never from the user's ~/.ssh.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// An sshd for one test, and the client side that trusts it.
struct Sshd {
    _process: ChildGuard,
    _port: PortGuard,
    address: String,
    port: u16,
    dir: tempfile::TempDir,
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
}

impl Sshd {
    /// `session_path`: the PATH the remote shell gets (one without the
    /// docker CLI makes a host without docker).
    fn start(session_path: &str) -> Sshd {
        Sshd::start_at("127.0.0.1", session_path)
    }

    /// An sshd listening on `address`.
    fn start_at(address: &str, session_path: &str) -> Sshd {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        keygen(&at("host_key"));
        keygen(&at("client_key"));
        keygen(&at("stranger_key"));
        std::fs::copy(at("client_key.pub"), at("authorized_keys")).unwrap();
        let port = reserve_port();
        let config = format!(
            "Port {port}\nListenAddress {address}\nHostKey {host}\nPidFile {pid}\n\
             AuthorizedKeysFile {keys}\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             UsePAM no\nStrictModes no\nSetEnv PATH={session_path}\n",
            port = port.port,
            host = at("host_key").display(),
            pid = at("sshd.pid").display(),
            keys = at("authorized_keys").display(),
        );
        std::fs::write(at("sshd_config"), config).unwrap();
        let process = ChildGuard::new(
            Command::new("/usr/sbin/sshd")
                .args(["-D", "-e", "-f"])
                .arg(at("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(at("sshd.log")).unwrap())
                .spawn()
                .expect("sshd starts"),
        );
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect((address, port.port)).is_err() {
            assert!(Instant::now() < until, "sshd never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        let host_key = std::fs::read_to_string(at("host_key.pub")).unwrap();
        std::fs::write(
            at("known_hosts"),
            format!("[{address}]:{} {host_key}", port.port),
        )
        .unwrap();
        Sshd {
            _process: process,
            address: address.to_string(),
            port: port.port,
            _port: port,
            dir,
        }
    }

    /// A PATH whose `ssh` uses `key` and trusts only this sshd.
    fn client_path(&self, key: &str) -> String {
        let at = |name: &str| self.dir.path().join(name);
        let bin = at(&format!("bin-{key}"));
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(
            at(&format!("ssh_config-{key}")),
            format!(
                "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  StrictHostKeyChecking yes\n  BatchMode yes\n",
                at(key).display(),
                at("known_hosts").display()
            ),
        )
        .unwrap();
        let wrapper: PathBuf = bin.join("ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n",
                at(&format!("ssh_config-{key}")).display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(
            &wrapper,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        format!("{}:{}", bin.display(), runner_path())
    }

    /// A devsvc run through this sshd, with the trusted key.
    fn client<'a>(&self, cli: Cli<'a>) -> Cli<'a> {
        cli.env("DOCKER_HOST", &self.url())
            .env("PATH", &self.client_path("client_key"))
    }

    fn url(&self) -> String {
        format!("ssh://root@{}:{}", self.address, self.port)
    }
}

const WITH_DOCKER: &str = "/usr/local/bin:/usr/bin:/bin";

#[test]
fn an_engine_over_ssh_runs_the_project_and_the_app_reaches_it() {
    let sshd = Sshd::start(WITH_DOCKER);
    let mut project = TestProject::new("ssh", "services:\n  redis: {}\n  mailhog: {}\n");
    sshd.client(project.cli(&["up"])).run();
    // The app gets only the env file: Redis answers, mail is taken.
    let app = python(
        "import os, redis, smtplib\n\
         assert redis.from_url(os.environ['REDIS_URL']).ping()\n\
         with smtplib.SMTP(os.environ['SMTP_HOST'], int(os.environ['SMTP_PORT'])) as s:\n\
         \x20   s.sendmail('a@example.com', ['b@example.com'], 'Subject: over ssh\\n\\nhi')\n",
        &project.dotenv(),
    );
    assert_eq!(app.code, 0, "{}", app.stderr);
    sshd.client(project.cli(&["doctor"]))
        .stdout_contains(&format!(
            "engine endpoint: {} (chosen by DOCKER_HOST)",
            sshd.url()
        ))
        .stdout_contains(&format!(
            "engine: reachable over SSH: ssh -l root -p {} -o ConnectTimeout=30 -T -- 127.0.0.1 docker system dial-stdio, version",
            sshd.port
        ))
        .run();
    sshd.client(project.cli(&["status"]))
        .stdout_contains("redis")
        .stdout_contains("running")
        .run();
    // A docker context with an ssh endpoint, as `docker context create
    // --docker host=ssh://...` writes it, reaches the same engine.
    let home = tempfile::tempdir().unwrap();
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"big-box"));
    let meta = home.path().join(".docker/contexts/meta").join(digest);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        format!(
            r#"{{"Name":"big-box","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{}","SkipTLSVerify":false}}}}}}"#,
            sshd.url()
        ),
    )
    .unwrap();
    project
        .cli(&["doctor"])
        .env("HOME", &home.path().display().to_string())
        .env("DOCKER_CONTEXT", "big-box")
        .env("PATH", &sshd.client_path("client_key"))
        .stdout_contains(&format!(
            "engine endpoint: {} (chosen by context `big-box` (DOCKER_CONTEXT))",
            sshd.url()
        ))
        .stdout_contains("engine: reachable over SSH: ssh -l root")
        .run();
    sshd.client(project.cli(&["down", "--volumes"])).run();
    assert_eq!(named_resources(&project.name), []);
    project.teardown().ok();
}

#[test]
fn a_wrong_key_or_a_host_without_docker_is_exit_3_in_ssh_s_own_words() {
    let sshd = Sshd::start(WITH_DOCKER);
    let project = TestProject::new("sshkey", "services:\n  redis: {}\n");
    project
        .cli(&["up"])
        .env("DOCKER_HOST", &sshd.url())
        .env("PATH", &sshd.client_path("stranger_key"))
        .status(3)
        .stderr_contains(&format!(
            "cannot reach the container engine at {}",
            sshd.url()
        ))
        .stderr_contains("Permission denied (publickey)")
        .run();
    assert_eq!(named_resources(&project.name), []);

    let no_docker = Sshd::start("/nonexistent");
    project
        .cli(&["up"])
        .env("DOCKER_HOST", &no_docker.url())
        .env("PATH", &no_docker.client_path("client_key"))
        .status(3)
        .stderr_contains("exited with exit status: 127")
        .stderr_contains("docker: command not found")
        .run();
}

/// Issue 22: with a remote engine over SSH every port was published on
/// all of the remote's interfaces, memcached and the mail catchers (no
/// login) open to its whole network. The remote here is this machine's
/// bridge gateway address (not loopback, so devsvc takes it for a remote
/// host): the services publish on its loopback only, nothing answers on
/// the gateway address, and the app reaches them through the SSH forwards
/// devsvc started, which `down` ends.
#[test]
fn an_engine_over_ssh_keeps_services_on_its_loopback_behind_ssh_forwards() {
    let remote = remote_address();
    let sshd = Sshd::start_at(&remote, WITH_DOCKER);
    let mut project = TestProject::new("sshfwd", "services:\n  redis: {}\n  mailhog: {}\n");
    sshd.client(project.cli(&["up"]))
        .stderr_contains(&format!(
            "opened SSH port forwards to {remote}'s loopback (3 ports)"
        ))
        .stderr_lacks("taken meanwhile")
        .run();
    let vars = project.dotenv();
    assert_eq!(vars["REDIS_HOST"], "127.0.0.1");
    for service in ["redis", "mailhog"] {
        let published = docker(&[
            "inspect",
            "-f",
            "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}}:{{.HostPort}} {{end}}{{end}}",
            &format!("devsvc-{}-{service}", project.name),
        ]);
        for binding in published.split_whitespace() {
            let (ip, port) = binding.split_once(':').unwrap();
            assert_eq!(
                ip, "127.0.0.1",
                "{service} publishes on the remote's loopback only"
            );
            let port: u16 = port.parse().unwrap();
            assert!(
                std::net::TcpStream::connect((remote.as_str(), port)).is_err(),
                "{service}'s port {port} answers on the remote's address {remote}"
            );
        }
    }
    let app = python(
        "import os, redis, smtplib\n\
         assert redis.from_url(os.environ['REDIS_URL']).ping()\n\
         with smtplib.SMTP(os.environ['SMTP_HOST'], int(os.environ['SMTP_PORT'])) as s:\n\
         \x20   s.sendmail('a@example.com', ['b@example.com'], 'Subject: forwarded\\n\\nhi')\n",
        &vars,
    );
    assert_eq!(app.code, 0, "{}", app.stderr);
    // A second `up` keeps the forwards (and the env file) as they are.
    sshd.client(project.cli(&["up"]))
        .stderr_lacks("opened SSH port forwards")
        .run();
    assert_eq!(project.dotenv(), vars);
    let redis_port: u16 = vars["REDIS_PORT"].parse().unwrap();
    sshd.client(project.cli(&["down", "--volumes"]))
        .stderr_contains("ended its SSH port forwards")
        .run();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", redis_port)).is_err(),
        "the forward of Redis's port ended with `down`"
    );
    assert_eq!(named_resources(&project.name), []);
    project.teardown().ok();
}
