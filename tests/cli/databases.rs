//! Databases, queues and caches: PostgreSQL, MySQL and MariaDB, memcached
//! and RabbitMQ started together and used by real clients (psql with no
//! arguments, psycopg, PyMySQL, pymemcache, pika) through the env file
//! alone; `databases:` and `init:` (run once, a broken script is exit 4
//! with the server's words); a lost state folder that does not lock the
//! data out; an external database attached by URL; and a `tcp` probe that
//! waits for a server that listens late.
use std::collections::BTreeMap;
use std::process::Command;

use crate::common::*;

/// Every client, given only the env file's variables (and PATH).
const APP: &str = r#"
import os, subprocess, uuid
import psycopg, pymysql, pika
from pymemcache.client.base import Client as Memcache

assert os.listdir(os.environ["HOME"]) == [] and "CARGO_MANIFEST_DIR" not in os.environ
token = uuid.uuid4().hex

# libpq's own variables: psql with no arguments at all.
out = subprocess.run(["psql", "-tAc", "select 1"], capture_output=True, text=True, timeout=30)
assert out.returncode == 0 and out.stdout.strip() == "1", ("psql", out.stdout, out.stderr)

with psycopg.connect(os.environ["DATABASE_URL"]) as pg:
    pg.execute("create table if not exists notes (body text)")
    pg.execute("insert into notes values (%s)", (token,))
    assert pg.execute("select count(*) from notes where body = %s", (token,)).fetchone()[0] == 1

for prefix in ("MY_", "MARIA_"):
    db = pymysql.connect(host=os.environ[prefix + "MYSQL_HOST"], port=int(os.environ[prefix + "MYSQL_PORT"]),
                         user=os.environ[prefix + "MYSQL_USER"], password=os.environ[prefix + "MYSQL_PASSWORD"],
                         database=os.environ[prefix + "MYSQL_DATABASE"])
    with db.cursor() as cur:
        cur.execute("create table if not exists notes (body varchar(64))")
        cur.execute("insert into notes values (%s)", (token,))
        db.commit()
        cur.execute("select count(*) from notes where body = %s", (token,))
        assert cur.fetchone()[0] == 1, prefix
    db.close()

host, port = os.environ["MEMCACHED_SERVERS"].split(":")
cache = Memcache((host, int(port)))
cache.set("token", token)
assert cache.get("token").decode() == token

connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
channel = connection.channel()
channel.queue_declare(queue="jobs")
channel.basic_publish(exchange="", routing_key="jobs", body=token.encode())
for _ in range(50):
    method, _props, body = channel.basic_get(queue="jobs", auto_ack=True)
    if method:
        break
    connection.sleep(0.1)
assert body.decode() == token, body
connection.close()
print("databases ok", token)
"#;

pub(crate) const ALL: &str = "services:
  postgres: {}
  mysql:
    env_prefix: MY_
  mariadb:
    env_prefix: MARIA_
  memcached: {}
  rabbitmq: {}
";

#[test]
fn databases_queues_and_caches_serve_real_clients_through_the_env_file() {
    let project = TestProject::new("dbs", ALL);
    let up = project.run(&["up"]).ok();
    for service in ["postgres", "mysql", "mariadb", "memcached", "rabbitmq"] {
        assert!(
            up.stderr.contains(&format!("{service}: ready after")),
            "{service}:\n{}",
            up.stderr
        );
    }
    let vars = project.dotenv();
    assert!(
        vars["DATABASE_URL"].starts_with("postgresql://app:"),
        "{vars:?}"
    );
    assert!(
        vars["MY_DATABASE_URL"].starts_with("mysql://app:"),
        "{vars:?}"
    );
    assert_eq!(vars["PGDATABASE"], "app");
    assert_eq!(vars["MEMCACHED_SERVERS"], vars["MEMCACHE_SERVERS"]);
    assert!(vars["AMQP_URL"].ends_with("/%2F"), "{vars:?}");
    let app = python(APP, &vars);
    assert_eq!(app.code, 0, "the app failed:\n{}", app.stderr);
    assert!(app.stdout.contains("databases ok"));
}

#[test]
fn two_databases_of_one_kind_need_a_prefix_and_are_told_so() {
    let project = TestProject::new(
        "dbclash",
        "services:\n  postgres: {}\n  reports:\n    template: postgres\n",
    );
    project
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr_contains("services `postgres` and `reports` both export `DATABASE_URL`")
        .stderr_contains("give `reports` an env_prefix, e.g. `env_prefix: REPORTS_`")
        .run();
}

/// For MySQL and MariaDB (argv: env prefix, first database, another,
/// the init file's table): prints the first database's name and the init
/// rows, then uses both databases as the env file's user.
const MYSQL_CHECK: &str = r#"
import os, sys, pymysql
prefix, first, other, table = sys.argv[1:]
def connect(name):
    return pymysql.connect(host=os.environ[prefix + "MYSQL_HOST"], port=int(os.environ[prefix + "MYSQL_PORT"]),
                           user=os.environ[prefix + "MYSQL_USER"], password=os.environ[prefix + "MYSQL_PASSWORD"],
                           database=name)
cur = connect(os.environ[prefix + "MYSQL_DATABASE"]).cursor()
cur.execute("select name from " + table + " order by name")
print(os.environ[prefix + "MYSQL_DATABASE"], [r[0] for r in cur.fetchall()])
for name in (first, other):
    connect(name).cursor().execute("create table t (x int)")
"#;

/// Rows in a table, through psql with the env file's PG* variables.
fn psql(vars: &BTreeMap<String, String>, sql: &str) -> Run {
    app(Command::new("psql").args(["-tAc", sql]), vars)
}

#[test]
fn databases_and_init_scripts_run_once_on_a_fresh_volume() {
    let project = TestProject::new(
        "dbinit",
        "services:\n  postgres:\n    databases: [app, app_test]\n    init: [db/schema.sql, db/seed.sql]\n  mysql:\n    env_prefix: MY_\n    databases: [shop, shop_test]\n    init: [db/my.sql]\n  mariadb:\n    env_prefix: MARIA_\n    databases: [crm, crm_test]\n    init: [db/maria.sql]\n",
    );
    let db = project.path().join("db");
    std::fs::create_dir_all(&db).unwrap();
    // MySQL and MariaDB run init files in the first database.
    for (file, table) in [("my.sql", "products"), ("maria.sql", "contacts")] {
        std::fs::write(
            db.join(file),
            format!("create table {table} (name varchar(32));\ninsert into {table} values ('apple'), ('pear');\n"),
        )
        .unwrap();
    }
    std::fs::write(
        db.join("schema.sql"),
        "create table products (name text);\n",
    )
    .unwrap();
    std::fs::write(
        db.join("seed.sql"),
        "insert into products values ('apple'), ('pear');\n",
    )
    .unwrap();
    let up = project.run(&["up"]).ok();
    assert!(
        up.stderr.contains("postgres: created database app_test"),
        "{}",
        up.stderr
    );
    for (service, created) in [("mysql", "shop_test"), ("mariadb", "crm_test")] {
        assert!(
            up.stderr
                .contains(&format!("{service}: created database {created}")),
            "{}",
            up.stderr
        );
    }
    let vars = project.dotenv();
    assert_eq!(vars["PGDATABASE"], "app", "the first is exported");
    assert_eq!(vars["MY_MYSQL_DATABASE"], "shop");
    let listed = psql(
        &vars,
        "select datname from pg_database where datname like 'app%' order by 1",
    );
    assert_eq!(
        listed.stdout.split_whitespace().collect::<Vec<_>>(),
        ["app", "app_test"],
        "{}",
        listed.stderr
    );
    assert_eq!(
        psql(&vars, "select count(*) from products").stdout.trim(),
        "2"
    );

    // The app adds a row; neither `up` again nor `down` and `up` (the
    // volume stays) runs the scripts again.
    assert_eq!(psql(&vars, "insert into products values ('plum')").code, 0);
    let again = project.run(&["up"]).ok();
    assert!(
        !again.stderr.contains("created database"),
        "{}",
        again.stderr
    );
    project.run(&["down"]).ok();
    project.run(&["up"]).ok();
    assert_eq!(
        psql(&project.dotenv(), "select count(*) from products")
            .stdout
            .trim(),
        "3"
    );

    // MySQL's and MariaDB's users may use every database they were given;
    // the init file's rows are in the first, once (the up, down and up
    // above ran it no second time).
    for (prefix, first, other, table) in [
        ("MY_", "shop", "shop_test", "products"),
        ("MARIA_", "crm", "crm_test", "contacts"),
    ] {
        let run = app(
            Command::new("python3").args(["-c", MYSQL_CHECK, prefix, first, other, table]),
            &vars,
        );
        assert_eq!(run.code, 0, "{prefix}: {}", run.stderr);
        assert_eq!(run.stdout.trim(), format!("{first} ['apple', 'pear']"));
    }
}

#[test]
fn a_broken_init_script_exits_4_with_the_servers_error() {
    let project = TestProject::new(
        "dbbroken",
        "services:\n  postgres:\n    init: [broken.sql]\n",
    );
    std::fs::write(
        project.path().join("broken.sql"),
        "create tabel oops (x int);\n",
    )
    .unwrap();
    let run = project.cli(&["up", "--timeout", "60"]).status(4).run();
    assert!(
        run.stderr
            .contains("service `postgres` did not become ready"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("syntax error at or near \"tabel\""),
        "the server's own words:\n{}",
        run.stderr
    );
}

#[test]
fn a_lost_state_folder_does_not_lock_the_data_out() {
    let project = TestProject::new("dbdrift", "services:\n  postgres: {}\n");
    project.run(&["up"]).ok();
    let before = project.dotenv();
    assert_eq!(
        psql(
            &before,
            "create table kept (x int); insert into kept values (42)"
        )
        .code,
        0
    );
    // The state folder goes (deleted, or the project moved to a new machine).
    for entry in std::fs::read_dir(project.state.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(path).unwrap();
        }
    }
    project.run(&["down"]).ok();
    let up = project.run(&["up"]).ok();
    assert!(
        up.stderr.contains("postgres: password taken from volume"),
        "{}",
        up.stderr
    );
    let after = project.dotenv();
    assert_eq!(after["PGPASSWORD"], before["PGPASSWORD"]);
    assert_eq!(
        psql(&after, "select x from kept").stdout.trim(),
        "42",
        "no data lost"
    );
}

#[test]
fn the_same_app_runs_against_an_external_database_given_by_url() {
    let port = reserve_port();
    let name = unique_name("extpg");
    let _db = EngineGuard::container(
        &name,
        &[
            "-p",
            &format!("127.0.0.1:{}:5432", port.port),
            "-e",
            "POSTGRES_USER=owner",
            "-e",
            "POSTGRES_PASSWORD=managed-secret",
            "-e",
            "POSTGRES_DB=inventory",
            &format!("{}postgres:17.6-alpine", registry_prefix()),
        ],
    );
    let url = format!(
        "postgres://owner:managed-secret@127.0.0.1:{}/inventory",
        port.port
    );
    let mut project = TestProject::new(
        "dbext",
        "services:\n  postgres:\n    external:\n      url: \"${MANAGED_DATABASE_URL}\"\n",
    );
    project
        .env
        .insert("MANAGED_DATABASE_URL".into(), url.clone());
    // The managed database takes a moment to start; doctor logs in.
    let mut answered = false;
    for _ in 0..100 {
        let doctor = project.command(&["doctor"]).output().unwrap();
        if doctor.status.success() {
            let text = String::from_utf8_lossy(&doctor.stdout).to_string();
            assert!(
                text.contains("ok   external postgres: postgres://owner:****@127.0.0.1"),
                "{text}"
            );
            answered = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(answered, "doctor never logged in to the external database");
    project.run(&["up"]).ok();
    let vars = project.dotenv();
    assert_eq!(vars["DATABASE_URL"], url, "written verbatim");
    assert_eq!(vars["PGUSER"], "owner");
    assert_eq!(vars["PGDATABASE"], "inventory");
    assert_eq!(leftovers(&project.name).len(), 0, "nothing started");
    let app = python(
        "import os, subprocess, psycopg\nout = subprocess.run(['psql', '-tAc', 'select current_user'], capture_output=True, text=True)\nassert out.stdout.strip() == 'owner', out\nwith psycopg.connect(os.environ['DATABASE_URL']) as c:\n    assert c.execute('select current_database()').fetchone()[0] == 'inventory'\n",
        &vars,
    );
    assert_eq!(app.code, 0, "{}", app.stderr);
}

#[test]
fn a_tcp_probe_waits_for_a_server_that_listens_late() {
    // Redis that starts listening three seconds after its container: the
    // engine's port proxy accepts at once all the same.
    let project = TestProject::new(
        "tcplate",
        "services:\n  late:\n    inline:\n      image: redis:7.4-alpine\n      ports: { redis: 6379 }\n      command: [sh, -c, \"sleep 3 && exec /entrypoint.sh redis-server\"]\n      ready: [ { tcp: { port: redis } } ]\n      exports: { LATE_URL: \"redis://{{host}}:{{port.redis}}/0\" }\n",
    );
    project.run(&["up"]).ok();
    let app = python(
        "import os, redis\nassert redis.from_url(os.environ['LATE_URL'], socket_timeout=2).ping()\n",
        &project.dotenv(),
    );
    assert_eq!(app.code, 0, "ready before it listened:\n{}", app.stderr);
}

#[test]
fn rabbitmq_keeps_durable_messages_across_a_recreated_container() {
    let project = TestProject::new("mqkeep", "services:\n  rabbitmq: {}\n");
    project.run(&["up"]).ok();
    let publish = "import os, pika\nc = pika.BlockingConnection(pika.URLParameters(os.environ['AMQP_URL']))\nch = c.channel()\nch.queue_declare(queue='kept', durable=True)\nch.basic_publish(exchange='', routing_key='kept', body=b'still here', properties=pika.BasicProperties(delivery_mode=2))\nc.close()\n";
    let sent = python(publish, &project.dotenv());
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    std::fs::write(
        project.path().join("services.yaml"),
        "services:\n  rabbitmq:\n    env: { TZ: UTC }\n",
    )
    .unwrap();
    let up = project.run(&["up"]).ok();
    assert!(
        up.stderr
            .contains("rabbitmq: environment changed: recreating"),
        "{}",
        up.stderr
    );
    let consume = "import os, pika\nc = pika.BlockingConnection(pika.URLParameters(os.environ['AMQP_URL']))\nch = c.channel()\nmethod, _, body = ch.basic_get(queue='kept', auto_ack=True)\nassert body == b'still here', body\nc.close()\n";
    let got = python(consume, &project.dotenv());
    assert_eq!(
        got.code, 0,
        "the message did not survive the recreate:\n{}",
        got.stderr
    );
}
