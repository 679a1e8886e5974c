//! Seed data: a Redis command file and a folder of S3 buckets fill new
//! data once; the app's changes survive `up` and `down`/`up`; `seed` leaves
//! data alone unless it is empty, `seed --force` brings the seeded values
//! back; fresh volumes (after `down --volumes`, on a new branch) are
//! seeded again; a failing seed
//! names its file and line and leaves the service running. Checked with
//! redis-py and boto3 through the env file.

use crate::common::*;

const SERVICES: &str = "services:\n  redis:\n    seed: fixtures/redis.txt\n  minio:\n    buckets: [uploads, avatars]\n    seed: fixtures/s3\n";

const REDIS_SEED: &str = "# the app's starting data\nSET greeting \"hello world\"\nHSET user:1 name Ada lang en\n\nRPUSH queue a b c\n";

/// The app: reads (and with `change`, changes) the data through the env
/// file only.
const APP: &str = r#"
def obj(bucket, key):
    try:
        o = s3.get_object(Bucket=bucket, Key=key)
        return o["ContentType"], o["Body"].read().decode()
    except s3.exceptions.NoSuchKey:
        return None
state = {
    "greeting": r.get("greeting"),
    "user": r.hgetall("user:1"),
    "queue": r.lrange("queue", 0, -1),
    "own": r.get("own"),
    "readme": obj("uploads", "readme.txt"),
    "logo": obj("uploads", "img/logo.svg"),
    "ada": obj("avatars", "ada.json"),
    "mine": obj("uploads", "mine.txt"),
}
print(repr(sorted(state.items())))
if sys.argv[1:] == ["change"]:
    r.set("greeting", "changed"); r.delete("queue"); r.set("own", "kept")
    s3.put_object(Bucket="uploads", Key="readme.txt", Body=b"changed", ContentType="text/plain")
    s3.delete_object(Bucket="uploads", Key="img/logo.svg")
    s3.put_object(Bucket="uploads", Key="mine.txt", Body=b"kept", ContentType="text/plain")
"#;

fn app(project: &TestProject, change: bool) -> String {
    let argv = if change {
        "['app', 'change']"
    } else {
        "['app']"
    };
    let script = format!("{PY_REDIS_AND_S3}sys.argv = {argv}\n{APP}");
    let run = python(&script, &project.dotenv());
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

const SEEDED: &str = "[('ada', ('application/json', '{\"name\": \"Ada\"}')), ('greeting', 'hello world'), ('logo', ('image/svg+xml', '<svg/>')), ('mine', None), ('own', None), ('queue', ['a', 'b', 'c']), ('readme', ('text/plain', 'seeded')), ('user', {'name': 'Ada', 'lang': 'en'})]\n";
const CHANGED: &str = "[('ada', ('application/json', '{\"name\": \"Ada\"}')), ('greeting', 'changed'), ('logo', None), ('mine', ('text/plain', 'kept')), ('own', 'kept'), ('queue', []), ('readme', ('text/plain', 'changed')), ('user', {'name': 'Ada', 'lang': 'en'})]\n";
const FORCED: &str = "[('ada', ('application/json', '{\"name\": \"Ada\"}')), ('greeting', 'hello world'), ('logo', ('image/svg+xml', '<svg/>')), ('mine', ('text/plain', 'kept')), ('own', 'kept'), ('queue', ['a', 'b', 'c']), ('readme', ('text/plain', 'seeded')), ('user', {'name': 'Ada', 'lang': 'en'})]\n";

fn write(project: &TestProject, path: &str, contents: &str) {
    let path = project.path().join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

#[test]
fn seeds_fill_new_data_once_and_seed_force_brings_them_back() {
    let mut project = TestProject::new("seed", SERVICES);
    write_seeds(&project);
    // Hidden files and folders are not seed data (a hidden folder at the
    // top is no bucket): still 3 objects, and `up` succeeds.
    write(&project, "fixtures/s3/uploads/.DS_Store", "x");
    write(&project, "fixtures/s3/uploads/.cache/x.txt", "x");
    write(&project, "fixtures/s3/.git/HEAD", "ref: refs/heads/main");

    seeds_both(&project, &["up"]);
    assert_eq!(app(&project, true), SEEDED);
    assert_eq!(app(&project, false), CHANGED);

    // New data only: neither a second `up` nor `down`/`up` seeds again.
    project.cli(&["up"]).stderr_lacks("seeded").run();
    project.run(&["down"]).ok();
    project.cli(&["up"]).stderr_lacks("seeded").run();
    assert_eq!(app(&project, false), CHANGED);

    // `seed` leaves data alone; `--force` brings the seeded values back.
    project
        .cli(&["seed"])
        .stderr_contains("redis: holds data already: left as it is")
        .stderr_contains("minio: holds data already: left as it is")
        .run();
    assert_eq!(app(&project, false), CHANGED);
    seeds_both(&project, &["seed", "--force"]);
    assert_eq!(app(&project, false), FORCED);
    project.teardown().ok();
}

/// Runs devsvc with `args` and expects both seeds applied in full.
fn seeds_both(project: &TestProject, args: &[&str]) {
    project
        .cli(args)
        .stderr_contains("redis: seeded 3 commands from ")
        .stderr_contains("minio: seeded 3 objects from ")
        .run();
}

fn write_seeds(project: &TestProject) {
    write(project, "fixtures/redis.txt", REDIS_SEED);
    write(project, "fixtures/s3/uploads/readme.txt", "seeded");
    write(project, "fixtures/s3/uploads/img/logo.svg", "<svg/>");
    write(
        project,
        "fixtures/s3/avatars/ada.json",
        "{\"name\": \"Ada\"}",
    );
}

/// The app empties everything: no key in Redis, no object in a bucket.
fn empty_all(project: &TestProject) {
    let script = format!(
        "{PY_REDIS_AND_S3}r.flushall()\n\
         for b in ('uploads', 'avatars'):\n    \
             for o in s3.list_objects_v2(Bucket=b).get('Contents', []):\n        \
                 s3.delete_object(Bucket=b, Key=o['Key'])\n"
    );
    let run = python(&script, &project.dotenv());
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Issue 23: `seed` without `--force` applies to data that is empty (a
/// seed added after the first `up`, or data the app emptied), the seed
/// comes back on the fresh volumes after `down --volumes`, and a new
/// branch with `data: per-branch` starts from the seed while the old
/// branch keeps its own changes.
#[test]
fn seed_fills_empty_data_without_force_after_down_volumes_and_on_a_new_branch() {
    let mut project = TestProject::new(
        "seedempty",
        "services:\n  redis: {}\n  minio:\n    buckets: [uploads, avatars]\n",
    );
    project.cli(&["up"]).stderr_lacks("seeded").run();
    // The seed added later: the data is empty, so a plain `seed` applies it.
    std::fs::write(project.path().join("services.yaml"), SERVICES).unwrap();
    write_seeds(&project);
    seeds_both(&project, &["seed"]);
    assert_eq!(app(&project, true), SEEDED);
    // Emptied by the app: empty again, so seeded again.
    empty_all(&project);
    seeds_both(&project, &["seed"]);
    assert_eq!(app(&project, true), SEEDED);

    // `down --volumes`: the next `up` has new data, and seeds it.
    project.run(&["down", "--volumes"]).ok();
    seeds_both(&project, &["up"]);
    assert_eq!(app(&project, true), SEEDED);
    project.teardown().ok();

    // A new branch's data, per branch: seeded; the first branch's stays.
    let mut branched = TestProject::new("seedbranch", &format!("data: per-branch\n{SERVICES}"));
    write_seeds(&branched);
    git(branched.path(), &["init", "-q", "-b", "a"]);
    git(
        branched.path(),
        &["commit", "-q", "--allow-empty", "-m", "start"],
    );
    branched
        .cli(&["up"])
        .stderr_contains("redis: seeded 3 commands from ")
        .run();
    assert_eq!(app(&branched, true), SEEDED);
    git(branched.path(), &["checkout", "-q", "-b", "b"]);
    seeds_both(&branched, &["up"]);
    assert_eq!(app(&branched, false), SEEDED);
    git(branched.path(), &["checkout", "-q", "a"]);
    branched.cli(&["up"]).stderr_lacks("seeded").run();
    assert_eq!(app(&branched, false), CHANGED);
    branched.teardown().ok();
}

#[test]
fn a_failing_seed_names_its_file_and_line_and_leaves_the_service_running() {
    let mut project = TestProject::new("badseed", "services:\n  redis:\n    seed: seed.txt\n");
    write(&project, "seed.txt", "SET a 1\nSETT b 2\nSET c 3\n");
    project
        .cli(&["up"])
        .status(1)
        .stderr_contains("seed.txt:2: Redis answered: ERR unknown command 'SETT'")
        .run();
    let status: serde_json::Value =
        serde_json::from_str(&project.run(&["status", "--json"]).ok().stdout).unwrap();
    assert_eq!(status[0]["state"], "running");
    assert_eq!(status[0]["ready"], true);
    // The app still finds it; the seed stopped at its first error.
    let keys = python(
        "import os, redis\nr = redis.from_url(os.environ['REDIS_URL'])\nprint(r.get('a'), r.get('c'))",
        &project.dotenv(),
    );
    assert_eq!(keys.stdout, "b'1' None\n", "{}", keys.stderr);
    // `seed --force` says the same; not applied, so the next `up` tries
    // again, and once the file is right it goes in, once.
    project
        .cli(&["seed", "--force", "redis"])
        .status(1)
        .stderr_contains("seed.txt:2: Redis answered: ERR unknown command 'SETT'")
        .run();
    project
        .cli(&["up"])
        .status(1)
        .stderr_contains("seed.txt:2: Redis answered: ERR unknown command 'SETT'")
        .run();
    write(&project, "seed.txt", "SET a 1\nSET b 2\nSET c 3\n");
    project
        .cli(&["up"])
        .stderr_contains("redis: seeded 3 commands from ")
        .run();
    project.cli(&["up"]).stderr_lacks("seeded").run();
    project.cli(&["seed", "nosuch"]).status(2).run();
    project.teardown().ok();
}

#[test]
fn an_s3_seed_folder_must_name_the_buckets_it_fills() {
    let project = TestProject::new(
        "s3seed",
        "services:\n  minio:\n    buckets: [uploads]\n    seed: fixtures\n",
    );
    write(&project, "fixtures/avatars/a.txt", "a");
    project
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr_contains("services.yaml:4:11: seed folder `avatars` in ")
        .stderr_contains(
            "is not one of the buckets (uploads); add it to `buckets:` or rename the folder",
        )
        .run();
}
