//! `devsvc init --from-compose` on the corpus in `tests/compose-corpus/`:
//! compose files shaped like real projects' development setups, written
//! for these tests. Each is converted without an engine, the result
//! passes `devsvc config` (under each of its profiles too), and the file
//! and the report are pinned by `expected.services.yaml` and
//! `expected.report.txt` beside it (`DEVSVC_BLESS=1` rewrites them, for
//! review). An entry's `test.env` sets variables for the run, its `args`
//! names the compose files. Also: a `:?` variable that is unset, no compose
//! file, never overwriting, and `--json`.
use std::path::{Path, PathBuf};

use crate::common::*;

pub(crate) fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// Files of a corpus entry that describe the test rather than the project.
const OWN_FILES: [&str; 4] = [
    "expected.services.yaml",
    "expected.report.txt",
    "test.env",
    "args",
];

/// A corpus entry's project files copied into a fresh project (which has
/// no services.yaml).
pub(crate) fn project_from(tag: &str, entry: &Path) -> TestProject {
    let project = TestProject::new(tag, "");
    std::fs::remove_file(project.path().join("services.yaml")).unwrap();
    copy_dir(entry, project.path());
    project
}

fn copy_dir(from: &Path, to: &Path) {
    for item in std::fs::read_dir(from).unwrap() {
        let item = item.unwrap();
        let name = item.file_name();
        if OWN_FILES.contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        let target = to.join(&name);
        if item.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).unwrap();
        }
    }
}

/// The variables of an entry's `test.env`.
fn test_env(entry: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(entry.join("test.env"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Compares `got` with the expected file, or rewrites it under
/// DEVSVC_BLESS=1; a difference is described, not panicked on.
pub(crate) fn snapshot(expected: &Path, got: &str, problems: &mut Vec<String>) {
    if std::env::var_os("DEVSVC_BLESS").is_some() {
        std::fs::write(expected, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_default();
    if want != got {
        problems.push(format!(
            "{} differs (DEVSVC_BLESS=1 rewrites it); got:\n{got}",
            expected.display()
        ));
    }
}

/// The profiles a generated services.yaml declares at its top level.
fn declared_profiles(yaml: &str) -> Vec<String> {
    let mut lines = yaml.lines().skip_while(|l| *l != "profiles:").skip(1);
    let mut names = Vec::new();
    while let Some(line) = lines.next().filter(|l| l.starts_with("  ")) {
        names.push(line.trim().trim_end_matches(": {}").to_string());
    }
    names
}

fn entries(corpus: &str) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(corpus_dir(corpus))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    entries
}

#[test]
fn compose_corpus_converts_to_valid_files_and_pinned_reports() {
    let entries = entries("compose-corpus");
    assert!(
        entries.len() >= 12,
        "the corpus has {} entries",
        entries.len()
    );
    let mut problems = Vec::new();
    for entry in &entries {
        let project = project_from("compose", entry);
        let mut args = vec!["init".to_string(), "--from-compose".to_string()];
        if let Ok(files) = std::fs::read_to_string(entry.join("args")) {
            args.extend(files.split_whitespace().map(str::to_string));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cli = project.cli(&args).no_engine();
        for (k, v) in test_env(entry) {
            cli = cli.env(&k, &v);
        }
        let run = match cli.check() {
            Ok(run) => run,
            Err(report) => {
                problems.push(report);
                continue;
            }
        };
        let yaml = std::fs::read_to_string(project.path().join("services.yaml")).unwrap();
        snapshot(&entry.join("expected.services.yaml"), &yaml, &mut problems);
        snapshot(
            &entry.join("expected.report.txt"),
            &run.stderr,
            &mut problems,
        );
        let mut configs = vec![vec!["config".to_string()]];
        for p in declared_profiles(&yaml) {
            configs.push(vec!["--profile".into(), p, "config".into()]);
        }
        for config in configs {
            let config: Vec<&str> = config.iter().map(String::as_str).collect();
            if let Err(report) = project.cli(&config).no_engine().check() {
                problems.push(format!(
                    "{}: the converted file fails:\n{report}",
                    entry.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn compose_required_variable_unset_is_a_located_error() {
    let project = project_from(
        "composereq",
        &corpus_dir("compose-corpus").join("09-interpolation"),
    );
    project
        .cli(&["init", "--from-compose"])
        .no_engine()
        .env("MEILI_KEY", "k")
        .status(2)
        .stderr(
            "error: docker-compose.yml:6:26: required variable `DB_PASSWORD` is not set: set DB_PASSWORD in .env\n  help: set DB_PASSWORD in the environment or in the folder's .env\n",
        )
        .run();
    assert!(!project.path().join("services.yaml").exists());
}

#[test]
fn compose_without_a_file_or_over_an_existing_services_yaml_is_refused() {
    let empty = TestProject::new("composenone", "");
    std::fs::remove_file(empty.path().join("services.yaml")).unwrap();
    empty
        .cli(&["init", "--from-compose"])
        .no_engine()
        .status(2)
        .stderr_contains(
            "looked for compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml",
        )
        .run();
    let project = TestProject::new("composeover", "services:\n  redis: {}\n");
    std::fs::write(
        project.path().join("compose.yaml"),
        "services:\n  r:\n    image: redis\n",
    )
    .unwrap();
    project
        .cli(&["init", "--from-compose"])
        .no_engine()
        .status(2)
        .stderr_contains("never overwrites")
        .run();
    assert_eq!(
        std::fs::read_to_string(project.path().join("services.yaml")).unwrap(),
        "services:\n  redis: {}\n"
    );
    // --stdout prints instead, whatever is there.
    project
        .cli(&["init", "--from-compose", "--stdout"])
        .no_engine()
        .stdout_contains("  r:\n    template: redis\n")
        .run();
}

#[test]
fn compose_bad_yaml_is_a_located_error() {
    let project = TestProject::new("composebad", "");
    std::fs::remove_file(project.path().join("services.yaml")).unwrap();
    std::fs::write(
        project.path().join("compose.yaml"),
        "services:\n  db:\n    image: [postgres\n",
    )
    .unwrap();
    let run = project
        .cli(&["init", "--from-compose"])
        .no_engine()
        .status(2)
        .run();
    assert!(
        run.stderr.starts_with("error: compose.yaml:"),
        "{}",
        run.stderr
    );
}

#[test]
fn compose_json_says_what_each_service_became() {
    let project = project_from(
        "composejson",
        &corpus_dir("compose-corpus").join("01-rails-postgres-redis"),
    );
    let run = project
        .cli(&["--json", "init", "--from-compose", "--stdout"])
        .no_engine()
        .run();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let became: Vec<(&str, &str)> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["compose_service"].as_str().unwrap(),
                s["became"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        became,
        [
            ("web", "left out"),
            ("sidekiq", "left out"),
            ("db", "template postgres"),
            ("redis", "template redis")
        ]
    );
    assert_eq!(json["services"][2]["variables"][0], "DATABASE_URL");
    assert!(
        json["services_yaml"]
            .as_str()
            .unwrap()
            .contains("password: shop_dev")
    );
    assert!(json["written"].is_null());
    assert!(!project.path().join("services.yaml").exists());
}
