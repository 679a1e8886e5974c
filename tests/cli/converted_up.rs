//! Three corpus entries converted by `init --from-compose` and brought up
//! with `devsvc up` (engine tests, on the stand-ins): real clients reach
//! every service through the env file alone (and PATH), as the app would,
//! with the fixed passwords the compose files had (PostgreSQL's and
//! Redis's in the Rails entry, MySQL's in the Django one), and RabbitMQ
//! and memcached in the Celery one.
use crate::common::*;
use crate::compose::{corpus_dir, project_from};

/// The corpus entry converted in a fresh project, ready for `up`.
fn converted(tag: &str, entry: &str) -> TestProject {
    let project = project_from(tag, &corpus_dir("compose-corpus").join(entry));
    // The corpus pins host ports as compose did; free ones keep parallel
    // tests apart, and the pinning itself is checked by the snapshot test.
    project.cli(&["init", "--from-compose"]).no_engine().run();
    let file = project.path().join("services.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let unpinned: String = unpin_ports(&text);
    std::fs::write(&file, unpinned).unwrap();
    project
}

/// services.yaml without its `ports:` blocks (each a key line and its
/// more-indented entries).
fn unpin_ports(text: &str) -> String {
    let mut out = String::new();
    let mut skip_deeper_than: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(depth) = skip_deeper_than {
            if indent > depth && !line.trim().is_empty() {
                continue;
            }
            skip_deeper_than = None;
        }
        if line.trim_start().starts_with("ports:") {
            skip_deeper_than = Some(indent);
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn converted_rails_postgres_and_redis_keep_their_passwords() {
    let project = converted("composeup1", "01-rails-postgres-redis");
    project.run(&["up"]).ok();
    let vars = project.dotenv();
    assert_eq!(vars["PGPASSWORD"], "shop_dev");
    assert_eq!(vars["PGUSER"], "shop");
    assert_eq!(vars["PGDATABASE"], "shop_development");
    assert_eq!(vars["REDIS_PASSWORD"], "sidekiq_dev");
    let app = python(
        r#"
import os, subprocess, psycopg, redis
assert os.listdir(os.environ["HOME"]) == [] and "CARGO_MANIFEST_DIR" not in os.environ
out = subprocess.run(["psql", "-tAc", "select current_user || '@' || current_database()"], capture_output=True, text=True, timeout=30)
assert out.returncode == 0 and out.stdout.strip() == "shop@shop_development", (out.stdout, out.stderr)
with psycopg.connect(os.environ["DATABASE_URL"]) as pg:
    assert pg.execute("select 1").fetchone()[0] == 1
# The URL the app had in compose, with the compose file's password.
url = "postgres://shop:shop_dev@%s:%s/shop_development" % (os.environ["PGHOST"], os.environ["PGPORT"])
with psycopg.connect(url) as pg:
    assert pg.execute("select 2").fetchone()[0] == 2
r = redis.Redis.from_url(os.environ["REDIS_URL"])
r.set("k", "v")
assert r.get("k") == b"v"
assert r.config_get("appendonly")["appendonly"] == "yes"
print("rails ok")
"#,
        &vars,
    );
    assert_eq!(app.code, 0, "the app failed:\n{}", app.stderr);
}

#[test]
fn converted_django_mysql_runs_its_init_folder_with_its_password() {
    let project = converted("composeup2", "02-django-mysql");
    project.run(&["up"]).ok();
    let vars = project.dotenv();
    assert_eq!(vars["MYSQL_USER"], "polls");
    assert_eq!(vars["MYSQL_PASSWORD"], "polls_pw");
    let app = python(
        r#"
import os, pymysql
db = pymysql.connect(host=os.environ["MYSQL_HOST"], port=int(os.environ["MYSQL_PORT"]),
                     user=os.environ["MYSQL_USER"], password=os.environ["MYSQL_PASSWORD"],
                     database=os.environ["MYSQL_DATABASE"])
with db.cursor() as cur:
    cur.execute("select text from polls_question where id = 1")
    assert cur.fetchone()[0] == "What is new?"
print("django ok")
"#,
        &vars,
    );
    assert_eq!(app.code, 0, "the app failed:\n{}", app.stderr);
}

#[test]
fn converted_celery_rabbitmq_and_memcached_serve_through_the_env_file() {
    let project = converted("composeup3", "12-celery-rabbitmq-memcached");
    project.run(&["up"]).ok();
    let vars = project.dotenv();
    assert!(
        vars["AMQP_URL"].starts_with("amqp://celery:celery_pw@"),
        "{vars:?}"
    );
    let app = python(
        r#"
import os, pika
from pymemcache.client.base import Client
host, port = os.environ["MEMCACHED_SERVERS"].split(":")
cache = Client((host, int(port)))
cache.set("k", "v")
assert cache.get("k") == b"v"
connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
channel = connection.channel()
channel.queue_declare(queue="celery")
channel.basic_publish(exchange="", routing_key="celery", body=b"task")
for _ in range(50):
    method, _props, body = channel.basic_get(queue="celery", auto_ack=True)
    if method:
        break
    connection.sleep(0.1)
assert body == b"task", body
connection.close()
print("celery ok")
"#,
        &vars,
    );
    assert_eq!(app.code, 0, "the app failed:\n{}", app.stderr);
}

#[test]
fn unpinning_keeps_everything_but_ports() {
    let text = "services:\n  db:\n    password: x\n    ports:  # pinned\n      pg: 5432\n    init: [a.sql]\n\n  r: {}\n";
    assert_eq!(
        unpin_ports(text),
        "services:\n  db:\n    password: x\n    init: [a.sql]\n\n  r: {}\n"
    );
}
