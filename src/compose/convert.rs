//! One compose service turned into a devsvc service: a template when its
//! image is one (settings taken from the variables and flags the template
//! itself uses for them), else an `inline:` service. Whatever cannot be
//! carried over is named in `left_out`, never dropped silently.
use std::path::Path;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::images::{self, Match};
use super::load::scalar_text;
use super::parts::{self, Health, Mount, PortMap};
use crate::proposal::{Entry, Node, Service, prefix_for};
use crate::template::Template;

/// What became of one compose service.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Outcome {
    /// Its name in the compose file.
    pub compose_name: String,
    /// `template postgres`, `inline`, or `left out`.
    pub became: String,
    #[serde(skip)]
    pub service: Option<Service>,
    /// What it had that devsvc does not carry over, each with why.
    pub left_out: Vec<String>,
    /// The variables a left-out service (the app) was given.
    #[serde(skip)]
    pub environment: Vec<String>,
    #[serde(skip)]
    pub profiles: Vec<String>,
}

/// Keys read here; any other is listed as left out.
const HANDLED: [&str; 10] = [
    "image",
    "build",
    "ports",
    "expose",
    "environment",
    "command",
    "volumes",
    "healthcheck",
    "profiles",
    "entrypoint",
];

/// Why devsvc does not take a compose key (the generic reason otherwise).
fn why(key: &str) -> &'static str {
    match key {
        "depends_on" | "links" => "devsvc starts every service and waits until each answers",
        "restart" => "devsvc starts services when asked (`devsvc up`)",
        "networks" | "network_mode" => {
            "services are reached through published ports (`network: true` gives them one project network)"
        }
        "container_name" | "hostname" => "devsvc names containers per project",
        "deploy" => "one container per service, with the engine's default limits",
        _ => "not a setting devsvc has",
    }
}

pub(crate) fn convert(dir: &Path, compose_name: &str, svc: &Value) -> Outcome {
    let empty = Map::new();
    let map = svc.as_object().unwrap_or(&empty);
    let mut out = Outcome {
        compose_name: compose_name.to_string(),
        became: "left out".into(),
        service: None,
        left_out: Vec::new(),
        environment: env_of(map).keys().cloned().collect(),
        profiles: map.get("profiles").map(parts::words).unwrap_or_default(),
    };
    if map.contains_key("build") {
        out.left_out.push(
            "the whole service: `build:` (the application itself; run it on the host with `devsvc run -- COMMAND`, which hands it the env file's variables)".into(),
        );
        return out;
    }
    let Some(image) = map.get("image").and_then(Value::as_str) else {
        out.left_out
            .push("the whole service: it has no `image:`".into());
        return out;
    };
    for key in map.keys().filter(|k| !HANDLED.contains(&k.as_str())) {
        out.left_out.push(format!("`{key}`: {}", why(key)));
    }
    if map.contains_key("entrypoint") {
        out.left_out
            .push("`entrypoint`: devsvc runs the image's own entrypoint".into());
    }
    let name = service_name(compose_name);
    let mut service = match images::template_for(image) {
        Some(m) => {
            out.became = format!("template {}", m.name);
            from_template(dir, &name, image, map, &m, &mut out.left_out)
        }
        None => {
            out.became = "inline".into();
            inline(&name, image, map, &mut out.left_out)
        }
    };
    if name != compose_name {
        service.notes.insert(
            0,
            format!("named `{name}`: compose's `{compose_name}` is not a devsvc service name"),
        );
    }
    if !out.profiles.is_empty() {
        service.set(
            "profiles",
            Node::list(out.profiles.clone()),
            Some("compose's profiles: off unless `devsvc --profile NAME`".into()),
        );
    }
    out.service = Some(service);
    out
}

/// Lowercase letters, digits, `-` and `_`: compose also allows capitals
/// and dots.
fn service_name(name: &str) -> String {
    let s: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_start_matches(['-', '_']).to_string();
    if s.is_empty() { "service".into() } else { s }
}

fn env_of(map: &Map<String, Value>) -> IndexMap<String, String> {
    map.get("environment")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect())
        .unwrap_or_default()
}

/// Which setting a template value stands for: `{{password}}` -> password.
fn setting_of(value: &str) -> Option<&'static str> {
    match value {
        "{{user}}" => Some("user"),
        "{{password}}" => Some("password"),
        "{{database}}" => Some("database"),
        _ => None,
    }
}

/// A setting found in the compose file, and where.
struct Found {
    value: String,
    from: String,
    /// Its place among the template's variables: the later one wins when
    /// two disagree (MySQL's user password over its root password).
    rank: usize,
}

fn from_template(
    dir: &Path,
    name: &str,
    image: &str,
    map: &Map<String, Value>,
    m: &Match,
    left_out: &mut Vec<String>,
) -> Service {
    let t = &m.template;
    let mut service = Service::of_template(name, &m.name);
    service
        .notes
        .push(format!("compose: {image} -> template {}", m.name));
    image_entry(&mut service, image, m);

    let mut found: IndexMap<&'static str, Vec<Found>> = IndexMap::new();
    let mut extra_env = Vec::new();
    for (key, value) in env_of(map) {
        let own = m
            .env_aliases
            .get(&key)
            .cloned()
            .unwrap_or_else(|| key.clone());
        match t.env.get_index_of(&own) {
            Some(rank) => match setting_of(&t.env[rank]) {
                Some(setting) => found.entry(setting).or_default().push(Found {
                    value,
                    from: key,
                    rank,
                }),
                // The same value the template sets: nothing is lost.
                None if t.env[rank] == value => {}
                None => left_out.push(format!(
                    "environment `{key}`: the template sets it itself (`{}`)",
                    t.env[rank]
                )),
            },
            None => extra_env.push(Entry::new(key, Node::Str(value), None)),
        }
    }
    let command = map.get("command").map(parts::words).unwrap_or_default();
    let command = take_flag_settings(t, command, &mut found);
    settings(&mut service, t, found, left_out);
    if !extra_env.is_empty() {
        service.set(
            "env",
            Node::Map(extra_env),
            Some("compose's other variables, as given".into()),
        );
    }
    command_entry(&mut service, t, command, left_out);
    template_ports(&mut service, t, map, left_out);
    template_mounts(dir, &mut service, t, map, left_out);
    if map.contains_key("healthcheck") {
        left_out.push("`healthcheck`: the template's own readiness check is used".into());
    }
    service
}

/// `image:` when compose's differs from the template's pin in more than
/// the registry; an untagged or `latest` image takes the pin.
fn image_entry(service: &mut Service, image: &str, m: &Match) {
    let given = images::parse(image);
    let pinned = images::parse(&m.template.image);
    if m.alias {
        service.set(
            "image",
            Node::str(image),
            Some(format!(
                "compose's image, a build of {} under another name",
                m.name
            )),
        );
    } else if given.tag.is_none() && given.digest.is_none() {
        service.notes.push(format!(
            "compose named no tag; devsvc's pin {} is used",
            m.template.image
        ));
    } else if given.tag != pinned.tag || given.digest.is_some() {
        service.set(
            "image",
            Node::str(image),
            Some(format!(
                "compose's tag, kept (the template pins {})",
                m.template.image
            )),
        );
    }
}

/// Values the template passes as flags (`--requirepass {{password}}`)
/// taken out of compose's command; returns the rest of the command.
fn take_flag_settings(
    t: &Template,
    command: Vec<String>,
    found: &mut IndexMap<&'static str, Vec<Found>>,
) -> Vec<String> {
    let own = t.command.clone().unwrap_or_default();
    let mut flags: Vec<(String, &'static str)> = own
        .windows(2)
        .filter_map(|w| setting_of(&w[1]).map(|s| (w[0].clone(), s)))
        .collect();
    // A configuration file line `directive {{password|quoted}}` is, for
    // servers that take every directive as a flag too (Redis, Valkey),
    // the flag `--directive`.
    for line in t.files.iter().flat_map(|f| f.content.lines()) {
        if let Some((directive, value)) = line.trim().split_once(' ')
            && let Some(setting) = setting_of(&value.replace("|quoted", ""))
            && directive
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            flags.push((format!("--{directive}"), setting));
        }
    }
    let mut rest = Vec::new();
    let mut words = command.into_iter();
    while let Some(word) = words.next() {
        let hit = flags.iter().find_map(|(flag, setting)| {
            if word == *flag {
                Some((flag.as_str(), *setting, None))
            } else {
                word.strip_prefix(&format!("{flag}="))
                    .map(|v| (flag.as_str(), *setting, Some(v.to_string())))
            }
        });
        match hit {
            Some((flag, setting, inline)) => {
                let value = inline.or_else(|| words.next()).unwrap_or_default();
                found.entry(setting).or_default().push(Found {
                    value,
                    from: format!("`{flag}` in its command"),
                    rank: usize::MAX,
                });
            }
            None => rest.push(word),
        }
    }
    rest
}

/// `user:`, `password:` and `databases:` from what compose fixed.
fn settings(
    service: &mut Service,
    t: &Template,
    found: IndexMap<&'static str, Vec<Found>>,
    left_out: &mut Vec<String>,
) {
    // One order for every file: user, password, databases.
    let mut found: Vec<(&'static str, Vec<Found>)> = found.into_iter().collect();
    found.sort_by_key(|(s, _)| ["user", "password", "database"].iter().position(|x| x == s));
    for (setting, mut values) in found {
        values.sort_by_key(|f| f.rank);
        let chosen = values.pop().expect("at least one");
        for other in values.iter().filter(|o| o.value != chosen.value) {
            left_out.push(format!(
                "environment `{}`: devsvc gives it the same {setting} as {}",
                other.from, chosen.from
            ));
        }
        if chosen.value.is_empty() {
            let instead = match setting {
                "password" => "devsvc generates one".to_string(),
                other => format!("the template's own {other} is used"),
            };
            left_out.push(format!("{} is empty: {instead}", chosen.from));
            continue;
        }
        if setting == "database"
            && let Err(why) = crate::config::validate_database(&chosen.value)
        {
            left_out.push(format!(
                "{}: {why}; the template's own database is used",
                chosen.from
            ));
            continue;
        }
        match setting {
            "password" => service.set(
                "password",
                Node::Str(chosen.value),
                Some(format!(
                    "from {}: kept, so the app's own settings still work (devsvc would otherwise generate one)",
                    chosen.from
                )),
            ),
            "user" if t.user.as_deref() != Some(chosen.value.as_str()) => service.set(
                "user",
                Node::Str(chosen.value),
                Some(format!("from {}", chosen.from)),
            ),
            "database" if t.database.as_deref() != Some(chosen.value.as_str()) => service.set(
                "databases",
                Node::list([chosen.value]),
                Some(format!("from {}", chosen.from)),
            ),
            _ => {}
        }
    }
}

/// A shell would do more than pass words on.
fn shell_like(word: &str) -> bool {
    word.contains(' ')
        || ["&&", "||", ";", "|", ">", "<", "`", "$("]
            .iter()
            .any(|s| word.contains(s))
}

/// Compose's command, when it only adds flags to the server's own: after
/// the template's command (which carries devsvc's settings), or as it is
/// for a template that has none.
fn command_entry(
    service: &mut Service,
    t: &Template,
    words: Vec<String>,
    left_out: &mut Vec<String>,
) {
    if words.is_empty() {
        return;
    }
    let own = t.command.clone().unwrap_or_default();
    let mut rest: &[String] = &words;
    let program = own.first().filter(|p| !p.starts_with('-'));
    if let Some(program) = program
        && rest.first() == Some(program)
    {
        rest = &rest[1..];
    } else if program.is_none()
        && !rest[0].starts_with('-')
        && rest.len() > 1
        && !rest[0].contains('/')
    {
        // The image's own program by name (`postgres -c ...`): the rest must be flags.
        rest = &rest[1..];
    }
    let extra: Vec<String> = rest.iter().filter(|w| !own.contains(w)).cloned().collect();
    let only_flags =
        extra.first().is_none_or(|w| w.starts_with('-')) && !extra.iter().any(|w| shell_like(w));
    let had = words.join(" ");
    if !only_flags {
        left_out.push(format!(
            "`command: {had}`: it does more than add flags to the server's own command"
        ));
    } else if extra.is_empty() {
        service
            .notes
            .push(format!("compose's command `{had}` is the template's own"));
    } else if own.is_empty() {
        service.set(
            "command",
            Node::list(words),
            Some("compose's command, kept: it only adds flags".into()),
        );
    } else {
        let mut all = own;
        all.extend(extra);
        service.set(
            "command",
            Node::list(all),
            Some("the template's command, then compose's extra flags".into()),
        );
    }
}

fn template_ports(
    service: &mut Service,
    t: &Template,
    map: &Map<String, Value>,
    left_out: &mut Vec<String>,
) {
    let (ports, refused) = parts::ports(map.get("ports"), None);
    for r in refused {
        left_out.push(format!("port `{r}`: devsvc publishes single TCP ports"));
    }
    let mut pinned = Vec::new();
    for p in ports {
        match t.ports.iter().find(|(_, c)| **c == p.container) {
            Some((port_name, _)) => {
                note_host_ip(service, &p);
                if let Some(host) = p.host {
                    pinned.push(Entry::new(port_name, Node::Int(host.into()), None));
                }
            }
            None => left_out.push(format!(
                "port `{}`: the template has no container port {}",
                p.text, p.container
            )),
        }
    }
    if !pinned.is_empty() {
        service.set(
            "ports",
            Node::Map(pinned),
            Some("pinned as in compose".into()),
        );
    }
}

fn note_host_ip(service: &mut Service, p: &PortMap) {
    if p.host_ip
        .as_deref()
        .is_some_and(|ip| ip != "127.0.0.1" && ip != "localhost")
    {
        service.notes.push(format!(
            "port {}: published on 127.0.0.1, devsvc's default (`--host-ip` to change)",
            p.text
        ));
    }
}

fn template_mounts(
    dir: &Path,
    service: &mut Service,
    t: &Template,
    map: &Map<String, Value>,
    left_out: &mut Vec<String>,
) {
    let mut init = Vec::new();
    for mount in parts::mounts(map.get("volumes")) {
        match mount {
            Mount::Volume { target, .. } if t.data.as_deref() == Some(target.as_str()) => {}
            Mount::Volume { name, target } => left_out.push(format!(
                "volume `{name}:{target}`: devsvc keeps this template's data in its own volume{}",
                t.data.as_ref().map(|d| format!(" at {d}")).unwrap_or_default()
            )),
            Mount::Bind { source, target }
                if t.init_dir.as_ref().is_some_and(|d| target == *d || target.starts_with(&format!("{d}/"))) =>
            {
                init_files(dir, &source, t, &mut init, left_out);
            }
            Mount::Bind { source, target } => left_out.push(format!(
                "bind mount `{source}:{target}`: devsvc mounts no host files (only `init:` scripts and seeds)"
            )),
            Mount::Other(text) => left_out.push(format!("volume `{text}`: not a named volume")),
        }
    }
    if !init.is_empty() {
        service.set(
            "init",
            Node::list(init),
            Some(format!(
                "mounted into {} in compose: run once on a fresh volume",
                t.init_dir.as_deref().unwrap_or("")
            )),
        );
    }
}

/// The files of an init-script mount (a file, or a folder's files in the
/// order the image runs them), relative to services.yaml.
fn init_files(
    dir: &Path,
    source: &str,
    t: &Template,
    init: &mut Vec<String>,
    left_out: &mut Vec<String>,
) {
    let relative = source.trim_start_matches("./").trim_end_matches('/');
    let path = dir.join(relative);
    let takes = |f: &str| t.init_types.iter().any(|ext| f.ends_with(ext.as_str()));
    if path.is_dir() {
        let mut files: Vec<String> = std::fs::read_dir(&path)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        for f in files {
            if takes(&f) {
                init.push(format!("{relative}/{f}"));
            } else {
                left_out.push(format!(
                    "init script `{relative}/{f}`: the template runs {} files",
                    t.init_types.join(", ")
                ));
            }
        }
    } else if takes(relative) {
        if !path.is_file() {
            left_out.push(format!(
                "init script `{relative}`: not found here (listed anyway)"
            ));
        }
        init.push(relative.to_string());
    } else {
        left_out.push(format!(
            "init script `{source}`: the template runs {} files",
            t.init_types.join(", ")
        ));
    }
}

/// Any other image, defined in place with what compose said about it.
fn inline(
    name: &str,
    image: &str,
    map: &Map<String, Value>,
    left_out: &mut Vec<String>,
) -> Service {
    let mut service = Service::of_template(name, "");
    service.template = None;
    service.notes.push(format!(
        "compose: {image} -> inline (devsvc has no template for it)"
    ));
    let mut body = vec![Entry::new("image", Node::str(image), None)];
    let (ports, refused) = parts::ports(map.get("ports"), map.get("expose"));
    for r in refused {
        left_out.push(format!("port `{r}`: devsvc publishes single TCP ports"));
    }
    let port_name = |p: &PortMap| format!("p{}", p.container);
    if !ports.is_empty() {
        body.push(Entry::new(
            "ports",
            Node::Map(
                ports
                    .iter()
                    .map(|p| Entry::new(port_name(p), Node::Int(p.container.into()), None))
                    .collect(),
            ),
            None,
        ));
    }
    let env = env_of(map);
    if !env.is_empty() {
        body.push(Entry::new(
            "env",
            Node::Map(
                env.into_iter()
                    .map(|(k, v)| Entry::new(k, Node::Str(v), None))
                    .collect(),
            ),
            Some("as in compose".into()),
        ));
    }
    if let Some(command) = map.get("command") {
        body.push(Entry::new(
            "command",
            Node::list(parts::words(command)),
            Some("as in compose".into()),
        ));
    }
    let mut data = None;
    for mount in parts::mounts(map.get("volumes")) {
        match mount {
            Mount::Volume { name: vol, target } if data.is_none() => {
                body.push(Entry::new(
                    "data",
                    Node::Str(target.clone()),
                    Some(format!("compose's volume `{vol}`")),
                ));
                data = Some(target);
            }
            Mount::Volume { name: vol, target } => {
                left_out.push(format!(
                    "volume `{vol}:{target}`: devsvc keeps one data volume per service"
                ));
            }
            Mount::Bind { source, target } => left_out.push(format!(
                "bind mount `{source}:{target}`: devsvc mounts no host files"
            )),
            Mount::Other(text) => left_out.push(format!("volume `{text}`: not a named volume")),
        }
    }
    if let Some(probe) = readiness(&ports, map, left_out) {
        body.push(probe);
    }
    let upper = prefix_for(name);
    let mut exports = vec![Entry::new(
        format!("{upper}HOST"),
        Node::str("{{host}}"),
        None,
    )];
    for p in &ports {
        let var = if ports.len() == 1 {
            format!("{upper}PORT")
        } else {
            format!("{upper}PORT_{}", p.container)
        };
        exports.push(Entry::new(
            var,
            Node::Str(format!("{{{{port.{}}}}}", port_name(p))),
            None,
        ));
    }
    service.exports = exports.iter().map(|e| e.key.clone()).collect();
    body.push(Entry::new(
        "exports",
        Node::Map(exports),
        Some("where the app finds it".into()),
    ));
    service.set("inline", Node::Map(body), None);
    let pinned: Vec<Entry> = ports
        .iter()
        .filter_map(|p| {
            note_host_ip(&mut service, p);
            p.host
                .map(|h| Entry::new(port_name(p), Node::Int(h.into()), None))
        })
        .collect();
    if !pinned.is_empty() {
        service.set(
            "ports",
            Node::Map(pinned),
            Some("pinned as in compose".into()),
        );
    }
    service
}

/// `ready:` from the healthcheck: an HTTP request as `http`, anything
/// else as a `tcp` check of the first port (devsvc runs no command in the
/// container for an inline service).
fn readiness(
    ports: &[PortMap],
    map: &Map<String, Value>,
    left_out: &mut Vec<String>,
) -> Option<Entry> {
    let first = ports.first()?;
    let port = |p: u16| format!("p{p}");
    let (probe, comment) = match parts::health(map.get("healthcheck")) {
        Some(Health::Http {
            port: p,
            path,
            text,
        }) if ports.iter().any(|x| x.container == p) => (
            Entry::new(
                "http",
                Node::Map(vec![
                    Entry::new("port", Node::Str(port(p)), None),
                    Entry::new("path", Node::Str(path), None),
                ]),
                None,
            ),
            format!("from its healthcheck `{text}`"),
        ),
        Some(Health::Http { text, .. } | Health::Other(text)) => {
            left_out.push(format!(
                "healthcheck `{text}`: devsvc waits for port {} to accept connections instead",
                first.container
            ));
            (
                tcp(&port(first.container)),
                format!("its healthcheck `{text}` as a port check"),
            )
        }
        None => (
            tcp(&port(first.container)),
            "no healthcheck: waits for the port to accept connections".into(),
        ),
    };
    Some(Entry::new(
        "ready",
        Node::List(vec![Node::Map(vec![probe])]),
        Some(comment),
    ))
}

fn tcp(port: &str) -> Entry {
    Entry::new(
        "tcp",
        Node::Map(vec![Entry::new("port", Node::str(port), None)]),
        None,
    )
}
