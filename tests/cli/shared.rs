//! Shared servers (`shared: true`, issue 24): two projects whose PostgreSQL
//! is shared run on one server container, each with its own role, secret
//! and databases, which the other's role may not connect to; `down
//! --volumes` drops one project's slice only; the last project out stops
//! the server, whose data stays; two `up`s at once both get their slice.
//! Checked with psql through each project's env file only.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use crate::common::*;

const SERVER: &str = "devsvc-shared-postgres-17";

/// Removes the shared server and its data however the test ends.
struct ServerGuard;

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = docker_command().args(["rm", "-f", "-v", SERVER]).output();
        let _ = docker_command()
            .args(["volume", "rm", "-f", &format!("{SERVER}-data")])
            .output();
    }
}

fn project(tag: &str) -> TestProject {
    let project = TestProject::new(
        tag,
        "services:\n  postgres:\n    shared: true\n    databases: [app, app_test]\n    init: [db/schema.sql]\n",
    );
    std::fs::create_dir_all(project.path().join("db")).unwrap();
    std::fs::write(
        project.path().join("db/schema.sql"),
        format!("create table notes (body text);\ninsert into notes values ('{tag}');\n"),
    )
    .unwrap();
    project
}

fn psql(vars: &BTreeMap<String, String>, args: &[&str]) -> Run {
    app(Command::new("psql").args(["-tA"]).args(args), vars)
}

fn state_of_server() -> String {
    docker(&["inspect", "-f", "{{.State.Status}}", SERVER])
        .trim()
        .to_string()
}

#[test]
fn two_projects_share_one_postgres_each_with_a_slice_of_its_own() {
    let _server = ServerGuard;
    let _ = docker_command().args(["rm", "-f", "-v", SERVER]).output();
    let mut a = project("sharea");
    let mut b = project("shareb");

    // Two `up`s at once: one makes the server, both get their slice.
    let spawn = |p: &TestProject| {
        p.cli(&["up"]).spawn()
    };
    let (mut up_a, mut up_b) = (spawn(&a), spawn(&b));
    for (name, up) in [("a", &mut up_a), ("b", &mut up_b)] {
        let status = up.wait_for(Duration::from_secs(120)).expect("up ended");
        assert!(status.success(), "up of {name}: {status:?}");
    }
    let servers = docker(&["ps", "-a", "--filter", "label=dev.devsvc.shared", "--format", "{{.Names}}"]);
    assert_eq!(servers.trim(), SERVER, "one server for both");
    for p in [&a, &b] {
        assert!(
            named_resources(&p.name).iter().all(|r| r.kind == "volume"),
            "no container of the project's own: {:?}",
            named_resources(&p.name)
        );
    }

    let (va, vb) = (a.dotenv(), b.dotenv());
    let owner_a = a.name.replace('-', "_");
    assert_eq!(va["PGUSER"], owner_a);
    assert_eq!(va["PGDATABASE"], format!("{owner_a}_app"));
    assert_eq!(va["PGPORT"], vb["PGPORT"], "the same server");
    assert_ne!(va["PGPASSWORD"], vb["PGPASSWORD"], "a secret each");
    // Each app finds its own init rows, in its own database.
    assert_eq!(psql(&va, &["-c", "select body from notes"]).stdout.trim(), "sharea");
    assert_eq!(psql(&vb, &["-c", "select body from notes"]).stdout.trim(), "shareb");
    assert_eq!(
        psql(&va, &["-d", &format!("{owner_a}_app_test"), "-c", "select 1"]).stdout.trim(),
        "1",
        "its second database too"
    );
    // And is refused on the other's.
    let denied = psql(&va, &["-d", &vb["PGDATABASE"], "-c", "select 1"]);
    assert_ne!(denied.code, 0);
    assert!(denied.stderr.contains("permission denied for database"), "{}", denied.stderr);

    // `status` and `env` see the slice as `up` left it.
    let listed = a.run(&["env"]).ok();
    assert!(listed.stdout.contains(&va["DATABASE_URL"]), "{}", listed.stdout);
    b.cli(&["shared", "status"])
        .stdout_contains("postgres-17")
        .stdout_contains(&a.name)
        .stdout_contains(&b.name)
        .run();

    // a leaves with its data: b's app and data are untouched, the server
    // runs on for b.
    a.cli(&["down", "--volumes"])
        .stderr_contains(&format!("dropped the slice `{owner_a}`"))
        .run();
    assert_eq!(psql(&vb, &["-c", "select body from notes"]).stdout.trim(), "shareb");
    let left = psql(
        &vb,
        &["-c", &format!("select count(*) from pg_database where datname like '{owner_a}%'")],
    );
    assert_eq!(left.stdout.trim(), "0", "a's databases are gone: {}", left.stderr);
    assert_eq!(state_of_server(), "running");

    // The last project out stops the server; its data stays.
    b.cli(&["down"])
        .stderr_contains("stopped the shared server devsvc-shared-postgres-17")
        .run();
    assert_eq!(state_of_server(), "exited");
    b.cli(&["up"]).stderr_contains("started the shared server").run();
    assert_eq!(psql(&b.dotenv(), &["-c", "select body from notes"]).stdout.trim(), "shareb");

    b.teardown().ok();
    a.teardown().ok();
    b.cli(&["shared", "down", "--volumes"]).run();
    assert!(docker(&["ps", "-a", "-q", "--filter", &format!("name=^{SERVER}$")]).trim().is_empty());
}
