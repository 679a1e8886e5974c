//! Test harness: runs the real `devsvc` binary in a temporary project folder
//! against the real Docker engine that `scripts/test-env` prepared. Each
//! project gets a unique name (leftovers from earlier runs never collide),
//! its own state folder, and is torn down on drop. The tool's own variables
//! are scrubbed so tests are hermetic.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

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

pub struct TestProject {
    pub dir: tempfile::TempDir,
    pub name: String,
    pub state: tempfile::TempDir,
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

/// The stand-in MinIO (s3s-fs) answers 403 on /minio/health/live, so tests
/// that use it probe that it answers HTTP at all (SPEC section 5).
pub const MINIO_STANDIN_READY: &str =
    "    ready:\n      - http: { port: s3, path: /minio/health/live, status: 403 }\n";

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
        for (key, _) in std::env::vars() {
            if key.starts_with("DEVSVC_") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(self.path())
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
            let _ = self
                .command(&["down", "--volumes"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
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

/// Runs a Python snippet with exactly the given environment added, as an
/// application would see it.
pub fn python(script: &str, env: &BTreeMap<String, String>) -> Run {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .envs(env)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .output()
        .expect("python3 runs");
    let run = Run::from(out);
    eprintln!("python -> {}\n{}{}", run.code, run.stdout, run.stderr);
    run
}
