//! A compose project read as compose reads it: which files (the default
//! one and its override, or those given), each parsed (anchors and `<<`
//! merge keys by serde-saphyr), interpolated from the environment and the
//! folder's `.env`, its services' `env_file:` folded into `environment`,
//! `extends` resolved, and the files merged, later over earlier.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::interpolate::{self, Failure};
use crate::error::{Error, Result};

/// The files compose picks in a folder when none is given, in its order.
pub(crate) const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A compose project, merged: its services in the order of the files.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The files read, as named to the user.
    pub files: Vec<String>,
    pub services: IndexMap<String, Value>,
    /// Things compose would warn about (unset variables), said once each.
    pub warnings: Vec<String>,
}

/// The files to read: those given, else the folder's default file and its
/// `.override` sibling (compose applies it too).
pub(crate) fn choose_files(dir: &Path, given: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.iter().map(|f| dir.join(f)).collect());
    }
    let Some(base) = DEFAULT_FILES.iter().find(|f| dir.join(f).is_file()) else {
        return Err(Error::Usage(format!(
            "no compose file in {}: looked for {}; name one: devsvc init --from-compose FILE",
            dir.display(),
            DEFAULT_FILES.join(", ")
        )));
    };
    let mut files = vec![dir.join(base)];
    let stem = base.rsplit_once('.').map_or(*base, |(s, _)| s);
    if let Some(over) = ["yaml", "yml"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.override.{ext}")))
        .find(|p| p.is_file())
    {
        files.push(over);
    }
    Ok(files)
}

/// The environment compose interpolates from: the process's, over the
/// project folder's `.env`.
pub(crate) fn environment(
    dir: &Path,
    process: &HashMap<String, String>,
) -> Result<HashMap<String, String>> {
    let mut vars = HashMap::new();
    let dotenv = dir.join(".env");
    if dotenv.is_file() {
        vars.extend(read_env_file(&dotenv)?);
    }
    vars.extend(process.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(vars)
}

/// Reads and merges the files.
pub(crate) fn load(
    dir: &Path,
    files: &[PathBuf],
    vars: &HashMap<String, String>,
) -> Result<Loaded> {
    let mut reader = Reader {
        dir,
        vars,
        parsed: HashMap::new(),
        warnings: Vec::new(),
    };
    let mut services: IndexMap<String, Value> = IndexMap::new();
    for file in files {
        let resolved = reader.services_of(file, &mut Vec::new())?;
        for (name, service) in resolved {
            match services.get_mut(&name) {
                Some(base) => merge(base, service, ""),
                None => {
                    services.insert(name, service);
                }
            }
        }
    }
    let mut warnings = reader.warnings;
    warnings.dedup();
    Ok(Loaded {
        files: files.iter().map(|f| shown(dir, f)).collect(),
        services,
        warnings,
    })
}

/// A path as the user knows it: relative to the project folder.
pub(crate) fn shown(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

struct Reader<'a> {
    dir: &'a Path,
    vars: &'a HashMap<String, String>,
    /// Each file's services as written (interpolated, env files folded
    /// in), before `extends`.
    parsed: HashMap<PathBuf, IndexMap<String, Value>>,
    warnings: Vec<String>,
}

impl Reader<'_> {
    /// A file's services with `extends` resolved. `stack` holds the
    /// services being resolved, to name a cycle instead of looping.
    fn services_of(
        &mut self,
        file: &Path,
        stack: &mut Vec<(PathBuf, String)>,
    ) -> Result<IndexMap<String, Value>> {
        let names: Vec<String> = self.parsed_file(file)?.keys().cloned().collect();
        let mut out = IndexMap::new();
        for name in names {
            let service = self.service(file, &name, stack)?;
            out.insert(name, service);
        }
        Ok(out)
    }

    fn parsed_file(&mut self, file: &Path) -> Result<&IndexMap<String, Value>> {
        if !self.parsed.contains_key(file) {
            let services = self.parse(file)?;
            self.parsed.insert(file.to_path_buf(), services);
        }
        Ok(&self.parsed[file])
    }

    /// One service with what it `extends` laid under it.
    fn service(
        &mut self,
        file: &Path,
        name: &str,
        stack: &mut Vec<(PathBuf, String)>,
    ) -> Result<Value> {
        let shown_file = shown(self.dir, file);
        let key = (file.to_path_buf(), name.to_string());
        if stack.contains(&key) {
            let chain: Vec<String> = stack.iter().map(|(_, n)| n.clone()).collect();
            return Err(Error::Usage(format!(
                "{shown_file}: services.{name}.extends: a cycle ({} -> {name})",
                chain.join(" -> ")
            )));
        }
        let Some(mut service) = self.parsed_file(file)?.get(name).cloned() else {
            return Err(Error::Usage(format!(
                "{shown_file}: no service `{name}` to extend"
            )));
        };
        let Some(extends) = service
            .as_object_mut()
            .and_then(|m| m.shift_remove("extends"))
        else {
            return Ok(service);
        };
        let (base_name, base_file) = match &extends {
            Value::String(s) => (s.clone(), file.to_path_buf()),
            Value::Object(m) => {
                let base_name = m.get("service").and_then(Value::as_str).ok_or_else(|| {
                    Error::Usage(format!(
                        "{shown_file}: services.{name}.extends needs `service:`"
                    ))
                })?;
                let base_file = match m.get("file").and_then(Value::as_str) {
                    Some(f) => parent(file).join(f),
                    None => file.to_path_buf(),
                };
                (base_name.to_string(), base_file)
            }
            _ => {
                return Err(Error::Usage(format!(
                    "{shown_file}: services.{name}.extends: expected a service name or {{service, file}}"
                )));
            }
        };
        if !base_file.is_file() {
            return Err(Error::Usage(format!(
                "{shown_file}: services.{name}.extends: no file {}",
                shown(self.dir, &base_file)
            )));
        }
        stack.push(key);
        let mut base = self.service(&base_file, &base_name, stack)?;
        stack.pop();
        merge(&mut base, service, "");
        Ok(base)
    }

    /// One file parsed and interpolated, with `environment` made a map and
    /// its `env_file:` entries folded under it.
    fn parse(&mut self, file: &Path) -> Result<IndexMap<String, Value>> {
        let shown_file = shown(self.dir, file);
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        let mut root: Value = serde_saphyr::from_str(&text)
            .map_err(|e| crate::config::yaml_error(&shown_file, &e))?;
        let vars = self.vars;
        let lookup = |name: &str| vars.get(name).cloned();
        let mut unset = Vec::new();
        interpolate::tree(&mut root, &lookup, "", &mut unset)
            .map_err(|(path, failure)| interpolation_error(&shown_file, &text, &path, failure))?;
        for (path, name) in unset {
            self.warnings.push(format!(
                "{shown_file}: {path}: variable `{name}` is not set; compose would use an empty string, and so does this conversion"
            ));
        }
        let services = match root.get_mut("services").map(Value::take) {
            Some(Value::Object(map)) => map,
            Some(Value::Null) | None => Map::new(),
            Some(_) => {
                return Err(Error::Usage(format!(
                    "{shown_file}: `services` must be a map of services"
                )));
            }
        };
        let mut out = IndexMap::new();
        for (name, mut service) in services {
            if service.is_null() {
                service = Value::Object(Map::new());
            }
            let Some(map) = service.as_object_mut() else {
                return Err(Error::Usage(format!(
                    "{shown_file}: services.{name} must be a map"
                )));
            };
            let env = self.environment(file, &name, map)?;
            if !env.is_empty() {
                map.insert("environment".into(), Value::Object(env));
            }
            out.insert(name, service);
        }
        Ok(out)
    }

    /// `env_file:` entries, then `environment:` over them, as one map.
    /// `KEY` alone takes the value from the environment (or is left out,
    /// as compose does when it is unset).
    fn environment(
        &mut self,
        file: &Path,
        name: &str,
        map: &mut Map<String, Value>,
    ) -> Result<Map<String, Value>> {
        let mut env = Map::new();
        for (path, required) in env_files(map.shift_remove("env_file")) {
            let full = parent(file).join(&path);
            if !full.is_file() {
                if required {
                    return Err(Error::Usage(format!(
                        "{}: services.{name}.env_file: no file {path}",
                        shown(self.dir, file)
                    )));
                }
                continue;
            }
            for (k, v) in read_env_file(&full)? {
                env.insert(k, Value::String(v));
            }
        }
        match map.shift_remove("environment") {
            Some(Value::Object(given)) => {
                for (k, v) in given {
                    env.insert(k, Value::String(scalar_text(&v)));
                }
            }
            Some(Value::Array(items)) => {
                for item in items {
                    let item = scalar_text(&item);
                    match item.split_once('=') {
                        Some((k, v)) => {
                            env.insert(k.to_string(), Value::String(v.to_string()));
                        }
                        None => match self.vars.get(&item) {
                            Some(v) => {
                                env.insert(item, Value::String(v.clone()));
                            }
                            None => self.warnings.push(format!(
                                "{}: services.{name}.environment: `{item}` is not set here, so it is left out, as compose leaves it out",
                                shown(self.dir, file)
                            )),
                        },
                    }
                }
            }
            _ => {}
        }
        Ok(env)
    }
}

/// `env_file:` as (path, required) pairs: a string, a list of strings, or
/// a list of `{path, required}`.
fn env_files(value: Option<Value>) -> Vec<(String, bool)> {
    let entry = |v: &Value| match v {
        Value::String(s) => Some((s.clone(), true)),
        Value::Object(m) => m.get("path").and_then(Value::as_str).map(|p| {
            let required = m.get("required").and_then(Value::as_bool).unwrap_or(true);
            (p.to_string(), required)
        }),
        _ => None,
    };
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(entry).collect(),
        Some(v) => entry(&v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// A YAML scalar as compose passes it to a container: numbers and booleans
/// as written, null as empty.
pub(crate) fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn parent(file: &Path) -> &Path {
    file.parent().unwrap_or(Path::new("."))
}

fn read_env_file(path: &Path) -> Result<Vec<(String, String)>> {
    let iter = dotenvy::from_path_iter(path)
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    iter.map(|r| r.map_err(|e| Error::Usage(format!("{}: {e}", path.display()))))
        .collect()
}

/// A located error for a failed interpolation: the first place in the
/// file where the variable appears, else the value's path.
fn interpolation_error(file: &str, text: &str, path: &str, failure: Failure) -> Error {
    let (needle, message, help) = match failure {
        Failure::Required { name, message } => (
            format!("${{{name}"),
            format!(
                "required variable `{name}` is not set{}",
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                }
            ),
            format!("set {name} in the environment or in the folder's .env"),
        ),
        Failure::Malformed(m) => (
            "${".to_string(),
            format!("malformed interpolation at {path}: {m}"),
            "write ${NAME}, ${NAME:-default} or ${NAME:?error}; a literal $ is $$".to_string(),
        ),
    };
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(&needle).map(|c| (i as u64 + 1, c as u64 + 1)))
        .unwrap_or((1, 1));
    Error::Config {
        file: file.to_string(),
        line,
        column,
        message,
        suggestion: Some(help),
    }
}

/// Lays `over` on `base` as compose merges files and `extends`: maps key
/// by key, `command`, `entrypoint` and a healthcheck's `test` replaced,
/// `volumes` by their target, other lists joined without repeats.
pub(crate) fn merge(base: &mut Value, over: Value, key: &str) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (k, v) in over {
                let replaced = matches!(k.as_str(), "command" | "entrypoint" | "test");
                match base.get_mut(&k) {
                    Some(existing) if !replaced => merge(existing, v, &k),
                    _ => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(base), Value::Array(over)) if key == "volumes" => {
            for v in over {
                let target = volume_target(&v);
                match base.iter_mut().find(|b| volume_target(b) == target) {
                    Some(existing) => *existing = v,
                    None => base.push(v),
                }
            }
        }
        (Value::Array(base), Value::Array(over)) => {
            for v in over {
                if !base.contains(&v) {
                    base.push(v);
                }
            }
        }
        (base, over) => *base = over,
    }
}

/// Where a volume entry is mounted in the container.
pub(crate) fn volume_target(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            Some(if parts.len() >= 2 { parts[1] } else { parts[0] }.to_string())
        }
        Value::Object(m) => m.get("target").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merging_follows_compose() {
        let mut base = json!({"image": "a", "command": ["x", "y"], "ports": ["1:1"],
            "volumes": ["d:/data", "./c:/conf"], "environment": {"A": "1", "B": "2"}});
        merge(
            &mut base,
            json!({"command": ["z"], "ports": ["1:1", "2:2"],
            "volumes": ["e:/data"], "environment": {"B": "3"}}),
            "",
        );
        assert_eq!(
            base,
            json!({"image": "a", "command": ["z"], "ports": ["1:1", "2:2"],
            "volumes": ["e:/data", "./c:/conf"], "environment": {"A": "1", "B": "3"}})
        );
    }

    #[test]
    fn merge_keys_and_anchors_are_expanded_by_the_parser() {
        let v: Value = serde_saphyr::from_str(
            "x: &base\n  image: redis\n  environment: { A: 1 }\ny:\n  <<: *base\n  image: valkey\n",
        )
        .unwrap();
        assert_eq!(v["y"], json!({"image": "valkey", "environment": {"A": 1}}));
    }
}
