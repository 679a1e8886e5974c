//! Snapshots: save Redis, MinIO, PostgreSQL and MySQL data, change it,
//! restore one service (its data is back; the others kept running, same
//! containers and start times, with their new data), then all, and what
//! was written after the save is gone; the env file never changes. A
//! snapshot refuses to go into another image, and crafted ones; a restore
//! after a lost state folder logs in. Read and written by redis-py, boto3,
//! psycopg and PyMySQL through the env file.

use crate::common::*;

const SERVICES: &str = "services:\n  redis: {}\n  minio:\n    buckets: [uploads]\n  postgres: {}\n  mysql:\n    env_prefix: MY_\n";

/// `write VALUE` stores VALUE in all four; `read` prints what each holds;
/// `later` adds, in each, something that did not exist before (a Redis
/// key, an S3 object, a PostgreSQL and a MySQL table); `count` prints how
/// many of those four exist.
const APP: &str = r#"
import psycopg, pymysql
my = pymysql.connect(host=os.environ["MY_MYSQL_HOST"], port=int(os.environ["MY_MYSQL_PORT"]),
                     user=os.environ["MY_MYSQL_USER"], password=os.environ["MY_MYSQL_PASSWORD"],
                     database=os.environ["MY_MYSQL_DATABASE"], autocommit=True)
mc = my.cursor()
mc.execute("create table if not exists notes (v text)")
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
    db.execute("create table if not exists notes (v text)")
    if sys.argv[1] == "write":
        value = sys.argv[2]
        r.set("note", value)
        s3.put_object(Bucket="uploads", Key="note.txt", Body=value.encode())
        db.execute("delete from notes")
        db.execute("insert into notes values (%s)", (value,))
        mc.execute("delete from notes")
        mc.execute("insert into notes values (%s)", (value,))
    elif sys.argv[1] == "later":
        r.set("later", "x")
        s3.put_object(Bucket="uploads", Key="later.txt", Body=b"x")
        db.execute("create table later (x int)")
        mc.execute("create table later (x int)")
    elif sys.argv[1] == "count":
        keys = s3.list_objects_v2(Bucket="uploads").get("Contents", [])
        pg = db.execute("select count(*) from pg_tables where tablename = 'later'").fetchone()[0]
        mc.execute("select count(*) from information_schema.tables where table_name = 'later'")
        print(int(r.exists("later")) + int(any(k["Key"] == "later.txt" for k in keys)) + pg + mc.fetchone()[0])
    else:
        pg = db.execute("select v from notes").fetchone()[0]
        body = s3.get_object(Bucket="uploads", Key="note.txt")["Body"].read().decode()
        mc.execute("select v from notes")
        print(f"redis={r.get('note')} minio={body} postgres={pg} mysql={mc.fetchone()[0]}")
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
        .stdout_contains("redis, minio, postgres, mysql")
        .run();
    // Saving stopped and restarted each, and they answer again.
    assert_eq!(
        app(&project, "read"),
        "redis=one minio=one postgres=one mysql=one"
    );
    app(&project, "write two");
    let env_before = std::fs::read(project.env_file()).unwrap();
    let (minio, postgres) = (started(&project, "minio"), started(&project, "postgres"));

    project
        .cli(&["snapshot", "restore", "s1", "redis"])
        .stderr_contains("redis: restored from snapshot s1")
        .stderr_lacks("minio:")
        .stderr_lacks("postgres:")
        .stderr_lacks("mysql:")
        .run();
    assert_eq!(
        app(&project, "read"),
        "redis=one minio=two postgres=two mysql=two"
    );
    assert_eq!(started(&project, "minio"), minio, "minio kept running");
    assert_eq!(
        started(&project, "postgres"),
        postgres,
        "postgres kept running"
    );
    assert_eq!(std::fs::read(project.env_file()).unwrap(), env_before);

    // What was written after the save is gone too, in each (a restore
    // that merged into the old data would keep it).
    app(&project, "later");
    assert_eq!(app(&project, "count"), "4");
    project.run(&["snapshot", "restore", "s1"]).ok();
    assert_eq!(
        app(&project, "read"),
        "redis=one minio=one postgres=one mysql=one"
    );
    assert_eq!(app(&project, "count"), "0");
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

/// The project's snapshot `name` in the test's state folder.
fn snapshot_dir(project: &TestProject, name: &str) -> std::path::PathBuf {
    project
        .state
        .path()
        .join("snapshots")
        .join(&project.name)
        .join(name)
}

/// Makes snapshot `bad` from `good`: Redis's archive rewritten by Python's
/// tarfile with one crafted entry added (`kind`), and a snapshot.json that
/// records its true size and checksum, as a crafted snapshot would.
fn craft(project: &TestProject, kind: &str) {
    let (good, bad) = (snapshot_dir(project, "good"), snapshot_dir(project, "bad"));
    let _ = std::fs::remove_dir_all(&bad);
    std::fs::create_dir_all(&bad).unwrap();
    let script = r#"
import hashlib, io, json, os, sys, tarfile
good, bad, kind = sys.argv[1:4]
out = io.BytesIO()
with tarfile.open(os.path.join(good, "redis.tar")) as src, tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as dst:
    for member in src.getmembers():
        body = src.extractfile(member) if member.isfile() else None
        if kind == "corrupt" and member.name.endswith("dump.rdb"):
            garbage = b"REDIS0011" + b"\xff" * 64
            member.size = len(garbage)
            body = io.BytesIO(garbage)
        dst.addfile(member, body)
    entry = {
        "absolute": tarfile.TarInfo("/etc/devsvc-pwned"),
        "dotdot": tarfile.TarInfo("data/../../etc/devsvc-pwned"),
        "symlink": tarfile.TarInfo("data/dump-link"),
        "device": tarfile.TarInfo("data/disk"),
        "setuid": tarfile.TarInfo("data/shell"),
    }.get(kind)
    if entry is None:
        pass
    elif kind == "symlink":
        entry.type, entry.linkname = tarfile.SYMTYPE, "../../etc/shadow"
    elif kind == "device":
        entry.type, entry.devmajor, entry.devminor = tarfile.BLKTYPE, 8, 0
    if entry is not None:
        entry.mode = 0o4755 if kind == "setuid" else 0o644
        body = b"pwned" if entry.isfile() else b""
        entry.size = len(body)
        dst.addfile(entry, io.BytesIO(body) if body else None)
data = out.getvalue()
with open(os.path.join(bad, "redis.tar"), "wb") as f:
    f.write(data)
meta = json.load(open(os.path.join(good, "snapshot.json")))
meta["services"]["redis"]["bytes"] = len(data)
meta["services"]["redis"]["sha256"] = hashlib.sha256(data).hexdigest()
json.dump(meta, open(os.path.join(bad, "snapshot.json"), "w"))
"#;
    let run = crate::common::app(
        std::process::Command::new("python3").args([
            "-c",
            script,
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
            kind,
        ]),
        &Default::default(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Issue 22: restore checked only that every entry read, and the engine
/// unpacks as root. Crafted snapshots (a consistent snapshot.json beside
/// each) with an absolute path, `../`, a link out of the data folder, a
/// device and a set-user-id file are refused, and Redis's container and
/// volume stay exactly as they were: same container, same start, same
/// volume, its data still there. A snapshot's files are the owner's alone.
#[test]
fn crafted_snapshots_are_refused_and_leave_the_service_untouched() {
    let project = TestProject::new("snapbad", "services:\n  redis: {}\n");
    project.run(&["up"]).ok();
    let write = |value: &str| {
        let script = format!(
            "import os, redis\nr = redis.from_url(os.environ['REDIS_URL'], decode_responses=True)\nr.set('note', '{value}')\nprint(r.get('note'))\n"
        );
        let run = python(&script, &project.dotenv());
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    write("saved");
    project.run(&["snapshot", "save", "good"]).ok();
    let good = snapshot_dir(&project, "good");
    let mode = |p: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&good), 0o700);
    assert_eq!(mode(good.parent().unwrap()), 0o700);
    assert_eq!(mode(&good.join("redis.tar")), 0o600);
    assert_eq!(mode(&good.join("snapshot.json")), 0o600);
    write("current");
    let name = format!("devsvc-{}-redis", project.name);
    let volume = format!("devsvc-{}-redis-data", project.name);
    let seen = || {
        let container = docker(&[
            "inspect",
            "-f",
            "{{.Id}} {{.State.StartedAt}} {{.State.Running}}",
            &name,
        ]);
        let volume = docker(&["volume", "inspect", "-f", "{{.CreatedAt}}", &volume]);
        (container, volume)
    };
    let before = seen();
    for (kind, why) in [
        (
            "absolute",
            "entry `/etc/devsvc-pwned` lies outside the data folder `data`",
        ),
        (
            "dotdot",
            "entry `data/../../etc/devsvc-pwned` lies outside the data folder",
        ),
        (
            "symlink",
            "entry `data/dump-link` is a link to `../../etc/shadow`, outside the data folder",
        ),
        ("device", "entry `data/disk` is a block device"),
        (
            "setuid",
            "entry `data/shell` is set-user-id or set-group-id (mode 4755)",
        ),
    ] {
        craft(&project, kind);
        project
            .cli(&["snapshot", "restore", "bad", "redis"])
            .status(1)
            .stderr_contains(why)
            .stderr_contains("it was not restored, and nothing was touched")
            .run();
        let after = seen();
        assert_eq!(
            after, before,
            "{kind}: the container and volume are as they were"
        );
    }
    let read = python(
        "import os, redis\nprint(redis.from_url(os.environ['REDIS_URL'], decode_responses=True).get('note'))\n",
        &project.dotenv(),
    );
    assert_eq!(read.stdout.trim(), "current", "{}", read.stderr);
    // Well-formed entries, but data Redis cannot load: the restore does
    // not answer, and the data from before comes back.
    craft(&project, "corrupt");
    project
        .cli(&["snapshot", "restore", "bad", "redis", "--timeout", "20"])
        .status(4)
        .stderr_contains("redis: the restore did not answer: its data from before is back")
        .run();
    let read = python(
        "import os, redis\nprint(redis.from_url(os.environ['REDIS_URL'], decode_responses=True).get('note'))\n",
        &project.dotenv(),
    );
    assert_eq!(read.stdout.trim(), "current", "{}", read.stderr);
    assert!(!good.parent().unwrap().join(".before-restore").exists());
    // The good one still restores.
    project.run(&["snapshot", "restore", "good"]).ok();
    let read = python(
        "import os, redis\nprint(redis.from_url(os.environ['REDIS_URL'], decode_responses=True).get('note'))\n",
        &project.dotenv(),
    );
    assert_eq!(read.stdout.trim(), "saved", "{}", read.stderr);
}

/// Issue 22: a snapshot records the generated password its data was
/// initialised with. With the state folder lost and the volume gone (a
/// new machine, the snapshot folder carried over), restore brings the
/// data back and the env file the password that opens it.
#[test]
fn a_restore_after_a_lost_state_folder_logs_in_with_the_snapshots_password() {
    let project = TestProject::new("snaplost", "services:\n  postgres: {}\n");
    project.run(&["up"]).ok();
    let before = project.dotenv();
    let psql = |vars: &std::collections::BTreeMap<String, String>, sql: &str| {
        crate::common::app(std::process::Command::new("psql").args(["-tAc", sql]), vars)
    };
    assert_eq!(
        psql(
            &before,
            "create table kept (x int); insert into kept values (42)"
        )
        .code,
        0
    );
    project.run(&["snapshot", "save", "s1"]).ok();
    project.run(&["down", "--volumes"]).ok();
    for entry in std::fs::read_dir(project.state.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(path).unwrap();
        }
    }
    project
        .cli(&["snapshot", "restore", "s1", "--timeout", "60"])
        .stderr_contains("postgres: password taken from the snapshot")
        .run();
    let after = project.dotenv();
    assert_eq!(after["PGPASSWORD"], before["PGPASSWORD"]);
    let kept = psql(&after, "select x from kept");
    assert_eq!(kept.stdout.trim(), "42", "{}", kept.stderr);
}
