//! Data that follows the git branch (`data: per-branch`): each branch has
//! its own volume behind the same container ports and passwords, so the
//! env file never changes; `status` says whose data is live; `down
//! --volumes` takes only the current branch's unless `--all-branches`.
//! Outside a git repository: one set, with a note.

use crate::common::*;

/// The app: writes `note` when given a value, and prints what it holds.
fn note(project: &TestProject, value: Option<&str>) -> String {
    let write = value.map_or(String::new(), |v| format!("r.set('note', '{v}')\n"));
    let run = python(
        &format!(
            "import os, redis\nr = redis.from_url(os.environ['REDIS_URL'], decode_responses=True)\n{write}print(r.get('note'))"
        ),
        &project.dotenv(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

fn volumes(project: &TestProject) -> Vec<String> {
    let mut names: Vec<String> = labelled_resources(&project.name)
        .into_iter()
        .filter(|left| left.kind == "volume")
        .map(|left| left.name)
        .collect();
    names.sort();
    names
}

#[test]
fn per_branch_data_swaps_behind_the_same_env_file() {
    let mut project = TestProject::new("branch", "data: per-branch\nservices:\n  redis: {}\n");
    let dir = project.path().to_path_buf();
    git(&dir, &["init", "-q", "-b", "a"]);
    git(&dir, &["commit", "-q", "--allow-empty", "-m", "start"]);

    project.run(&["up"]).ok();
    let env_file = std::fs::read(project.env_file()).unwrap();
    assert_eq!(note(&project, Some("from a")), "from a");
    project
        .cli(&["status"])
        .stdout_contains("data of branch `a` is live for redis")
        .run();

    git(&dir, &["checkout", "-q", "-b", "b"]);
    project
        .cli(&["status"])
        .stdout_contains("branch `b` is checked out, but redis still run on another branch's data; `devsvc up` moves them to `b`'s")
        .run();
    project
        .cli(&["up"])
        .stderr_contains("redis: recreating with the data of branch `b` (same ports and passwords)")
        .run();
    assert_eq!(std::fs::read(project.env_file()).unwrap(), env_file);
    assert_eq!(note(&project, None), "None", "branch b starts empty");
    note(&project, Some("from b"));

    git(&dir, &["checkout", "-q", "a"]);
    project.run(&["up"]).ok();
    assert_eq!(std::fs::read(project.env_file()).unwrap(), env_file);
    assert_eq!(note(&project, None), "from a");
    let status: serde_json::Value =
        serde_json::from_str(&project.run(&["status", "--json"]).ok().stdout).unwrap();
    assert_eq!(status[0]["data_branch"], "a");

    let base = format!("devsvc-{}-redis-data", project.name);
    assert_eq!(
        volumes(&project),
        [format!("{base}-a"), format!("{base}-b")]
    );

    // The state folder lost, on a branch with no data yet: the password
    // comes back from another branch's volume, so the env file holds.
    std::fs::remove_file(project.state.path().join(format!("{}.json", project.name))).unwrap();
    git(&dir, &["checkout", "-q", "-b", "c"]);
    project
        .cli(&["up"])
        .stderr_contains(&format!("redis: password taken from volume {base}-"))
        .run();
    assert_eq!(std::fs::read(project.env_file()).unwrap(), env_file);
    git(&dir, &["checkout", "-q", "a"]);
    project.run(&["up"]).ok();
    assert_eq!(note(&project, None), "from a");

    project.run(&["down", "--volumes"]).ok();
    assert_eq!(
        volumes(&project),
        [format!("{base}-b"), format!("{base}-c")],
        "only a's data went"
    );
    project.run(&["down", "--volumes", "--all-branches"]).ok();
    assert_eq!(volumes(&project), Vec::<String>::new());
    project.teardown().ok();
}

#[test]
fn outside_git_per_branch_data_keeps_one_set_with_a_note() {
    let mut project = TestProject::new("nobranch", "services:\n  redis:\n    data: per-branch\n");
    project
        .cli(&["up"])
        .stderr_contains(
            "not in a git repository: services with `data: per-branch` keep one set of data",
        )
        .run();
    assert_eq!(
        volumes(&project),
        [format!("devsvc-{}-redis-data", project.name)]
    );
    project
        .cli(&["status"])
        .stdout_contains("not in a git repository: redis keep one set of data")
        .run();
    project.teardown().ok();
}

/// Issue 23: `data: per-branch` on one service (no top-level setting)
/// follows the branch; `data: shared` on a service overrides a top-level
/// `per-branch`, so that service keeps one set of data on every branch.
#[test]
fn per_branch_on_one_service_and_shared_over_the_top_level_setting() {
    let mut own = TestProject::new("branchone", "services:\n  redis:\n    data: per-branch\n");
    let mut mixed = TestProject::new(
        "branchmix",
        "data: per-branch\nservices:\n  redis:\n    data: shared\n  cache:\n    template: redis\n    env_prefix: CACHE_\n",
    );
    for project in [&own, &mixed] {
        git(project.path(), &["init", "-q", "-b", "a"]);
        git(
            project.path(),
            &["commit", "-q", "--allow-empty", "-m", "start"],
        );
        project.run(&["up"]).ok();
    }
    let cache = |project: &TestProject, value: Option<&str>| {
        let write = value.map_or(String::new(), |v| format!("r.set('note', '{v}')\n"));
        let run = python(
            &format!(
                "import os, redis\nr = redis.from_url(os.environ['CACHE_REDIS_URL'], decode_responses=True)\n{write}print(r.get('note'))"
            ),
            &project.dotenv(),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout.trim().to_string()
    };
    note(&own, Some("from a"));
    note(&mixed, Some("shared"));
    cache(&mixed, Some("cache of a"));

    for project in [&own, &mixed] {
        git(project.path(), &["checkout", "-q", "-b", "b"]);
        project.run(&["up"]).ok();
    }
    assert_eq!(note(&own, None), "None", "its own data per branch");
    assert_eq!(
        note(&mixed, None),
        "shared",
        "`shared` wins over the top level"
    );
    assert_eq!(cache(&mixed, None), "None", "the top level's per-branch");
    cache(&mixed, Some("cache of b"));
    let base =
        |project: &TestProject, service: &str| format!("devsvc-{}-{service}-data", project.name);
    assert_eq!(
        volumes(&own),
        [
            format!("{}-a", base(&own, "redis")),
            format!("{}-b", base(&own, "redis"))
        ]
    );
    assert_eq!(
        volumes(&mixed),
        [
            format!("{}-a", base(&mixed, "cache")),
            format!("{}-b", base(&mixed, "cache")),
            base(&mixed, "redis"),
        ]
    );

    for project in [&own, &mixed] {
        git(project.path(), &["checkout", "-q", "a"]);
        project.run(&["up"]).ok();
    }
    assert_eq!(note(&own, None), "from a");
    assert_eq!(cache(&mixed, None), "cache of a");
    assert_eq!(note(&mixed, None), "shared");
    own.teardown().ok();
    mixed.teardown().ok();
}

fn psql(project: &TestProject, sql: &str) -> String {
    let run = app(
        std::process::Command::new("psql").args(["-tA", "-c", sql]),
        &project.dotenv(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

/// `branch_from: a`: a new branch's volumes start as a copy of branch
/// `a`'s (Redis keys, a PostgreSQL table), made with the service stopped;
/// writes on the new branch do not reach `a`; `status` says where the
/// data came from; a branch that has data keeps it.
#[test]
fn a_new_branch_starts_from_a_copy_of_another_branchs_data() {
    let mut project = TestProject::new(
        "branchfrom",
        "data: per-branch\nbranch_from: a\nservices:\n  redis: {}\n  postgres: {}\n",
    );
    let dir = project.path().to_path_buf();
    git(&dir, &["init", "-q", "-b", "a"]);
    git(&dir, &["commit", "-q", "--allow-empty", "-m", "start"]);
    project.cli(&["up"]).stderr_lacks("copying").run();
    note(&project, Some("from a"));
    psql(
        &project,
        "create table notes (body text); insert into notes values ('from a')",
    );

    git(&dir, &["checkout", "-q", "-b", "b"]);
    project
        .cli(&["up"])
        .stderr_contains("redis: copying branch `a`'s data for branch `b`")
        .stderr_contains("postgres: copying branch `a`'s data for branch `b`")
        .run();
    assert_eq!(note(&project, None), "from a", "b starts with a's keys");
    assert_eq!(psql(&project, "select body from notes"), "from a");
    note(&project, Some("from b"));
    psql(&project, "insert into notes values ('from b')");
    project
        .cli(&["status"])
        .stdout_contains("data of branch `b` is live for redis (copied from branch `a`), postgres (copied from branch `a`)")
        .run();

    git(&dir, &["checkout", "-q", "a"]);
    project.cli(&["up"]).stderr_lacks("copying").run();
    assert_eq!(note(&project, None), "from a", "b's write did not reach a");
    assert_eq!(psql(&project, "select count(*) from notes"), "1");

    git(&dir, &["checkout", "-q", "b"]);
    project.cli(&["up"]).stderr_lacks("copying").run();
    assert_eq!(note(&project, None), "from b", "b keeps its own data");
    project.teardown().ok();
}

/// `branch_from:` without per-branch data is refused where it stands.
#[test]
fn branch_from_without_per_branch_data_is_refused_with_its_line() {
    let project = TestProject::new(
        "branchfromno",
        "branch_from: main\nservices:\n  redis: {}\n",
    );
    project
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr_contains("services.yaml:1:")
        .stderr_contains(
            "`branch_from:` names where a new branch's data starts, so it needs `data: per-branch`",
        )
        .run();
}
