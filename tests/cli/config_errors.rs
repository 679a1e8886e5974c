//! services.yaml mistakes, answered like a compiler answers: exit 2, file,
//! line and column, what was expected, and the closest valid name. These
//! need no container engine; each message is the contract and is asserted
//! whole.

use crate::common::*;

/// (services.yaml, the whole stderr expected).
pub(crate) const CASES: &[(&str, &str)] = &[
    (
        "services:\n  redis: {\n",
        "error: services.yaml:2:10: unclosed bracket '{'\n",
    ),
    (
        "services:\n  redis:\n    image: \"unterminated\n",
        "error: services.yaml:3:12: unclosed quote\n",
    ),
    (
        "services:\n  redis: {}\n  redis: {}\n",
        "error: services.yaml:3:3: `redis` appears twice in the same map; keep one\n",
    ),
    (
        "services:\n  redis: {}\n  foo: [\n",
        "error: services.yaml:3:8: expected a map of settings here (`key: value` lines, or `{}` for none)\n",
    ),
    (
        "servics:\n  redis: {}\n",
        "error: services.yaml:1:1: unknown field `servics`, expected one of project, env_file, image_prefix, network, data, branch_from, shared, services, profiles\n  help: did you mean `services`?\n",
    ),
    (
        "services:\n  redis:\n    imgae: redis:7\n",
        "error: services.yaml:3:5: unknown field `imgae`, expected one of template, inline, image, ports, env, command, volume, ready, env_prefix, buckets, databases, init, seed, data, shared, password, user, external, profiles\n  help: did you mean `image`?\n",
    ),
    (
        "services:\n  cache:\n    template: redsi\n",
        "error: services.yaml:3:15: unknown template `redsi`\n  help: did you mean `redis`?\n",
    ),
    (
        "services:\n  cockroach: {}\n",
        "error: services.yaml:2:14: unknown template `cockroach`\n  help: known templates: elasticsearch, kafka, mailhog, mailpit, mariadb, meilisearch, memcached, minio, mongodb, mysql, nats, opensearch, postgres, rabbitmq, redis, rustfs, seaweedfs, typesense, valkey; or define the service with `inline:`\n",
    ),
    (
        "services:\n  redis: 5\n",
        "error: services.yaml:2:10: expected a map of settings here (`key: value` lines, or `{}` for none)\n",
    ),
    (
        "services:\n  redis:\n    ports: {6379: 70000}\n",
        "error: services.yaml:3:19: expected a port number from 1 to 65535\n",
    ),
    (
        "services:\n  redis:\n    ports: {6379: 0}\n",
        "error: services.yaml:3:12: host port for `6379` must be between 1 and 65535\n",
    ),
    (
        "services:\n  redis:\n    ports: {8080: 8080}\n",
        "error: services.yaml:3:12: `redis` has no container port `8080`\n  help: container ports: 6379 (redis)\n",
    ),
    (
        "services:\n  redis: {}\n  cache:\n    template: redis\n",
        "error: services.yaml:4:5: services `redis` and `cache` both export `REDIS_URL`\n  help: give `cache` an env_prefix, e.g. `env_prefix: CACHE_`\n",
    ),
    (
        "services:\n  minio:\n    buckets: [uploads, Up_loads]\n",
        "error: services.yaml:3:24: invalid bucket name `Up_loads`: S3 bucket names are 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit\n",
    ),
    (
        "project: My Shop\nservices:\n  redis: {}\n",
        "error: services.yaml:1:10: invalid project name `My Shop`: use lowercase letters, digits, `-` and `_`, starting with a letter or digit\n",
    ),
    (
        "services: {}\n",
        "error: services.yaml:1:1: no services: services.yaml needs a `services:` map with at least one service\n  help: for example:\n    services:\n      redis: {}\n",
    ),
    (
        "services:\n\tredis: {}\n",
        "error: services.yaml:2:1: a tab in indentation; YAML indents with spaces\n  help: replace the tab with spaces\n",
    ),
    (
        "services:\n  redis:\n    volume: maybe\n",
        "error: services.yaml:3:13: expected `true` or `false`\n",
    ),
    (
        "services:\n  redis:\n    ready:\n      - htp: { port: redis }\n",
        "error: services.yaml:4:9: unknown variant `htp`, expected one of redis, smtp, http, tcp, postgres, mysql, memcached, nats, kafka, s3, exec, amqp\n  help: did you mean `http`?\n",
    ),
    (
        "services:\n  redis:\n    command: redis-server --appendonly yes\n",
        "error: services.yaml:3:14: expected a list here (`[a, b]`, or `- item` lines)\n",
    ),
    (
        "services:\n  Redis: {}\n",
        "error: services.yaml:2:10: invalid service name `Redis`: use lowercase letters, digits, `-` and `_`, starting with a letter or digit\n",
    ),
    (
        "services:\n  minio:\n    password: short\n",
        "error: services.yaml:3:15: password is too short: the server needs at least 8 characters\n",
    ),
    (
        "services:\n  mailhog:\n    password: secret123\n",
        "error: services.yaml:3:15: template `mailhog` takes no password\n",
    ),
    (
        "services:\n  redis:\n    user: admin\n",
        "error: services.yaml:3:11: template `redis` takes no user\n",
    ),
    (
        "services:\n  postgres:\n    user: \"  \"\n",
        "error: services.yaml:3:11: `user` must not be empty\n",
    ),
    (
        "services:\n  redis:\n    buckets: [uploads]\n",
        "error: services.yaml:3:15: template `redis` has no S3 API, so it takes no `buckets`\n",
    ),
    (
        "services:\n  pg:\n    inline:\n      image: postgres:16.4\n      ports: { pg: 5432 }\n      exports: { DATABASE_URL: \"postgres://{{hots}}:{{port.pg}}/app\" }\n",
        "error: services.yaml:3:5: service `pg` uses unknown placeholder `{{hots}}`\n  help: did you mean `{{host}}`?\n",
    ),
    (
        "services:\n  redis:\n    env_prefix: cache-\n",
        "error: services.yaml:3:17: env_prefix `cache-` is not a valid variable name prefix\n  help: use capitals, digits and `_`, e.g. SESSIONS_\n",
    ),
    (
        "services:\n  redis:\n    template: redis\n    inline: { image: x:1 }\n",
        "error: services.yaml:3:15: service `redis` has both `template` and `inline`\n  help: keep one: `template:` names a built-in template, `inline:` defines one\n",
    ),
    (
        "services:\n  pg:\n    inline:\n      image: postgres:16.4\n      password: { generate: 99999999999999 }\n",
        "error: services.yaml:5:29: a password length must be at most 1024, got 99999999999999\n",
    ),
    (
        "services:\n  opensearch:\n    password: Letters4ndDigits\n",
        "error: services.yaml:3:15: the server needs a password with a character that is neither a letter nor a digit\n",
    ),
];

/// Runs `args` in `project` (made from `yaml`) without an engine: what
/// differed from exit 2 with exactly `expected` on stderr, if anything.
fn refused(project: &TestProject, args: &[&str], yaml: &str, expected: &str) -> Option<String> {
    project
        .cli(args)
        .no_engine()
        // DEVSVC_PROJECT would win over the file's `project:` key.
        .without("DEVSVC_PROJECT")
        .status(2)
        .stderr(expected)
        .stderr_lacks("panicked")
        .check()
        .err()
        .map(|report| format!("--- input:\n{yaml}{report}"))
}

#[test]
fn invalid_services_files_exit_2_with_located_messages() {
    let mut failures = Vec::new();
    for (yaml, expected) in CASES {
        let project = TestProject::new("cfg", yaml);
        failures.extend(refused(&project, &["config"], yaml, expected));
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn a_missing_services_file_names_the_path_looked_for() {
    let project = TestProject::new("nofile", "services: {}\n");
    project
        .cli(&["-f", "nowhere/services.yaml", "up"])
        .no_engine()
        .status(2)
        .stderr("error: no services file at nowhere/services.yaml (looked there because of -f/--file, DEVSVC_FILE or the default ./services.yaml); create one with `devsvc init` or pass -f FILE\n")
        .run();
}

#[test]
fn missing_variable_is_named_with_its_position() {
    let project = TestProject::new(
        "interp",
        "services:\n  redis:\n    env:\n      TZ: ${DEVSVC_TEST_SURELY_UNSET}\n",
    );
    project
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr("error: services.yaml:4:11: environment variable `DEVSVC_TEST_SURELY_UNSET` is not set\n  help: set DEVSVC_TEST_SURELY_UNSET, or give a default: ${DEVSVC_TEST_SURELY_UNSET:-value}\n")
        .run();
}

#[test]
fn interpolation_fills_values_from_the_environment_and_defaults() {
    let project = TestProject::new(
        "interp2",
        "image_prefix: ${MIRROR:-}\nservices:\n  cache:\n    template: redis\n    env_prefix: ${PREFIX:-CACHE_}\n    ports: { redis: ${CACHE_PORT} }\n",
    );
    let run = project
        .cli(&["config", "--json"])
        .no_engine()
        .env("CACHE_PORT", "16380")
        .without("DEVSVC_IMAGE_PREFIX")
        .run();
    let config: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let service = &config["services"][0];
    assert_eq!(service["image"], "redis:7.4-alpine");
    assert_eq!(service["ports"][0]["host"], 16380);
    assert!(
        service["exports"].get("CACHE_REDIS_URL").is_some(),
        "{service}"
    );
}

/// Every number a user gives is bounded: an exit-2 message, never a panic
/// (an instant overflow) or an abort (a huge allocation).
#[test]
fn numbers_out_of_range_are_usage_errors_not_panics() {
    let project = TestProject::new("bounds", "services:\n  redis: {}\n");
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["--timeout", "18446744073709551615", "up"],
            &[],
            "invalid value '18446744073709551615' for '--timeout <TIMEOUT>': 18446744073709551615 is not in 1..=86400",
        ),
        (
            &["up"],
            &[("DEVSVC_TIMEOUT", "18446744073709551000")],
            "invalid value '18446744073709551000' for '--timeout <TIMEOUT>'",
        ),
        (&["--timeout", "0", "up"], &[], "0 is not in 1..=86400"),
        (
            &["--stop-grace", "4294967295", "down"],
            &[],
            "4294967295 is not in 0..=3600",
        ),
        (
            &["logs", "redis", "--tail", "lots"],
            &[],
            "expected `all` or a number of lines, got `lots`",
        ),
    ];
    for (args, env, expected) in cases {
        let mut cli = project.cli(args).no_engine();
        for (key, value) in env.iter() {
            cli = cli.env(key, value);
        }
        cli.status(2)
            .stderr_contains(expected)
            .stderr_lacks("panicked")
            .run();
    }
}

/// A services.yaml from a cloned repository is data, not code: the names a
/// service may not export, wherever they come from (an inline template's
/// `exports`, an `env_prefix` that makes one), and export names that are no
/// variable names at all. (services.yaml, the whole stderr expected.)
const UNTRUSTED_NAMES: &[(&str, &str)] = &[
    (
        "services:\n  shell:\n    inline:\n      image: alpine:3.20\n      exports: { PROMPT_COMMAND: \"touch pwned\" }\n    external: { host: localhost }\n",
        "error: services.yaml:4:7: service `shell` may not export `PROMPT_COMMAND`: the variable changes how programs run\n  help: export it under another name, e.g. `SHELL_PROMPT_COMMAND`\n",
    ),
    (
        "services:\n  node:\n    inline:\n      image: node:22\n      exports: { Node_Options: \"--require /tmp/x.js\" }\n",
        "error: services.yaml:4:7: service `node` may not export `Node_Options`: the variable changes how programs run\n  help: export it under another name, e.g. `NODE_Node_Options`\n",
    ),
    (
        "services:\n  lib:\n    inline:\n      image: x:1\n      exports: { LD_PRELOAD: /tmp/evil.so, PATH: /tmp/evil }\n",
        "error: services.yaml:4:7: service `lib` may not export `LD_PRELOAD`: the variable changes how programs run\n  help: export it under another name, e.g. `LIB_LD_PRELOAD`\n",
    ),
    (
        "services:\n  redis:\n    env_prefix: LD_\n",
        "error: services.yaml:3:17: service `redis` may not export `LD_REDIS_URL`: the variable changes how programs run\n  help: choose another env_prefix, e.g. `REDIS_`\n",
    ),
    (
        "services:\n  git:\n    template: redis\n    env_prefix: GIT_\n",
        "error: services.yaml:4:17: service `git` may not export `GIT_REDIS_URL`: the variable changes how programs run\n  help: choose another env_prefix, e.g. `APP_`\n",
    ),
    (
        "services:\n  relax:\n    inline:\n      image: x:1\n      exports: { DEVSVC_ALLOW_OUTSIDE_PATHS: \"1\" }\n    external: { host: localhost }\n",
        "error: services.yaml:4:7: service `relax` may not export `DEVSVC_ALLOW_OUTSIDE_PATHS`: the variable changes how programs run\n  help: export it under another name, e.g. `RELAX_DEVSVC_ALLOW_OUTSIDE_PATHS`\n",
    ),
    (
        "services:\n  sub:\n    inline:\n      image: x:1\n      exports: { \"$(touch pwned)\": x }\n",
        "error: services.yaml:4:7: service `sub` exports `$(touch pwned)`, which is not a variable name\n  help: use letters, digits and `_`, not starting with a digit, e.g. `SUB_URL`\n",
    ),
];

#[test]
fn exports_that_change_how_programs_run_are_refused_at_their_place() {
    let mut failures = Vec::new();
    for (yaml, expected) in UNTRUSTED_NAMES {
        let project = TestProject::new("names", yaml);
        for args in [&["config"][..], &["env", "--write"]] {
            failures.extend(refused(&project, args, yaml, expected));
        }
        if project.env_file().exists() {
            failures.push(format!("--- input:\n{yaml}an env file was written"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The help line of every path that leads out of the project folder.
const OUTSIDE_HELP: &str = "services.yaml may name only files in its own folder (a link or `..` leading out counts); if you trust this file, run with --allow-outside-paths or DEVSVC_ALLOW_OUTSIDE_PATHS=1";

/// The whole stderr for a path that leads out of the project folder.
fn outside(at: &str, what: &str, real: &std::path::Path, project: &TestProject) -> String {
    let folder = std::fs::canonicalize(project.path()).unwrap();
    format!(
        "error: services.yaml:{at}: {what} resolves to {}, outside the project folder {}\n  help: {OUTSIDE_HELP}\n",
        real.display(),
        folder.display()
    )
}

const BASHRC: &str = "# the user's own\nalias ll='ls -l'\n";

/// Issue 22's first attack: a cloned services.yaml whose env file is the
/// user's `.bashrc`, exporting `PROMPT_COMMAND`. Refused before anything is
/// written, the `.bashrc` byte for byte as it was.
#[test]
fn a_cloned_env_file_cannot_append_to_the_users_bashrc() {
    let project = TestProject::new(
        "bashrc",
        "env_file: \"${HOME}/.bashrc\"\nservices:\n  shell:\n    inline:\n      image: alpine:3.20\n      exports: { PROMPT_COMMAND: \"touch pwned\" }\n    external: { host: localhost }\n",
    );
    let bashrc = project.home.path().join(".bashrc");
    std::fs::write(&bashrc, BASHRC).unwrap();
    let real = std::fs::canonicalize(&bashrc).unwrap();
    let given = format!("env_file `{}`", bashrc.display());
    let expected = outside("1:11", &given, &real, &project);
    for args in [&["env", "--write"][..], &["config"], &["up"]] {
        project
            .cli(args)
            .no_engine()
            .status(2)
            .stderr(&expected)
            .run();
    }
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), BASHRC);
}

/// Issue 22's second attack: a seed that is the user's private key, which
/// `up` would send into the container. Also through a link inside the
/// project, `..`, and a link deep in an S3 seed folder.
#[test]
fn seeds_and_init_files_outside_the_project_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("id_ed25519");
    std::fs::write(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
    let real_key = std::fs::canonicalize(&key).unwrap();
    let key_text = key.display().to_string();

    let direct = TestProject::new(
        "key",
        &format!("services:\n  redis:\n    seed: \"{key_text}\"\n"),
    );
    let given = format!("seed `{key_text}`");
    direct
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr(&outside("3:11", &given, &real_key, &direct))
        .run();

    let linked = TestProject::new(
        "keylink",
        "services:\n  redis:\n    seed: fixtures/redis.txt\n",
    );
    std::fs::create_dir(linked.path().join("fixtures")).unwrap();
    std::os::unix::fs::symlink(&key, linked.path().join("fixtures/redis.txt")).unwrap();
    linked
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr(&outside(
            "3:11",
            "seed `fixtures/redis.txt`",
            &real_key,
            &linked,
        ))
        .run();

    // `..` out of the project, to a file beside its folder.
    let parent = TestProject::new("dotdot", "services: {}\n");
    let beside = format!("{}.sql", parent.name);
    let given = format!("db/../../{beside}");
    std::fs::write(
        parent.path().join("services.yaml"),
        format!("services:\n  postgres:\n    init: [{given}]\n"),
    )
    .unwrap();
    std::fs::create_dir(parent.path().join("db")).unwrap();
    let schema = parent.path().parent().unwrap().join(&beside);
    let _cleanup = RemoveOnDrop(schema.clone());
    std::fs::write(&schema, "select 1;\n").unwrap();
    let real_schema = std::fs::canonicalize(&schema).unwrap();
    parent
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr(&outside(
            "3:12",
            &format!("init file `{given}`"),
            &real_schema,
            &parent,
        ))
        .run();

    let deep = TestProject::new(
        "s3link",
        "services:\n  minio:\n    buckets: [uploads]\n    seed: fixtures/s3\n",
    );
    std::fs::create_dir_all(deep.path().join("fixtures/s3/uploads/keys")).unwrap();
    std::fs::write(deep.path().join("fixtures/s3/uploads/a.txt"), "a").unwrap();
    std::os::unix::fs::symlink(&key, deep.path().join("fixtures/s3/uploads/keys/id")).unwrap();
    deep.cli(&["config"])
        .no_engine()
        .status(2)
        .stderr(&outside(
            "4:11",
            "seed `fixtures/s3` holds `uploads/keys/id`, which",
            &real_key,
            &deep,
        ))
        .run();
}

/// Removes a file the test made outside its temporary folders.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The user, on their own machine, may allow paths outside the project:
/// with the flag or the variable, never with a key in services.yaml. Names
/// that change how programs run stay refused even then.
#[test]
fn the_user_may_allow_outside_paths_but_not_dangerous_names() {
    let project = TestProject::new(
        "allowed",
        "env_file: \"${HOME}/shared.env\"\nservices:\n  redis:\n    seed: \"${HOME}/redis.txt\"\n    external: { url: \"redis://default:pw@cache.example.com:6379/0\" }\n",
    );
    std::fs::write(project.home.path().join("redis.txt"), "SET a 1\n").unwrap();
    let shared = project.home.path().join("shared.env");
    project
        .cli(&["config"])
        .no_engine()
        .status(2)
        .stderr_contains("outside the project folder")
        .run();
    project
        .cli(&["--allow-outside-paths", "config"])
        .no_engine()
        .run();
    project
        .cli(&["env", "--write"])
        .env("DEVSVC_ALLOW_OUTSIDE_PATHS", "1")
        .no_engine()
        .run();
    let written = std::fs::read_to_string(&shared).unwrap();
    assert!(
        written.contains("REDIS_URL=redis://default:pw@cache.example.com:6379/0"),
        "{written}"
    );
    let (yaml, expected) = UNTRUSTED_NAMES[0];
    let names = TestProject::new("allowednames", yaml);
    names
        .cli(&["--allow-outside-paths", "config"])
        .no_engine()
        .status(2)
        .stderr(expected)
        .run();
}
