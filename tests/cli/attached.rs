//! Attached resources: one small app, reading nothing but its environment,
//! runs unchanged and passes the same assertions against devsvc's own
//! containers, against resources started outside devsvc and given through
//! `external:`, and by switching a profile. `env` for an all-external
//! profile needs no engine; `doctor` checks external resources and never
//! prints their passwords.

use std::collections::BTreeMap;

use crate::common::*;

/// The app: Redis, SMTP and S3 through the environment only.
const APP: &str = r#"
import os, smtplib, uuid
from email.message import EmailMessage
import redis, boto3

token = uuid.uuid4().hex
r = redis.from_url(os.environ["REDIS_URL"])
r.set("app:token", token)
assert r.get("app:token").decode() == token

msg = EmailMessage()
msg["From"] = "Shop <shop@example.com>"
msg["To"] = "Customer <customer@example.com>"
msg["Subject"] = "order " + token
msg.set_content("thanks")
with smtplib.SMTP(os.environ["SMTP_HOST"], int(os.environ["SMTP_PORT"]), timeout=10) as s:
    s.send_message(msg)

s3 = boto3.client("s3")
s3.put_object(Bucket=os.environ["S3_BUCKET"], Key="orders/" + token, Body=token.encode())
got = s3.get_object(Bucket=os.environ["S3_BUCKET"], Key="orders/" + token)["Body"].read().decode()
assert got == token
print("app ok against", os.environ["REDIS_HOST"], os.environ["SMTP_PORT"], os.environ["AWS_ENDPOINT_URL_S3"])
"#;

/// Redis, a mail catcher and S3 started by the test itself, without
/// devsvc's label: stand-ins for managed cloud services. Their guards
/// remove them even when the test fails.
struct Outside {
    _containers: Vec<EngineGuard>,
    _ports: Vec<PortGuard>,
    redis_port: u16,
    smtp_port: u16,
    http_port: u16,
    s3_port: u16,
    password: String,
    s3_key: String,
    s3_secret: String,
}

impl Outside {
    fn start(tag: &str) -> Outside {
        let p = registry_prefix();
        let id = unique_name(tag);
        let ports: Vec<PortGuard> = (0..4).map(|_| reserve_port()).collect();
        let (redis_port, smtp_port, http_port, s3_port) =
            (ports[0].port, ports[1].port, ports[2].port, ports[3].port);
        let (password, s3_key, s3_secret) =
            ("managed-redis-secret", "managedkey", "managed-s3-secret");
        let containers = vec![
            EngineGuard::container(
                &format!("{id}-redis"),
                &[
                    "-p",
                    &format!("127.0.0.1:{redis_port}:6379"),
                    &format!("{p}redis:7.4-alpine"),
                    "redis-server",
                    "--requirepass",
                    password,
                ],
            ),
            EngineGuard::container(
                &format!("{id}-mail"),
                &[
                    "-p",
                    &format!("127.0.0.1:{smtp_port}:1025"),
                    "-p",
                    &format!("127.0.0.1:{http_port}:8025"),
                    &format!("{p}mailhog/mailhog:v1.0.1"),
                ],
            ),
            EngineGuard::container(
                &format!("{id}-s3"),
                &[
                    "-p",
                    &format!("127.0.0.1:{s3_port}:9000"),
                    "-e",
                    &format!("MINIO_ROOT_USER={s3_key}"),
                    "-e",
                    &format!("MINIO_ROOT_PASSWORD={s3_secret}"),
                    &format!("{p}quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"),
                ],
            ),
        ];
        // The managed bucket exists already; its owner made it. The server
        // needs a moment to start: retry, then fail with the last error.
        let make_bucket = format!(
            r#"
import boto3, time
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:{s3_port}", aws_access_key_id="{s3_key}", aws_secret_access_key="{s3_secret}", region_name="us-east-1")
for attempt in range(100):
    try:
        s3.create_bucket(Bucket="uploads")
        break
    except Exception as error:
        if attempt == 99:
            raise
        time.sleep(0.1)
assert "uploads" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
"#
        );
        let made = python(&make_bucket, &BTreeMap::new());
        assert_eq!(made.code, 0, "the managed bucket: {}", made.stderr);
        Outside {
            _containers: containers,
            _ports: ports,
            redis_port,
            smtp_port,
            http_port,
            s3_port,
            password: password.into(),
            s3_key: s3_key.into(),
            s3_secret: s3_secret.into(),
        }
    }

    /// The variables a managed-cloud environment would provide.
    fn env(&self) -> BTreeMap<String, String> {
        [
            (
                "MANAGED_REDIS_URL",
                format!(
                    "redis://default:{}@127.0.0.1:{}/0",
                    self.password, self.redis_port
                ),
            ),
            ("MANAGED_SMTP_PORT", self.smtp_port.to_string()),
            ("MANAGED_MAIL_WEB_PORT", self.http_port.to_string()),
            (
                "MANAGED_S3_URL",
                format!("http://127.0.0.1:{}", self.s3_port),
            ),
            ("MANAGED_S3_KEY", self.s3_key.clone()),
            ("MANAGED_S3_SECRET", self.s3_secret.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

pub(crate) const EXTERNAL_SERVICES: &str = r#"  redis:
    external:
      url: "${MANAGED_REDIS_URL}"
  mailhog:
    external:
      host: 127.0.0.1
      ports: { smtp: ${MANAGED_SMTP_PORT}, http: ${MANAGED_MAIL_WEB_PORT} }
  minio:
    buckets: [uploads]
    external:
      url: "${MANAGED_S3_URL}"
      password: "${MANAGED_S3_SECRET}"
      env: { AWS_ACCESS_KEY_ID: "${MANAGED_S3_KEY}" }
"#;

fn local_services() -> String {
    "services:\n  redis: {}\n  mailhog: {}\n  minio:\n    buckets: [uploads]\n".to_string()
}

fn run_app(project: &TestProject) -> String {
    let app = python(APP, &project.dotenv());
    assert_eq!(app.code, 0, "the app failed:\n{}", app.stderr);
    app.stdout
}

#[test]
fn the_same_app_runs_against_containers_external_resources_and_a_profile() {
    let outside = Outside::start("ext");

    // 1. devsvc's own containers.
    let local = TestProject::new("attach-local", &local_services());
    local.run(&["up"]).ok();
    let first = run_app(&local);
    assert!(
        first.contains(&format!(
            "app ok against 127.0.0.1 {}",
            local.dotenv()["SMTP_PORT"]
        )),
        "{first}"
    );

    // 2. Resources started outside devsvc, given through `external:`.
    let mut ext = TestProject::new("attach-ext", &format!("services:\n{EXTERNAL_SERVICES}"));
    ext.env.extend(outside.env());
    ext.cli(&["up"])
        .stderr_contains("redis: external: nothing to start")
        .run();
    assert_eq!(labelled_resources(&ext.name), [], "nothing started");
    let second = run_app(&ext);
    assert!(
        second.contains(&format!("127.0.0.1 {}", outside.smtp_port)),
        "{second}"
    );
    assert_eq!(
        ext.dotenv()["REDIS_URL"],
        outside.env()["MANAGED_REDIS_URL"]
    );

    // 3. One services.yaml, switched by a profile.
    let indented: String = EXTERNAL_SERVICES
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect();
    let mut profiled = TestProject::new(
        "attach-profile",
        &format!(
            "{}profiles:\n  cloud:\n    services:\n{indented}",
            local_services()
        ),
    );
    profiled.env.extend(outside.env());
    profiled.run(&["up"]).ok();
    let laptop = run_app(&profiled);
    assert!(!laptop.contains(&outside.smtp_port.to_string()), "{laptop}");
    profiled.env.insert("DEVSVC_PROFILE".into(), "cloud".into());
    // Local containers go when the profile attaches managed ones.
    profiled
        .cli(&["up"])
        .stderr_contains("removed container")
        .run();
    let cloud = run_app(&profiled);
    assert!(
        cloud.contains(&format!("127.0.0.1 {}", outside.smtp_port)),
        "{cloud}"
    );
}

#[test]
fn env_for_an_all_external_profile_needs_no_engine() {
    let project = TestProject::new(
        "noengine-env",
        "services:\n  redis: {}\nprofiles:\n  cloud:\n    services:\n      redis:\n        external: { url: \"rediss://:s3cret@cache.example.com:6380/0\" }\n",
    );
    let run = project
        .cli(&["--profile", "cloud", "env", "--format", "json"])
        .no_engine()
        .run();
    let vars: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        vars["REDIS_URL"],
        "rediss://:s3cret@cache.example.com:6380/0"
    );
    assert_eq!(vars["REDIS_HOST"], "cache.example.com");
    assert_eq!(vars["REDIS_PORT"], "6380");
    // Without the profile, the engine is needed and its absence is exit 3.
    project.cli(&["env"]).no_engine().status(3).run();
    // A profile that does not exist is a usage error with a suggestion.
    project
        .cli(&["--profile", "clod", "env"])
        .no_engine()
        .status(2)
        .stderr_contains("unknown profile `clod`")
        .stderr_contains("did you mean `cloud`?")
        .run();
}

#[test]
fn doctor_reports_an_unreachable_external_resource_with_its_password_masked() {
    let reserved = reserve_port();
    let port = reserved.port;
    let project = TestProject::new(
        "doctor-ext",
        &format!(
            "services:\n  redis:\n    external:\n      url: \"redis://:topsecret@127.0.0.1:{port}/0\"\n"
        ),
    );
    project
        .cli(&["doctor"])
        .status(1)
        .stdout_contains(&format!(
            "FAIL external redis: redis://:****@127.0.0.1:{port}/0 does not answer"
        ))
        .stdout_lacks("topsecret")
        .run();
    project
        .cli(&["config", "--json"])
        .stdout_lacks("topsecret")
        .run();
    project
        .cli(&["status"])
        .stdout_contains(&format!("redis://:****@127.0.0.1:{port}/0"))
        .stdout_lacks("topsecret")
        .run();
}

/// Reads a `$GITHUB_ENV` file by the runner's rules: `NAME=value`, or
/// `NAME<<DELIMITER`, the value's lines, `DELIMITER`.
const GITHUB_ENV_PARSER: &str = r#"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
out, i = {}, 0
while i < len(lines):
    line = lines[i]
    if not line:
        i += 1
        continue
    eq, heredoc = line.find("="), line.find("<<")
    if heredoc != -1 and (eq == -1 or heredoc < eq):
        name, delimiter = line.split("<<", 1)
        value, i = [], i + 1
        while lines[i] != delimiter:
            value.append(lines[i])
            i += 1
        out[name] = "\n".join(value)
    else:
        name, value = line.split("=", 1)
        out[name] = value
    i += 1
print(json.dumps(out))
"#;

#[test]
fn env_for_github_actions_round_trips_through_the_runners_format() {
    let project = TestProject::new(
        "github",
        "services:\n  redis:\n    external:\n      url: \"rediss://default:s3cret@cache.example.com:6380/0\"\n      env:\n        REDIS_HOST: |-\n          first line\n          second line\n",
    );
    let github_env = project.path().join("github_env");
    std::fs::write(&github_env, "EARLIER=kept\n").unwrap();
    let path = github_env.to_str().unwrap();
    let run = project
        .cli(&["env", "--format", "github", "--mask"])
        .no_engine()
        .env("GITHUB_ENV", path)
        .run();
    for secret in ["s3cret", "rediss://default:s3cret@cache.example.com:6380/0"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l == format!("::add-mask::{secret}")),
            "{secret} masked:\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("::add-mask::6380"), "{}", run.stdout);
    let parsed = app(
        std::process::Command::new("python3").args(["-c", GITHUB_ENV_PARSER, path]),
        &BTreeMap::new(),
    );
    assert_eq!(parsed.code, 0, "{}", parsed.stderr);
    let parsed: serde_json::Value = serde_json::from_str(&parsed.stdout).unwrap();
    let json = project.cli(&["env", "--format", "json"]).no_engine().run();
    let mut expected: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(expected["REDIS_HOST"], "first line\nsecond line");
    expected["EARLIER"] = "kept".into();
    assert_eq!(parsed, expected, "every variable read back exactly");
}
