//! YAML and serde errors turned into located messages in a services.yaml
//! author's words, with the closest valid name where there is one.
use crate::error::Error;
use crate::suggest::did_you_mean;

pub(super) fn find_tab_indent(source: &str) -> Option<(u64, u64)> {
    source.lines().enumerate().find_map(|(i, line)| {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        line[..indent]
            .find('\t')
            .map(|col| (i as u64 + 1, col as u64 + 1))
    })
}

/// Turns a YAML/serde error into a located config error with a suggestion.
pub(crate) fn yaml_error(file: &str, e: &serde_saphyr::Error) -> Error {
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let raw = strip_location(&e.without_snippet().to_string());
    let suggestion = unknown_name_suggestion(&raw);
    Error::Config {
        file: file.to_string(),
        line,
        column,
        message: friendly(&raw),
        suggestion,
    }
}

/// serde-saphyr appends " at line X, column Y"; devsvc puts the position first.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Says what was expected in words a services.yaml author uses.
fn friendly(message: &str) -> String {
    let known = [
        (
            "expected mapping start",
            "expected a map of settings here (`key: value` lines, or `{}` for none)",
        ),
        (
            "expected sequence start",
            "expected a list here (`[a, b]`, or `- item` lines)",
        ),
        ("invalid u16", "expected a port number from 1 to 65535"),
        ("invalid boolean", "expected `true` or `false`"),
        ("invalid usize", "expected a whole number"),
    ];
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return format!("`{key}` appears twice in the same map; keep one");
    }
    for (raw, nice) in known {
        if message.trim() == raw {
            return nice.to_string();
        }
    }
    message.to_string()
}

/// For "unknown field `x`, expected one of a, b" (and variants): the
/// closest valid name.
fn unknown_name_suggestion(message: &str) -> Option<String> {
    let rest = message
        .split("unknown field `")
        .nth(1)
        .or_else(|| message.split("unknown variant `").nth(1))?;
    let (field, expected) = rest.split_once('`')?;
    let list = expected
        .split("expected one of ")
        .nth(1)
        .or_else(|| expected.split("expected ").nth(1))?;
    let candidates: Vec<&str> = list
        .split(", ")
        .map(|c| c.trim_matches(|ch: char| ch == '`' || ch.is_whitespace()))
        .collect();
    did_you_mean(field, candidates.iter().copied())
}
