//! The engine restarted while `up` waits (issue 23): devsvc exits 3 at
//! once, saying the engine went away, and the next `up` converges with the
//! data intact. This restarts the test engine itself (dockerd), so it is
//! `#[ignore]`d in a plain run, where other tests share the engine;
//! `scripts/test` runs it alone, after the suite.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// The pid of the local dockerd, from its pid file.
fn dockerd_pid() -> String {
    std::fs::read_to_string("/var/run/docker.pid")
        .expect("dockerd's pid file (the local engine scripts/test-env starts)")
        .trim()
        .to_string()
}

/// Brings the engine back when dropped, however the test ends: waits for
/// the stopped dockerd to exit, then starts it again. Made after the
/// project, so it drops first and the project's teardown finds an engine.
struct EngineBack(String);

impl Drop for EngineBack {
    fn drop(&mut self) {
        let proc = format!("/proc/{}", self.0);
        let until = Instant::now() + Duration::from_secs(60);
        while std::path::Path::new(&proc).exists() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
        start_engine();
    }
}

/// Starts the engine again as `scripts/test-env` does (quick once the rest
/// is in place), from a clean environment; the next engine call shows
/// whether it came back.
fn start_engine() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-env");
    let mut cmd = Command::new(script);
    let _home = app_environment(&mut cmd, &Default::default());
    // Logged, never a panic: this runs in a drop, maybe while unwinding.
    match cmd.stdin(Stdio::null()).output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => eprintln!("test-env: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => eprintln!("test-env did not run: {e}"),
    }
}

#[test]
#[ignore = "restarts the engine: scripts/test runs it alone, after the suite"]
fn a_restart_of_the_engine_while_up_waits_exits_3_and_the_next_up_converges() {
    assert!(
        test_engine() == "unix:///var/run/docker.sock",
        "restarts the local dockerd only"
    );
    let good = "services:\n  redis: {}\n";
    let mut project = TestProject::new("restart", good);
    project.run(&["up"]).ok();
    let note = |value: Option<&str>| {
        let write = value.map_or(String::new(), |v| format!("r.set('note', '{v}')\n"));
        let run = python(
            &format!(
                "import os, redis\nr = redis.from_url(os.environ['REDIS_URL'], decode_responses=True)\n{write}print(r.get('note'))"
            ),
            &project.dotenv(),
        );
        run.stdout.trim().to_string()
    };
    assert_eq!(note(Some("before the restart")), "before the restart");
    // Redis writes its data at shutdown: ask for it now, as an app's
    // durable write would have been.
    python(
        "import os, redis\nredis.from_url(os.environ['REDIS_URL']).save()",
        &project.dotenv(),
    );

    // A service that never answers keeps `up` waiting.
    std::fs::write(
        project.path().join("services.yaml"),
        "services:\n  redis: {}\n  mailhog:\n    ready:\n      - http: { port: http, path: /, status: 599 }\n",
    )
    .unwrap();
    let (mut up, rx, _) =
        crate::faults::run_until(&project, &["up"], "mailhog: waiting until ready");
    let restarting = Instant::now();
    let pid = dockerd_pid();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let engine_back = EngineBack(pid);
    let status = up.wait_for(Duration::from_secs(30)).expect("devsvc ended");
    let took = restarting.elapsed();
    // What it wrote before exiting (the reader ends at the pipe's end).
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        lines.push(line);
    }
    let stderr = lines.join("\n");
    drop(engine_back);
    eprintln!("devsvc ended {took:?} after SIGTERM to dockerd:\n{stderr}");
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("went away while services were starting"),
        "{stderr}"
    );
    assert!(
        took < Duration::from_secs(15),
        "{took:?}: not once every probe timed out"
    );

    std::fs::write(project.path().join("services.yaml"), good).unwrap();
    project.cli(&["up"]).run();
    assert_eq!(note(None), "before the restart", "the data survived");
    project.teardown().ok();
}
