//! The env file as users see it: atomic writes that an interruption never
//! leaves empty or truncated, 0600 for a new file, an existing one others
//! may open made 0600 (and said so), a link written through, the
//! git-ignore warning in both directions, user lines that shadow devsvc's
//! variables named, `env --write` under the project lock, and concurrent
//! `up` runs serialised.

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

/// A new env file is 0600; an existing one keeps a mode that is its
/// owner's alone, and one that others may open is made 0600.
#[test]
fn a_new_env_file_is_0600_and_an_existing_one_is_kept_the_owners_alone() {
    let dir = tempfile::tempdir().unwrap();
    let vars: IndexMap<String, String> = [("A".to_string(), "1".to_string())].into_iter().collect();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let fresh = dir.path().join("new.env");
    let written = devsvc::envfile::write(&fresh, "p", &vars).unwrap();
    assert_eq!(mode(&fresh), 0o600);
    assert_eq!(written.tightened, None);

    for (before, after, tightened) in [(0o640, 0o600, Some(0o640)), (0o400, 0o400, None)] {
        let existing = dir.path().join(format!("{before:o}.env"));
        std::fs::write(&existing, "MINE=1\n").unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(before)).unwrap();
        let written = devsvc::envfile::write(&existing, "p", &vars).unwrap();
        assert_eq!(mode(&existing), after, "{before:o}");
        assert_eq!(written.tightened, tightened, "{before:o}");
        assert!(
            std::fs::read_to_string(&existing)
                .unwrap()
                .starts_with("MINE=1\n")
        );
    }
}

/// Pinned ports and a given password let `env --write` work without
/// starting anything (a generated password exists only once `up` ran).
pub(crate) const PINNED: &str =
    "services:\n  redis:\n    ports: { redis: 16999 }\n    password: pinned-pw\n";

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

/// An all-external project: `env --write` needs no engine.
pub(crate) const EXTERNAL: &str =
    "services:\n  redis:\n    external: { url: \"redis://default:pw@cache.example.com:6379/0\" }\n";

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Issue 22: an env file others may read hands them the generated
/// passwords. Tightened to 0600 with a line saying so, whether or not its
/// content changes; the user's lines stay.
#[test]
fn an_env_file_others_may_read_is_made_the_owners_alone_and_said_so() {
    let project = TestProject::new("tighten", EXTERNAL);
    let path = project.env_file();
    std::fs::write(&path, "MINE=1\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    project
        .cli(&["env", "--write"])
        .no_engine()
        .stderr_contains(
            "./.env was open to other users (mode 0644); it holds secrets, so it is now 0600",
        )
        .run();
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("MINE=1\n# >>> devsvc"), "{text}");
    // Unchanged content, a mode opened again: tightened again.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    project
        .cli(&["env", "--write"])
        .no_engine()
        .stderr_contains("./.env was open to other users (mode 0640)")
        .run();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    project
        .cli(&["env", "--write"])
        .no_engine()
        .stderr_lacks("open to other users")
        .run();
}

/// Issue 22: a `.env` that is a link (to a file kept elsewhere in the
/// project) stays a link; the file it points at is replaced atomically,
/// by a temporary file beside it.
#[test]
fn a_linked_env_file_stays_a_link_and_its_target_is_written() {
    let project = TestProject::new("envlink", EXTERNAL);
    let config = project.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let target = config.join("app.env");
    std::fs::write(&target, "MINE=1\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("config/app.env", project.env_file()).unwrap();
    project.cli(&["env", "--write"]).no_engine().run();
    let link = std::fs::symlink_metadata(project.env_file()).unwrap();
    assert!(link.file_type().is_symlink(), "still a link");
    assert_eq!(
        std::fs::read_link(project.env_file()).unwrap(),
        std::path::Path::new("config/app.env")
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with("MINE=1\n# >>> devsvc"), "{text}");
    assert!(text.contains("REDIS_URL=redis://default:pw@cache.example.com:6379/0"));
    assert_eq!(mode(&target), 0o600);
    for dir in [project.path(), config.as_path()] {
        let left: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".devsvc-"))
            .collect();
        assert!(
            left.is_empty(),
            "temporary files left in {}: {left:?}",
            dir.display()
        );
    }
    // A second write goes through the link again.
    std::fs::write(
        project.path().join("services.yaml"),
        EXTERNAL.replace("cache.example.com", "other.example.com"),
    )
    .unwrap();
    project.cli(&["env", "--write"]).no_engine().run();
    assert!(
        std::fs::symlink_metadata(project.env_file())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("other.example.com")
    );
}

/// Whether some process waits in /proc/locks for a lock on the file with
/// this inode (its line starts with `->`).
fn lock_awaited(inode: u64) -> bool {
    std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .any(|l| l.contains("->") && l.contains(&format!(":{inode} ")))
}

/// Issue 22: `env --write` takes the project's lock before it computes the
/// variables, so what it writes is what holds once the run that had the
/// lock (an `up`) is done, not what held before.
#[test]
fn env_write_computes_the_variables_once_it_holds_the_project_lock() {
    use std::os::unix::fs::MetadataExt;
    let project = TestProject::new("envlock", EXTERNAL);
    let lock_path = project.state.path().join(format!("{}.lock", project.name));
    let lock = std::fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let inode = std::fs::metadata(&lock_path).unwrap().ino();
    let mut child = project.cli(&["env", "--write"]).no_engine().spawn();
    let give_up = Instant::now() + Duration::from_secs(20);
    while !lock_awaited(inode) {
        assert!(
            Instant::now() < give_up,
            "env --write never waited for the lock"
        );
        assert!(
            child.child().try_wait().unwrap().is_none(),
            "env --write ended without the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // What the lock's holder changes while env --write waits.
    std::fs::write(
        project.path().join("services.yaml"),
        EXTERNAL.replace("cache.example.com", "after.example.com"),
    )
    .unwrap();
    lock.unlock().unwrap();
    let status = child
        .wait_for(Duration::from_secs(20))
        .expect("env --write ends");
    assert!(status.success());
    let url = &project.dotenv()["REDIS_URL"];
    assert_eq!(url, "redis://default:pw@after.example.com:6379/0");
}
