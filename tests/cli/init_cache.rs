//! The init cache (issue 25): a fresh PostgreSQL volume starts from a copy
//! of the first initialisation with the same inputs instead of running
//! initdb and the `init:` files again, and holds the same data: the init
//! script's rows, the databases, the users and their logins. A changed
//! init file, image or variable that initialisation reads is a miss; a
//! damaged entry is refused; `cache ls` and `cache clear`. Checked with
//! psql through the env file.

use std::collections::BTreeMap;
use std::process::Command;

use crate::common::*;

const SCHEMA: &str = "create table notes (body text);\ninsert into notes values ('initialised');\ncreate role reader login password 'reader-pw';\ngrant select on notes to reader;\n";

fn psql(vars: &BTreeMap<String, String>, args: &[&str]) -> String {
    let run = app(Command::new("psql").args(["-tA"]).args(args), vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

/// What initialisation left, as the app sees it: the rows, the databases,
/// the app's own login and the reader's (a role the init file made).
fn initialised(project: &TestProject) -> Vec<String> {
    let vars = project.dotenv();
    let mut reader = vars.clone();
    reader.insert("PGUSER".into(), "reader".into());
    reader.insert("PGPASSWORD".into(), "reader-pw".into());
    vec![
        psql(&vars, &["-c", "select body from notes"]),
        psql(
            &vars,
            &[
                "-c",
                "select string_agg(datname, ',' order by datname) from pg_database where datname like 'app%'",
            ],
        ),
        psql(&vars, &["-c", "select current_user"]),
        psql(
            &reader,
            &["-c", "select current_user || ' ' || count(*) from notes"],
        ),
    ]
}

fn cache_files(project: &TestProject) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(project.state.path().join("init-cache"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A fresh volume (`down --volumes`, then `up`): started from the init
/// cache, or initialised for real and kept in it; `also` is a line the
/// run must print besides.
fn fresh_up(project: &TestProject, from_cache: bool, also: &str) {
    project.run(&["down", "--volumes"]).ok();
    let (hit, kept) = ("starting from the init cache", "kept its initialised data");
    let up = project.cli(&["up"]).stderr_contains(also);
    match from_cache {
        true => up.stderr_contains(hit).stderr_lacks(kept),
        false => up.stderr_lacks(hit).stderr_contains(kept),
    }
    .run();
}

/// Removes the test's derived image however the test ends.
struct ImageGone(String);

impl Drop for ImageGone {
    fn drop(&mut self) {
        let _ = docker_command().args(["rmi", "-f", &self.0]).output();
    }
}

#[test]
fn a_cached_initialisation_holds_what_a_real_one_does_and_changed_inputs_miss() {
    let yaml =
        "services:\n  postgres:\n    databases: [app, app_test]\n    init: [db/schema.sql]\n";
    let mut project = TestProject::new("initcache", yaml);
    std::fs::create_dir_all(project.path().join("db")).unwrap();
    std::fs::write(project.path().join("db/schema.sql"), SCHEMA).unwrap();

    project
        .cli(&["up"])
        .stderr_lacks("starting from the init cache")
        .stderr_contains("kept its initialised data in the init cache")
        .run();
    let real = initialised(&project);
    assert_eq!(
        real,
        [
            "initialised".to_string(),
            "app,app_test".into(),
            "app".into(),
            "reader 1".into()
        ]
    );
    project
        .cli(&["cache", "ls"])
        .stdout_contains("postgres")
        .stdout_contains("postgres:17.6-alpine")
        .run();

    // A fresh volume with the same inputs: from the cache, the same data.
    fresh_up(&project, true, "");
    assert_eq!(initialised(&project), real);

    // A changed init file: a miss, initialised for real.
    std::fs::write(
        project.path().join("db/schema.sql"),
        SCHEMA.replace("'initialised'", "'changed'"),
    )
    .unwrap();
    fresh_up(&project, false, "");
    assert_eq!(initialised(&project)[0], "changed");

    // A variable that initialisation reads: a miss.
    std::fs::write(
        project.path().join("services.yaml"),
        format!("{yaml}    env: {{ POSTGRES_INITDB_ARGS: \"--locale=C\" }}\n"),
    )
    .unwrap();
    fresh_up(&project, false, "");

    // Another image (the same PostgreSQL, another build): a miss.
    let image = format!(
        "{}postgres:initcache-{}",
        registry_prefix(),
        std::process::id()
    );
    let _image = ImageGone(image.clone());
    let mut build = docker_command()
        .args(["build", "-q", "-t", &image, "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    build
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!(
                "FROM {}postgres:17.6-alpine\nLABEL dev.devsvc.test=initcache\n",
                registry_prefix()
            )
            .as_bytes(),
        )
        .unwrap();
    assert!(build.wait().unwrap().success(), "docker build");
    std::fs::write(
        project.path().join("services.yaml"),
        format!(
            "{yaml}    image: postgres:initcache-{}\n",
            std::process::id()
        ),
    )
    .unwrap();
    fresh_up(&project, false, "");
    assert_eq!(initialised(&project)[0], "changed");

    // A damaged entry: refused, and initialised for real.
    for file in cache_files(&project) {
        if file.extension().is_some_and(|e| e == "tar") {
            let mut bytes = std::fs::read(&file).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xff;
            std::fs::write(&file, bytes).unwrap();
        }
    }
    fresh_up(
        &project,
        false,
        "not used: its bytes differ from those kept; initialising",
    );
    assert_eq!(initialised(&project)[0], "changed");

    project
        .cli(&["cache", "clear"])
        .stderr_contains("removed 4 init cache entries")
        .run();
    project
        .cli(&["cache", "ls"])
        .stderr_contains("the init cache is empty")
        .run();
    project.teardown().ok();
}
