//! Values at the boundary: a given password full of URL syntax reaches
//! psql, redis-py and pika intact through the exported URLs, and an env
//! file holding hostile values is sourced by a POSIX shell without running
//! anything.
use std::process::Command;

use crate::common::*;

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
    let shell = Command::new("sh")
        .current_dir(project.path())
        .env_clear()
        .env("PATH", runner_path())
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
