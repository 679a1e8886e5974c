//! Shared servers (`shared: true`, issue 24): two projects whose
//! PostgreSQL, Redis and S3 (SeaweedFS) are shared run on one server
//! container per kind, each with its own role, ACL user and IAM user, and
//! secret, and is refused on the other's databases, keys and buckets;
//! `down --volumes` drops one project's slices only; the last project out
//! stops the servers, whose data stays; two `up`s at once both get their
//! slices. Checked with psql, redis-py and boto3 through each project's
//! env file only.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use crate::common::*;

const SERVERS: [&str; 3] = [
    "devsvc-shared-postgres-17",
    "devsvc-shared-redis-7",
    "devsvc-shared-seaweedfs-4",
];

fn project(tag: &str) -> TestProject {
    let project = TestProject::new(
        tag,
        "shared: true\nservices:\n  postgres:\n    databases: [app, app_test]\n    init: [db/schema.sql]\n  redis: {}\n  seaweedfs:\n    buckets: [uploads]\n    seed: seed\n",
    );
    std::fs::create_dir_all(project.path().join("db")).unwrap();
    // The seed folder names the bucket as services.yaml does; it lands in
    // the slice's own (`PROJECT-uploads`).
    std::fs::create_dir_all(project.path().join("seed/uploads")).unwrap();
    std::fs::write(
        project.path().join("seed/uploads/hello.txt"),
        format!("seeded {tag}"),
    )
    .unwrap();
    std::fs::write(
        project.path().join("db/schema.sql"),
        format!("create table notes (body text);\ninsert into notes values ('{tag}');\n"),
    )
    .unwrap();
    project
}

fn psql(vars: &BTreeMap<String, String>, args: &[&str]) -> Run {
    app(Command::new("psql").args(["-tA"]).args(args), vars)
}

/// An app's Redis and S3, through its env file: `put TAG` writes its own
/// key (under its prefix) and object; `get` prints them; `steal PREFIX
/// BUCKET` tries another project's and prints what each refusal was.
fn redis_and_s3(vars: &BTreeMap<String, String>, action: &str) -> String {
    let script = format!(
        r#"{PY_REDIS_AND_S3}
import botocore.exceptions
prefix, bucket = os.environ["REDIS_KEY_PREFIX"], os.environ["S3_BUCKET"]
action = {action:?}.split()
if action[0] == "put":
    r.set(prefix + "note", action[1])
    s3.put_object(Bucket=bucket, Key="note.txt", Body=action[1].encode())
elif action[0] == "get":
    read = lambda key: s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    print(r.get(prefix + "note"), read("note.txt"), read("hello.txt"))
else:
    other_prefix, other_bucket = action[1], action[2]
    for name, attempt in [
        ("get", lambda: r.get(other_prefix + "note")),
        ("set", lambda: r.set(other_prefix + "note", "stolen")),
        ("flushdb", lambda: r.flushdb()),
        ("keys", lambda: r.keys("*")),
        ("info", lambda: "redis_version" in r.info("server")),
    ]:
        try:
            print(name, "allowed", attempt())
        except redis.exceptions.NoPermissionError:
            print(name, "NOPERM")
    for name, attempt in [
        ("get_object", lambda: s3.get_object(Bucket=other_bucket, Key="note.txt")),
        ("put_object", lambda: s3.put_object(Bucket=other_bucket, Key="x", Body=b"x")),
        ("list_objects", lambda: s3.list_objects_v2(Bucket=other_bucket)),
    ]:
        try:
            attempt()
            print(name, "allowed")
        except botocore.exceptions.ClientError as e:
            print(name, e.response["Error"]["Code"])
    print("buckets", [b["Name"] for b in s3.list_buckets()["Buckets"]])
"#
    );
    let run = python(&script, vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

fn state_of(server: &str) -> String {
    docker(&["inspect", "-f", "{{.State.Status}}", server])
        .trim()
        .to_string()
}

#[test]
fn two_projects_share_postgres_redis_and_s3_each_with_slices_of_their_own() {
    let _servers: Vec<ServerGone> = SERVERS.iter().map(|s| ServerGone(s.to_string())).collect();
    for server in SERVERS {
        let _ = docker_command().args(["rm", "-f", "-v", server]).output();
    }
    let mut a = project("sharea");
    let mut b = project("shareb");

    // Two `up`s at once: one makes each server, both get their slices.
    let spawn = |p: &TestProject| p.cli(&["up"]).spawn();
    let (mut up_a, mut up_b) = (spawn(&a), spawn(&b));
    for (name, up) in [("a", &mut up_a), ("b", &mut up_b)] {
        let status = up.wait_for(Duration::from_secs(180)).expect("up ended");
        assert!(status.success(), "up of {name}: {status:?}");
    }
    for server in SERVERS {
        let kind = server.trim_start_matches("devsvc-shared-");
        let found = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=dev.devsvc.shared={kind}"),
            "--format",
            "{{.Names}}",
        ]);
        assert_eq!(found.trim(), server, "one server of {kind} for both");
    }
    for p in [&a, &b] {
        assert!(
            named_resources(&p.name).iter().all(|r| r.kind == "volume"),
            "no container of the project's own: {:?}",
            named_resources(&p.name)
        );
    }

    let (va, vb) = (a.dotenv(), b.dotenv());
    let owner_a = a.name.replace('-', "_");
    assert_eq!(va["PGUSER"], owner_a);
    assert_eq!(va["PGDATABASE"], format!("{owner_a}_app"));
    assert_eq!(va["REDIS_KEY_PREFIX"], format!("{owner_a}:"));
    assert_eq!(va["REDIS_PREFIX"], va["REDIS_KEY_PREFIX"], "Laravel's name");
    assert_eq!(va["S3_BUCKET"], format!("{}-uploads", a.name));
    assert!(
        va["AWS_ACCESS_KEY_ID"].starts_with(&owner_a.replace('_', "")),
        "its access key is made of its name: {}",
        va["AWS_ACCESS_KEY_ID"]
    );
    for port in ["PGPORT", "REDIS_PORT", "AWS_ENDPOINT_URL_S3"] {
        assert_eq!(va[port], vb[port], "the same server: {port}");
    }
    for secret in ["PGPASSWORD", "REDIS_PASSWORD", "AWS_SECRET_ACCESS_KEY"] {
        assert_ne!(va[secret], vb[secret], "a secret each: {secret}");
    }
    assert!(
        !va.contains_key("MINIO_CONSOLE_URL"),
        "the filer's port is not published, so not exported"
    );
    // Each app finds its own init rows, in its own database.
    assert_eq!(
        psql(&va, &["-c", "select body from notes"]).stdout.trim(),
        "sharea"
    );
    assert_eq!(
        psql(&vb, &["-c", "select body from notes"]).stdout.trim(),
        "shareb"
    );
    assert_eq!(
        psql(
            &va,
            &["-d", &format!("{owner_a}_app_test"), "-c", "select 1"]
        )
        .stdout
        .trim(),
        "1",
        "its second database too"
    );
    // And is refused on the other's.
    let denied = psql(&va, &["-d", &vb["PGDATABASE"], "-c", "select 1"]);
    assert_ne!(denied.code, 0);
    assert!(
        denied.stderr.contains("permission denied for database"),
        "{}",
        denied.stderr
    );
    // Redis and S3: each its own key and object; the other's refused.
    redis_and_s3(&va, "put from-a");
    redis_and_s3(&vb, "put from-b");
    assert_eq!(redis_and_s3(&va, "get"), "from-a from-a seeded sharea");
    assert_eq!(redis_and_s3(&vb, "get"), "from-b from-b seeded shareb");
    let stolen = redis_and_s3(
        &va,
        &format!("steal {} {}", vb["REDIS_KEY_PREFIX"], vb["S3_BUCKET"]),
    );
    assert_eq!(
        stolen,
        format!(
            "get NOPERM\nset NOPERM\nflushdb NOPERM\nkeys NOPERM\ninfo allowed True\nget_object AccessDenied\nput_object AccessDenied\nlist_objects AccessDenied\nbuckets ['{}']",
            va["S3_BUCKET"]
        )
    );

    // `status` and `env` see the slices as `up` left them.
    let listed = a.run(&["env"]).ok();
    assert!(
        listed.stdout.contains(&va["DATABASE_URL"]),
        "{}",
        listed.stdout
    );
    b.cli(&["shared", "status"])
        .stdout_contains("postgres-17")
        .stdout_contains("redis-7")
        .stdout_contains("seaweedfs-4")
        .stdout_contains(&a.name)
        .stdout_contains(&b.name)
        .run();

    // a leaves with its data: b's app and data are untouched, the servers
    // run on for b.
    a.cli(&["down", "--volumes"])
        .stderr_contains(&format!("dropped the slice `{owner_a}`"))
        .stderr_contains(&format!("bucket {}", va["S3_BUCKET"]))
        .stderr_contains(&format!("1 keys under {owner_a}:*"))
        .run();
    assert_eq!(
        psql(&vb, &["-c", "select body from notes"]).stdout.trim(),
        "shareb"
    );
    assert_eq!(redis_and_s3(&vb, "get"), "from-b from-b seeded shareb");
    let left = psql(
        &vb,
        &[
            "-c",
            &format!("select count(*) from pg_database where datname like '{owner_a}%'"),
        ],
    );
    assert_eq!(
        left.stdout.trim(),
        "0",
        "a's databases are gone: {}",
        left.stderr
    );
    // a's key, bucket and users are gone: its old credentials are refused.
    let gone = python(
        &format!(
            "{PY_REDIS_AND_S3}\nimport botocore.exceptions\n\
             try:\n    r.ping(); print('redis allowed')\n\
             except redis.exceptions.AuthenticationError:\n    print('redis refused')\n\
             try:\n    s3.list_buckets(); print('s3 allowed')\n\
             except botocore.exceptions.ClientError as e:\n    print('s3', e.response['Error']['Code'])\n"
        ),
        &va,
    );
    assert_eq!(
        gone.stdout.trim(),
        "redis refused\ns3 InvalidAccessKeyId",
        "{}",
        gone.stderr
    );
    for server in SERVERS {
        assert_eq!(state_of(server), "running", "{server}");
    }

    // The last project out stops the servers; their data stays.
    b.cli(&["down"])
        .stderr_contains("stopped the shared server devsvc-shared-postgres-17")
        .stderr_contains("stopped the shared server devsvc-shared-redis-7")
        .stderr_contains("stopped the shared server devsvc-shared-seaweedfs-4")
        .run();
    for server in SERVERS {
        assert_eq!(state_of(server), "exited", "{server}");
    }
    b.cli(&["up"])
        .stderr_contains("started the shared server")
        .run();
    let vb = b.dotenv();
    assert_eq!(
        psql(&vb, &["-c", "select body from notes"]).stdout.trim(),
        "shareb"
    );
    assert_eq!(redis_and_s3(&vb, "get"), "from-b from-b seeded shareb");

    b.teardown().ok();
    a.teardown().ok();
    b.cli(&["shared", "down", "--volumes"]).run();
    for server in SERVERS {
        assert!(
            docker(&["ps", "-a", "-q", "--filter", &format!("name=^{server}$")])
                .trim()
                .is_empty()
        );
    }
}

/// MySQL and MariaDB: a user per project granted its own databases only;
/// RabbitMQ: a vhost and a user per project, refused in the other's.
#[test]
fn mysql_mariadb_and_rabbitmq_slices_keep_each_project_to_its_own() {
    let servers = [
        "devsvc-shared-mysql-8",
        "devsvc-shared-mariadb-11",
        "devsvc-shared-rabbitmq-4",
    ];
    let _guards: Vec<ServerGone> = servers.iter().map(|s| ServerGone(s.to_string())).collect();
    let yaml = "services:\n  mysql:\n    shared: true\n    env_prefix: MY_\n    databases: [shop]\n    init: [db/schema.sql]\n  mariadb:\n    shared: true\n    env_prefix: MARIA_\n    databases: [crm]\n    init: [db/schema.sql]\n  rabbitmq:\n    shared: true\n";
    let mut a = TestProject::new("mysqla", yaml);
    // b's name starts with a's: a's slice must still be told apart from
    // b's (`a_shop` and `a_x_shop`) when a drops it.
    let mut b = TestProject::new("mysqlb", yaml);
    b.name = format!("{}-x", a.name);
    for (p, tag) in [(&a, "a"), (&b, "b")] {
        std::fs::create_dir_all(p.path().join("db")).unwrap();
        std::fs::write(
            p.path().join("db/schema.sql"),
            format!("create table notes (body varchar(8));\ninsert into notes values ('{tag}');\n"),
        )
        .unwrap();
        p.run(&["up"]).ok();
    }
    let query = |vars: &BTreeMap<String, String>, prefix: &str, database: &str| {
        let script = format!(
            "import os, pymysql\n\
             try:\n    \
                 c = pymysql.connect(host=os.environ['{prefix}MYSQL_HOST'], port=int(os.environ['{prefix}MYSQL_PORT']), user=os.environ['{prefix}MYSQL_USER'], password=os.environ['{prefix}MYSQL_PASSWORD'], database='{database}')\n    \
                 cur = c.cursor(); cur.execute('select body from notes'); print(cur.fetchone()[0])\n\
             except pymysql.err.OperationalError as e:\n    \
                 print('refused', e.args[0])\n"
        );
        let run = python(&script, vars);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout.trim().to_string()
    };
    let (va, vb) = (a.dotenv(), b.dotenv());
    for (prefix, db) in [("MY_", "shop"), ("MARIA_", "crm")] {
        let own_a = va[&format!("{prefix}MYSQL_DATABASE")].clone();
        let own_b = vb[&format!("{prefix}MYSQL_DATABASE")].clone();
        assert!(own_a.ends_with(&format!("_{db}")), "{own_a}");
        assert_eq!(
            va[&format!("{prefix}MYSQL_PORT")],
            vb[&format!("{prefix}MYSQL_PORT")]
        );
        assert_eq!(query(&va, prefix, &own_a), "a");
        assert_eq!(query(&vb, prefix, &own_b), "b");
        // 1044: access denied to a database the user was not granted.
        assert_eq!(query(&va, prefix, &own_b), "refused 1044", "{prefix}");
    }
    // RabbitMQ: each app's queue in its own vhost; the other's refused.
    assert_eq!(va["RABBITMQ_VHOST"], a.name.replace('-', "_"));
    assert_eq!(
        va["AMQP_URL"].rsplit('/').next(),
        Some(va["RABBITMQ_VHOST"].as_str())
    );
    assert_eq!(amqp(&va, "put"), "1");
    assert_eq!(amqp(&vb, "put"), "1");
    assert_eq!(amqp(&va, "put"), "2", "a's own queue, apart from b's");
    // No management tags: the web UI's API refuses the project's user.
    let ui = python(
        r#"import os, urllib.request, urllib.error, base64
password = os.environ["AMQP_URL"].split(":")[2].split("@")[0]
auth = base64.b64encode((os.environ["RABBITMQ_VHOST"] + ":" + password).encode()).decode()
request = urllib.request.Request(os.environ["RABBITMQ_MANAGEMENT_URL"] + "/api/whoami", headers={"Authorization": "Basic " + auth})
try:
    print(urllib.request.urlopen(request).status)
except urllib.error.HTTPError as e:
    print(e.code)
"#,
        &va,
    );
    assert_eq!(ui.stdout.trim(), "401", "{}", ui.stderr);
    assert_eq!(
        amqp(&va, &format!("steal {}", vb["RABBITMQ_VHOST"])),
        "refused ProbableAccessDeniedError"
    );
    a.cli(&["down", "--volumes"])
        .stderr_contains("dropped the slice")
        .stderr_contains("vhost")
        .run();
    for (prefix, _) in [("MY_", "shop"), ("MARIA_", "crm")] {
        let own_b = vb[&format!("{prefix}MYSQL_DATABASE")].clone();
        assert_eq!(query(&vb, prefix, &own_b), "b", "b untouched");
    }
    assert_eq!(amqp(&vb, "count"), "1", "b's queue untouched");
    assert_eq!(
        amqp(&va, "count"),
        "refused ProbableAuthenticationError",
        "a's user is gone"
    );
    b.teardown().ok();
    a.teardown().ok();
}

/// An app's RabbitMQ through its env file (pika): `put` publishes to its
/// `notes` queue and prints how many it holds; `count` prints that only;
/// `steal VHOST` logs in to another vhost. A refused login prints
/// `refused` and pika's name for the refusal.
fn amqp(vars: &BTreeMap<String, String>, action: &str) -> String {
    let script = format!(
        r#"import os, pika
action = {action:?}.split()
url = os.environ["AMQP_URL"]
if action[0] == "steal":
    url = url.rsplit("/", 1)[0] + "/" + action[1]
try:
    connection = pika.BlockingConnection(pika.URLParameters(url))
except pika.exceptions.AMQPConnectionError as refused:
    print("refused", type(refused).__name__)
    raise SystemExit(0)
channel = connection.channel()
channel.confirm_delivery()  # so the count below includes the message
channel.queue_declare("notes", durable=True)
if action[0] == "put":
    channel.basic_publish("", "notes", b"note")
print(channel.queue_declare("notes", durable=True).method.message_count)
connection.close()
"#
    );
    let run = python(&script, vars);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

/// Valkey (a Redis ACL user per project, as for Redis): a `seed:` runs in
/// each slice, as its own user, so its keys carry the slice's prefix; a
/// seed line outside it is refused with its file and line.
#[test]
fn valkey_slices_take_their_seed_under_their_own_prefix() {
    let _server = ServerGone("devsvc-shared-valkey-8".to_string());
    let yaml = "services:\n  valkey:\n    shared: true\n    seed: seed.redis\n";
    let mut a = TestProject::new("valkeya", yaml);
    let owner = a.name.replace('-', "_");
    std::fs::write(
        a.path().join("seed.redis"),
        format!("SET {owner}:greeting hello\n"),
    )
    .unwrap();
    a.cli(&["up"]).stderr_contains("seeded 1 commands").run();
    let vars = a.dotenv();
    let read = python(
        "import os, redis\n\
         r = redis.from_url(os.environ['VALKEY_URL'], decode_responses=True)\n\
         print(r.get(os.environ['REDIS_KEY_PREFIX'] + 'greeting'))\n",
        &vars,
    );
    assert_eq!(read.stdout.trim(), "hello", "{}", read.stderr);
    // Its data is there now: a second `up` leaves it to the app.
    a.cli(&["up"]).stderr_lacks("seeded").run();

    let mut b = TestProject::new("valkeyb", yaml);
    std::fs::write(
        b.path().join("seed.redis"),
        format!("SET {owner}:greeting stolen\n"),
    )
    .unwrap();
    b.cli(&["up"])
        .status(1)
        .stderr_contains("seed.redis:1: Redis answered: NOPERM")
        .run();
    let again = python(
        "import os, redis\n\
         r = redis.from_url(os.environ['VALKEY_URL'], decode_responses=True)\n\
         print(r.get(os.environ['REDIS_KEY_PREFIX'] + 'greeting'))\n",
        &vars,
    );
    assert_eq!(again.stdout.trim(), "hello", "a's key untouched");
    b.teardown().ok();
    a.teardown().ok();
}

/// Removes a shared server's container and data however the test ends
/// (its name is the template's and version's, no test project's, so the
/// sweep after the suite would not know it).
struct ServerGone(String);

impl Drop for ServerGone {
    fn drop(&mut self) {
        let _ = docker_command().args(["rm", "-f", "-v", &self.0]).output();
        let _ = docker_command()
            .args(["volume", "rm", "-f", &format!("{}-data", self.0)])
            .output();
    }
}

/// What cannot be shared is refused where services.yaml says it, with
/// why; a top-level `shared: true` applies only where a template allows.
#[test]
fn what_cannot_be_shared_is_refused_with_its_line_and_why() {
    for (yaml, at, message) in [
        (
            "services:\n  mailhog:\n    shared: true\n",
            "services.yaml:3:13:",
            "template `mailhog` cannot be shared: it has no users or databases to give each project a slice of its own",
        ),
        (
            "services:\n  postgres:\n    shared: true\n    user: me\n",
            "services.yaml:4:11:",
            "`shared: true` and `user` exclude each other",
        ),
        (
            "services:\n  postgres:\n    shared: true\n    external: { url: \"postgresql://u:p@db.example.com/x\" }\n",
            "services.yaml:4:",
            "`shared: true` and `external` exclude each other",
        ),
        (
            "services:\n  seaweedfs:\n    shared: true\n",
            "services.yaml:3:",
            "a shared S3 service needs `buckets:`: its user may reach its own buckets only",
        ),
        (
            "data: per-branch\nservices:\n  postgres:\n    shared: true\n",
            "services.yaml:4:13:",
            "`shared: true` and `data: per-branch` exclude each other",
        ),
    ] {
        let project = TestProject::new("sharebad", yaml);
        project
            .cli(&["config"])
            .no_engine()
            .status(2)
            .stderr_contains(at)
            .stderr_contains(message)
            .run();
    }
    // The file's default: postgres shared, mailhog (which cannot be) not.
    let project = TestProject::new(
        "sharetop",
        "shared: true\nservices:\n  postgres: {}\n  mailhog: {}\n",
    );
    project
        .cli(&["snapshot", "save", "s1", "postgres"])
        .no_engine()
        .status(2)
        .stderr_contains("service `postgres` lives on the shared server devsvc-shared-postgres-17: snapshots of one project's slice are not made yet")
        .run();
    let config = project.cli(&["config", "--json"]).no_engine().run();
    let parsed: serde_json::Value = serde_json::from_str(&config.stdout).unwrap();
    let services = parsed["services"].as_array().unwrap();
    assert_eq!(services[0]["shared"]["server"], "postgres-17");
    assert!(services[1].get("shared").is_none(), "{}", config.stdout);
}
