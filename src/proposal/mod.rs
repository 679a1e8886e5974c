//! A services.yaml being proposed by `devsvc init --from-compose` or
//! `--detect`: services with the notes that say where each came from, the
//! variables each will export, and the prefixes that keep two services'
//! variables apart. `yaml` writes it as a commented file.
use std::collections::HashSet;

pub(crate) mod yaml;

/// A YAML value to write.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub(crate) enum Node {
    Str(String),
    Int(u64),
    List(Vec<Node>),
    Map(Vec<Entry>),
}

impl Node {
    pub(crate) fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    pub(crate) fn list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Node {
        Node::List(items.into_iter().map(|s| Node::Str(s.into())).collect())
    }
}

/// A key, its value, and a comment written after it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Entry {
    pub key: String,
    pub value: Node,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Entry {
    pub(crate) fn new(key: impl Into<String>, value: Node, comment: Option<String>) -> Entry {
        Entry {
            key: key.into(),
            value,
            comment,
        }
    }
}

/// One proposed service.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Service {
    pub name: String,
    /// The built-in template, or `None` for an `inline:` service.
    pub template: Option<String>,
    /// Comment lines written above the service: where it came from.
    pub notes: Vec<String>,
    /// Its keys after `template:`, in order.
    pub entries: Vec<Entry>,
    /// The variables it exports, before any prefix.
    #[serde(skip)]
    pub exports: Vec<String>,
    pub env_prefix: Option<String>,
}

impl Service {
    /// A service of a built-in template, exporting what the template does.
    pub(crate) fn of_template(name: &str, template: &str) -> Service {
        let exports = crate::template::builtin_source(template)
            .and_then(|s| serde_saphyr::from_str::<crate::template::Template>(s).ok())
            .map(|t| t.exports.keys().cloned().collect())
            .unwrap_or_default();
        Service {
            name: name.to_string(),
            template: Some(template.to_string()),
            notes: Vec::new(),
            entries: Vec::new(),
            exports,
            env_prefix: None,
        }
    }

    pub(crate) fn set(&mut self, key: &str, value: Node, comment: Option<String>) {
        self.entries.push(Entry::new(key, value, comment));
    }

    /// The variable names it puts in the env file, prefix included.
    pub(crate) fn variables(&self) -> Vec<String> {
        let prefix = self.env_prefix.as_deref().unwrap_or("");
        self.exports
            .iter()
            .map(|e| format!("{prefix}{e}"))
            .collect()
    }
}

/// A whole proposed file.
#[derive(Debug, Default)]
pub(crate) struct Proposal {
    /// Comment lines at the top.
    pub header: Vec<String>,
    pub services: Vec<Service>,
    /// Profiles the services name, declared at the top level.
    pub profiles: Vec<String>,
}

/// The variable-name prefix devsvc would suggest for a service:
/// `reports` -> `REPORTS_`.
pub(crate) fn prefix_for(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{upper}_")
}

/// Gives every service whose variables an earlier one already exports a
/// prefix of its own name, as `devsvc config` would ask, and says so.
pub(crate) fn separate_exports(services: &mut [Service]) {
    let mut taken: HashSet<String> = HashSet::new();
    for service in services.iter_mut() {
        let clash: Vec<String> = service
            .variables()
            .into_iter()
            .filter(|v| taken.contains(v))
            .collect();
        if !clash.is_empty() && service.env_prefix.is_none() {
            let prefix = prefix_for(&service.name);
            service.notes.push(format!(
                "env_prefix {prefix}: an earlier service already exports {}",
                clash[0]
            ));
            service.env_prefix = Some(prefix);
        }
        taken.extend(service.variables());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_service_of_a_kind_gets_a_prefix() {
        let mut services = vec![
            Service::of_template("db", "postgres"),
            Service::of_template("reports", "postgres"),
            Service::of_template("cache", "redis"),
        ];
        separate_exports(&mut services);
        assert_eq!(services[0].env_prefix, None);
        assert_eq!(services[1].env_prefix.as_deref(), Some("REPORTS_"));
        assert_eq!(services[2].env_prefix, None);
        assert!(
            services[1]
                .variables()
                .contains(&"REPORTS_DATABASE_URL".to_string())
        );
    }
}
