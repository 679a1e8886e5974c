//! A proposal written as services.yaml text, with its comments (no YAML
//! serialiser keeps comments). Scalars are written plain only when plain
//! YAML reads them back as the same string; every `$` is doubled, since
//! devsvc interpolates `${VAR}` in services.yaml before parsing it.
use super::{Entry, Node, Proposal};

/// The file's text: header, top-level profiles, then the services.
pub(crate) fn write(proposal: &Proposal) -> String {
    let mut out = String::new();
    for line in &proposal.header {
        comment_line(&mut out, "", line);
    }
    if !proposal.header.is_empty() {
        out.push('\n');
    }
    if !proposal.profiles.is_empty() {
        out.push_str("# Compose profiles, kept: these services start only under `devsvc --profile NAME up`.\nprofiles:\n");
        for p in &proposal.profiles {
            out.push_str(&format!("  {}: {{}}\n", scalar(p)));
        }
    }
    out.push_str("services:\n");
    for (i, service) in proposal.services.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for note in &service.notes {
            comment_line(&mut out, "  ", note);
        }
        let mut entries = Vec::new();
        if let Some(t) = service.template.as_ref().filter(|t| **t != service.name) {
            entries.push(Entry::new("template", Node::str(t), None));
        }
        entries.extend(service.entries.iter().cloned());
        if let Some(prefix) = &service.env_prefix {
            entries.push(Entry::new("env_prefix", Node::str(prefix), None));
        }
        write_entry(
            &mut out,
            &Entry::new(&service.name, Node::Map(entries), None),
            2,
            "  ",
        );
    }
    out
}

fn comment_line(out: &mut String, indent: &str, text: &str) {
    if text.is_empty() {
        out.push_str(indent);
        out.push_str("#\n");
    }
    for line in text.lines() {
        out.push_str(indent);
        out.push('#');
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// One `key: value` at `indent`; `lead` is what the first line starts with
/// (the indent, or a list item's `- `).
fn write_entry(out: &mut String, entry: &Entry, indent: usize, lead: &str) {
    out.push_str(lead);
    out.push_str(&scalar(&entry.key));
    out.push(':');
    let comment = |out: &mut String| {
        if let Some(c) = &entry.comment {
            out.push_str("  # ");
            out.push_str(c);
        }
        out.push('\n');
    };
    match &entry.value {
        Node::Map(entries) if !entries.is_empty() => {
            comment(out);
            let pad = " ".repeat(indent + 2);
            for e in entries {
                write_entry(out, e, indent + 2, &pad);
            }
        }
        Node::List(items) if items.iter().any(|i| matches!(i, Node::Map(_))) => {
            comment(out);
            for item in items {
                let dash = format!("{}- ", " ".repeat(indent + 2));
                match item {
                    Node::Map(entries) => {
                        for (i, e) in entries.iter().enumerate() {
                            let lead = if i == 0 {
                                dash.clone()
                            } else {
                                " ".repeat(indent + 4)
                            };
                            write_entry(out, e, indent + 4, &lead);
                        }
                    }
                    other => out.push_str(&format!("{dash}{}\n", flow(other))),
                }
            }
        }
        value => {
            out.push(' ');
            out.push_str(&flow(value));
            comment(out);
        }
    }
}

/// A value on one line: a scalar, `[a, b]` or `{}`.
pub(crate) fn flow(node: &Node) -> String {
    match node {
        Node::Str(s) => scalar(s),
        Node::Int(n) => n.to_string(),
        Node::List(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Node::Map(entries) => {
            let items: Vec<String> = entries
                .iter()
                .map(|e| format!("{}: {}", scalar(&e.key), flow(&e.value)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// A string as a YAML scalar that reads back as the same string.
pub(crate) fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-@+=:".contains(c))
        && (s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '.' || c == '_')
            || (s.starts_with('-')
                && s[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '-')))
        && !s.ends_with(':')
        && !s.contains("::")
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | ".inf" | ".nan"
        );
    if plain {
        s.to_string()
    } else {
        // JSON's escapes are YAML's double-quoted ones.
        serde_json::to_string(s)
            .expect("a string serialises")
            .replace('$', "$$")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::Service;

    #[test]
    fn scalars_read_back_as_written() {
        for s in [
            "redis",
            "5432",
            "postgres:16",
            "--flag",
            "-c",
            "a:",
            "-1",
            "::1",
            "yes",
            "",
            "a: b",
            "p@ss$word",
            "{{password}}",
            "-c",
            "x #y",
            "16-alpine",
            "ü",
        ] {
            let yaml = format!("v: {}\n", scalar(s));
            let back: std::collections::HashMap<String, String> =
                serde_saphyr::from_str(&yaml.replace("$$", "$")).unwrap();
            assert_eq!(back["v"], s, "{yaml}");
        }
        assert_eq!(scalar("postgres"), "postgres");
        assert_eq!(scalar("a$b"), "\"a$$b\"");
    }

    #[test]
    fn a_proposal_is_a_valid_services_file() {
        let mut db = Service::of_template("db", "postgres");
        db.notes.push("from compose".into());
        db.set("password", Node::str("s3cret$"), Some("kept".into()));
        db.set(
            "ports",
            Node::Map(vec![Entry::new("pg", Node::Int(5433), None)]),
            None,
        );
        let mut web = Service::of_template("cache", "redis");
        web.set(
            "command",
            Node::list(["redis-server", "--requirepass", "{{password}}"]),
            None,
        );
        web.set(
            "ready",
            Node::List(vec![Node::Map(vec![Entry::new(
                "redis",
                Node::Map(vec![Entry::new("port", Node::str("redis"), None)]),
                None,
            )])]),
            None,
        );
        let text = write(&Proposal {
            header: vec!["top".into()],
            services: vec![db, web],
            profiles: vec![],
        });
        let project = crate::config::parse_at("/tmp/p/services.yaml", &text).unwrap();
        assert_eq!(project.services[0].template, "postgres");
        assert_eq!(project.services[0].ports[0].host, Some(5433));
        assert!(
            text.starts_with(
                "# top\n\nservices:\n  # from compose\n  db:\n    template: postgres\n"
            ),
            "{text}"
        );
    }
}
