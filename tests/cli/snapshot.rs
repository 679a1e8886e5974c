//! Snapshots: save Redis, MinIO and PostgreSQL data, change it, restore
//! one service (its data is back; the others kept running, same containers
//! and start times, with their new data), then all; the env file never
//! changes. A snapshot refuses to go into another image. Read and written
//! by redis-py, boto3 and psycopg through the env file.

use crate::common::*;

const SERVICES: &str = "services:\n  redis: {}\n  minio:\n    buckets: [uploads]\n  postgres: {}\n";

/// `write VALUE` stores VALUE in all three; `read` prints what each holds.
const APP: &str = r#"
import psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
    db.execute("create table if not exists notes (v text)")
    if sys.argv[1] == "write":
        value = sys.argv[2]
        r.set("note", value)
        s3.put_object(Bucket="uploads", Key="note.txt", Body=value.encode())
        db.execute("delete from notes")
        db.execute("insert into notes values (%s)", (value,))
    else:
        pg = db.execute("select v from notes").fetchone()[0]
        body = s3.get_object(Bucket="uploads", Key="note.txt")["Body"].read().decode()
        print(f"redis={r.get('note')} minio={body} postgres={pg}")
"#;

fn app(project: &TestProject, args: &str) -> String {
    let script = format!("{PY_REDIS_AND_S3}sys.argv = ['app'] + {args:?}.split()\n{APP}");
    let run = python(&script, &project.dotenv());
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.trim().to_string()
}

/// Each service's container ID and start time.
fn started(project: &TestProject, service: &str) -> String {
    let name = format!("devsvc-{}-{service}", project.name);
    docker(&["inspect", "-f", "{{.Id}} {{.State.StartedAt}}", &name])
}

#[test]
fn restore_of_one_service_brings_its_data_back_and_leaves_the_others_running() {
    let mut project = TestProject::new("snap", SERVICES);
    project.run(&["up"]).ok();
    app(&project, "write one");
    project
        .cli(&["snapshot", "save", "s1"])
        .stderr_contains("redis: saved ")
        .stderr_contains("postgres: saved ")
        .stderr_contains("saved snapshot s1")
        .run();
    project
        .cli(&["snapshot", "list"])
        .stdout_contains("s1 ")
        .stdout_contains("redis, minio, postgres")
        .run();
    // Saving stopped and restarted each, and they answer again.
    assert_eq!(app(&project, "read"), "redis=one minio=one postgres=one");
    app(&project, "write two");
    let env_before = std::fs::read(project.env_file()).unwrap();
    let (minio, postgres) = (started(&project, "minio"), started(&project, "postgres"));

    project
        .cli(&["snapshot", "restore", "s1", "redis"])
        .stderr_contains("redis: restored from snapshot s1")
        .stderr_lacks("minio:")
        .stderr_lacks("postgres:")
        .run();
    assert_eq!(app(&project, "read"), "redis=one minio=two postgres=two");
    assert_eq!(started(&project, "minio"), minio, "minio kept running");
    assert_eq!(
        started(&project, "postgres"),
        postgres,
        "postgres kept running"
    );
    assert_eq!(std::fs::read(project.env_file()).unwrap(), env_before);

    project.run(&["snapshot", "restore", "s1"]).ok();
    assert_eq!(app(&project, "read"), "redis=one minio=one postgres=one");
    assert_eq!(std::fs::read(project.env_file()).unwrap(), env_before);

    // Another image would get data it may not read: refused, untouched.
    let redis = started(&project, "redis");
    std::fs::write(
        project.path().join("services.yaml"),
        SERVICES.replace("redis: {}", "redis: { image: example.invalid/redis:8 }"),
    )
    .unwrap();
    project
        .cli(&["snapshot", "restore", "s1", "redis"])
        .status(1)
        .stderr_contains("snapshot `s1` holds `redis` data of /data from image ")
        .stderr_contains("example.invalid/redis:8 (template redis, data in /data)")
        .stderr_contains("Nothing was touched")
        .run();
    assert_eq!(started(&project, "redis"), redis);
    std::fs::write(project.path().join("services.yaml"), SERVICES).unwrap();

    project
        .cli(&["snapshot", "restore", "s2"])
        .status(2)
        .stderr_contains("no snapshot `s2`")
        .stderr_contains("did you mean `s1`?")
        .run();
    project.run(&["snapshot", "rm", "s1"]).ok();
    project.cli(&["snapshot", "list"]).stdout_lacks("s1").run();
    project.teardown().ok();
}
