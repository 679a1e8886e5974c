//! `{{name}}` placeholders in template values, filled in once the host ports,
//! secrets and buckets of a service are known. Deliberately tiny: templates
//! are data, and this is the only logic they can ask for. Three filters:
//! `{{password|url}}` percent-encodes the value, for a URL's user,
//! password or path; `|quoted` writes it as a configuration file's quoted
//! string; `|access_key` makes an S3 access key of it.
use indexmap::IndexMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The filters a placeholder may name after `|`.
pub(crate) const FILTERS: &[&str] = &["url", "quoted", "access_key"];

/// The values a template may refer to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    vars: IndexMap<String, String>,
}

impl Values {
    pub(crate) fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Replaces every `{{name}}` (and `{{name|url}}`); an unknown name or
    /// filter is reported, never left in.
    pub(crate) fn render(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("unclosed `{{{{` in `{text}`"))?;
            let (name, filter) = split(&after[..end]);
            let value = self
                .vars
                .get(name)
                .ok_or_else(|| format!("unknown placeholder `{{{{{name}}}}}` in `{text}`"))?;
            // An IPv6 host before `:port` (a URL's, or a `host:port`
            // list's) is written in brackets, `[fd00::5]:6379`; alone (a
            // `*_HOST` variable) it stays bare, as clients take it there.
            let with_port = after[end + 2..].starts_with(':');
            match filter {
                None if name == "host" && with_port => out.push_str(&url_host(value)),
                None => out.push_str(value),
                Some("url") => out.push_str(&url_encode(value)),
                Some("quoted") => out.push_str(&quoted(value)),
                Some("access_key") => out.push_str(&access_key(value)),
                Some(other) => {
                    return Err(format!("unknown filter `|{other}` in `{text}`"));
                }
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `name` and `filter` of a placeholder's inside, ` password | url `.
fn split(inner: &str) -> (&str, Option<&str>) {
    match inner.split_once('|') {
        Some((name, filter)) => (name.trim(), Some(filter.trim())),
        None => (inner.trim(), None),
    }
}

/// Every byte but the unreserved ones (letters, digits, `-._~`) as `%XX`:
/// safe in a URL's user, password and path alike. A generated password
/// (letters, digits, `-_.`) stays as it is.
fn url_encode(value: &str) -> String {
    const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(value, RESERVED).to_string()
}

/// An S3 access key named after `value` (an IAM user's, a project's): its
/// letters and digits, which are all an access key may hold, then eight
/// hex digits of its SHA-256, so names that differ in their other
/// characters (`a_b`, `ab`) keep keys of their own.
pub(crate) fn access_key(value: &str) -> String {
    use sha2::{Digest, Sha256};
    let letters: String = value.chars().filter(char::is_ascii_alphanumeric).collect();
    let digest = hex::encode(Sha256::digest(value.as_bytes()));
    format!("{letters}{}", &digest[..8])
}

/// A host as it goes before `:port`: an IPv6 address in brackets.
pub(crate) fn url_host(host: &str) -> std::borrow::Cow<'_, str> {
    match host.contains(':') && !host.starts_with('[') {
        true => format!("[{host}]").into(),
        false => host.into(),
    }
}

/// A double-quoted string with `\\`, `"` and line breaks escaped: one
/// value in the configuration files templates write (Redis's and NATS's
/// parsers both read these escapes), whatever a given password holds.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The inside of each `{{...}}` in `text`.
fn insides(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        found.push(&after[..end]);
        rest = &after[end + 2..];
    }
    found
}

/// The placeholder names used in `text`, for validating templates up front.
pub(crate) fn placeholders(text: &str) -> Vec<String> {
    insides(text)
        .into_iter()
        .map(|inside| split(inside).0.to_string())
        .collect()
}

/// The filters named in `text` (after `|`), for validating templates.
pub(crate) fn filters(text: &str) -> Vec<String> {
    insides(text)
        .into_iter()
        .filter_map(|inside| split(inside).1.map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_known_and_rejects_unknown() {
        let mut v = Values::default();
        v.set("host", "127.0.0.1");
        v.set("port.redis", "4242");
        assert_eq!(
            v.render("redis://{{host}}:{{ port.redis }}/0").unwrap(),
            "redis://127.0.0.1:4242/0"
        );
        assert!(v.render("{{nope}}").unwrap_err().contains("nope"));
        assert!(v.render("{{host").is_err());
        assert_eq!(placeholders("a{{x}}b{{y.z}}"), vec!["x", "y.z"]);
    }

    #[test]
    fn access_keys_are_letters_and_digits_and_stay_apart() {
        let mut v = Values::default();
        v.set("user", "my_shop");
        let key = v.render("{{user|access_key}}").unwrap();
        assert!(key.starts_with("myshop") && key.len() == 14, "{key}");
        assert!(key.chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
        assert_ne!(access_key("my_shop"), access_key("myshop"));
    }

    #[test]
    fn the_url_filter_percent_encodes_and_nothing_else_does() {
        let mut v = Values::default();
        v.set("password", "p@ss/w:x %ü");
        v.set("user", "app");
        assert_eq!(
            v.render("pg://{{user|url}}:{{ password | url }}@h/{{password}}")
                .unwrap(),
            "pg://app:p%40ss%2Fw%3Ax%20%25%C3%BC@h/p@ss/w:x %ü"
        );
        // Generated passwords (letters, digits, `-`, `_`, `.`) stay as they are.
        v.set("password", "aZ09-_.~");
        assert_eq!(v.render("{{password|url}}").unwrap(), "aZ09-_.~");
        assert!(
            v.render("{{password|base64}}")
                .unwrap_err()
                .contains("base64")
        );
        assert_eq!(
            placeholders("{{ user|url }}:{{port.x}}"),
            vec!["user", "port.x"]
        );
    }

    #[test]
    fn an_ipv6_host_is_bracketed_before_a_port_and_bare_alone() {
        let mut v = Values::default();
        v.set("host", "fd00::5");
        v.set("port.redis", "6379");
        assert_eq!(
            v.render("redis://{{host}}:{{port.redis}}/0 {{host}}")
                .unwrap(),
            "redis://[fd00::5]:6379/0 fd00::5"
        );
        v.set("host", "10.0.0.5");
        assert_eq!(
            v.render("{{host}}:{{port.redis}}").unwrap(),
            "10.0.0.5:6379"
        );
    }

    #[test]
    fn an_ipv6_host_is_bracketed_in_urls() {
        assert_eq!(url_host("fd00::5"), "[fd00::5]");
        assert_eq!(url_host("[fd00::5]"), "[fd00::5]");
        assert_eq!(url_host("10.0.0.5"), "10.0.0.5");
        assert_eq!(url_host("build.example"), "build.example");
    }

    #[test]
    fn the_quoted_filter_escapes_quotes_backslashes_and_line_breaks() {
        let mut v = Values::default();
        v.set("password", "a\"b\\c\nd e#f");
        assert_eq!(
            v.render("requirepass {{password|quoted}}").unwrap(),
            r#"requirepass "a\"b\\c\nd e#f""#
        );
    }
}
