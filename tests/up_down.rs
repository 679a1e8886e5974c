//! End to end: `devsvc up` with the repository's services.yaml pulls the
//! images from the loopback registry, starts Redis, MailHog and MinIO, and
//! writes an env file that real clients use unchanged; `down --volumes`
//! leaves nothing behind.
mod common;

use common::*;

/// The repository's services.yaml, with the MinIO stand-in's probe.
fn default_services() -> String {
    let repo = include_str!("../services.yaml");
    format!("{repo}{MINIO_STANDIN_READY}")
}

const APP: &str = r#"
import os, smtplib, uuid, json, urllib.request
from email.message import EmailMessage
import redis, boto3

token = uuid.uuid4().hex

r = redis.from_url(os.environ["REDIS_URL"])
r.set("greeting", token)
assert r.get("greeting").decode() == token, "redis round trip"

msg = EmailMessage()
msg["From"] = "Shop App <app@example.com>"  # the stand-in (mailtutan) needs display names
msg["To"] = "A User <user@example.com>"
msg["Subject"] = "hello " + token
msg.set_content("body " + token)
with smtplib.SMTP(os.environ["SMTP_HOST"], int(os.environ["SMTP_PORT"]), timeout=10) as s:
    s.send_message(msg)
with urllib.request.urlopen(os.environ["MAILHOG_URL"] + "/api/messages", timeout=10) as resp:
    messages = json.load(resp)
assert any(token in json.dumps(m) for m in messages), "mail found through the API"

s3 = boto3.client("s3")
bucket = os.environ["S3_BUCKET"]
s3.put_object(Bucket=bucket, Key="hello.txt", Body=token.encode())
assert s3.get_object(Bucket=bucket, Key="hello.txt")["Body"].read().decode() == token
print("app ok", token)
"#;

#[test]
fn up_serves_real_clients_through_the_env_file_and_down_removes_everything() {
    let mut project = TestProject::new("e2e", &default_services());
    // A fresh prefix whose images are not present locally, so `up` pulls.
    let prefix = format!("{}fresh/", registry_prefix());
    for image in [
        "redis:7.4-alpine",
        "mailhog/mailhog:v1.0.1",
        "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
    ] {
        let _ = std::process::Command::new("docker")
            .args(["rmi", "-f", &format!("{prefix}{image}")])
            .output();
    }
    project
        .env
        .insert("DEVSVC_IMAGE_PREFIX".into(), prefix.clone());

    let up = project.run(&["up"]).ok();
    for image in [
        "redis:7.4-alpine",
        "mailhog/mailhog:v1.0.1",
        "quay.io/minio/minio",
    ] {
        let wanted = format!("pulled {prefix}{image}");
        let line = up.stderr.lines().find(|l| l.contains(&wanted));
        let line = line.unwrap_or_else(|| panic!("{image} not pulled:\n{}", up.stderr));
        assert!(
            line.ends_with(" MB)"),
            "{image} pulled without downloading: {line}"
        );
    }
    assert!(
        up.stderr.contains("created bucket uploads"),
        "{}",
        up.stderr
    );

    // The app sees nothing but the variables read back from the env file.
    let vars = project.dotenv();
    for key in [
        "REDIS_URL",
        "SMTP_HOST",
        "SMTP_PORT",
        "MAILHOG_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "S3_BUCKET",
    ] {
        assert!(
            vars.contains_key(key),
            "{key} missing from env file: {vars:?}"
        );
    }
    assert_eq!(vars["S3_BUCKET"], "uploads");
    assert_ne!(vars["AWS_SECRET_ACCESS_KEY"], "minioadmin");
    assert!(vars["AWS_SECRET_ACCESS_KEY"].len() >= 8);
    let app = python(APP, &vars);
    assert_eq!(
        app.code, 0,
        "the app failed against the env file:\n{}",
        app.stderr
    );
    assert!(app.stdout.contains("app ok"));

    let down = project.teardown();
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert_eq!(labelled_resources(&project.name), Vec::<String>::new());
    let again = project.run(&["down"]);
    assert_eq!(again.code, 0, "second down: {}", again.stderr);
}

#[test]
fn every_published_port_is_bound_to_loopback() {
    let project = TestProject::new("loopback", &default_services());
    project.run(&["up"]).ok();
    let filter = format!("label=dev.devsvc.project={}", project.name);
    let ids = docker(&["ps", "-q", "--filter", &filter]);
    let ids: Vec<&str> = ids.split_whitespace().collect();
    assert_eq!(ids.len(), 3, "three containers");
    let mut bindings = 0;
    for id in ids {
        let json = docker(&[
            "inspect",
            "--format",
            "{{json .HostConfig.PortBindings}}",
            id,
        ]);
        let ports: serde_json::Value = serde_json::from_str(&json).unwrap();
        for (_, list) in ports.as_object().unwrap() {
            for binding in list.as_array().unwrap() {
                assert_eq!(binding["HostIp"], "127.0.0.1", "{id}: {json}");
                bindings += 1;
            }
        }
        let live = docker(&["port", id]);
        for line in live.lines() {
            assert!(
                line.contains("-> 127.0.0.1:"),
                "{id} publishes beyond loopback: {line}"
            );
        }
    }
    assert_eq!(bindings, 5, "redis 1 + mailhog 2 + minio 2");
}
