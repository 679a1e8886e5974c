//! TLS to external resources, against real servers on 127.0.0.1 with a CA
//! the test makes (`tls_servers`): `doctor` logs in to redis-server on its
//! TLS port, to PostgreSQL through `sslmode=require` and to an S3 API
//! behind HTTPS, with the CA named by `ca_file:` or SSL_CERT_FILE, and
//! fails closed without it; a listener standing at TLS URLs records that
//! what arrives first is a TLS ClientHello (or PostgreSQL's SSLRequest)
//! and never a password. `ca_file` mistakes are located errors. None of
//! it needs the engine: `doctor` checks externals without one (exit 3).

use crate::common::*;
use crate::tls_servers::*;

/// A project whose services.yaml is `yaml`, with the test CA beside it.
fn project_with_ca(tag: &str, certs: &Certs, yaml: &str) -> TestProject {
    let project = TestProject::new(tag, yaml);
    std::fs::copy(certs.file("ca.pem"), project.path().join("ca.pem")).unwrap();
    project
}

#[test]
fn doctor_logs_in_to_redis_on_its_tls_port_with_the_ca_named() {
    let certs = Certs::make();
    let password = "tls-redis-secret";
    let redis = redis_tls(&certs, password);
    let url = format!("rediss://default:{password}@127.0.0.1:{}/0", redis.port);
    let shown = format!("rediss://default:****@127.0.0.1:{}/0", redis.port);
    let yaml =
        |extra: &str| format!("services:\n  redis:\n    external:\n      url: \"{url}\"\n{extra}");
    let named = project_with_ca("tls-redis", &certs, &yaml("      ca_file: ca.pem\n"));
    named
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains(&format!("ok   external redis: {shown} answers"))
        .stdout_lacks(password)
        .run();

    // Without the CA the handshake fails, and nothing else is tried.
    let unnamed = project_with_ca("tls-redis-noca", &certs, &yaml(""));
    unnamed
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains(&format!(
            "FAIL external redis: {shown} does not answer: redis PING at 127.0.0.1:{} over TLS: TLS handshake: invalid peer certificate: UnknownIssuer",
            redis.port
        ))
        .run();
    // The standard SSL_CERT_FILE names the CA for every service instead.
    unnamed
        .cli(&["doctor"])
        .no_engine()
        .env("SSL_CERT_FILE", certs.file("ca.pem").to_str().unwrap())
        .status(3)
        .stdout_contains(&format!("ok   external redis: {shown} answers"))
        .run();

    // A `host:` says TLS with `tls: true`.
    let by_host = project_with_ca(
        "tls-redis-host",
        &certs,
        &format!(
            "services:\n  redis:\n    external:\n      host: 127.0.0.1\n      ports: {{ redis: {} }}\n      password: {password}\n      tls: true\n      ca_file: ca.pem\n",
            redis.port
        ),
    );
    by_host
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains(&format!(
            "ok   external redis: 127.0.0.1 (redis {}) answers",
            redis.port
        ))
        .run();

    // A wrong password is the server's answer, over TLS.
    let wrong = project_with_ca(
        "tls-redis-wrong",
        &certs,
        &format!(
            "services:\n  redis:\n    external:\n      url: \"rediss://default:nope@127.0.0.1:{}/0\"\n      ca_file: ca.pem\n",
            redis.port
        ),
    );
    wrong
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains("over TLS: AUTH answered `-WRONGPASS")
        .run();
}

#[test]
fn doctor_logs_in_to_postgres_with_sslmode_require() {
    let certs = Certs::make();
    let password = "tls-pg-secret";
    let pg = postgres_tls(&certs, "app", password);
    let yaml = |query: &str| {
        format!(
            "services:\n  postgres:\n    external:\n      url: \"postgres://app:{password}@127.0.0.1:{}/postgres{query}\"\n      ca_file: ca.pem\n",
            pg.port
        )
    };
    let required = project_with_ca("tls-pg", &certs, &yaml("?sslmode=require"));
    required
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains("ok   external postgres: postgres://app:****@127.0.0.1:")
        .stdout_lacks(password)
        .run();
    // The server takes TLS logins only: without sslmode=require (libpq's
    // `prefer` may fall back to clear text) the probe is refused, so the
    // pass above was over TLS.
    let clear = project_with_ca("tls-pg-clear", &certs, &yaml(""));
    clear
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains("no encryption")
        .run();
}

#[test]
fn doctor_signs_an_s3_request_over_https_with_the_ca_named() {
    let certs = Certs::make();
    let secret = "tls-s3-secret";
    // seaweedfs's probe is a request signed as `devsvc` with the password.
    let s3 = s3_tls(&certs, "devsvc", secret);
    let yaml = |secret: &str| {
        format!(
            "services:\n  files:\n    template: seaweedfs\n    external:\n      url: \"https://127.0.0.1:{}\"\n      password: {secret}\n      ca_file: ca.pem\n",
            s3.front.port
        )
    };
    let project = project_with_ca("tls-s3", &certs, &yaml(secret));
    project
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains(&format!(
            "ok   external files: https://127.0.0.1:{} answers",
            s3.front.port
        ))
        .run();
    let wrong = project_with_ca("tls-s3-wrong", &certs, &yaml("wrong-secret"));
    wrong
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains("S3 request signed as devsvc at https://127.0.0.1:")
        .stdout_contains("the keys were refused (403)")
        .run();
}

/// PostgreSQL's SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

#[test]
fn no_credential_is_sent_in_clear_to_a_tls_url() {
    let password = "never-in-clear-pw";
    // Answers PostgreSQL's SSLRequest with `N` (no TLS here): a client
    // that requires TLS must stop there.
    let (redis, pg, amqp, https) = (
        Recorder::start(None),
        Recorder::start(Some(b"N")),
        Recorder::start(None),
        Recorder::start(None),
    );
    let yaml = format!(
        r#"services:
  redis:
    external: {{ url: "rediss://default:{password}@127.0.0.1:{}/0" }}
  postgres:
    external: {{ url: "postgres://app:{password}@127.0.0.1:{}/app?sslmode=require" }}
  rabbitmq:
    external: {{ url: "amqps://app:{password}@127.0.0.1:{}/%2F" }}
  elasticsearch:
    external: {{ url: "https://elastic:{password}@127.0.0.1:{}" }}
"#,
        redis.port, pg.port, amqp.port, https.port
    );
    let project = TestProject::new("tls-clear", &yaml);
    project
        .cli(&["doctor"])
        .no_engine()
        .status(3)
        .stdout_contains("FAIL external redis")
        .stdout_contains("FAIL external postgres")
        .stdout_contains("FAIL external rabbitmq")
        .stdout_contains("FAIL external elasticsearch")
        .stdout_lacks(password)
        .run();
    // base64("elastic:never-in-clear-pw"), as basic authentication sends it.
    let basic = "ZWxhc3RpYzpuZXZlci1pbi1jbGVhci1wdw==";
    for (name, recorder, tls) in [
        ("redis", &redis, true),
        ("postgres", &pg, false),
        ("rabbitmq", &amqp, true),
        ("elasticsearch", &https, true),
    ] {
        let received = wait_for_connection(recorder);
        for bytes in &received {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(password) && !text.contains(basic),
                "{name}: a credential in clear: {text:?}"
            );
            if tls {
                assert_eq!(
                    bytes.first(),
                    Some(&0x16),
                    "{name}: not a ClientHello: {text:?}"
                );
            } else {
                assert_eq!(bytes.as_slice(), SSL_REQUEST, "{name}: {bytes:?}");
            }
        }
    }
}

/// The recorder's connections, once at least one has ended.
fn wait_for_connection(recorder: &Recorder) -> Vec<Vec<u8>> {
    for _ in 0..100 {
        let received = recorder.received();
        if !received.is_empty() {
            return received;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no connection reached the listener on {}", recorder.port);
}

/// `ca_file` obeys the project's path boundary and must hold a
/// certificate; a scheme the template does not know is refused, since
/// devsvc could not tell whether it means TLS. Each is a located error.
#[test]
fn ca_file_and_scheme_mistakes_are_located_errors() {
    let cases = [
        (
            "services:\n  redis:\n    external:\n      url: \"rediss://:pw@cache.example.com\"\n      ca_file: /etc/hostname\n",
            "error: services.yaml:4:7: ca_file `/etc/hostname` resolves to /etc/hostname, outside the project folder",
        ),
        (
            "services:\n  redis:\n    external:\n      url: \"rediss://:pw@cache.example.com\"\n      ca_file: services.yaml\n",
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ),
        (
            "services:\n  redis:\n    external:\n      url: \"rediss://:pw@cache.example.com\"\n      ca_file: missing.pem\n",
            "error: services.yaml:4:7: ca_file ",
        ),
        (
            "services:\n  redis:\n    external:\n      url: \"https://cache.example.com\"\n",
            "error: services.yaml:4:7: external url `https://cache.example.com`: this template does not know the scheme `https`\n  help: use one of redis://, rediss://\n",
        ),
        (
            "services:\n  redis:\n    external:\n      url: \"rediss://:pw@cache.example.com\"\n      tls: true\n",
            "error: services.yaml:4:7: `tls: true` is for an external `host:`",
        ),
    ];
    let mut failures = Vec::new();
    for (yaml, expected) in cases {
        let project = TestProject::new("tls-config", yaml);
        if let Err(report) = project
            .cli(&["config"])
            .no_engine()
            .status(2)
            .stderr_contains(expected)
            .check()
        {
            failures.push(report);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
