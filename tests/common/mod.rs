//! Test harness: runs the real `devsvc` binary in a temporary project folder
//! against the real Docker engine that `scripts/test-env` prepared. Each
//! project gets a unique name (leftovers from earlier runs never collide),
//! its own state folder and HOME, and is torn down on drop. devsvc and the
//! apps under test start from an empty environment (plus PATH), so nothing
//! of the runner's (AWS_*, REDIS_URL, DEVSVC_*, HOME, git's global
//! excludes) leaks in. Whatever a test creates outside devsvc is held by a
//! guard that removes it even when the test fails.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_devsvc");

/// The loopback registry holding the stand-in images, as an image prefix.
pub fn registry_prefix() -> String {
    std::env::var("DEVSVC_TEST_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000/".into())
}

pub fn unique_name(tag: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("t{}-{tag}-{n}-{:x}", std::process::id(), nanos % 0xffff)
}

/// The runner's PATH: the one variable devsvc and the apps inherit.
pub fn runner_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into())
}

/// Where `scripts/test-env` installed nodemailer (and MailDev).
pub fn node_modules() -> String {
    std::env::var("DEVSVC_TEST_NODE_MODULES")
        .unwrap_or_else(|_| "/var/cache/devsvc-standins/node/node_modules".into())
}

pub struct TestProject {
    pub dir: tempfile::TempDir,
    pub name: String,
    pub state: tempfile::TempDir,
    /// HOME for devsvc: empty, so no docker config or git excludes of the
    /// runner's are read.
    pub home: tempfile::TempDir,
    pub env: BTreeMap<String, String>,
    torn_down: bool,
}

/// What one run of devsvc did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into(),
            stderr: String::from_utf8_lossy(&output.stderr).into(),
        }
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "devsvc failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestProject {
    pub fn new(tag: &str, services_yaml: &str) -> TestProject {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("services.yaml"), services_yaml).unwrap();
        let mut env = BTreeMap::new();
        env.insert("DEVSVC_IMAGE_PREFIX".into(), registry_prefix());
        TestProject {
            dir,
            name: unique_name(tag),
            state: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            env,
            torn_down: false,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn env_file(&self) -> PathBuf {
        self.path().join(".env")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .current_dir(self.path())
            .env("PATH", runner_path())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("DEVSVC_PROJECT", &self.name)
            .env("DEVSVC_STATE_DIR", self.state.path())
            .env("DEVSVC_TIMEOUT", "60")
            .envs(&self.env)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let run = Run::from(self.command(args).output().expect("devsvc runs"));
        eprintln!(
            "$ devsvc {} -> {}\n{}{}",
            args.join(" "),
            run.code,
            run.stdout,
            run.stderr
        );
        run
    }

    /// The variables in the env file, read the way applications read them.
    pub fn dotenv(&self) -> BTreeMap<String, String> {
        dotenvy::from_path_iter(self.env_file())
            .expect("env file exists")
            .map(|r| r.expect("env file parses"))
            .collect()
    }

    pub fn teardown(&mut self) -> Run {
        self.torn_down = true;
        self.run(&["down", "--volumes"])
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        if !self.torn_down {
            let child = self
                .command(&["down", "--volumes"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            // A teardown that hangs must not hang the test run.
            if let Ok(child) = child {
                let _ = ChildGuard::new(child).wait_for(Duration::from_secs(60));
            }
        }
    }
}

/// A child process that is killed (and reaped) when the guard drops, so a
/// failing test never leaves one running, holding a project's lock.
pub struct ChildGuard(pub Option<Child>);

impl ChildGuard {
    pub fn new(child: Child) -> ChildGuard {
        ChildGuard(Some(child))
    }

    pub fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child still held")
    }

    /// Waits up to `limit`; kills the child when it takes longer.
    pub fn wait_for(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child().try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child().kill();
        let _ = self.child().wait();
        None
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take()
            && child.try_wait().ok().flatten().is_none()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An engine resource a test made outside devsvc (a foreign container,
/// network or volume, a stand-in for a managed service), removed on drop.
/// It carries the label `dev.devsvc.test` so the sweep after the suite
/// finds any that escaped.
pub struct EngineGuard {
    kind: &'static str,
    pub name: String,
}

pub const TEST_LABEL: &str = "dev.devsvc.test=1";

impl EngineGuard {
    /// `docker run -d --name NAME --label dev.devsvc.test=1 ARGS...`
    pub fn container(name: &str, args: &[&str]) -> EngineGuard {
        let guard = EngineGuard {
            kind: "container",
            name: name.to_string(),
        };
        let mut full = vec!["run", "-d", "--name", name, "--label", TEST_LABEL];
        full.extend(args);
        docker(&full);
        guard
    }

    pub fn network(name: &str) -> EngineGuard {
        let guard = EngineGuard {
            kind: "network",
            name: name.to_string(),
        };
        docker(&["network", "create", "--label", TEST_LABEL, name]);
        guard
    }

    pub fn volume(name: &str) -> EngineGuard {
        let guard = EngineGuard {
            kind: "volume",
            name: name.to_string(),
        };
        docker(&["volume", "create", "--label", TEST_LABEL, name]);
        guard
    }
}

impl Drop for EngineGuard {
    fn drop(&mut self) {
        let args: &[&str] = match self.kind {
            "container" => &["rm", "-f", "-v"],
            "network" => &["network", "rm"],
            _ => &["volume", "rm", "-f"],
        };
        let out = Command::new("docker").args(args).arg(&self.name).output();
        if let Ok(out) = out
            && !out.status.success()
        {
            // Logged, never a panic: a panic in drop would hide the failure.
            eprintln!(
                "cleanup: docker {args:?} {}: {}",
                self.name,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A host port held for one test, outside both devsvc's automatic range
/// (20000-32767) and Linux's ephemeral range (32768-60999), so neither
/// devsvc nor an outgoing connection can take it. A lock file per port
/// keeps parallel test processes apart; the port is free while the guard
/// lives (nothing binds it) and released when it drops.
pub struct PortGuard {
    pub port: u16,
    _lock: File,
}

pub fn reserve_port() -> PortGuard {
    let dir = std::env::temp_dir().join("devsvc-test-ports");
    std::fs::create_dir_all(&dir).unwrap();
    for port in 61000..65535u16 {
        let file = File::create(dir.join(format!("{port}.lock"))).unwrap();
        if file.try_lock().is_ok() && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return PortGuard { port, _lock: file };
        }
    }
    panic!("no test port free in 61000-65534");
}

/// Runs `docker` (the CLI) and returns its stdout; used to look at the
/// engine independently of devsvc.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into()
}

/// Names of containers, networks and volumes carrying the project's label.
pub fn labelled_resources(project: &str) -> Vec<String> {
    let filter = format!("label=dev.devsvc.project={project}");
    let mut all = Vec::new();
    for kind in [
        &["ps", "-a", "--format", "{{.Names}}"][..],
        &["network", "ls", "--format", "{{.Name}}"],
        &["volume", "ls", "--format", "{{.Name}}"],
    ] {
        let mut args = kind.to_vec();
        args.extend(["--filter", &filter]);
        all.extend(docker(&args).lines().map(str::to_string));
    }
    all
}

/// Runs a Python snippet as an application would: it sees the given
/// variables (read from the env file) and PATH, nothing else.
pub fn python(script: &str, env: &BTreeMap<String, String>) -> Run {
    app(Command::new("python3").arg("-c").arg(script), env)
}

/// Runs an app with only `env` and PATH in its environment.
pub fn app(cmd: &mut Command, env: &BTreeMap<String, String>) -> Run {
    let out = cmd
        .env_clear()
        .env("PATH", runner_path())
        .envs(env)
        .stdin(Stdio::null())
        .output()
        .expect("the app runs");
    let run = Run::from(out);
    eprintln!("python -> {}\n{}{}", run.code, run.stdout, run.stderr);
    run
}
