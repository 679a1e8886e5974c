//! Faults, against the real engine: interrupts at every stage of `up`, a
//! killed devsvc, an unreachable engine, a service that never gets ready,
//! clashing ports and names, unpullable images, and engine discovery
//! through contexts and a remote tcp endpoint. devsvc must leave nothing
//! unlabelled behind and never touch what is not its own.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::*;

pub(crate) const THREE: &str =
    "services:\n  redis: {}\n  mailhog: {}\n  minio:\n    buckets: [uploads]\n";

fn signal(child: &mut ChildGuard, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.child().id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

/// Starts `devsvc up` and returns it once a stderr line contains `marker`,
/// with the lines seen so far. The guard kills it if the test fails first.
fn up_until(
    project: &TestProject,
    marker: &str,
) -> (ChildGuard, mpsc::Receiver<String>, Vec<String>) {
    run_until(project, &["up"], marker)
}

/// `up_until` for any devsvc command.
pub(crate) fn run_until(
    project: &TestProject,
    args: &[&str],
    marker: &str,
) -> (ChildGuard, mpsc::Receiver<String>, Vec<String>) {
    let mut child = ChildGuard::new(
        project
            .command(args)
            .env("DEVSVC_TIMINGS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = child.child().stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let hit = line.contains(marker);
                seen.push(line);
                if hit {
                    return (child, rx, seen);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!("never saw `{marker}`:\n{}", seen.join("\n"));
}

/// Waits for the child to exit; `None` as the code when a signal ended it
/// (devsvc did not handle the signal itself).
fn wait_exit(child: &mut ChildGuard, limit: Duration) -> (Option<i32>, Duration) {
    let start = Instant::now();
    let status = child.wait_for(limit * 5).expect("devsvc did not exit");
    (status.code(), start.elapsed())
}

/// After a fault: every resource carries the label, the next `up`
/// converges, and the next `down --volumes` removes everything.
fn assert_converges(project: &TestProject, good_yaml: &str) {
    for left in named_resources(&project.name) {
        assert!(left.labelled, "{left:?} was left without devsvc's label");
    }
    std::fs::write(project.path().join("services.yaml"), good_yaml).unwrap();
    project.run(&["up"]).ok();
    project.run(&["down", "--volumes"]).ok();
    assert_eq!(named_resources(&project.name), []);
}

#[test]
fn sigint_at_four_moments_exits_130_quickly_and_leaves_only_labelled_resources() {
    let never_ready = "services:\n  redis: {}\n  mailhog:\n    ready:\n      - http: { port: http, path: /, status: 599 }\n";
    let moments = [
        ("pull", THREE, "pulling", true),
        ("create", THREE, "timing: ready to create containers", false),
        ("start", THREE, "started container", false),
        (
            "readiness",
            never_ready,
            "mailhog: waiting until ready",
            false,
        ),
    ];
    for (moment, yaml, marker, fresh) in moments {
        let mut project = TestProject::new(&format!("int-{moment}"), yaml);
        if fresh {
            let prefix = format!("{}pullint/", registry_prefix());
            for image in [
                "redis:7.4-alpine",
                "mailhog/mailhog:v1.0.1",
                "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
            ] {
                let _ = docker_command()
                    .args(["rmi", "-f", &format!("{prefix}{image}")])
                    .output();
            }
            project.env.insert("DEVSVC_IMAGE_PREFIX".into(), prefix);
        }
        let (mut child, rx, seen) = up_until(&project, marker);
        signal(&mut child, "-INT");
        let (code, took) = wait_exit(&mut child, Duration::from_secs(2));
        // Everything it wrote before exiting: the reader thread may still
        // be passing the last lines on (it ends at the pipe's end).
        let mut after = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
            after.push(line);
        }
        eprintln!(
            "{moment}: exit {code:?} {took:?} after SIGINT; saw:\n{}\nthen:\n{}",
            seen.join("\n"),
            after.join("\n")
        );
        // A normal exit with 130: devsvc's handler ran (the default action
        // would end the process by the signal, with no exit code at all).
        assert_eq!(code, Some(130), "SIGINT during {moment}");
        assert!(
            after.iter().any(|l| l.contains(
                "error: interrupted (SIGINT); everything created so far carries the project's label"
            )),
            "the cleanup message during {moment}: {after:?}"
        );
        assert!(
            took < Duration::from_secs(2),
            "SIGINT during {moment} took {took:?}"
        );
        assert_converges(&project, THREE);
    }
}

/// Issue 23: CI runners and process managers end jobs with SIGTERM, a
/// closed terminal sends SIGHUP; both killed devsvc outright (no exit
/// code, nothing said). Now handled as SIGINT is: exit 143 and 129, the
/// message, and the next `up` converges.
#[test]
fn sigterm_and_sighup_during_up_are_handled_as_sigint_is() {
    let never_ready = "services:\n  redis: {}\n  mailhog:\n    ready:\n      - http: { port: http, path: /, status: 599 }\n";
    for (sig, name, code) in [("-TERM", "SIGTERM", 143), ("-HUP", "SIGHUP", 129)] {
        let project = TestProject::new(&format!("sig{}", &sig[1..].to_lowercase()), never_ready);
        let (mut child, rx, _) = up_until(&project, "mailhog: waiting until ready");
        signal(&mut child, sig);
        let (exit, _) = wait_exit(&mut child, Duration::from_secs(2));
        let mut after = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
            after.push(line);
        }
        assert_eq!(exit, Some(code), "{name}: {after:?}");
        assert!(
            after
                .iter()
                .any(|l| l.contains(&format!("error: interrupted ({name})"))),
            "{name}: {after:?}"
        );
        assert_converges(&project, THREE);
    }
}

/// Issue 23: SIGTERM sent to devsvc alone during `run --up --down` (as a
/// CI runner's timeout sends it) killed devsvc and left the child running
/// and the services up. Now the child gets the SIGTERM, devsvc waits for
/// it, tears down, and exits 143.
#[test]
fn sigterm_to_devsvc_alone_during_run_reaches_the_child_and_tears_down() {
    let project = TestProject::new("runterm", "services:\n  redis: {}\n");
    let marker = project.path().join("child.log");
    let script = format!(
        "import signal, sys, time\n\
         log = open({marker:?}, 'w', buffering=1)\n\
         def term(n, f):\n    log.write('got SIGTERM\\n'); sys.exit(0)\n\
         signal.signal(signal.SIGTERM, term)\n\
         log.write('started\\n')\n\
         time.sleep(60)\n\
         log.write('never signalled\\n')\n",
        marker = marker.display().to_string()
    );
    let mut child = ChildGuard::new(
        project
            .command(&["run", "--up", "--down", "--", "python3", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let until = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&marker).is_ok_and(|t| t.contains("started")) {
        assert!(Instant::now() < until, "the command never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    // devsvc alone, not its process group (as `timeout` would signal).
    signal(&mut child, "-TERM");
    let (exit, _) = wait_exit(&mut child, Duration::from_secs(12));
    assert_eq!(exit, Some(143));
    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        "started\ngot SIGTERM\n"
    );
    assert_eq!(
        named_resources(&project.name),
        [],
        "--down removed everything"
    );
}

/// Runs Python `code` with `r`, a redis-py client from the env file's
/// `REDIS_URL`; returns what it printed.
fn redis_app(project: &TestProject, code: &str) -> String {
    let script = format!(
        "import os, redis\nr = redis.from_url(os.environ['REDIS_URL'], decode_responses=True)\n{code}"
    );
    let run = python(&script, &project.dotenv());
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

/// Issue 23: a restore killed after the service's data was removed left
/// a half-filled volume that the next `up` started as if it were whole.
/// Now the next `up` puts back the data from before (never half of the
/// snapshot) and says so.
#[test]
fn a_restore_killed_halfway_is_finished_by_the_next_up_with_the_data_from_before() {
    let project = TestProject::new("restorekill", "services:\n  redis: {}\n");
    project.run(&["up"]).ok();
    let redis = |code: &str| redis_app(&project, code);
    // Big enough that the copy into the new volume takes a while.
    redis("r.set('big', 'x' * 40_000_000)\nr.set('note', 'snapshot')");
    project.run(&["snapshot", "save", "s1"]).ok();
    redis("r.set('note', 'after')");
    let (mut child, _rx, _) = run_until(
        &project,
        &["snapshot", "restore", "s1"],
        "timing: ready to create containers",
    );
    signal(&mut child, "-KILL");
    let _ = wait_exit(&mut child, Duration::from_secs(2));
    project
        .cli(&["up"])
        .stderr_contains("redis: a restore was interrupted: its data from before comes back")
        .run();
    assert_eq!(redis("print(r.get('note'))"), "after");
    // Finished: the next `up` has nothing to put back.
    project.cli(&["up"]).stderr_lacks("interrupted").run();
    assert_eq!(redis("print(r.get('note'))"), "after");
}

/// Issue 23: a signal while a PostgreSQL's `init:` files were still being
/// copied into its new container left it created but never started; the
/// next `up` started it, and PostgreSQL initialised without them (the SQL
/// never ran). Now that container is recreated, and the SQL runs.
#[test]
fn a_signal_while_init_files_are_copied_leaves_a_container_the_next_up_recreates() {
    let project = TestProject::new(
        "initint",
        "services:\n  postgres:\n    init: [db/schema.sql]\n",
    );
    std::fs::create_dir_all(project.path().join("db")).unwrap();
    // Large, so the copy into the container takes a while.
    let padding = format!("-- {}\n", "x".repeat(1000)).repeat(60_000);
    std::fs::write(
        project.path().join("db/schema.sql"),
        format!(
            "create table products (name text);\ninsert into products values ('apple');\n{padding}"
        ),
    )
    .unwrap();
    let container = format!("devsvc-{}-postgres", project.name);
    let (mut child, _rx, _) = up_until(&project, "timing: ready to create containers");
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let state = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("name=^{container}$"),
            "--format",
            "{{.State}}",
        ]);
        if state.trim() == "created" {
            break;
        }
        assert!(
            state.trim().is_empty(),
            "never seen between create and start: {state}"
        );
        assert!(Instant::now() < until, "the container was never created");
    }
    signal(&mut child, "-INT");
    let (exit, _) = wait_exit(&mut child, Duration::from_secs(2));
    assert_eq!(exit, Some(130));
    let state = docker(&["inspect", "-f", "{{.State.Status}}", &container]);
    assert_eq!(state.trim(), "created", "left between create and start");

    project
        .cli(&["up"])
        .stderr_contains("postgres: its container was created but never started (an interrupted run): recreating")
        .run();
    let rows = app(
        Command::new("psql").args(["-tAc", "select name from products"]),
        &project.dotenv(),
    );
    assert_eq!(
        rows.stdout.trim(),
        "apple",
        "the init SQL ran: {}",
        rows.stderr
    );
}

/// Issue 23: an interrupted `snapshot save` left the service stopped.
/// Now a signal undoes the save (the service runs again, no snapshot is
/// written); devsvc killed outright leaves a stopped service that the
/// next `up` starts and a partial folder that the next save removes.
/// Either way the data is what it was and the next save works.
#[test]
fn a_snapshot_save_interrupted_or_killed_leaves_the_data_and_no_snapshot() {
    let project = TestProject::new("saveint", "services:\n  redis: {}\n");
    project.run(&["up"]).ok();
    let redis = |code: &str| redis_app(&project, code);
    // Big enough that copying it out takes a while.
    redis("r.set('big', 'x' * 60_000_000)\nr.set('note', 'kept')");
    let folder = project.state.path().join("snapshots").join(&project.name);
    for (sig, code) in [("-INT", Some(130)), ("-KILL", None)] {
        let (mut child, rx, _) = run_until(
            &project,
            &["snapshot", "save", "s1"],
            "redis: stopped, copying its data out",
        );
        signal(&mut child, sig);
        let (exit, _) = wait_exit(&mut child, Duration::from_secs(10));
        let after: Vec<String> = rx.try_iter().collect();
        assert_eq!(exit, code, "{sig}: {after:?}");
        let listed = project.run(&["snapshot", "list"]).ok();
        assert!(!listed.stdout.contains("s1"), "{sig}: {}", listed.stdout);
        let state = || {
            let status: serde_json::Value =
                serde_json::from_str(&project.run(&["status", "--json"]).ok().stdout).unwrap();
            status[0]["state"].as_str().unwrap_or_default().to_string()
        };
        if sig == "-INT" {
            assert!(
                after
                    .iter()
                    .any(|l| l
                        .contains("redis: save interrupted: started again; no snapshot written")),
                "{after:?}"
            );
            assert_eq!(state(), "running", "undone by devsvc itself");
            project.cli(&["up"]).stderr_lacks("redis: started").run();
        } else {
            assert_eq!(state(), "exited", "killed while its data was copied");
            project.cli(&["up"]).stderr_contains("redis: started").run();
        }
        assert_eq!(
            redis("print(r.get('note'), len(r.get('big')))"),
            "kept 60000000"
        );
    }
    let partials = || -> Vec<String> {
        std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(partials(), [".s1.partial"], "what the kill left");
    project.run(&["snapshot", "save", "s2"]).ok();
    assert_eq!(partials(), ["s2"], "the next save removed it");
}

#[test]
fn sigkill_during_up_then_down_removes_everything_and_up_succeeds() {
    let project = TestProject::new("kill", THREE);
    let (mut child, _rx, _) = up_until(&project, "started container");
    signal(&mut child, "-KILL");
    child.child().wait().unwrap();
    project.run(&["down", "--volumes"]).ok();
    assert_eq!(named_resources(&project.name), []);
    project.run(&["up"]).ok();
    project.run(&["down", "--volumes"]).ok();
}

#[test]
fn an_unreachable_engine_exits_3_within_5_s_naming_the_endpoint() {
    let project = TestProject::new("noengine", THREE);
    for host in ["unix:///nonexistent/docker.sock", "tcp://127.0.0.1:1"] {
        let start = Instant::now();
        project
            .cli(&["up"])
            .env("DOCKER_HOST", host)
            .status(3)
            .stderr_contains(&format!(
                "cannot reach the container engine at {host} (chosen from DOCKER_HOST)"
            ))
            .run();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }
}

#[test]
fn a_service_that_never_gets_ready_exits_4_with_its_logs_and_spares_the_others() {
    let project = TestProject::new(
        "notready",
        // The other service is a second Redis: it answers within the 3 s
        // even on a loaded machine (a Node.js mail catcher may not).
        "services:\n  redis:\n    ready:\n      - http: { port: redis, path: /, status: 200 }\n  sessions:\n    template: redis\n    env_prefix: SESSIONS_\n",
    );
    let start = Instant::now();
    project
        .cli(&["up", "--timeout", "3"])
        .status(4)
        .stderr_contains("service `redis` did not become ready within 3 s")
        .stderr_contains("last log lines of devsvc-")
        // redis's own log line
        .stderr_contains("Ready to accept connections")
        .run();
    assert!(start.elapsed() >= Duration::from_secs(3));
    let status: serde_json::Value =
        serde_json::from_str(&project.run(&["status", "--json"]).ok().stdout).unwrap();
    let other = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "sessions")
        .unwrap();
    assert_eq!(other["ready"], true, "the other service is up: {status}");
    assert!(
        project.dotenv().contains_key("SESSIONS_REDIS_PORT"),
        "its variables are written"
    );
}

#[test]
fn a_pinned_port_in_use_is_refused_before_anything_is_created() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let project = TestProject::new(
        "busyport",
        &format!("services:\n  mailhog: {{}}\n  redis:\n    ports: {{ 6379: {port} }}\n"),
    );
    project
        .cli(&["up"])
        .status(1)
        .stderr_contains(&format!(
            "service `redis`: host port {port} (pinned for container port 6379) is already in use"
        ))
        .run();
    assert_eq!(named_resources(&project.name), []);
}

/// `up` refuses while a resource devsvc would create by this name exists
/// without the project's label; `up` and `down --volumes` leave it exactly
/// as it was (same ID, still running). Takes the project by value, so even
/// when an assertion fails it is torn down before the foreign resource's
/// guard removes that.
fn assert_refused_and_untouched(project: TestProject, kind: &str, name: &str, inspect: &[&str]) {
    let before = docker(inspect);
    project
        .cli(&["up"])
        .status(1)
        .stderr_contains(&format!(
            "a {kind} named `{name}` already exists and was not created by devsvc for project `{}` (it carries no devsvc label)",
            project.name
        ))
        .run();
    project.run(&["down", "--volumes"]).ok();
    assert_eq!(docker(inspect), before, "the foreign {kind} is untouched");
    let named = named_resources(&project.name);
    assert!(
        named.iter().all(|left| left.name == name && !left.labelled),
        "nothing half-created: {named:?}"
    );
}

#[test]
fn foreign_resources_with_our_names_are_never_touched() {
    let image = format!("{}redis:7.4-alpine", registry_prefix());

    let project = TestProject::new("foreign-c", "services:\n  redis: {}\n");
    let name = format!("devsvc-{}-redis", project.name);
    let _container = EngineGuard::container(&name, &[&image]);
    assert_refused_and_untouched(
        project,
        "container",
        &name,
        &["inspect", "-f", "{{.Id}} {{.State.Running}}", &name],
    );

    let project = TestProject::new("foreign-n", "network: true\nservices:\n  redis: {}\n");
    let name = format!("devsvc-{}", project.name);
    let _network = EngineGuard::network(&name);
    assert_refused_and_untouched(
        project,
        "network",
        &name,
        &["network", "inspect", "-f", "{{.Id}} {{.Labels}}", &name],
    );

    let project = TestProject::new("foreign-v", "services:\n  redis: {}\n");
    let name = format!("devsvc-{}-redis-data", project.name);
    let _volume = EngineGuard::volume(&name);
    assert_refused_and_untouched(
        project,
        "volume",
        &name,
        &[
            "volume",
            "inspect",
            "-f",
            "{{.CreatedAt}} {{.Labels}}",
            &name,
        ],
    );
}

#[test]
fn an_image_that_cannot_be_pulled_is_named_with_the_registry_answer() {
    let project = TestProject::new(
        "nopull",
        "services:\n  redis: {}\n  mail:\n    template: mailhog\n    image: nosuch/mailcatcher:9.9\n",
    );
    let wanted = format!(
        "cannot pull image {}nosuch/mailcatcher:9.9: ",
        registry_prefix()
    );
    let run = project
        .cli(&["up"])
        .status(1)
        .stderr_contains(&wanted)
        .run();
    assert!(
        run.stderr.contains("manifest unknown") || run.stderr.contains("not found"),
        "{}",
        run.stderr
    );
    assert_eq!(named_resources(&project.name), [], "nothing half-created");
}

#[test]
fn a_docker_context_in_a_temporary_home_is_used_and_doctor_says_why() {
    let project = TestProject::new("context", "services:\n  redis: {}\n");
    let home = tempfile::tempdir().unwrap();
    let docker_dir = home.path().join(".docker");
    // A context's meta lives under the sha256 of its name, as the docker CLI stores it.
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"devsvc-ci"));
    let meta = docker_dir.join("contexts/meta").join(digest);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        r#"{"Name":"devsvc-ci","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///var/run/docker.sock","SkipTLSVerify":false}}}"#,
    )
    .unwrap();
    std::fs::write(
        docker_dir.join("config.json"),
        r#"{"currentContext":"devsvc-ci"}"#,
    )
    .unwrap();
    let home_str = home.path().to_str().unwrap();
    let doctor = project
        .command(&["doctor"])
        .env("HOME", home_str)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        text.contains(
            "unix:///var/run/docker.sock (chosen by context `devsvc-ci` (currentContext in"
        ),
        "{text}"
    );
    assert!(text.contains("ok   engine: reachable"), "{text}");
    project
        .cli(&["up"])
        .env("HOME", home_str)
        .without("DOCKER_HOST")
        .without("DOCKER_CONTEXT")
        .run();
}

/// A tcp endpoint for the engine on an address (argv 1) and port (argv 2),
/// forwarding to its socket.
const PROXY: &str = r#"
import asyncio, sys
async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data); await w.drain()
    finally:
        w.close()
async def handle(cr, cw):
    ur, uw = await asyncio.open_unix_connection("/var/run/docker.sock")
    await asyncio.gather(pipe(cr, uw), pipe(ur, cw), return_exceptions=True)
async def main():
    server = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]))
    print("listening", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"#;

/// A tcp endpoint for the engine on `address` (a stand-in for a remote
/// machine), killed when the guard drops.
fn engine_proxy(address: &str, port: u16) -> ChildGuard {
    let mut proxy = ChildGuard::new(
        Command::new("python3")
            .args(["-c", PROXY, address, &port.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(proxy.child().stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "listening");
    proxy
}

/// A project that reaches the engine through the proxy at `address` and
/// publishes there, as on a remote machine's own address.
fn remote_project(tag: &str, address: &str, proxy_port: u16) -> TestProject {
    let mut project = TestProject::new(tag, "services:\n  redis: {}\n");
    project.env.insert(
        "DOCKER_HOST".into(),
        format!("tcp://{address}:{proxy_port}"),
    );
    project.env.insert("DEVSVC_HOST_IP".into(), address.into());
    project
}

/// Issue 22: any loopback address is this machine. An engine at
/// `tcp://127.0.0.2` publishes on 127.0.0.1 (not on every interface, as
/// for a remote one) and the env file says 127.0.0.1.
#[test]
fn an_engine_on_another_loopback_address_is_a_local_one() {
    let proxy_port = reserve_port();
    let _proxy = engine_proxy("127.0.0.2", proxy_port.port);
    let mut project = TestProject::new("loop2", "services:\n  redis: {}\n");
    project.env.insert(
        "DOCKER_HOST".into(),
        format!("tcp://127.0.0.2:{}", proxy_port.port),
    );
    project.run(&["up"]).ok();
    let vars = project.dotenv();
    assert_eq!(vars["REDIS_HOST"], "127.0.0.1");
    let published = docker(&[
        "inspect",
        "-f",
        "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}} {{end}}{{end}}",
        &format!("devsvc-{}-redis", project.name),
    ]);
    assert_eq!(published.trim(), "127.0.0.1");
    let app = python(
        "import os, redis; assert redis.from_url(os.environ['REDIS_URL']).ping()",
        &vars,
    );
    assert_eq!(app.code, 0, "{}", app.stderr);
    project.run(&["down", "--volumes"]).ok();
}

#[test]
fn with_a_remote_tcp_engine_the_urls_use_its_host() {
    let proxy_port = reserve_port();
    let remote = remote_address();
    let _proxy = engine_proxy(&remote, proxy_port.port);
    let project = remote_project("remote", &remote, proxy_port.port);
    project.run(&["up"]).ok();
    let vars = project.dotenv();
    assert_eq!(vars["REDIS_HOST"], remote);
    assert!(
        vars["REDIS_URL"].contains(&format!("@{remote}:")),
        "{vars:?}"
    );
    let app = python(
        "import os, redis; assert redis.from_url(os.environ['REDIS_URL']).ping()",
        &vars,
    );
    assert_eq!(app.code, 0, "{}", app.stderr);
    project.run(&["down", "--volumes"]).ok();
}

#[test]
fn an_automatic_port_taken_between_choosing_and_starting_is_chosen_again() {
    // With a remote engine devsvc cannot check a port from here, so it
    // keeps the remembered one; something on the engine's host holds it
    // (this listener), so the engine refuses to publish it: exactly the
    // race of another program taking a port between choosing and starting,
    // made deterministic.
    let proxy_port = reserve_port();
    let remote = remote_address();
    let _proxy = engine_proxy(&remote, proxy_port.port);
    let taken = reserve_port();
    let _holder = TcpListener::bind((remote.as_str(), taken.port)).unwrap();
    let project = remote_project("portrace", &remote, proxy_port.port);
    let state = format!(r#"{{"ports":{{"redis/redis":{}}}}}"#, taken.port);
    std::fs::write(
        project.state.path().join(format!("{}.json", project.name)),
        state,
    )
    .unwrap();

    project
        .cli(&["up"])
        .stderr_contains("redis: a host port was taken meanwhile; trying another")
        .run();
    let url = project.dotenv()["REDIS_URL"].clone();
    assert!(!url.contains(&format!(":{}/", taken.port)), "{url}");
    let app = python(
        "import os, redis; assert redis.from_url(os.environ['REDIS_URL']).ping()",
        &project.dotenv(),
    );
    assert_eq!(app.code, 0, "{}", app.stderr);
    project.run(&["down", "--volumes"]).ok();
}

#[test]
fn a_slow_service_shows_its_latest_log_line_under_its_spinner_on_a_terminal_only() {
    let never_ready =
        "services:\n  redis:\n    ready:\n      - http: { port: redis, path: /, status: 599 }\n";
    let mut project = TestProject::new("logline", never_ready);
    // script(1) gives devsvc a pseudo-terminal, as a developer's shell would.
    let devsvc = project.command(&[]);
    let mut on_terminal = Command::new("script");
    on_terminal
        .env_clear()
        .envs(devsvc.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("TERM", "xterm")
        .current_dir(project.path())
        // 6 s: the line shows after 1 s of waiting, and on a loaded machine
        // creating and starting may take most of a shorter timeout.
        .args(["-qec", &format!("{BIN} up --timeout 6"), "/dev/null"])
        .stdin(Stdio::null());
    let out = on_terminal.output().expect("script runs");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{screen}");
    // Redis's own latest line: its complaint about the HTTP probe (the
    // error at the end lists the logs too, but never under a `└`).
    let detail = screen
        .split("└ ")
        .nth(1)
        .unwrap_or_else(|| panic!("no line under the spinner:\n{screen}"));
    assert!(
        detail.contains("Possible SECURITY ATTACK detected"),
        "{detail}"
    );
    // Plain output (a pipe) stays one line per event.
    project
        .cli(&["up", "--timeout", "3"])
        .status(4)
        .stderr_contains("redis: waiting until ready")
        .stderr_lacks("└")
        .run();
    project.teardown().ok();
}
