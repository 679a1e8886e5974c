//! What `init --from-compose` tells: the comment block at the top of the
//! new services.yaml (everything left out), and the report on stderr (or
//! as JSON): per compose service what it became, what was kept and why,
//! and which variables the app will find in the env file.
use super::{Conversion, Outcome};
use crate::proposal::yaml::flow;
use crate::proposal::{Node, Service};

/// The comment block at the top of the new file.
pub(crate) fn header(files: &[String], outcomes: &[Outcome]) -> Vec<String> {
    let mut lines = vec![
        format!(
            "services.yaml, converted by `devsvc init --from-compose` from {}.",
            files.join(", ")
        ),
        "Each service says what it came from; `devsvc config` shows it resolved.".to_string(),
    ];
    let left: Vec<String> = left_out_lines(outcomes);
    if !left.is_empty() {
        lines.push(String::new());
        lines.push("Left out (devsvc does not do these):".into());
        lines.extend(left.into_iter().map(|l| format!("  {l}")));
    }
    lines
}

fn left_out_lines(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .flat_map(|o| {
            o.left_out
                .iter()
                .map(move |l| format!("{}: {l}", o.compose_name))
        })
        .collect()
}

/// The report for stderr.
pub(crate) fn text(conversion: &Conversion) -> String {
    let mut out = String::new();
    let count = conversion.outcomes.len();
    out.push_str(&format!(
        "read {}: {count} service{}\n",
        conversion.files.join(", "),
        if count == 1 { "" } else { "s" }
    ));
    for w in &conversion.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    let provided: Vec<String> = conversion
        .proposal
        .services
        .iter()
        .flat_map(Service::variables)
        .collect();
    for o in &conversion.outcomes {
        match &o.service {
            Some(s) => {
                let renamed = if s.name != o.compose_name {
                    format!(" `{}`", s.name)
                } else {
                    String::new()
                };
                out.push_str(&format!("{} -> {}{renamed}\n", o.compose_name, o.became));
                for line in kept(s) {
                    out.push_str(&format!("  {line}\n"));
                }
                out.push_str(&format!("  env file: {}\n", s.variables().join(", ")));
            }
            None => {
                out.push_str(&format!("{} -> left out\n", o.compose_name));
                if !o.environment.is_empty() {
                    let (have, lack): (Vec<&String>, Vec<&String>) =
                        o.environment.iter().partition(|v| provided.contains(v));
                    out.push_str(&format!(
                        "  of its environment, the env file provides: {}; not: {}\n",
                        list(&have),
                        list(&lack)
                    ));
                }
            }
        }
    }
    let left = left_out_lines(&conversion.outcomes);
    if conversion.proposal.services.is_empty() {
        out.push_str("no service here is one devsvc starts: nothing written\n");
    }
    if !left.is_empty() {
        out.push_str("left out (also listed at the top of the new file):\n");
        for l in left {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out
}

fn list(items: &[&String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The notes and commented settings of a service, one line each (a
/// password's value is not repeated).
fn kept(service: &Service) -> Vec<String> {
    let mut lines: Vec<String> = service.notes.iter().skip(1).cloned().collect();
    let mut entries: Vec<&crate::proposal::Entry> = service.entries.iter().collect();
    // An inline service's own keys say what came from where.
    if let Some(Node::Map(body)) = service
        .entries
        .iter()
        .find(|e| e.key == "inline")
        .map(|e| &e.value)
    {
        entries.extend(body.iter());
    }
    for e in entries.into_iter().filter(|e| e.comment.is_some()) {
        let value = match (e.key.as_str(), &e.value) {
            ("password", _) => "****".to_string(),
            ("exports" | "env" | "ready", _) => String::new(),
            (_, v) => flow(v),
        };
        let comment = e.comment.as_deref().unwrap_or_default();
        lines.push(if value.is_empty() {
            format!("{}: {comment}", e.key)
        } else {
            format!("{} {value}: {comment}", e.key)
        });
    }
    lines
}

/// The report as JSON, for editors and scripts.
pub(crate) fn json(
    conversion: &Conversion,
    services_yaml: &str,
    written: Option<&str>,
) -> serde_json::Value {
    let services: Vec<serde_json::Value> = conversion
        .outcomes
        .iter()
        .map(|o| {
            serde_json::json!({
                "compose_service": o.compose_name,
                "became": o.became,
                "name": o.service.as_ref().map(|s| s.name.clone()),
                "variables": o.service.as_ref().map(Service::variables).unwrap_or_default(),
                "left_out": o.left_out,
            })
        })
        .collect();
    serde_json::json!({
        "files": conversion.files,
        "services": services,
        "warnings": conversion.warnings,
        "services_yaml": services_yaml,
        "written": written,
    })
}
