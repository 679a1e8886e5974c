//! `{{name}}` placeholders in template values, filled in once the host ports,
//! secrets and buckets of a service are known. Deliberately tiny: templates
//! are data, and this is the only logic they can ask for.
use indexmap::IndexMap;

/// The values a template may refer to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    vars: IndexMap<String, String>,
}

impl Values {
    pub(crate) fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Replaces every `{{name}}`; an unknown name is reported, never left in.
    pub(crate) fn render(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("unclosed `{{{{` in `{text}`"))?;
            let name = after[..end].trim();
            let value = self
                .vars
                .get(name)
                .ok_or_else(|| format!("unknown placeholder `{{{{{name}}}}}` in `{text}`"))?;
            out.push_str(value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The placeholder names used in `text`, for validating templates up front.
pub(crate) fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    names
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
}
