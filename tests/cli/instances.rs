//! Several instances of one template and an inline service start together;
//! their variables do not collide and each answers through its own URL.

use crate::common::*;

pub(crate) const SERVICES: &str = r#"services:
  redis: {}
  sessions:
    template: redis
    env_prefix: SESSIONS_
  inbox:
    inline:
      description: a mail catcher defined in place
      image: mailhog/mailhog:v1.0.1
      ports: { smtp: 1025, web: 8025 }
      ready:
        - smtp: { port: smtp }
        - http: { port: web, path: /, status: 200 }
      exports:
        INBOX_SMTP: "{{host}}:{{port.smtp}}"
        INBOX_API: "http://{{host}}:{{port.web}}/api/v2/messages"
"#;

const APP: &str = r#"
import os, json, smtplib, urllib.request, uuid
from email.message import EmailMessage
import redis

a = redis.from_url(os.environ["REDIS_URL"])
b = redis.from_url(os.environ["SESSIONS_REDIS_URL"])
assert os.environ["REDIS_URL"] != os.environ["SESSIONS_REDIS_URL"]
token = uuid.uuid4().hex
a.set("k", "main-" + token)
b.set("k", "sessions-" + token)
assert a.get("k").decode() == "main-" + token
assert b.get("k").decode() == "sessions-" + token

host, port = os.environ["INBOX_SMTP"].rsplit(":", 1)
msg = EmailMessage()
msg["From"] = "app@example.com"
msg["To"] = "user@example.com"
msg["Subject"] = "inline " + token
msg.set_content(token)
with smtplib.SMTP(host, int(port), timeout=10) as s:
    s.send_message(msg)
with urllib.request.urlopen(os.environ["INBOX_API"], timeout=10) as r:
    assert token in r.read().decode()
print("instances ok")
"#;

#[test]
fn two_redis_instances_and_an_inline_service_do_not_collide() {
    let project = TestProject::new("multi", SERVICES);
    project.run(&["up"]).ok();
    let vars = project.dotenv();
    for key in [
        "REDIS_URL",
        "SESSIONS_REDIS_URL",
        "SESSIONS_REDIS_PORT",
        "INBOX_SMTP",
        "INBOX_API",
    ] {
        assert!(vars.contains_key(key), "{key} missing: {vars:?}");
    }
    assert_ne!(vars["REDIS_PORT"], vars["SESSIONS_REDIS_PORT"]);
    assert_ne!(
        vars["REDIS_PASSWORD"], vars["SESSIONS_REDIS_PASSWORD"],
        "each instance has its own secret"
    );
    let app = python(APP, &vars);
    assert_eq!(app.code, 0, "{}", app.stderr);
}
