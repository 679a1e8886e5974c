//! Test harness: runs the real `devsvc` binary in a temporary project folder
//! against the real Docker engine that `scripts/test-env` prepared. Each
//! project gets a unique name (leftovers from earlier runs never collide),
//! its own state folder and HOME, and is torn down on drop (unless every
//! run was made with `Cli::no_engine`: then there is nothing to tear down,
//! and config-only tests never touch the engine). devsvc and the apps under
//! test start from an empty environment (plus PATH), so nothing of the
//! runner's (AWS_*, REDIS_URL, DEVSVC_*, HOME, git's global excludes) leaks
//! in. Whatever a test creates outside devsvc is held by a guard that
//! removes it even when the test fails. `Cli` describes one run of devsvc
//! and what it must do; `leftovers` lists what a project left on the
//! engine.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_devsvc");

/// The loopback registry holding the stand-in images, as an image prefix.
pub(crate) fn registry_prefix() -> String {
    std::env::var("DEVSVC_TEST_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000/".into())
}

pub(crate) fn unique_name(tag: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("t{}-{tag}-{n}-{:x}", std::process::id(), nanos % 0xffff)
}

/// The engine every test talks to, as a `DOCKER_HOST` URL: the local
/// Docker engine unless `DEVSVC_TEST_ENGINE` names another (Podman's
/// socket, for the Podman run). devsvc and the tests' own `docker` calls
/// are both pinned to it, so a `DOCKER_HOST` or `DOCKER_CONTEXT` in the
/// runner's environment cannot point a leftover check at another engine.
pub(crate) fn test_engine() -> String {
    std::env::var("DEVSVC_TEST_ENGINE").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

/// Whether the test engine is Podman's Docker-compatible service, asked
/// once: a few checks look at the engine itself, where Podman differs.
pub(crate) fn on_podman() -> bool {
    static PODMAN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PODMAN.get_or_init(|| {
        docker(&[
            "version",
            "--format",
            "{{range .Server.Components}}{{.Name}};{{end}}",
        ])
        .contains("Podman Engine")
    })
}

/// The engine's default network as `docker inspect` names a container's
/// networks: Podman's own name for it, `podman`, where Docker's is
/// `bridge` (Podman calls it `bridge` in `docker network ls`).
pub(crate) fn default_network() -> &'static str {
    if on_podman() { "podman" } else { "bridge" }
}

/// `DOCKER_HOST` for devsvc when the run names an engine of its own; none
/// otherwise, so devsvc takes its default (the same local socket) and the
/// tests of how it chooses see what a user would.
fn chosen_engine() -> Option<(&'static str, String)> {
    std::env::var("DEVSVC_TEST_ENGINE")
        .ok()
        .map(|engine| ("DOCKER_HOST", engine))
}

/// An empty folder for `DOCKER_CONFIG`, `HOME` of the tests' own tool
/// calls: made once per test process and never written, so no context,
/// credential helper or git setting of the runner's is read.
fn clean_config_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
        .path()
}

/// The `docker` CLI, pinned to the test engine with a clean configuration
/// and nothing of the runner's environment but PATH.
pub(crate) fn docker_command() -> Command {
    let mut cmd = Command::new("docker");
    cmd.env_clear()
        .env("PATH", runner_path())
        .env("HOME", clean_config_dir())
        .env("DOCKER_CONFIG", clean_config_dir())
        .env("DOCKER_HOST", test_engine());
    cmd
}

/// `git`, with no global or system configuration of the runner's and a
/// fixed author, so commits work on any machine.
pub(crate) fn git_command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear()
        .env("PATH", runner_path())
        .env("HOME", clean_config_dir())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "-c",
            "user.name=devsvc test",
            "-c",
            "user.email=test@example.com",
        ])
        .current_dir(dir);
    cmd
}

/// Runs `git` (pinned, as [`git_command`]) in `dir`; panics on failure.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = git_command(dir).args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The runner's PATH: the one variable devsvc and the apps inherit.
pub(crate) fn runner_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into())
}

/// Where `scripts/test-env` installed nodemailer (and MailDev).
pub(crate) fn node_modules() -> String {
    std::env::var("DEVSVC_TEST_NODE_MODULES")
        .unwrap_or_else(|_| "/var/cache/devsvc-standins/node/node_modules".into())
}

pub(crate) struct TestProject {
    pub dir: tempfile::TempDir,
    pub name: String,
    pub state: tempfile::TempDir,
    /// HOME for devsvc: empty, so no docker config or git excludes of the
    /// runner's are read.
    pub home: tempfile::TempDir,
    pub env: BTreeMap<String, String>,
    torn_down: bool,
    /// Whether devsvc may have reached the engine for this project: set by
    /// every run except those made with `Cli::no_engine`. Only then does
    /// drop tear the project down, so a config-only test never touches the
    /// engine, not even to clean up.
    engine_used: AtomicBool,
}

/// What one run of devsvc did.
#[derive(Debug)]
pub(crate) struct Run {
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

    fn log(&self, args: &[&str]) {
        eprintln!(
            "$ devsvc {} -> {}\n{}{}",
            args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        );
    }

    #[track_caller]
    pub(crate) fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "devsvc failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl TestProject {
    pub(crate) fn new(tag: &str, services_yaml: &str) -> TestProject {
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
            engine_used: AtomicBool::new(false),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn env_file(&self) -> PathBuf {
        self.path().join(".env")
    }

    /// devsvc, ready to run in the project's folder from an empty
    /// environment plus PATH, HOME and the project's settings.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        self.engine_used.store(true, Ordering::SeqCst);
        self.bare_command(args)
    }

    /// `command` without counting as a use of the engine: for `Cli`, which
    /// knows whether the run can reach one.
    fn bare_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .current_dir(self.path())
            .env("PATH", runner_path())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .envs(chosen_engine())
            .env("DEVSVC_PROJECT", &self.name)
            .env("DEVSVC_STATE_DIR", self.state.path())
            .env("DEVSVC_TIMEOUT", "60")
            .envs(&self.env)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs devsvc and returns what it did, whatever its exit code.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        let run = Run::from(self.command(args).output().expect("devsvc runs"));
        run.log(args);
        run
    }

    /// A run of devsvc to describe, then check with [`Cli::run`].
    pub(crate) fn cli(&self, args: &[&str]) -> Cli<'_> {
        Cli::new(self, args)
    }

    /// The variables in the env file, read the way applications read them.
    pub(crate) fn dotenv(&self) -> BTreeMap<String, String> {
        dotenvy::from_path_iter(self.env_file())
            .expect("env file exists")
            .map(|r| r.expect("env file parses"))
            .collect()
    }

    pub(crate) fn teardown(&mut self) -> Run {
        self.torn_down = true;
        self.run(&["down", "--volumes", "--all-branches"])
    }
}

impl Drop for TestProject {
    fn drop(&mut self) {
        if !self.torn_down && self.engine_used.load(Ordering::SeqCst) {
            let child = self
                .command(&["down", "--volumes", "--all-branches"])
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

/// Where `.no_engine()` points devsvc: a socket that cannot exist, so any
/// attempt to reach the engine fails (exit 3).
pub(crate) const NO_ENGINE: &str = "unix:///nonexistent/devsvc-no-engine.sock";

/// One run of devsvc, described and then checked, in the style of just's
/// tests: the arguments, changes to the environment, and what is expected
/// (exit code 0 unless `.status` says otherwise; whole stdout or stderr,
/// or pieces of them, present or absent). Built on
/// [`TestProject::command`]'s environment, so the run is as hermetic as
/// every other.
///
/// ```ignore
/// project.cli(&["config"]).no_engine().without("DEVSVC_PROJECT")
///     .status(2).stderr("error: ...\n").run();
/// ```
#[must_use = "a Cli does nothing until .run() or .check()"]
pub(crate) struct Cli<'a> {
    project: &'a TestProject,
    args: Vec<String>,
    /// Set (`Some`) or removed (`None`), in the order given.
    env: Vec<(String, Option<String>)>,
    status: i32,
    stdout: Option<String>,
    stderr: Option<String>,
    stdout_contains: Vec<String>,
    stderr_contains: Vec<String>,
    stdout_lacks: Vec<String>,
    stderr_lacks: Vec<String>,
}

impl<'a> Cli<'a> {
    pub(crate) fn new(project: &'a TestProject, args: &[&str]) -> Cli<'a> {
        Cli {
            project,
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
            status: 0,
            stdout: None,
            stderr: None,
            stdout_contains: Vec::new(),
            stderr_contains: Vec::new(),
            stdout_lacks: Vec::new(),
            stderr_lacks: Vec::new(),
        }
    }

    /// Sets one variable for this run (over the project's own).
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Removes one variable for this run (a project setting included).
    pub(crate) fn without(mut self, key: &str) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// Points devsvc at an engine that cannot exist: the command passes
    /// only if it needs no engine.
    pub(crate) fn no_engine(self) -> Self {
        self.env("DOCKER_HOST", NO_ENGINE)
    }

    /// The exit code expected (0 when not given).
    pub(crate) fn status(mut self, code: i32) -> Self {
        self.status = code;
        self
    }

    /// The whole stdout expected. No test asserts a whole stdout yet; kept
    /// so the builder reads the same for both streams.
    #[allow(dead_code)]
    pub(crate) fn stdout(mut self, text: &str) -> Self {
        self.stdout = Some(text.into());
        self
    }

    /// The whole stderr expected.
    pub(crate) fn stderr(mut self, text: &str) -> Self {
        self.stderr = Some(text.into());
        self
    }

    /// A piece stdout must contain; repeatable.
    pub(crate) fn stdout_contains(mut self, text: &str) -> Self {
        self.stdout_contains.push(text.into());
        self
    }

    /// A piece stderr must contain; repeatable.
    pub(crate) fn stderr_contains(mut self, text: &str) -> Self {
        self.stderr_contains.push(text.into());
        self
    }

    /// A piece stdout must not contain; repeatable.
    pub(crate) fn stdout_lacks(mut self, text: &str) -> Self {
        self.stdout_lacks.push(text.into());
        self
    }

    /// A piece stderr must not contain; repeatable.
    pub(crate) fn stderr_lacks(mut self, text: &str) -> Self {
        self.stderr_lacks.push(text.into());
        self
    }

    /// Runs devsvc and checks every expectation; panics on a mismatch,
    /// naming each one, with the arguments, folder, exit code, stdout and
    /// stderr.
    #[track_caller]
    pub(crate) fn run(self) -> Run {
        match self.check() {
            Ok(run) => run,
            // Here, not in a closure, so the panic names the test's line.
            Err(report) => panic!("{report}"),
        }
    }

    /// Starts devsvc and hands it over, for a test that acts while it
    /// runs and checks what it did itself (expectations are not checked).
    pub(crate) fn spawn(self) -> ChildGuard {
        ChildGuard::new(self.command().spawn().expect("devsvc starts"))
    }

    /// The command for this run, counted as a use of the engine unless it
    /// cannot reach one.
    fn command(&self) -> Command {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let no_engine = self
            .env
            .iter()
            .rev()
            .find(|(key, _)| key == "DOCKER_HOST")
            .is_some_and(|(_, value)| value.as_deref() == Some(NO_ENGINE));
        if !no_engine {
            self.project.engine_used.store(true, Ordering::SeqCst);
        }
        let mut cmd = self.project.bare_command(&args);
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    /// Runs devsvc and checks every expectation: the run, or a report of
    /// what differed (for tests that collect failures over many cases).
    pub(crate) fn check(self) -> Result<Run, String> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let run = Run::from(self.command().output().expect("devsvc runs"));
        run.log(&args);

        let mut problems = Vec::new();
        if run.code != self.status {
            problems.push(format!("exit code {}, expected {}", run.code, self.status));
        }
        for (name, got, whole, contains, lacks) in [
            (
                "stdout",
                &run.stdout,
                &self.stdout,
                &self.stdout_contains,
                &self.stdout_lacks,
            ),
            (
                "stderr",
                &run.stderr,
                &self.stderr,
                &self.stderr_contains,
                &self.stderr_lacks,
            ),
        ] {
            if let Some(want) = whole
                && got != want
            {
                problems.push(format!("{name} differs; expected:\n{want}"));
            }
            for piece in contains.iter().filter(|p| !got.contains(p.as_str())) {
                problems.push(format!("{name} lacks {piece:?}"));
            }
            for piece in lacks.iter().filter(|p| got.contains(p.as_str())) {
                problems.push(format!("{name} contains {piece:?}"));
            }
        }
        if problems.is_empty() {
            return Ok(run);
        }
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => format!("-{k}"),
            })
            .collect();
        Err(format!(
            "$ devsvc {}\nin {} (env changes: {})\n{}\n--- exit code {}\n--- stdout:\n{}\n--- stderr:\n{}",
            args.join(" "),
            self.project.path().display(),
            if env.is_empty() {
                "none".into()
            } else {
                env.join(" ")
            },
            problems.join("\n"),
            run.code,
            run.stdout,
            run.stderr
        ))
    }
}

/// A child process that is killed (and reaped) when the guard drops, so a
/// failing test never leaves one running, holding a project's lock.
pub(crate) struct ChildGuard(pub Option<Child>);

impl ChildGuard {
    pub(crate) fn new(child: Child) -> ChildGuard {
        ChildGuard(Some(child))
    }

    pub(crate) fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child still held")
    }

    /// Waits up to `limit`; kills the child when it takes longer.
    pub(crate) fn wait_for(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
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
pub(crate) struct EngineGuard {
    kind: &'static str,
    pub name: String,
}

pub(crate) const TEST_LABEL: &str = "dev.devsvc.test=1";

impl EngineGuard {
    /// `docker run -d --name NAME --label dev.devsvc.test=1 ARGS...`
    pub(crate) fn container(name: &str, args: &[&str]) -> EngineGuard {
        let guard = EngineGuard {
            kind: "container",
            name: name.to_string(),
        };
        let mut full = vec!["run", "-d", "--name", name, "--label", TEST_LABEL];
        full.extend(args);
        docker(&full);
        guard
    }

    pub(crate) fn network(name: &str) -> EngineGuard {
        let guard = EngineGuard {
            kind: "network",
            name: name.to_string(),
        };
        docker(&["network", "create", "--label", TEST_LABEL, name]);
        guard
    }

    pub(crate) fn volume(name: &str) -> EngineGuard {
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
        let out = docker_command().args(args).arg(&self.name).output();
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
pub(crate) struct PortGuard {
    pub port: u16,
    _lock: File,
}

pub(crate) fn reserve_port() -> PortGuard {
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
pub(crate) fn docker(args: &[&str]) -> String {
    let out = docker_command()
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

/// A container, network or volume on the engine that belongs to a test
/// project: named for it (`devsvc-<project>...`) or carrying its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Leftover {
    /// "container", "network" or "volume".
    pub kind: &'static str,
    pub name: String,
    /// Whether it carries the label `dev.devsvc.project=<project>`.
    pub labelled: bool,
}

/// Every container, network and volume named for the project or carrying
/// its label, as the engine lists them (the one listing behind
/// [`labelled_resources`] and [`named_resources`]).
pub(crate) fn leftovers(project: &str) -> Vec<Leftover> {
    let prefix = format!("devsvc-{project}");
    let mut out = Vec::new();
    for (kind, list, field) in [
        ("container", &["ps", "-a"][..], "{{.Names}}"),
        ("network", &["network", "ls"], "{{.Name}}"),
        ("volume", &["volume", "ls"], "{{.Name}}"),
    ] {
        let format = format!("{field}\t{{{{.Label \"dev.devsvc.project\"}}}}");
        let mut args = list.to_vec();
        args.extend(["--format", &format]);
        for line in docker(&args).lines() {
            let (name, label) = line.split_once('\t').unwrap_or((line, ""));
            let labelled = label.trim() == project;
            if labelled || name.starts_with(&prefix) {
                out.push(Leftover {
                    kind,
                    name: name.to_string(),
                    labelled,
                });
            }
        }
    }
    out
}

/// Every container, network and volume carrying the project's label.
pub(crate) fn labelled_resources(project: &str) -> Vec<Leftover> {
    leftovers(project)
        .into_iter()
        .filter(|l| l.labelled)
        .collect()
}

/// Every container, network and volume named for the project, labelled
/// or not.
pub(crate) fn named_resources(project: &str) -> Vec<Leftover> {
    let prefix = format!("devsvc-{project}");
    leftovers(project)
        .into_iter()
        .filter(|l| l.name.starts_with(&prefix))
        .collect()
}

/// Runs a Python snippet as an application would: it sees the given
/// variables (read from the env file), PATH and an empty HOME, nothing
/// else.
pub(crate) fn python(script: &str, env: &BTreeMap<String, String>) -> Run {
    app(Command::new("python3").arg("-c").arg(script), env)
}

/// Gives an app only `env`, PATH and an empty HOME of its own (with no
/// HOME at all, Python and libpq fall back to the runner's real home and
/// its ~/.pgpass, ~/.aws, ...). The folder lives as long as the returned
/// guard.
pub(crate) fn app_environment(
    cmd: &mut Command,
    env: &BTreeMap<String, String>,
) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("a HOME for the app");
    cmd.env_clear()
        .env("PATH", runner_path())
        .env("HOME", home.path())
        .envs(env);
    home
}

/// Runs an app with only `env`, PATH and an empty HOME in its environment.
pub(crate) fn app(cmd: &mut Command, env: &BTreeMap<String, String>) -> Run {
    let _home = app_environment(cmd, env);
    let out = cmd.stdin(Stdio::null()).output().expect("the app runs");
    let run = Run::from(out);
    eprintln!("python -> {}\n{}{}", run.code, run.stdout, run.stderr);
    run
}

/// The start of a Python app that uses Redis and S3 as any app would, from
/// the env file's variables only: `r` (redis-py) and `s3` (boto3).
pub(crate) const PY_REDIS_AND_S3: &str = r#"
import os, sys, boto3, redis
r = redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"],
                  aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                  aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                  region_name=os.environ["AWS_REGION"])
"#;

/// This machine's own address on the engine's default bridge (its
/// gateway): not loopback, so devsvc takes an engine there for a remote
/// one, and every test client still talks to this machine only.
pub(crate) fn remote_address() -> String {
    docker(&[
        "network",
        "inspect",
        "bridge",
        "-f",
        "{{(index .IPAM.Config 0).Gateway}}",
    ])
    .trim()
    .to_string()
}
