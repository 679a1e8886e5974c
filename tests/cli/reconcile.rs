//! Reconciliation end to end: `up` is idempotent, recreates only what
//! changed, removes what left services.yaml, and keeps host ports stable;
//! `run`, `env`, `status` and `config` behave for scripts and CI.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

use crate::common::*;

pub(crate) const TWO: &str = "services:\n  redis: {}\n  mailhog: {}\n";

/// service -> container ID, as the engine reports them.
fn container_ids(project: &str) -> BTreeMap<String, String> {
    let filter = format!("label=dev.devsvc.project={project}");
    docker(&[
        "ps",
        "-a",
        "--filter",
        &filter,
        "--format",
        "{{.Label \"dev.devsvc.service\"}} {{.ID}}",
    ])
    .lines()
    .map(|l| {
        let (s, id) = l.split_once(' ').unwrap();
        (s.to_string(), id.to_string())
    })
    .collect()
}

#[test]
fn second_up_changes_nothing_and_keeps_the_env_file_byte_identical() {
    let project = TestProject::new("idem", TWO);
    project.run(&["up"]).ok();
    let ids = container_ids(&project.name);
    assert_eq!(ids.len(), 2);
    let before = std::fs::read(project.env_file()).unwrap();
    let meta = std::fs::metadata(project.env_file()).unwrap();

    project
        .cli(&["up"])
        // nothing started, nothing written
        .stderr_lacks("started")
        .stderr_lacks("wrote")
        .run();
    assert_eq!(container_ids(&project.name), ids, "containers kept");
    assert_eq!(
        std::fs::read(project.env_file()).unwrap(),
        before,
        "env file byte-identical"
    );
    let meta2 = std::fs::metadata(project.env_file()).unwrap();
    assert_eq!(
        (meta.ino(), meta.mtime_nsec()),
        (meta2.ino(), meta2.mtime_nsec()),
        "env file not rewritten"
    );
}

#[test]
fn a_changed_service_is_recreated_alone_and_a_removed_one_is_removed() {
    let project = TestProject::new(
        "recreate",
        "services:\n  redis: {}\n  mailhog: {}\n  cache:\n    template: redis\n    env_prefix: CACHE_\n",
    );
    project.run(&["up"]).ok();
    let ids = container_ids(&project.name);
    assert_eq!(ids.len(), 3);

    std::fs::write(
        project.path().join("services.yaml"),
        "services:\n  redis:\n    env: { TZ: UTC }\n  mailhog: {}\n",
    )
    .unwrap();
    project
        .cli(&["up"])
        .stderr_contains("cache: removed container")
        .stderr_contains("redis: environment changed: recreating")
        .run();
    let now = container_ids(&project.name);
    assert_ne!(now["redis"], ids["redis"], "redis recreated");
    assert_eq!(now["mailhog"], ids["mailhog"], "mailhog kept");
    assert!(!now.contains_key("cache"), "cache removed: {now:?}");
    let vars = project.dotenv();
    assert!(
        !vars.contains_key("CACHE_REDIS_URL"),
        "removed service left the env block: {vars:?}"
    );
    assert!(vars.contains_key("SMTP_PORT"));
}

#[test]
fn host_ports_survive_down_and_up() {
    let project = TestProject::new("ports", TWO);
    project.run(&["up"]).ok();
    let first = project.dotenv();
    project.run(&["down"]).ok();
    assert!(container_ids(&project.name).is_empty());
    project.run(&["up"]).ok();
    let second = project.dotenv();
    assert_eq!(first["REDIS_URL"], second["REDIS_URL"]);
    assert_eq!(first["SMTP_PORT"], second["SMTP_PORT"]);
    assert_eq!(first["MAILHOG_URL"], second["MAILHOG_URL"]);
}

#[test]
fn run_exits_with_the_command_code_and_down_leaves_nothing() {
    let project = TestProject::new("run", TWO);
    project
        .cli(&[
            "run",
            "--up",
            "--down",
            "--",
            "sh",
            "-c",
            // The services' variables arrive; the test runner's do not.
            "test -n \"$REDIS_URL\" && test -z \"$CARGO_MANIFEST_DIR\" && exit 7",
        ])
        .status(7)
        .run();
    assert_eq!(labelled_resources(&project.name), []);
}

#[test]
fn json_outputs_parse_and_piped_output_is_plain() {
    let project = TestProject::new("json", TWO);
    let up = project.run(&["up"]).ok();
    for text in [&up.stdout, &up.stderr] {
        assert!(
            !text.contains('\x1b'),
            "escape code in piped output: {text:?}"
        );
        assert!(
            !text.contains('\r'),
            "carriage return in piped output: {text:?}"
        );
    }
    let status: serde_json::Value =
        serde_json::from_str(&project.run(&["status", "--json"]).ok().stdout).unwrap();
    let rows = status.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["state"] == "running" && r["ready"] == true),
        "{status}"
    );
    let env: serde_json::Value =
        serde_json::from_str(&project.run(&["env", "--format", "json"]).ok().stdout).unwrap();
    assert_eq!(env["REDIS_URL"], project.dotenv()["REDIS_URL"].as_str());
    let config: serde_json::Value =
        serde_json::from_str(&project.run(&["config", "--json"]).ok().stdout).unwrap();
    assert_eq!(config["name"], project.name.as_str());
    let image = config["services"][0]["image"].as_str().unwrap();
    assert_eq!(
        image,
        format!("{}redis:7.4-alpine", registry_prefix()),
        "prefix applied"
    );
    assert_eq!(config["services"][0]["ports"][0]["container"], 6379);
    assert!(config["services"][0]["exports"].get("REDIS_URL").is_some());
    project
        .cli(&["logs", "redis", "--tail", "50"])
        .stdout_contains("Ready to accept connections")
        .run();
    let shell = project.run(&["env", "--format", "shell"]).ok().stdout;
    assert!(shell.lines().all(|l| l.starts_with("export ")), "{shell}");
}

/// The networks each of the project's containers is attached to.
fn networks_of(project: &str) -> Vec<String> {
    let filter = format!("label=dev.devsvc.project={project}");
    let ids = docker(&["ps", "-aq", "--filter", &filter]);
    let mut networks: Vec<String> = ids
        .split_whitespace()
        .map(|id| {
            let format = "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{end}}";
            docker(&["inspect", "-f", format, id]).trim().to_string()
        })
        .collect();
    networks.sort();
    networks
}

fn project_networks(project: &str) -> Vec<String> {
    labelled_resources(project)
        .into_iter()
        .filter(|left| left.kind == "network")
        .map(|left| left.name)
        .collect()
}

#[test]
fn services_share_the_default_bridge_unless_a_project_network_is_asked_for() {
    const TWO: &str =
        "services:\n  redis: {}\n  cache:\n    template: redis\n    env_prefix: CACHE_\n";
    let project = TestProject::new("nonet", &format!("network: true\n{TWO}"));
    project.run(&["up"]).ok();
    let network = format!("devsvc-{}", project.name);
    assert_eq!(
        project_networks(&project.name),
        std::slice::from_ref(&network)
    );
    assert_eq!(
        networks_of(&project.name),
        [network.clone(), network.clone()]
    );
    let before = container_ids(&project.name);
    let env_before = std::fs::read(project.env_file()).unwrap();

    // The default now: both move to the default bridge, saying why, and
    // the project network goes; ports and passwords stay.
    std::fs::write(project.path().join("services.yaml"), TWO).unwrap();
    let up = project
        .cli(&["up"])
        .stderr_contains("redis: recreating on the engine's default bridge (`network: true` keeps a project network)")
        .stderr_contains("cache: recreating on the engine's default bridge")
        .stderr_contains(&format!("removed network {network} (services are on the engine's default bridge now)"))
        .run();
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(project_networks(&project.name), Vec::<String>::new());
    assert_eq!(
        networks_of(&project.name),
        [default_network(), default_network()]
    );
    let after = container_ids(&project.name);
    assert!(
        before.iter().all(|(service, id)| after[service] != *id),
        "recreated"
    );
    assert_eq!(
        std::fs::read(project.env_file()).unwrap(),
        env_before,
        "the env file did not change"
    );
    let app = python(
        "import os, redis\nfor url in ('REDIS_URL', 'CACHE_REDIS_URL'):\n    assert redis.from_url(os.environ[url]).ping()",
        &project.dotenv(),
    );
    assert_eq!(app.code, 0, "{}", app.stderr);

    // Converged: nothing more to do.
    project.cli(&["up"]).stderr_lacks("recreating").run();
    assert_eq!(container_ids(&project.name), after);

    // Any other change says which part changed.
    std::fs::write(
        project.path().join("services.yaml"),
        format!("{TWO}    env: {{ EXTRA: one }}\n"),
    )
    .unwrap();
    project
        .cli(&["up"])
        .stderr_contains("cache: environment changed: recreating")
        .stderr_lacks("redis: recreating")
        .stderr_lacks("redis: environment")
        .run();
}

#[test]
fn down_of_named_services_removes_only_theirs() {
    let project = TestProject::new(
        "downone",
        "network: true\nservices:\n  redis: {}\n  cache:\n    template: redis\n    env_prefix: CACHE_\n  mailhog: {}\n",
    );
    project.run(&["up"]).ok();
    project.run(&["down", "--volumes", "redis"]).ok();
    let ids = container_ids(&project.name);
    assert_eq!(ids.keys().collect::<Vec<_>>(), ["cache", "mailhog"]);
    let labelled = labelled_resources(&project.name);
    let of_kind = |kind: &str| -> Vec<&str> {
        labelled
            .iter()
            .filter(|left| left.kind == kind)
            .map(|left| left.name.as_str())
            .collect()
    };
    assert_eq!(
        of_kind("volume"),
        [format!("devsvc-{}-cache-data", project.name)],
        "only redis's volume went"
    );
    assert_eq!(of_kind("network").len(), 1, "network stays");
}

/// `devsvc status | head -0` and the like: a reader that goes away ends
/// the output; exit 0, no panic, whatever the command.
#[test]
fn a_closed_stdout_ends_output_quietly_for_every_command() {
    let project = TestProject::new("pipe", TWO);
    project.run(&["up"]).ok();
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["env"],
        &["env", "--format", "json"],
        &["config"],
        &["config", "--json"],
        &["logs", "redis"],
        &["doctor"],
        &["up"],
        &["completions", "bash"],
        &["schema"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader); // nobody reads: the first write meets a closed pipe
        let out = project
            .command(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// A damaged state file holds the secrets a data volume was initialised
/// with: devsvc refuses, names the file, keeps it byte for byte, and
/// creates nothing.
#[test]
fn a_damaged_state_file_is_refused_and_kept() {
    let project = TestProject::new("badstate", TWO);
    let path = project.state.path().join(format!("{}.json", project.name));
    let damaged = "{\"secrets\": {\"redis\": \"the-old-secret\"}, \"ports\": {";
    std::fs::write(&path, damaged).unwrap();
    project
        .cli(&["up"])
        .status(1)
        .stderr_contains(&format!("{}: the state file is damaged", path.display()))
        .run();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), damaged);
    assert_eq!(labelled_resources(&project.name), []);
}
