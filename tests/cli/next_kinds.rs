//! The search engine, stream and storage kinds that run here: Typesense,
//! Valkey, NATS with JetStream, SeaweedFS and Kafka started together and
//! used by their real clients (typesense, redis-py and redis-cli, nats-py,
//! boto3, kafka-python) through the env file alone; their data survives
//! `down`/`up`; a Typesense collection comes back from a snapshot; and a
//! server that runs with other credentials than the exported ones is never
//! called ready (exit 4, naming the service).
use std::collections::BTreeMap;
use std::process::Command;

use crate::common::*;

const SERVICES: &str = "services:
  typesense: {}
  valkey: {}
  nats: {}
  seaweedfs:
    buckets: [uploads]
  kafka: {}
";

/// `write TOKEN` stores TOKEN in every service and checks each client's
/// round trip; `read TOKEN` checks the stored data is still there.
const APP: &str = r#"
import asyncio, os, sys, boto3, redis, typesense, nats
assert os.listdir(os.environ["HOME"]) == [] and "CARGO_MANIFEST_DIR" not in os.environ
mode, token = sys.argv[1], sys.argv[2]

search = typesense.Client({
    "nodes": [{"host": os.environ["TYPESENSE_HOST"], "port": os.environ["TYPESENSE_PORT"],
               "protocol": os.environ["TYPESENSE_PROTOCOL"]}],
    "api_key": os.environ["TYPESENSE_API_KEY"], "connection_timeout_seconds": 10})
r = redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
assert os.environ["VALKEY_URL"] == os.environ["REDIS_URL"]
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"],
                  aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                  aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
                  region_name=os.environ["AWS_REGION"])

async def nats_write():
    nc = await nats.connect(os.environ["NATS_URL"])
    sub = await nc.subscribe("greet")
    await nc.publish("greet", token.encode())
    msg = await sub.next_msg(timeout=10)
    assert msg.data.decode() == token, msg.data
    js = nc.jetstream()
    await js.add_stream(name="EVENTS", subjects=["events.>"])
    ack = await js.publish("events.created", token.encode())
    assert ack.stream == "EVENTS", ack
    await nc.close()

async def nats_read():
    nc = await nats.connect(os.environ["NATS_URL"])
    msg = await nc.jetstream().get_last_msg("EVENTS", "events.created")
    assert msg.data.decode() == token, msg.data
    await nc.close()

def kafka_round_trip():
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
    from kafka.admin import NewTopic
    servers = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    KafkaAdminClient(bootstrap_servers=servers).create_topics([NewTopic("orders", 1, 1)])
    producer = KafkaProducer(bootstrap_servers=servers)
    for i in range(4):
        producer.send("orders", f"{token}-{i}".encode()).get(timeout=30)
    producer.close()
    def consumer():
        return KafkaConsumer("orders", bootstrap_servers=servers, group_id="billing",
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=20000)
    first = consumer()
    taken = []
    for message in first:
        taken.append(message.value.decode())
        if len(taken) == 2:
            break
    assert taken == [f"{token}-0", f"{token}-1"], taken
    first.commit()
    first.close()
    second = consumer()
    resumed = next(iter(second)).value.decode()
    second.close()
    assert resumed == f"{token}-2", resumed

if mode == "write":
    search.collections.create({"name": "books", "fields": [
        {"name": "title", "type": "string"}, {"name": "year", "type": "int32"}],
        "default_sorting_field": "year"})
    search.collections["books"].documents.create({"id": "1", "title": token, "year": 1979})
    found = search.collections["books"].documents.search({"q": token, "query_by": "title"})
    assert found["found"] == 1, found
    r.set("token", token)
    assert r.get("token") == token
    s3.put_object(Bucket=os.environ["S3_BUCKET"], Key="note.txt", Body=token.encode())
    asyncio.run(nats_write())
    kafka_round_trip()
else:
    found = search.collections["books"].documents.search({"q": token, "query_by": "title"})
    assert found["found"] == 1, found
    assert r.get("token") == token
    body = s3.get_object(Bucket=os.environ["S3_BUCKET"], Key="note.txt")["Body"].read().decode()
    assert body == token, body
    asyncio.run(nats_read())
print(mode, "ok")
"#;

fn app_run(vars: &BTreeMap<String, String>, mode: &str, token: &str) -> Run {
    let script = format!("import sys\nsys.argv = ['app', {mode:?}, {token:?}]\n{APP}");
    python(&script, vars)
}

#[test]
fn search_streams_and_storage_serve_their_clients_through_the_env_file() {
    let project = TestProject::new("kinds", SERVICES);
    let up = project.run(&["up", "--timeout", "120"]).ok();
    for service in ["typesense", "valkey", "nats", "seaweedfs", "kafka"] {
        assert!(
            up.stderr.contains(&format!("{service}: ready after")),
            "{service}:\n{}",
            up.stderr
        );
    }
    let vars = project.dotenv();
    assert_eq!(vars["TYPESENSE_PROTOCOL"], "http");
    assert_eq!(vars["S3_BUCKET"], "uploads");
    assert!(vars["NATS_URL"].starts_with("nats://app:"), "{vars:?}");
    let token = unique_name("tok");
    let write = app_run(&vars, "write", &token);
    assert_eq!(write.code, 0, "the app failed:\n{}", write.stderr);

    // redis-cli, as a shell script would use Valkey.
    let cli = app(
        Command::new("redis-cli").args(["-u", &vars["VALKEY_URL"], "get", "token"]),
        &vars,
    );
    assert_eq!(cli.stdout.trim(), token, "{}", cli.stderr);

    // The data is on the volumes: a new set of containers finds it.
    project.run(&["down"]).ok();
    project.run(&["up", "--timeout", "120"]).ok();
    assert_eq!(project.dotenv(), vars, "the env file stays the same");
    let read = app_run(&vars, "read", &token);
    assert_eq!(
        read.code, 0,
        "the data did not survive down/up:\n{}",
        read.stderr
    );
}

/// Documents in the `books` collection, through the Typesense client.
const BOOKS: &str = r#"
import os, sys, typesense
client = typesense.Client({
    "nodes": [{"host": os.environ["TYPESENSE_HOST"], "port": os.environ["TYPESENSE_PORT"],
               "protocol": os.environ["TYPESENSE_PROTOCOL"]}],
    "api_key": os.environ["TYPESENSE_API_KEY"], "connection_timeout_seconds": 10})
books = client.collections["books"]
if sys.argv[1] == "create":
    client.collections.create({"name": "books", "fields": [{"name": "title", "type": "string"}]})
elif sys.argv[1] == "add":
    books.documents.create({"title": sys.argv[2]})
elif sys.argv[1] == "drop":
    books.delete()
else:
    names = [c["name"] for c in client.collections.retrieve()]
    if "books" not in names:
        print("no collection")
    else:
        hits = books.documents.search({"q": "*", "query_by": "title", "sort_by": "_text_match:desc"})["hits"]
        print(" ".join(sorted(h["document"]["title"] for h in hits)))
"#;

fn books(project: &TestProject, args: &[&str]) -> String {
    let argv: Vec<String> = std::iter::once("books".to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .collect();
    let script = format!("import sys\nsys.argv = {argv:?}\n{BOOKS}");
    let run = python(&script, &project.dotenv());
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

#[test]
fn a_snapshot_brings_a_typesense_collection_back() {
    let project = TestProject::new("tssnap", "services:\n  typesense: {}\n");
    project.run(&["up", "--timeout", "120"]).ok();
    books(&project, &["create"]);
    books(&project, &["add", "dune"]);
    project
        .cli(&["snapshot", "save", "s1"])
        .stderr_contains("typesense: saved ")
        .run();
    assert_eq!(books(&project, &["list"]), "dune");
    // After the save: another document, then the whole collection gone.
    books(&project, &["add", "emma"]);
    assert_eq!(books(&project, &["list"]), "dune emma");
    books(&project, &["drop"]);
    assert_eq!(books(&project, &["list"]), "no collection");
    project.cli(&["snapshot", "restore", "s1"]).run();
    assert_eq!(
        books(&project, &["list"]),
        "dune",
        "the collection as saved: nothing written after the save"
    );
}

/// Each service runs with other credentials than the ones devsvc exports
/// and probes with: `up` must wait, then fail with exit 4 naming it,
/// never call it ready.
#[test]
fn a_server_that_refuses_the_exported_credentials_is_never_ready() {
    let cases = [
        (
            "typesense",
            "    env: { TYPESENSE_API_KEY: not-the-exported-key }\n",
        ),
        (
            "valkey",
            "    command: [valkey-server, --requirepass, not-the-exported-password]\n",
        ),
        (
            "nats",
            "    command: [--jetstream, --store_dir, /data, --user, app, --pass, not-the-exported-password]\n",
        ),
        (
            "seaweedfs",
            "    env: { AWS_SECRET_ACCESS_KEY: not-the-exported-secret }\n",
        ),
    ];
    let cases = cases.map(|(service, yaml)| (service, yaml, None));
    never_ready("bad", &cases, 8);
}

/// Runs each case (a service and what services.yaml overrides of it) and
/// checks `up` waits, then fails with exit 4 naming it (and, when given,
/// the server's words), never calling it ready. Every case runs, and all
/// that fail are reported together.
fn never_ready(tag: &str, cases: &[(&str, &str, Option<&str>)], timeout: u32) {
    let failed: Vec<String> = cases
        .iter()
        .filter_map(|(service, override_yaml, refusal)| {
            let project = TestProject::new(
                &format!("{tag}{}", &service[..4]),
                &format!("services:\n  {service}:\n{override_yaml}"),
            );
            let mut cli = project
                .cli(&["up", "--timeout", &timeout.to_string()])
                .status(4)
                .stderr_contains(&format!(
                    "service `{service}` did not become ready within {timeout} s"
                ))
                .stderr_lacks(&format!("{service}: ready after"));
            if let Some(refusal) = refusal {
                cli = cli.stderr_contains(refusal);
            }
            cli.check().err().map(|e| format!("{service}: {e}"))
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Issue 23: the login probes of PostgreSQL, MySQL, RabbitMQ and Redis
/// were never shown to be more than a TCP check. Each server here runs
/// with another password than the exported one: it accepts connections
/// and refuses the login, and the service is never ready (exit 4), with
/// the server's own refusal as the last thing seen (RabbitMQ's aside).
#[test]
fn a_database_broker_or_cache_that_refuses_the_login_is_never_ready() {
    let cases = [
        (
            "redis",
            "    command: [redis-server, --requirepass, not-the-exported-password]\n",
            "WRONGPASS",
        ),
        (
            "postgres",
            "    env: { POSTGRES_PASSWORD: not-the-exported-password }\n",
            "password authentication failed",
        ),
        (
            "mysql",
            "    env: { MYSQL_PASSWORD: not-the-exported-password }\n",
            "Access denied",
        ),
        // RabbitMQ keeps a refused login's connection open without an
        // answer the client reads, so each attempt ends by its own timeout:
        // never ready all the same, and a TCP check would have passed.
        (
            "rabbitmq",
            "    env: { RABBITMQ_DEFAULT_PASS: not-the-exported-password }\n",
            "AMQP login as app to vhost / at",
        ),
    ];
    let cases = cases.map(|(service, yaml, refusal)| (service, yaml, Some(refusal)));
    never_ready("login", &cases, 25);
}

/// The `exec` probe (MongoDB's, whose image is not available here) on a
/// server that is: the image's own client, run in the container with the
/// exported credentials, decides readiness; refused credentials are exit
/// 4 with the client's own words, and the password never appears.
#[test]
fn an_exec_probe_runs_the_images_own_client_in_the_container() {
    let ready = |password: &str| {
        format!(
            "services:\n  postgres:\n    ready:\n      - exec: {{ command: [psql, \"postgresql://app:{password}@127.0.0.1:5432/app\", -tAc, \"select 1\"] }}\n"
        )
    };
    let good = TestProject::new("execok", &ready("{{password}}"));
    good.cli(&["up", "--timeout", "60"])
        .stderr_contains("postgres: ready after")
        .run();
    let vars = good.dotenv();
    let psql = app(Command::new("psql").args(["-tAc", "select 2"]), &vars);
    assert_eq!(psql.stdout.trim(), "2", "{}", psql.stderr);

    let bad = TestProject::new("execbad", &ready("not-the-password"));
    let run = bad
        .cli(&["up", "--timeout", "10"])
        .status(4)
        .stderr_contains("service `postgres` did not become ready within 10 s: `psql` in the container: exited with 2")
        .stderr_contains("password authentication failed for user \"app\"")
        .stderr_lacks("not-the-password")
        .run();
    eprintln!("{}", run.stderr);
}

/// The classic Kafka trap: a broker advertising an address other than the
/// one in the env file answers the first request, then sends clients
/// where they cannot go. The probe reads the broker's own Metadata answer
/// and does not call it ready.
#[test]
fn a_kafka_that_advertises_another_address_is_never_ready() {
    let project = TestProject::new(
        "kafkatrap",
        "services:\n  kafka:\n    env: { KAFKA_ADVERTISED_LISTENERS: \"PLAINTEXT://localhost:9092\" }\n",
    );
    project
        .cli(&["up", "--timeout", "8"])
        .status(4)
        .stderr_contains(
            "service `kafka` did not become ready within 8 s: Kafka metadata from 127.0.0.1:",
        )
        .stderr_contains("the broker advertises localhost:9092, not 127.0.0.1:")
        .run();
}
