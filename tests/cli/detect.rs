//! `devsvc init --detect` on the app folders in `tests/detect-corpus/`
//! (Node, Python, Ruby, Go, Rust, PHP, Java, .NET, and one with only an
//! `.env.example`): each proposal and its evidence is pinned by
//! `expected.services.yaml` and `expected.report.txt` (`DEVSVC_BLESS=1`
//! rewrites them, for review) and passes `devsvc config`; a folder whose
//! manifests name no backing service proposes nothing and writes nothing.
//! No engine.
use crate::common::*;
use crate::compose::{corpus_dir, project_from, snapshot};

#[test]
fn detect_corpus_proposals_and_evidence_are_pinned() {
    let mut entries: Vec<_> = std::fs::read_dir(corpus_dir("detect-corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    assert!(entries.len() >= 10, "{} folders", entries.len());
    let mut problems = Vec::new();
    for entry in &entries {
        let project = project_from("detect", entry);
        let run = match project.cli(&["init", "--detect"]).no_engine().check() {
            Ok(run) => run,
            Err(report) => {
                problems.push(report);
                continue;
            }
        };
        snapshot(
            &entry.join("expected.report.txt"),
            &run.stderr,
            &mut problems,
        );
        let written = project.path().join("services.yaml");
        let expected = entry.join("expected.services.yaml");
        match std::fs::read_to_string(&written) {
            Ok(yaml) => {
                snapshot(&expected, &yaml, &mut problems);
                if let Err(report) = project.cli(&["config"]).no_engine().check() {
                    problems.push(format!(
                        "{}: the proposal fails:\n{report}",
                        entry.display()
                    ));
                }
            }
            Err(_) if expected.exists() => {
                problems.push(format!("{}: nothing written", entry.display()))
            }
            Err(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn detect_in_a_folder_naming_no_service_proposes_nothing() {
    let project = project_from(
        "detectnone",
        &corpus_dir("detect-corpus").join("14-nothing"),
    );
    project
        .cli(&["init", "--detect"])
        .no_engine()
        .stderr_contains("nothing proposed, nothing written")
        .run();
    assert!(!project.path().join("services.yaml").exists());
    let run = project
        .cli(&["--json", "init", "--detect"])
        .no_engine()
        .run();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["services"], serde_json::json!([]));
    assert_eq!(json["unprovided"], serde_json::json!(["VITE_API_BASE"]));
}

#[test]
fn detect_json_names_evidence_and_prefixes() {
    let project = project_from(
        "detectjson",
        &corpus_dir("detect-corpus").join("02-node-prefixed"),
    );
    let run = project
        .cli(&["--json", "init", "--detect", "--stdout"])
        .no_engine()
        .run();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let services: Vec<(String, String)> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["env_prefix"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        services,
        [
            ("queue".into(), "QUEUE_".into()),
            ("cache".into(), "CACHE_".into()),
            ("mysql".into(), String::new())
        ]
    );
    assert_eq!(json["services"][0]["evidence"][0], "bullmq in package.json");
}

#[test]
fn detect_a_broken_manifest_is_an_error_naming_it() {
    let project = TestProject::new("detectbad", "");
    std::fs::remove_file(project.path().join("services.yaml")).unwrap();
    std::fs::write(project.path().join("package.json"), "{ \"dependencies\": ").unwrap();
    project
        .cli(&["init", "--detect"])
        .no_engine()
        .status(2)
        .stderr_contains("error: package.json: EOF while parsing")
        .run();
}
