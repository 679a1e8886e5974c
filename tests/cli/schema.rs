//! `devsvc schema` judged by a real JSON Schema validator (Python's
//! `jsonschema`, the YAML read as editors read it: YAML 1.2, by the parser
//! yaml-language-server is built on, keys as text):
//! the services.yaml examples of README.md and docs/, the files the other tests run and
//! `init`'s starter pass, as do the templates against `--template`; every
//! mistake of `config_errors` that is a matter of shape fails, and those
//! only devsvc's own checks can see are listed with why. No engine.

use std::collections::BTreeMap;
use std::process::Command;

use crate::common::*;
use crate::config_errors::CASES;
use crate::{attached, databases, docs, envfile, faults, instances, reconcile};

/// Reads each document of a job (`[{"schema", "yaml"}]`, from the file named
/// by argv[1]) and prints, as a JSON list, one verdict each: `valid`,
/// `invalid: ...` or `not yaml: ...`. The YAML is read by [`READ_YAML`], as
/// an editor reads it; jsonschema judges what it read.
const VALIDATE: &str = r#"
import json, subprocess, sys
import jsonschema

jobs = json.load(open(sys.argv[1]))
read = subprocess.run(["node", "-e", sys.argv[2], sys.argv[1]], capture_output=True, text=True, check=True)
validators = {}
verdicts = []
for doc, parsed in zip(jobs, json.loads(read.stdout)):
    if doc["schema"] not in validators:
        schema = json.load(open(doc["schema"]))
        jsonschema.Draft7Validator.check_schema(schema)
        validators[doc["schema"]] = jsonschema.Draft7Validator(schema)
    if "error" in parsed:
        verdicts.append("not yaml: " + " ".join(parsed["error"].split()))
        continue
    errors = validators[doc["schema"]].iter_errors(parsed["value"])
    found = ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in errors]
    verdicts.append("invalid: " + "; ".join(found) if found else "valid")
print(json.dumps(verdicts))
"#;

/// Reads YAML as editors do: with the `yaml` package that
/// yaml-language-server (VS Code's, Neovim's, Zed's YAML support) is built
/// on, as YAML 1.2 (its core schema: `Off` and `no` are strings, `0x3FFF`
/// is a number, `16_380` is text). PyYAML reads YAML 1.1, where `Off` is
/// false: a schema checked through it would pass files editors flag.
/// Prints `[{"value"} | {"error"}]`, one per document of the job; every
/// key is text, as JSON has it.
const READ_YAML: &str = r#"
const fs = require("fs");
const YAML = require("yaml");
const jobs = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const out = jobs.map((doc) => {
  try {
    return { value: YAML.parse(doc.yaml, { version: "1.2" }) ?? null };
  } catch (e) {
    return { error: String(e.message) };
  }
});
console.log(JSON.stringify(out));
"#;

/// The schemas this devsvc prints, written to files for the validator.
struct Schemas {
    dir: tempfile::TempDir,
}

impl Schemas {
    fn print() -> Schemas {
        let project = TestProject::new("schema", "services: {}\n");
        let dir = tempfile::tempdir().unwrap();
        for (args, file) in [
            (&["schema"][..], "services.schema.json"),
            (&["schema", "--template"], "template.schema.json"),
        ] {
            let run = project.cli(args).no_engine().run();
            assert!(run.stdout.ends_with("}\n"), "{}", run.stdout);
            std::fs::write(dir.path().join(file), run.stdout).unwrap();
        }
        Schemas { dir }
    }

    fn services(&self) -> String {
        self.path("services.schema.json")
    }

    fn template(&self) -> String {
        self.path("template.schema.json")
    }

    fn path(&self, file: &str) -> String {
        self.dir.path().join(file).display().to_string()
    }
}

/// The validator's verdict on each (schema file, YAML text), in order.
fn verdicts(docs: &[(String, String)]) -> Vec<String> {
    let job: Vec<serde_json::Value> = docs
        .iter()
        .map(|(schema, yaml)| serde_json::json!({ "schema": schema, "yaml": yaml }))
        .collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_string(&job).unwrap()).unwrap();
    let node_path = BTreeMap::from([("NODE_PATH".to_string(), node_modules())]);
    let run = app(
        Command::new("python3")
            .arg("-c")
            .arg(VALIDATE)
            .arg(file.path())
            .arg(READ_YAML),
        &node_path,
    );
    assert_eq!(run.code, 0, "the validator failed:\n{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The validator's verdict on each file against the services.yaml schema.
fn services_verdicts<'a>(files: impl Iterator<Item = &'a str>) -> Vec<String> {
    let schemas = Schemas::print();
    let docs: Vec<(String, String)> = files
        .map(|yaml| (schemas.services(), yaml.to_string()))
        .collect();
    verdicts(&docs)
}

/// Validates `valid` (each must pass) and `others` (each must get a
/// verdict `wanted` takes) against one schema: each document that did not,
/// with the verdict it got.
fn differences(
    schema: &str,
    valid: &[String],
    others: &[String],
    wanted: impl Fn(&str) -> bool,
) -> Vec<String> {
    let docs: Vec<(String, String)> = valid
        .iter()
        .chain(others)
        .map(|yaml| (schema.to_string(), yaml.clone()))
        .collect();
    let right = |i: usize, verdict: &str| {
        if i < valid.len() {
            verdict == "valid"
        } else {
            wanted(verdict)
        }
    };
    let got = verdicts(&docs);
    docs.iter()
        .zip(&got)
        .enumerate()
        .filter(|(i, (_, verdict))| !right(*i, verdict))
        .map(|(_, ((_, yaml), verdict))| format!("--- {verdict}\n{yaml}"))
        .collect()
}

/// The YAML examples of README.md and docs/ whose top-level keys include
/// `key`, as the docs test finds them (marked fragments left out).
fn readme_blocks(key: &str) -> Vec<String> {
    docs::yaml_blocks(key).into_iter().map(|b| b.text).collect()
}

/// services.yaml files the other tests give devsvc: by name where they are
/// constants, the rest copied from their tests.
fn test_files() -> Vec<String> {
    let mut files: Vec<String> = [
        databases::ALL,
        instances::SERVICES,
        faults::THREE,
        reconcile::TWO,
        envfile::PINNED,
    ]
    .map(String::from)
    .to_vec();
    files.extend(COPIED.iter().map(|f| f.to_string()));
    files
}

const COPIED: &[&str] = &[
    // attached.rs: a profile attaching a managed Redis; a block scalar.
    "services:\n  redis: {}\nprofiles:\n  cloud:\n    services:\n      redis:\n        external: { url: \"rediss://:s3cret@cache.example.com:6380/0\" }\n",
    "services:\n  redis:\n    external:\n      url: \"rediss://default:s3cret@cache.example.com:6380/0\"\n      env:\n        REDIS_HOST: |-\n          first line\n          second line\n",
    // databases.rs: databases and init files, an external database, a
    // `tcp` probe of an inline service, environment.
    "services:\n  postgres:\n    databases: [app, app_test]\n    init: [db/schema.sql, db/seed.sql]\n  mysql:\n    env_prefix: MY_\n    databases: [shop, shop_test]\n",
    "services:\n  postgres:\n    external:\n      url: \"${MANAGED_DATABASE_URL}\"\n",
    "services:\n  late:\n    inline:\n      image: redis:7.4-alpine\n      ports: { redis: 6379 }\n      command: [sh, -c, \"sleep 3 && exec /entrypoint.sh redis-server\"]\n      ready: [ { tcp: { port: redis } } ]\n      exports: { LATE_URL: \"redis://{{host}}:{{port.redis}}/0\" }\n",
    "services:\n  rabbitmq:\n    env: { TZ: UTC }\n",
    // faults.rs: probes overridden, an image overridden, a pinned port.
    "services:\n  redis: {}\n  mailhog:\n    ready:\n      - http: { port: http, path: /, status: 599 }\n",
    "services:\n  redis:\n    ready:\n      - http: { port: redis, path: /, status: 200 }\n  mailhog: {}\n",
    "services:\n  redis: {}\n  mail:\n    template: mailhog\n    image: nosuch/mailcatcher:9.9\n",
    "services:\n  mailhog: {}\n  redis:\n    ports: { 6379: 61234 }\n",
    // reconcile.rs: no network; a second instance.
    "network: false\nservices:\n  redis: {}\n",
    "services:\n  redis: {}\n  mailhog: {}\n  cache:\n    template: redis\n    env_prefix: CACHE_\n",
    // up_down.rs: both mail catchers.
    "services:\n  mailhog: {}\n  mailpit:\n    env_prefix: PIT_\n",
    // config_errors.rs: interpolation, in a port too (quoted in a flow map,
    // see below).
    "image_prefix: ${MIRROR:-}\nservices:\n  cache:\n    template: redis\n    env_prefix: ${PREFIX:-CACHE_}\n    ports: { redis: \"${CACHE_PORT}\" }\n",
];

/// Files devsvc reads that are YAML only once `${VAR}` is filled in: an
/// unquoted `${X}` inside `{...}` or `[...]` holds flow indicators, so an
/// editor reports a YAML error (README: quote interpolated values).
fn yaml_only_when_interpolated() -> Vec<String> {
    vec![
        format!("services:\n{}", attached::EXTERNAL_SERVICES),
        "services:\n  cache:\n    template: redis\n    ports: { redis: ${CACHE_PORT} }\n".into(),
    ]
}

#[test]
fn readme_examples_and_the_tests_files_pass_the_schema() {
    let schemas = Schemas::print();
    let readme = readme_blocks("services");
    assert!(readme.len() >= 3, "README's examples not found: {readme:?}");
    let valid: Vec<String> = readme.into_iter().chain(test_files()).collect();
    let unquoted = yaml_only_when_interpolated();
    let wrong = differences(&schemas.services(), &valid, &unquoted, |v| {
        v.starts_with("not yaml")
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The mistakes of `config_errors::CASES` a schema cannot see, each by a
/// piece of devsvc's message, with why.
const BEYOND_SCHEMA: &[(&str, &str)] = &[
    (
        "unclosed bracket",
        "not YAML: the editor's YAML parser says so",
    ),
    (
        "unclosed quote",
        "not YAML: the editor's YAML parser says so",
    ),
    ("3:8: expected a map", "not YAML (an unclosed `[`)"),
    (
        "a tab in indentation",
        "not YAML: the editor's YAML parser says so",
    ),
    (
        "`redis` appears twice",
        "a repeated key is gone once YAML is read into a map; yaml-language-server reports it itself",
    ),
    (
        "unknown template `cockroach`",
        "the template defaults to the key, and a profile may name one: a schema cannot relate a key to a missing value",
    ),
    (
        "has no container port `8080`",
        "the container ports are the template's",
    ),
    (
        "both export `REDIS_URL`",
        "exports clash across services, through their templates",
    ),
    (
        "password is too short",
        "the shortest password is the template's rule",
    ),
    (
        "takes no password",
        "whether a service takes a password is its template's",
    ),
    (
        "takes no user",
        "whether a service takes a user is its template's",
    ),
    (
        "`user` must not be empty",
        "a user of spaces only is refused by devsvc; the schema asks only for one character",
    ),
    (
        "neither a letter nor a digit",
        "what a server demands of a password is its template's",
    ),
    (
        "takes no `buckets`",
        "whether a service takes buckets is its template's (an S3 API)",
    ),
    (
        "unknown placeholder",
        "the placeholders a service may use follow from its template's ports and secrets",
    ),
];

#[test]
fn config_mistakes_fail_the_schema_unless_only_devsvc_can_see_them() {
    let got = services_verdicts(CASES.iter().map(|(yaml, _)| *yaml));
    let mut wrong = Vec::new();
    for ((yaml, message), verdict) in CASES.iter().zip(&got) {
        let beyond: Vec<&str> = BEYOND_SCHEMA
            .iter()
            .filter(|(piece, _)| message.contains(piece))
            .map(|(_, why)| *why)
            .collect();
        match (beyond.as_slice(), verdict.starts_with("invalid")) {
            ([], true) | ([_], false) => {}
            ([], false) => wrong.push(format!("--- accepted ({verdict}):\n{yaml}")),
            ([why], true) => wrong.push(format!(
                "--- rejected, so no longer beyond the schema ({why}):\n{yaml}"
            )),
            (_, _) => wrong.push(format!("--- listed twice in BEYOND_SCHEMA:\n{yaml}")),
        }
    }
    for (piece, _) in BEYOND_SCHEMA {
        let matches = CASES.iter().filter(|(_, m)| m.contains(piece)).count();
        if matches != 1 {
            wrong.push(format!("--- BEYOND_SCHEMA `{piece}` names {matches} cases"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Files at the edges of devsvc's rules (names, numbers, yes and no):
/// (services.yaml, whether devsvc takes it).
const EDGES: &[(&str, bool)] = &[
    (
        "project: 0a-b_c\nservices:\n  9-x_y: { template: redis }\n",
        true,
    ),
    (
        "services:\n  minio:\n    buckets: [abc, a-.b, 1.2.3, a2345678901234567890123456789012345678901234567890123456789012b]\n",
        true,
    ),
    ("services:\n  postgres:\n    databases: [x, A_1]\n", true),
    (
        "services:\n  redis:\n    env_prefix: _x\n  cache:\n    template: memcached\n    env_prefix: \"\"\n",
        true,
    ),
    (
        "network: no\nservices:\n  redis:\n    volume: Off\n  minio:\n    volume: \"yes\"\n",
        true,
    ),
    (
        "services:\n  redis:\n    ports: { redis: \"16379\" }\n  mailhog:\n    ports: { smtp: 0x3FFF, http: 16_380 }\n",
        true,
    ),
    // YAML 1.2, as editors and devsvc read it: `no` and `off` are text,
    // `0o17777` a number (YAML 1.1 reads false, false and text).
    (
        "project: no\nservices:\n  off: { template: redis }\n  mailhog:\n    ports: { smtp: 0o17777 }\n",
        true,
    ),
    (
        "services:\n  redis:\n    password: 12345678\n    command: [redis-server, --port, 6379]\n    env: { DEBUG: true, LEVEL: 3 }\n",
        true,
    ),
    (
        "services:\n  x:\n    inline:\n      image: x:1\n      password: { generate: 1024, min_length: \"8\" }\n",
        true,
    ),
    ("services:\n  -x: { template: redis }\n", false),
    ("services:\n  a.b: { template: redis }\n", false),
    ("project: A\nservices:\n  redis: {}\n", false),
    ("services:\n  minio:\n    buckets: [ab]\n", false),
    ("services:\n  minio:\n    buckets: [a..b]\n", false),
    ("services:\n  minio:\n    buckets: [-ab]\n", false),
    ("services:\n  minio:\n    buckets: [ab-]\n", false),
    (
        "services:\n  minio:\n    buckets: [a23456789012345678901234567890123456789012345678901234567890123b]\n",
        false,
    ),
    ("services:\n  postgres:\n    databases: [1db]\n", false),
    ("services:\n  postgres:\n    databases: [a-b]\n", false),
    ("services:\n  postgres:\n    init: [schema.txt]\n", false),
    ("services:\n  redis:\n    env_prefix: 1X\n", false),
    ("services:\n  redis:\n    volume: 2\n", false),
    ("services:\n  redis:\n    ports: { redis: 65536 }\n", false),
    ("services:\n  redis:\n    password: \"\"\n", false),
    (
        "services:\n  redis:\n    external: { ports: { redis: 6379 } }\n",
        false,
    ),
    (
        "services:\n  redis:\n    ready: [ { http: { port: redis, status: 70000 } } ]\n",
        false,
    ),
    ("services:\n  redis:\n    env: { A: [1] }\n", false),
    ("services:\n", false),
    (
        "services:\n  redis: {}\nprofiles:\n  ci:\n    services:\n      redis: { volumee: false }\n",
        false,
    ),
    (
        "services:\n  x:\n    inline:\n      ports: { http: 80 }\n",
        false,
    ),
];

/// The schema writes each rule again, in JSON Schema's words: on these
/// edges it must say what devsvc says.
#[test]
fn the_schema_and_devsvc_agree_at_the_edges_of_the_rules() {
    let got = services_verdicts(EDGES.iter().map(|(yaml, _)| *yaml));
    let mut wrong = Vec::new();
    for ((yaml, takes), verdict) in EDGES.iter().zip(&got) {
        let project = TestProject::new("edge", yaml);
        let run = project
            .cli(&["config"])
            .no_engine()
            .without("DEVSVC_PROJECT")
            .status(if *takes { 0 } else { 2 })
            .check();
        if let Err(report) = run {
            wrong.push(format!("--- devsvc disagrees:\n{report}"));
        }
        if (verdict == "valid") != *takes {
            wrong.push(format!("--- the schema disagrees ({verdict}):\n{yaml}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `init` writes a starter devsvc takes, whose first line points editors
/// at the schema it writes beside it; a second `init` changes nothing.
#[test]
fn init_writes_a_starter_and_its_schema_and_never_overwrites() {
    let project = TestProject::new("init", "");
    std::fs::remove_file(project.path().join("services.yaml")).unwrap();
    project.cli(&["init"]).no_engine().run();
    let written = std::fs::read_to_string(project.path().join("services.yaml")).unwrap();
    assert!(
        written.starts_with("# yaml-language-server: $schema=services.schema.json\n"),
        "{written}"
    );
    project.cli(&["config"]).no_engine().run();
    let schema = project.path().join("services.schema.json");
    let got = verdicts(&[(schema.display().to_string(), written.clone())]);
    assert_eq!(got, ["valid"]);
    let printed = project.cli(&["schema"]).no_engine().run().stdout;
    assert_eq!(std::fs::read_to_string(&schema).unwrap(), printed);
    project
        .cli(&["init"])
        .no_engine()
        .status(2)
        .stderr_contains("already exists")
        .run();
    assert_eq!(
        std::fs::read_to_string(project.path().join("services.yaml")).unwrap(),
        written
    );
}

#[test]
fn init_keeps_an_existing_schema_file() {
    let project = TestProject::new("init-keep", "");
    std::fs::remove_file(project.path().join("services.yaml")).unwrap();
    let schema = project.path().join("services.schema.json");
    std::fs::write(&schema, "{}\n").unwrap();
    project
        .cli(&["init"])
        .no_engine()
        .stderr_contains("kept the existing services.schema.json")
        .run();
    assert_eq!(std::fs::read_to_string(&schema).unwrap(), "{}\n");
    assert!(project.path().join("services.yaml").is_file());
}

#[test]
fn templates_pass_the_template_schema_and_a_broken_one_fails() {
    let schemas = Schemas::print();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut templates: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(templates.len() >= 10, "templates not found in {dir}");
    templates.extend(readme_blocks("image"));
    // Interpolation is services.yaml's alone: a template is read as it is.
    let broken = [
        "image: x:1\nports: { http: \"${PORT}\" }\n",
        "image: x:1\nready: [ { http: { port: http, status: 70000 } } ]\n",
        "ports: { http: 80 }\n",
        "image: x:1\npassword: { generate: 1025 }\n",
        "image: x:1\nvolume: true\n",
    ]
    .map(String::from);
    let wrong = differences(&schemas.template(), &templates, &broken, |v| {
        v.starts_with("invalid")
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Printed through the data path: a reader that goes away ends it with
/// exit 0, as for every command.
#[test]
fn schema_to_a_closed_stdout_exits_0() {
    for args in [&["schema"][..], &["schema", "--template"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(BIN)
            .args(args)
            .env_clear()
            .env("PATH", runner_path())
            .env("DOCKER_HOST", NO_ENGINE)
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
