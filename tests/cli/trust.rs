//! Values at the boundary: a given password full of URL syntax reaches
//! psql, redis-py and pika intact through the exported URLs, an env file
//! holding hostile values is sourced by a POSIX shell without running
//! anything, the state folder is never a shared one, and `env` never
//! invents a password.
use std::process::Command;

use crate::common::*;
use crate::envfile::EXTERNAL;

const PASSWORD: &str = "p@ss/w:x";

#[test]
fn a_password_with_url_syntax_works_through_every_exported_url() {
    let project = TestProject::new(
        "urlpw",
        &format!(
            "services:\n  postgres:\n    password: \"{PASSWORD}\"\n  redis:\n    password: \"{PASSWORD}\"\n  rabbitmq:\n    password: \"{PASSWORD}\"\n"
        ),
    );
    project.run(&["up", "--timeout", "120"]).ok();
    let vars = project.dotenv();
    assert_eq!(vars["PGPASSWORD"], PASSWORD, "plain variables stay raw");
    let psql = app(
        Command::new("psql").args([vars["DATABASE_URL"].as_str(), "-tAc", "select current_user"]),
        &vars,
    );
    assert_eq!(psql.stdout.trim(), "app", "{}", psql.stderr);
    let clients = python(
        r#"
import os, pika, redis
from urllib.parse import urlsplit
for name in ("DATABASE_URL", "REDIS_URL", "AMQP_URL"):
    url = urlsplit(os.environ[name])
    assert url.hostname == "127.0.0.1", (name, url)
r = redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
r.set("k", "v")
assert r.get("k") == "v"
connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
connection.channel().queue_declare(queue="q")
connection.close()
print("clients ok")
"#,
        &vars,
    );
    assert_eq!(clients.code, 0, "{}", clients.stderr);
}

#[test]
fn an_env_file_with_hostile_values_is_sourced_by_sh_and_runs_nothing() {
    let project = TestProject::new(
        "hostile",
        "services:\n  redis:\n    external:\n      url: redis://default:pw@cache.example.com:6380/0\n      env:\n        REDIS_HOST: \"a`touch pwned-backtick`b\"\n        REDIS_PORT: \"$(touch pwned-dollar)'\\\"\\\\ $HOME\"\n",
    );
    project.cli(&["env", "--write"]).no_engine().run();
    let mut shell = Command::new("sh");
    let _home = app_environment(&mut shell, &Default::default());
    let shell = shell
        .current_dir(project.path())
        .args([
            "-c",
            ". ./.env && printf '%s\\n%s' \"$REDIS_HOST\" \"$REDIS_PORT\"",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&shell.stdout);
    assert!(
        shell.status.success(),
        "{}",
        String::from_utf8_lossy(&shell.stderr)
    );
    assert_eq!(
        out,
        "a`touch pwned-backtick`b\n$(touch pwned-dollar)'\"\\ $HOME"
    );
    for marker in ["pwned-backtick", "pwned-dollar"] {
        assert!(
            !project.path().join(marker).exists(),
            "sourcing ran `touch {marker}`"
        );
    }
}

/// Issue 22: without HOME the state folder (secrets, locks) fell back to
/// a fixed folder in the shared temporary folder, which another user can
/// make first. Refused, naming the three ways to set it; commands that keep
/// no state still run.
#[test]
fn without_home_the_state_folder_is_refused_not_put_in_a_shared_place() {
    let project = TestProject::new("nohome", EXTERNAL);
    project
        .cli(&["env", "--write"])
        .no_engine()
        .without("HOME")
        .without("DEVSVC_STATE_DIR")
        .status(2)
        .stderr_contains("no folder for devsvc's state")
        .stderr_contains("DEVSVC_STATE_DIR")
        .stderr_contains("XDG_STATE_HOME")
        .stderr_contains("HOME")
        .run();
    assert!(!project.env_file().exists(), "nothing written");
    project
        .cli(&["config"])
        .no_engine()
        .without("HOME")
        .without("DEVSVC_STATE_DIR")
        .run();
    let xdg = tempfile::tempdir().unwrap();
    project
        .cli(&["env", "--write"])
        .no_engine()
        .without("HOME")
        .without("DEVSVC_STATE_DIR")
        .env("XDG_STATE_HOME", xdg.path().to_str().unwrap())
        .run();
    assert!(
        xdg.path()
            .join("devsvc")
            .join(format!("{}.lock", project.name))
            .exists()
    );
}

/// Issue 22: `env` invented a password for a service whose password is
/// generated when `up` had never run for it, and `env --write` saved it.
/// Needs an engine (to see that nothing runs), but starts nothing.
#[test]
fn env_says_up_has_not_run_instead_of_inventing_a_password() {
    let project = TestProject::new(
        "notup",
        "services:\n  redis:\n    ports: { redis: 16997 }\n  given:\n    template: redis\n    env_prefix: GIVEN_\n    password: pinned-pw\n    ports: { redis: 16996 }\n",
    );
    let run = project
        .cli(&["env", "--format", "json"])
        .stderr_contains("`devsvc up` has not run for service `redis` yet")
        .run();
    let vars: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(vars.get("REDIS_URL"), None, "{vars}");
    assert_eq!(
        vars["GIVEN_REDIS_URL"],
        "redis://default:pinned-pw@127.0.0.1:16996/0"
    );
    project.cli(&["env", "--write"]).run();
    let written = project.dotenv();
    assert!(!written.contains_key("REDIS_PASSWORD"), "{written:?}");
    assert_eq!(written["GIVEN_REDIS_PASSWORD"], "pinned-pw");
    assert_eq!(labelled_resources(&project.name), [], "env starts nothing");
}

/// Removes a test repository's local images however the test ends.
struct LocalImages(String);

impl Drop for LocalImages {
    fn drop(&mut self) {
        let listed = docker_command()
            .args([
                "images",
                "--format",
                "{{.Repository}}:{{.Tag}}@{{.ID}}",
                &self.0,
            ])
            .output();
        for line in listed
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
            .lines()
        {
            let (name, id) = line.split_once('@').unwrap_or((line, ""));
            let target = if name.ends_with(":<none>") { id } else { name };
            let _ = docker_command().args(["rmi", "-f", target]).output();
        }
    }
}

/// An image pinned by digest pulls exactly that digest: the repository's
/// other tags stay in the registry (an empty tag would pull every one).
#[test]
fn a_digest_pinned_image_pulls_that_digest_and_no_other_tag() {
    let registry = registry_prefix();
    let path = format!("{}/redis", unique_name("digest"));
    let repo = format!("{registry}{path}");
    let _cleanup = LocalImages(repo.clone());
    let source = format!("{registry}redis:7.4-alpine");
    docker(&["pull", "-q", &source]);
    for tag in ["one", "two"] {
        docker(&["tag", &source, &format!("{repo}:{tag}")]);
        docker(&["push", "-q", &format!("{repo}:{tag}")]);
    }
    let digests = docker(&[
        "inspect",
        "-f",
        "{{range .RepoDigests}}{{println .}}{{end}}",
        &source,
    ]);
    let digest = digests
        .lines()
        .find_map(|d| d.strip_prefix(&format!("{repo}@")))
        .unwrap_or_else(|| panic!("no digest for {repo} in {digests}"))
        .to_string();
    docker(&["rmi", &format!("{repo}:one"), &format!("{repo}:two")]);
    // The digest reference too, so `up` really pulls (the image stays,
    // under its source name).
    let _ = docker_command()
        .args(["rmi", &format!("{repo}@{digest}")])
        .output();

    let project = TestProject::new(
        "digest",
        &format!("services:\n  redis:\n    image: \"{path}@{digest}\"\n"),
    );
    project
        .cli(&["up"])
        .stderr_contains("redis: ready after")
        .run();
    let local = docker(&["images", "--format", "{{.Tag}}", &repo]);
    assert!(
        !local.lines().any(|tag| tag == "one" || tag == "two"),
        "other tags of the repository arrived: {local}"
    );
    let used = docker(&[
        "inspect",
        "-f",
        "{{.Config.Image}}",
        &format!("devsvc-{}-redis", project.name),
    ]);
    assert_eq!(used.trim(), format!("{repo}@{digest}"));
}

/// Issue 22: Redis's and Valkey's passwords were on the server's command
/// line (`--requirepass`), NATS's too (`--pass`), and every user of the
/// machine reads command lines with `ps`. Every template with a stand-in
/// that takes a password, up at once: no generated secret in any process's
/// arguments, and the clients still log in with them.
#[test]
fn no_generated_password_is_on_any_command_line() {
    let project = TestProject::new(
        "argv",
        "services:\n  redis: {}\n  valkey: { env_prefix: VALKEY_ }\n  nats: {}\n  postgres: {}\n  mariadb: { env_prefix: MARIADB_ }\n  rabbitmq: {}\n  minio: {}\n  typesense: {}\n  seaweedfs: { env_prefix: SEAWEED_ }\n",
    );
    project.run(&["up", "--timeout", "180"]).ok();
    let vars = project.dotenv();
    // Variables named as secrets, and the passwords inside URLs (AMQP_URL
    // is RabbitMQ's only one).
    let mut secrets: Vec<(String, String)> = Vec::new();
    for (name, value) in &vars {
        if ["PASSWORD", "SECRET", "_KEY"]
            .iter()
            .any(|s| name.contains(s))
        {
            secrets.push((name.clone(), value.clone()));
        }
        if let Some((_, rest)) = value.split_once("://")
            && let Some((userinfo, _)) = rest.split_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
        {
            secrets.push((name.clone(), password.to_string()));
        }
    }
    secrets.retain(|(_, value)| value.len() >= 16);
    // redis, valkey, nats, postgres, mariadb, rabbitmq, minio, typesense
    // and seaweedfs: a secret each at least.
    let distinct: std::collections::BTreeSet<&String> = secrets.iter().map(|(_, v)| v).collect();
    assert_eq!(distinct.len(), 9, "{secrets:?}");
    let ps = Command::new("ps").args(["-eo", "args"]).output().unwrap();
    let args = String::from_utf8_lossy(&ps.stdout);
    assert!(
        args.contains("valkey-server"),
        "ps sees the containers' processes:\n{args}"
    );
    // The MinIO stand-in's S3 server (s3s-fs) takes its keys only as
    // flags; the real image's `minio server` reads them from its
    // environment. Its command as devsvc creates it is checked below.
    let standin = "/usr/local/bin/s3s-fs ";
    for (name, secret) in &secrets {
        let line = args
            .lines()
            .find(|l| l.contains(secret) && !l.starts_with(standin));
        assert!(line.is_none(), "{name} is on a command line: {line:?}");
    }
    // What devsvc gives each container as its command line (entrypoint
    // and arguments), stand-in or real image alike.
    let ids = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=dev.devsvc.project={}", project.name),
    ]);
    let inspect = docker(
        &["inspect", "--format", "{{.Path}} {{join .Args \" \"}}"]
            .into_iter()
            .chain(ids.split_whitespace())
            .collect::<Vec<_>>(),
    );
    assert_eq!(inspect.lines().count(), 9, "{inspect}");
    for (name, secret) in &secrets {
        let line = inspect.lines().find(|l| l.contains(secret));
        assert!(
            line.is_none(),
            "{name} is in a container's command: {line:?}"
        );
    }
    // The file holding Valkey's password is its server user's alone (the
    // stand-in, like the image, steps down to that user, 999, and reads it:
    // the clients below log in).
    let valkey = format!("devsvc-{}-valkey", project.name);
    let listing = docker(&[
        "exec",
        &valkey,
        "sh",
        "-c",
        "ls -ln /etc/devsvc/valkey.conf",
    ]);
    let fields: Vec<&str> = listing.split_whitespace().take(4).collect();
    assert_eq!(fields, ["-rw-------", "1", "999", "1000"], "{listing}");
    let clients = python(
        r#"
import os, redis, asyncio, nats
for name in ("REDIS_URL", "VALKEY_REDIS_URL"):
    r = redis.from_url(os.environ[name])
    assert r.ping()
    try:
        redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]), password="wrong").ping()
        raise SystemExit("a wrong password was accepted")
    except redis.AuthenticationError:
        pass
async def main():
    nc = await nats.connect(os.environ["NATS_URL"])
    await nc.publish("x", b"y")
    await nc.close()
asyncio.run(main())
print("clients ok")
"#,
        &vars,
    );
    assert_eq!(clients.code, 0, "{}", clients.stderr);
}
