//! The pieces of one compose service read into plain values: published
//! ports, mounts, a command's words and a healthcheck's address. Each
//! understands compose's short and long syntax.
use serde_json::Value;

use super::load::scalar_text;

/// One published or exposed port.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PortMap {
    pub host_ip: Option<String>,
    pub host: Option<u16>,
    pub container: u16,
    /// As written, for notes.
    pub text: String,
}

/// `ports:` and `expose:`, and the entries devsvc cannot take (UDP,
/// ranges) as written.
pub(crate) fn ports(ports: Option<&Value>, expose: Option<&Value>) -> (Vec<PortMap>, Vec<String>) {
    let mut out = Vec::new();
    let mut refused = Vec::new();
    for item in ports.and_then(Value::as_array).into_iter().flatten() {
        let parsed = match item {
            Value::Object(m) => long_port(m),
            other => short_port(&scalar_text(other)),
        };
        match parsed {
            Some(p) => out.push(p),
            None => refused.push(describe(item)),
        }
    }
    for item in expose.and_then(Value::as_array).into_iter().flatten() {
        let text = scalar_text(item);
        match text.trim_end_matches("/tcp").parse::<u16>() {
            Ok(container) if !out.iter().any(|p| p.container == container) => out.push(PortMap {
                host_ip: None,
                host: None,
                container,
                text,
            }),
            Ok(_) => {}
            Err(_) => refused.push(format!("expose {text}")),
        }
    }
    (out, refused)
}

fn describe(v: &Value) -> String {
    match v {
        Value::Object(_) => v.to_string(),
        other => scalar_text(other),
    }
}

fn short_port(text: &str) -> Option<PortMap> {
    let spec = text.strip_suffix("/tcp").unwrap_or(text);
    if spec.contains('/') {
        return None;
    }
    let mut parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    parts.reverse();
    let (ip, host, container) = match parts.as_slice() {
        [c] => (None, None, *c),
        [h, c] => (None, Some(*h), *c),
        [ip, h, c] => (Some(ip.trim_matches(['[', ']'])), Some(*h), *c),
        _ => return None,
    };
    let host = match host {
        Some("") | None => None,
        Some(h) => Some(h.parse().ok()?),
    };
    Some(PortMap {
        host_ip: ip.filter(|i| !i.is_empty()).map(str::to_string),
        host,
        container: container.parse().ok()?,
        text: text.to_string(),
    })
}

fn long_port(m: &serde_json::Map<String, Value>) -> Option<PortMap> {
    if m.get("protocol")
        .and_then(Value::as_str)
        .is_some_and(|p| p != "tcp")
    {
        return None;
    }
    let container = scalar_text(m.get("target")?).parse().ok()?;
    let host = match m.get("published").map(scalar_text) {
        Some(p) if !p.is_empty() => Some(p.parse().ok()?),
        _ => None,
    };
    Some(PortMap {
        host_ip: m.get("host_ip").and_then(Value::as_str).map(str::to_string),
        host,
        container,
        text: match host {
            Some(h) => format!("{h}:{container}"),
            None => container.to_string(),
        },
    })
}

/// One entry of `volumes:`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mount {
    /// A named volume, or an anonymous one (`name` empty).
    Volume { name: String, target: String },
    /// A host path.
    Bind { source: String, target: String },
    /// tmpfs, or something not understood, as written.
    Other(String),
}

pub(crate) fn mounts(volumes: Option<&Value>) -> Vec<Mount> {
    volumes
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| match v {
            Value::Object(m) => {
                let get = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let (source, target) = (get("source"), get("target"));
                match get("type").as_str() {
                    "bind" => Mount::Bind { source, target },
                    "volume" | "" if !target.is_empty() => Mount::Volume {
                        name: source,
                        target,
                    },
                    _ => Mount::Other(v.to_string()),
                }
            }
            other => short_mount(&scalar_text(other)),
        })
        .collect()
}

fn short_mount(text: &str) -> Mount {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        [target] => Mount::Volume {
            name: String::new(),
            target: target.to_string(),
        },
        [source, target, ..] => {
            if source.starts_with(['.', '/', '~', '$']) {
                Mount::Bind {
                    source: source.to_string(),
                    target: target.to_string(),
                }
            } else {
                Mount::Volume {
                    name: source.to_string(),
                    target: target.to_string(),
                }
            }
        }
        [] => Mount::Other(text.to_string()),
    }
}

/// A `command:` (or `entrypoint:`) as words: a list as it is, a string
/// split as a POSIX shell splits words (quotes and backslashes).
pub(crate) fn words(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => split_words(&scalar_text(other)),
    }
}

fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => word.extend(chars.next()),
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                word.extend(chars.next());
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// What a healthcheck checks, as far as devsvc can say it.
#[derive(Debug, PartialEq)]
pub(crate) enum Health {
    /// An HTTP request to the container itself.
    Http {
        port: u16,
        path: String,
        text: String,
    },
    /// Something else (a client command); its text.
    Other(String),
}

/// A healthcheck's test, unless it is absent or `disable`d.
pub(crate) fn health(check: Option<&Value>) -> Option<Health> {
    let check = check?.as_object()?;
    if check.get("disable").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let test = words(check.get("test")?);
    let (kind, rest) = test.split_first()?;
    let command: Vec<String> = match kind.as_str() {
        "NONE" => return None,
        "CMD" => rest.to_vec(),
        "CMD-SHELL" => rest.iter().flat_map(|w| split_words(w)).collect(),
        _ => test.iter().flat_map(|w| split_words(w)).collect(),
    };
    let text = command.join(" ");
    let url = command
        .iter()
        .find_map(|w| w.strip_prefix("http://"))
        .and_then(|rest| {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let port = match authority.rsplit_once(':') {
                Some((_, p)) => p.parse().ok()?,
                None => 80,
            };
            Some((port, if path.is_empty() { "/" } else { path }.to_string()))
        });
    Some(match url {
        Some((port, path)) => Health::Http { port, path, text },
        None => Health::Other(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_in_short_and_long_syntax() {
        let (p, refused) = ports(
            Some(
                &json!(["5432", "6380:6379", "127.0.0.1:8025:8025/tcp", 9000, "53:53/udp", "8000-8001:8000-8001",
                {"target": 80, "published": "8080", "host_ip": "0.0.0.0"}]),
            ),
            Some(&json!(["9999"])),
        );
        let got: Vec<(Option<u16>, u16)> = p.iter().map(|p| (p.host, p.container)).collect();
        assert_eq!(
            got,
            [
                (None, 5432),
                (Some(6380), 6379),
                (Some(8025), 8025),
                (None, 9000),
                (Some(8080), 80),
                (None, 9999)
            ]
        );
        assert_eq!(p[2].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(refused, ["53:53/udp", "8000-8001:8000-8001"]);
    }

    #[test]
    fn mounts_named_anonymous_and_bound() {
        let m = mounts(Some(
            &json!(["pg:/var/lib/postgresql/data", "/data", "./init.sql:/docker-entrypoint-initdb.d/init.sql:ro",
            {"type": "bind", "source": "./src", "target": "/app"}, {"type": "tmpfs", "target": "/tmp"}]),
        ));
        assert_eq!(
            m[0],
            Mount::Volume {
                name: "pg".into(),
                target: "/var/lib/postgresql/data".into()
            }
        );
        assert_eq!(
            m[1],
            Mount::Volume {
                name: String::new(),
                target: "/data".into()
            }
        );
        assert_eq!(
            m[2],
            Mount::Bind {
                source: "./init.sql".into(),
                target: "/docker-entrypoint-initdb.d/init.sql".into()
            }
        );
        assert_eq!(
            m[3],
            Mount::Bind {
                source: "./src".into(),
                target: "/app".into()
            }
        );
        assert!(matches!(m[4], Mount::Other(_)));
    }

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(
            words(&json!("redis-server --save '' --requirepass \"a b\"")),
            ["redis-server", "--save", "", "--requirepass", "a b"]
        );
        assert_eq!(
            words(&json!(["postgres", "-c", 5])),
            ["postgres", "-c", "5"]
        );
    }

    #[test]
    fn healthchecks_say_http_when_they_fetch_a_url() {
        let h = health(Some(
            &json!({"test": ["CMD", "curl", "-f", "http://localhost:8123/ping"]}),
        ));
        assert_eq!(
            h,
            Some(Health::Http {
                port: 8123,
                path: "/ping".into(),
                text: "curl -f http://localhost:8123/ping".into()
            })
        );
        let h = health(Some(
            &json!({"test": "wget -qO- http://127.0.0.1:9000 || exit 1"}),
        ));
        assert!(matches!(h, Some(Health::Http { port: 9000, .. })));
        let h = health(Some(&json!({"test": ["CMD-SHELL", "pg_isready -U app"]})));
        assert_eq!(h, Some(Health::Other("pg_isready -U app".into())));
        assert_eq!(health(Some(&json!({"disable": true}))), None);
    }
}
