//! Attached resources: one small app, reading nothing but its environment,
//! runs unchanged and passes the same assertions against devsvc's own
//! containers, against resources started outside devsvc and given through
//! `external:`, and by switching a profile. `env` for an all-external
//! profile needs no engine; `doctor` checks external resources and never
//! prints their passwords.
mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::Command;

use common::*;

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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Redis, a mail catcher and S3 started by the test itself, unlabelled:
/// stand-ins for managed cloud services.
struct Outside {
    names: Vec<String>,
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
        let o = Outside {
            names: vec![
                format!("{id}-redis"),
                format!("{id}-mail"),
                format!("{id}-s3"),
            ],
            redis_port: free_port(),
            smtp_port: free_port(),
            http_port: free_port(),
            s3_port: free_port(),
            password: "managed-redis-secret".into(),
            s3_key: "managedkey".into(),
            s3_secret: "managed-s3-secret".into(),
        };
        docker(&[
            "run",
            "-d",
            "--name",
            &o.names[0],
            "-p",
            &format!("127.0.0.1:{}:6379", o.redis_port),
            &format!("{p}redis:7.4-alpine"),
            "redis-server",
            "--requirepass",
            &o.password,
        ]);
        docker(&[
            "run",
            "-d",
            "--name",
            &o.names[1],
            "-p",
            &format!("127.0.0.1:{}:1025", o.smtp_port),
            "-p",
            &format!("127.0.0.1:{}:8025", o.http_port),
            &format!("{p}mailhog/mailhog:v1.0.1"),
        ]);
        docker(&[
            "run",
            "-d",
            "--name",
            &o.names[2],
            "-p",
            &format!("127.0.0.1:{}:9000", o.s3_port),
            "-e",
            &format!("MINIO_ROOT_USER={}", o.s3_key),
            "-e",
            &format!("MINIO_ROOT_PASSWORD={}", o.s3_secret),
            &format!("{p}quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"),
        ]);
        // The managed bucket exists already; its owner made it.
        let make_bucket = format!(
            r#"
import boto3, time
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:{}", aws_access_key_id="{}", aws_secret_access_key="{}", region_name="us-east-1")
for _ in range(100):
    try:
        s3.create_bucket(Bucket="uploads"); break
    except Exception:
        time.sleep(0.1)
"#,
            o.s3_port, o.s3_key, o.s3_secret
        );
        assert_eq!(python(&make_bucket, &BTreeMap::new()).code, 0);
        o
    }

    /// The variables a managed-cloud environment would provide.
    fn env(&self) -> BTreeMap<String, String> {
        [
            (
                "MANAGED_REDIS_URL",
                format!("redis://:{}@127.0.0.1:{}/0", self.password, self.redis_port),
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

impl Drop for Outside {
    fn drop(&mut self) {
        let mut args = vec!["rm", "-f"];
        args.extend(self.names.iter().map(String::as_str));
        let _ = Command::new("docker").args(&args).output();
    }
}

const EXTERNAL_SERVICES: &str = r#"  redis:
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
    format!(
        "services:\n  redis: {{}}\n  mailhog: {{}}\n  minio:\n    buckets: [uploads]\n{MINIO_STANDIN_READY}"
    )
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

    // 2. Resources started outside devsvc, given through `external:`.
    let mut ext = TestProject::new("attach-ext", &format!("services:\n{EXTERNAL_SERVICES}"));
    ext.env.extend(outside.env());
    let up = ext.run(&["up"]).ok();
    assert!(
        up.stderr.contains("redis: external: nothing to start"),
        "{}",
        up.stderr
    );
    assert_eq!(
        labelled_resources(&ext.name),
        Vec::<String>::new(),
        "nothing started"
    );
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
    let up = profiled.run(&["up"]).ok();
    assert!(
        up.stderr.contains("removed container"),
        "local containers go when the profile attaches managed ones:\n{}",
        up.stderr
    );
    let cloud = run_app(&profiled);
    assert!(
        cloud.contains(&format!("127.0.0.1 {}", outside.smtp_port)),
        "{cloud}"
    );
    assert!(!first.is_empty());
}

#[test]
fn env_for_an_all_external_profile_needs_no_engine() {
    let mut project = TestProject::new(
        "noengine-env",
        "services:\n  redis: {}\nprofiles:\n  cloud:\n    services:\n      redis:\n        external: { url: \"rediss://:s3cret@cache.example.com:6380/0\" }\n",
    );
    project
        .env
        .insert("DOCKER_HOST".into(), "tcp://127.0.0.1:1".into());
    let run = project
        .run(&["--profile", "cloud", "env", "--format", "json"])
        .ok();
    let vars: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        vars["REDIS_URL"],
        "rediss://:s3cret@cache.example.com:6380/0"
    );
    assert_eq!(vars["REDIS_HOST"], "cache.example.com");
    assert_eq!(vars["REDIS_PORT"], "6380");
    // Without the profile, the engine is needed and its absence is exit 3.
    assert_eq!(project.run(&["env"]).code, 3);
    // A profile that does not exist is a usage error with a suggestion.
    let wrong = project.run(&["--profile", "clod", "env"]);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("unknown profile `clod`")
            && wrong.stderr.contains("did you mean `cloud`?"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn doctor_reports_an_unreachable_external_resource_with_its_password_masked() {
    let port = free_port();
    let project = TestProject::new(
        "doctor-ext",
        &format!(
            "services:\n  redis:\n    external:\n      url: \"redis://:topsecret@127.0.0.1:{port}/0\"\n"
        ),
    );
    let out = project.command(&["doctor"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FAIL external redis: redis://:****@127.0.0.1:{port}/0 does not answer"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("topsecret"), "{stdout}");
    let config = project.run(&["config", "--json"]).ok();
    assert!(!config.stdout.contains("topsecret"), "{}", config.stdout);
    let status = project.run(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains(&format!("redis://:****@127.0.0.1:{port}/0")),
        "{}",
        status.stdout
    );
    assert!(!status.stdout.contains("topsecret"), "{}", status.stdout);
}
