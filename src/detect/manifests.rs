//! The dependencies an app's manifests name, per package ecosystem: JSON
//! (package.json, composer.json) through serde_json, TOML (pyproject.toml,
//! Pipfile, Cargo.toml) through toml_edit, XML (pom.xml, *.csproj)
//! through quick-xml, and the line formats (requirements*.txt, Gemfile,
//! go.mod, build.gradle) by a scan of their one declaration syntax.
use std::path::Path;

use crate::error::{Error, Result};

/// One dependency and the file that names it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dependency {
    /// The ecosystem's section in `data/detect.yaml`.
    pub ecosystem: &'static str,
    pub name: String,
    pub file: String,
}

/// The manifests in `dir` (not its subfolders), in a fixed order, and the
/// dependencies they name.
pub(crate) fn read(dir: &Path) -> Result<(Vec<String>, Vec<Dependency>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut files = Vec::new();
    let mut deps = Vec::new();
    for name in names {
        let Some(reader) = reader_for(&name) else {
            continue;
        };
        let text =
            std::fs::read_to_string(dir.join(&name)).map_err(|e| Error::io(dir.join(&name), e))?;
        let (ecosystem, found) = reader(&text).map_err(|m| Error::Usage(format!("{name}: {m}")))?;
        deps.extend(found.into_iter().map(|n| Dependency {
            ecosystem,
            name: n,
            file: name.clone(),
        }));
        files.push(name);
    }
    Ok((files, deps))
}

type Reader = fn(&str) -> Result<(&'static str, Vec<String>), String>;

fn reader_for(name: &str) -> Option<Reader> {
    Some(match name {
        "package.json" => |t| {
            Ok((
                "npm",
                json_keys(
                    t,
                    &[
                        "dependencies",
                        "devDependencies",
                        "optionalDependencies",
                        "peerDependencies",
                    ],
                )?,
            ))
        },
        "composer.json" => |t| Ok(("composer", json_keys(t, &["require", "require-dev"])?)),
        "pyproject.toml" => |t| Ok(("pypi", pyproject(t)?)),
        "Pipfile" => |t| Ok(("pypi", toml_keys(t, &[&["packages"], &["dev-packages"]])?)),
        "Cargo.toml" => |t| Ok(("cargo", cargo(t)?)),
        "Gemfile" => |t| Ok(("rubygems", gemfile(t))),
        "go.mod" => |t| Ok(("go", go_mod(t))),
        "pom.xml" => |t| Ok(("maven", pom(t)?)),
        "build.gradle" | "build.gradle.kts" => |t| Ok(("maven", gradle(t))),
        n if n.starts_with("requirements") && n.ends_with(".txt") => {
            |t| Ok(("pypi", requirements(t)))
        }
        n if n.ends_with(".csproj") => |t| Ok(("nuget", csproj(t)?)),
        _ => return None,
    })
}

fn json_keys(text: &str, sections: &[&str]) -> Result<Vec<String>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(sections
        .iter()
        .filter_map(|s| v.get(*s).and_then(|d| d.as_object()))
        .flat_map(|m| m.keys().cloned())
        .collect())
}

/// A Python requirement's distribution name, normalised (PEP 503 but
/// with `-` only): `Django_Redis[hiredis]>=5` -> `django-redis`.
fn python_name(spec: &str) -> Option<String> {
    let spec = spec.trim();
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(spec.len());
    let name = &spec[..end];
    (!name.is_empty()).then(|| name.to_lowercase().replace(['_', '.'], "-"))
}

fn requirements(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .filter_map(python_name)
        .collect()
}

fn parse_toml(text: &str) -> Result<toml_edit::DocumentMut, String> {
    text.parse::<toml_edit::DocumentMut>()
        .map_err(|e| e.to_string())
}

/// The keys of the tables at these paths.
fn toml_keys(text: &str, paths: &[&[&str]]) -> Result<Vec<String>, String> {
    let doc = parse_toml(text)?;
    Ok(paths
        .iter()
        .filter_map(|path| table_at(doc.as_item(), path))
        .flat_map(|t| t.iter().map(|(k, _)| k.to_string()))
        .map(|k| python_name(&k).unwrap_or(k))
        .collect())
}

fn table_at<'a>(item: &'a toml_edit::Item, path: &[&str]) -> Option<&'a dyn toml_edit::TableLike> {
    let mut item = item;
    for key in path {
        item = item.get(key)?;
    }
    item.as_table_like()
}

/// PEP 621 `[project]` dependencies and optional ones, PEP 735 groups,
/// and Poetry's tables.
fn pyproject(text: &str) -> Result<Vec<String>, String> {
    let doc = parse_toml(text)?;
    let mut names = Vec::new();
    let strings = |item: Option<&toml_edit::Item>| -> Vec<String> {
        item.and_then(|i| i.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .filter_map(python_name)
                    .collect()
            })
            .unwrap_or_default()
    };
    names.extend(strings(
        doc.get("project").and_then(|p| p.get("dependencies")),
    ));
    for table in ["project.optional-dependencies", "dependency-groups"] {
        let path: Vec<&str> = table.split('.').collect();
        if let Some(t) = table_at(doc.as_item(), &path) {
            for (_, group) in t.iter() {
                names.extend(strings(Some(group)));
            }
        }
    }
    let poetry = ["tool", "poetry"];
    if let Some(t) = table_at(doc.as_item(), &[poetry[0], poetry[1], "dependencies"]) {
        names.extend(t.iter().filter_map(|(k, _)| python_name(k)));
    }
    if let Some(groups) = table_at(doc.as_item(), &[poetry[0], poetry[1], "group"]) {
        for (_, group) in groups.iter() {
            if let Some(deps) = group.get("dependencies").and_then(|d| d.as_table_like()) {
                names.extend(deps.iter().filter_map(|(k, _)| python_name(k)));
            }
        }
    }
    Ok(names)
}

/// Cargo's dependency tables (also per target and the workspace's), each
/// crate also as `crate/feature` for the features it turns on.
fn cargo(text: &str) -> Result<Vec<String>, String> {
    let doc = parse_toml(text)?;
    let mut tables: Vec<&dyn toml_edit::TableLike> = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(table_at(doc.as_item(), &[section]));
        tables.extend(table_at(doc.as_item(), &["workspace", section]));
        if let Some(targets) = table_at(doc.as_item(), &["target"]) {
            for (_, target) in targets.iter() {
                tables.extend(target.get(section).and_then(|t| t.as_table_like()));
            }
        }
    }
    let mut names = Vec::new();
    for table in tables {
        for (key, value) in table.iter() {
            let package = value.get("package").and_then(|p| p.as_str()).unwrap_or(key);
            names.push(package.to_string());
            if let Some(features) = value.get("features").and_then(|f| f.as_array()) {
                names.extend(
                    features
                        .iter()
                        .filter_map(|f| f.as_str())
                        .map(|f| format!("{package}/{f}")),
                );
            }
        }
    }
    Ok(names)
}

/// The first quoted word of each `gem` line.
fn gemfile(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("gem "))
        .filter_map(|rest| {
            let rest = rest.trim_start();
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            rest[1..].split(quote).next().map(str::to_string)
        })
        .collect()
}

/// The module paths of `require` lines and blocks, without `/vN`.
fn go_mod(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_block = false;
    for line in text
        .lines()
        .map(|l| l.split("//").next().unwrap_or("").trim())
    {
        let spec = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if line == "require (" {
            in_block = true;
            continue;
        } else if let Some(rest) = line.strip_prefix("require ") {
            rest
        } else {
            continue;
        };
        if let Some(path) = spec.split_whitespace().next() {
            names.push(strip_major(path));
        }
    }
    names
}

fn strip_major(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((base, v))
            if v.len() > 1 && v.starts_with('v') && v[1..].chars().all(|c| c.is_ascii_digit()) =>
        {
            base.to_string()
        }
        _ => path.to_string(),
    }
}

/// Quoted `group:artifact[:version]` coordinates in build.gradle(.kts).
fn gradle(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        for (i, piece) in line.split(['"', '\'']).enumerate() {
            let parts: Vec<&str> = piece.split(':').collect();
            let word = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            };
            if i % 2 == 1 && parts.len() >= 2 && word(parts[0]) && word(parts[1]) {
                names.push(format!("{}:{}", parts[0], parts[1]));
            }
        }
    }
    names
}

/// Each element's start (`name`, with its attributes), text (`name`,
/// its text) and end (`/name`), in document order.
fn xml_events(
    text: &str,
    mut on: impl FnMut(&str, Option<&quick_xml::events::BytesStart>, Option<&str>),
) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?
        {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                on(&name, Some(&e), None);
                stack.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                on(&name, Some(&e), None);
            }
            Event::Text(t) => {
                if let Some(name) = stack.last() {
                    let text = t.decode().map_err(|e| e.to_string())?;
                    on(name, None, Some(text.trim()));
                }
            }
            Event::End(e) => {
                stack.pop();
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                on(&format!("/{name}"), None, None);
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// `groupId:artifactId` of each `<dependency>`.
fn pom(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let (mut group, mut artifact) = (String::new(), String::new());
    let mut in_dependency = 0usize;
    xml_events(text, |name, start, text| match (name, start, text) {
        ("dependency", Some(_), None) => {
            in_dependency += 1;
            group.clear();
            artifact.clear();
        }
        ("groupId", None, Some(t)) if in_dependency > 0 => group = t.to_string(),
        ("artifactId", None, Some(t)) if in_dependency > 0 => artifact = t.to_string(),
        ("/dependency", None, None) if in_dependency > 0 => {
            if !artifact.is_empty() {
                names.push(format!("{group}:{artifact}"));
            }
            in_dependency -= 1;
        }
        _ => {}
    })?;
    names.dedup();
    Ok(names)
}

/// `Include` of each `<PackageReference>`.
fn csproj(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    xml_events(text, |name, start, _| {
        if let (Some(e), "PackageReference") = (start, name) {
            for attr in e.attributes().flatten() {
                if attr.key.as_ref() == b"Include" {
                    names.push(String::from_utf8_lossy(&attr.value).into_owned());
                }
            }
        }
    })?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_formats() {
        assert_eq!(
            requirements("Django>=5\npsycopg[binary]==3.2 # db\n-r base.txt\nDjango_Redis\n"),
            ["django", "psycopg", "django-redis"]
        );
        assert_eq!(
            gemfile("source 'x'\ngem \"pg\", \"~> 1.5\"\n  gem 'redis'\n"),
            ["pg", "redis"]
        );
        assert_eq!(
            go_mod(
                "module x\nrequire github.com/lib/pq v1\nrequire (\n\tgithub.com/jackc/pgx/v5 v5.5.0\n\tgithub.com/redis/go-redis/v9 v9.0.0 // indirect\n)\n"
            ),
            [
                "github.com/lib/pq",
                "github.com/jackc/pgx",
                "github.com/redis/go-redis"
            ]
        );
        assert_eq!(
            gradle(
                "implementation 'org.postgresql:postgresql:42.7.3'\nimplementation(\"org.springframework.boot:spring-boot-starter-data-redis\")\nid 'java'\n"
            ),
            [
                "org.postgresql:postgresql",
                "org.springframework.boot:spring-boot-starter-data-redis"
            ]
        );
    }

    #[test]
    fn structured_formats() {
        assert_eq!(pyproject("[project]\ndependencies = [\"asyncpg>=0.29\"]\n[project.optional-dependencies]\ncache = [\"redis\"]\n[tool.poetry.dependencies]\npython = \"^3.12\"\nCelery = \"*\"\n").unwrap(),
            ["asyncpg", "redis", "python", "celery"]);
        assert_eq!(cargo("[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\nredis = \"0.27\"\n").unwrap(), ["sqlx", "sqlx/postgres", "redis"]);
        assert_eq!(pom("<project><dependencies><dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId></dependency></dependencies><build><plugins><plugin><groupId>a</groupId><artifactId>b</artifactId></plugin></plugins></build></project>").unwrap(),
            ["org.postgresql:postgresql"]);
        assert_eq!(csproj("<Project><ItemGroup><PackageReference Include=\"Npgsql\" Version=\"8\" /></ItemGroup></Project>").unwrap(), ["Npgsql"]);
        assert!(
            pom("<project><dependency>").is_err()
                || pom("<project><dependency>").unwrap().is_empty()
        );
        assert!(cargo("[dependencies\n").is_err());
    }
}
