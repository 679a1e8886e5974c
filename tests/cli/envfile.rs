//! The env file as users see it: atomic writes that an interruption never
//! leaves empty or truncated, 0600 for a new file and the old mode kept for
//! an existing one, the git-ignore warning in both directions, user lines
//! that shadow devsvc's variables named, and concurrent `up` runs serialised.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use indexmap::IndexMap;

const WRITER_ENV: &str = "DEVSVC_TEST_ENV_WRITER";

fn big_vars(tag: &str) -> IndexMap<String, String> {
    (0..2000)
        .map(|i| {
            (
                format!("DEVSVC_V{i}"),
                format!("{tag}-{i}-{}", "x".repeat(40)),
            )
        })
        .collect()
}

/// In the child process: rewrite the env file forever, alternating contents.
/// Ignored: only the interruption test below runs it, in a process it kills.
#[test]
#[ignore = "helper process for an_interrupted_write_never_leaves_an_empty_or_truncated_file"]
fn env_writer_child() {
    let Ok(path) = std::env::var(WRITER_ENV) else {
        return;
    };
    let (a, b) = (big_vars("a"), big_vars("b"));
    loop {
        devsvc::envfile::write(path.as_ref(), "p", &a).unwrap();
        devsvc::envfile::write(path.as_ref(), "p", &b).unwrap();
    }
}

#[test]
fn an_interrupted_write_never_leaves_an_empty_or_truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".env");
    let user = "# my settings\r\nSECRET='keep me'\r\n";
    std::fs::write(&path, user).unwrap();
    devsvc::envfile::write(&path, "p", &big_vars("a")).unwrap();
    let a = std::fs::read_to_string(&path).unwrap();
    let b = devsvc::envfile::merge(&a, "p", &big_vars("b")).unwrap();
    let started = Instant::now();
    // How often each whole version was seen: a writer that never ran would
    // leave `b` unseen, and the test would prove nothing.
    let (mut seen_a, mut seen_b) = (0u32, 0u32);
    for round in 0..25u64 {
        let mut child = ChildGuard::new(
            Command::new(std::env::current_exe().unwrap())
                // The child's full name in this binary, so --exact matches.
                .args([
                    "envfile::env_writer_child",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                ])
                .env(WRITER_ENV, &path)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        // Read while it writes: every read sees one whole version. The
        // kill comes 20-80 ms after the file first changes (the writer's
        // start can take longer than that on a busy machine).
        let before = std::fs::read_to_string(&path).unwrap();
        let give_up = Instant::now() + Duration::from_secs(10);
        let mut until = None;
        while until.is_none_or(|until| Instant::now() < until) && Instant::now() < give_up {
            let seen = std::fs::read_to_string(&path).unwrap();
            match seen {
                _ if seen == a => seen_a += 1,
                _ if seen == b => seen_b += 1,
                _ => panic!("a reader saw a partial file ({} bytes)", seen.len()),
            }
            if seen != before {
                until.get_or_insert(Instant::now() + Duration::from_millis(20 + (round * 7) % 60));
            }
        }
        child.child().kill().unwrap(); // SIGKILL, wherever the writer is
        child.child().wait().unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(
            after == a || after == b,
            "after SIGKILL the file is partial ({} bytes)",
            after.len()
        );
        assert!(after.starts_with(user));
    }
    eprintln!(
        "25 writers killed mid-run in {:?}; reads saw version a {seen_a} times, b {seen_b} times",
        started.elapsed()
    );
    assert!(
        seen_a > 0 && seen_b > 0,
        "the writers never switched versions: a {seen_a}, b {seen_b}"
    );
}

#[test]
fn a_new_env_file_is_0600_and_an_existing_one_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let vars: IndexMap<String, String> = [("A".to_string(), "1".to_string())].into_iter().collect();
    let fresh = dir.path().join("new.env");
    devsvc::envfile::write(&fresh, "p", &vars).unwrap();
    assert_eq!(
        std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let existing = dir.path().join("old.env");
    std::fs::write(&existing, "MINE=1\n").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o640)).unwrap();
    devsvc::envfile::write(&existing, "p", &vars).unwrap();
    assert_eq!(
        std::fs::metadata(&existing).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert!(
        std::fs::read_to_string(&existing)
            .unwrap()
            .starts_with("MINE=1\n")
    );
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// Pinned ports let `env --write` work without starting anything.
pub(crate) const PINNED: &str = "services:\n  redis:\n    ports: { redis: 16999 }\n";

#[test]
fn git_ignore_warning_in_both_directions() {
    let project = TestProject::new("gitignore", PINNED);
    git(project.path(), &["init", "-q"]);
    project
        .cli(&["env", "--write"])
        .stderr_contains("warning: ./.env is not git-ignored")
        .run();
    std::fs::write(project.path().join(".gitignore"), ".env\n").unwrap();
    project
        .cli(&["env", "--write"])
        .stderr_lacks("git-ignored")
        .run();
    assert!(project.dotenv()["REDIS_URL"].contains(":16999/"));
    assert_eq!(
        labelled_resources(&project.name),
        [],
        "env --write starts nothing"
    );
}

#[test]
fn a_user_line_setting_our_variable_is_named() {
    let project = TestProject::new("shadow", PINNED);
    std::fs::write(
        project.env_file(),
        "# mine\nREDIS_URL=redis://managed:6379\n",
    )
    .unwrap();
    project
        .cli(&["env", "--write"])
        .stderr_contains("./.env:2 sets REDIS_URL, which devsvc also writes")
        .run();
    assert!(
        std::fs::read_to_string(project.env_file())
            .unwrap()
            .starts_with("# mine\nREDIS_URL=redis://managed:6379\n")
    );
}

#[test]
fn concurrent_ups_on_one_project_are_serialised() {
    let project = TestProject::new("race", "services:\n  redis: {}\n  mailhog: {}\n");
    std::fs::write(project.env_file(), "USER_LINE=1\n").unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| project.command(&["up", "-q"]).spawn().unwrap())
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let filter = format!("label=dev.devsvc.project={}", project.name);
    let services = docker(&[
        "ps",
        "-a",
        "--filter",
        &filter,
        "--format",
        "{{.Label \"dev.devsvc.service\"}}",
    ]);
    let mut services: Vec<&str> = services.lines().collect();
    services.sort_unstable();
    assert_eq!(
        services,
        ["mailhog", "redis"],
        "exactly one container per service"
    );
    let text = std::fs::read_to_string(project.env_file()).unwrap();
    assert_eq!(text.matches("# >>> devsvc").count(), 1, "{text}");
    assert_eq!(text.matches("# <<< devsvc").count(), 1, "{text}");
    assert!(text.starts_with("USER_LINE=1\n"));
}
