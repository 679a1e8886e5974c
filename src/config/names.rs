//! Naming rules: services, projects, S3 buckets and variable prefixes.
use std::path::Path;

/// S3 bucket naming rules: 3-63 characters of lowercase letters, digits,
/// dots and hyphens, starting and ending with a letter or digit.
pub(super) fn validate_bucket(name: &str) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&name.len())
        || !ok_chars
        || !ends_ok(name.chars().next())
        || !ends_ok(name.chars().last())
        || name.contains("..")
    {
        return Err(format!(
            "invalid bucket name `{name}`: S3 bucket names are 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// Database names go into SQL and URLs unquoted: letters, digits and `_`,
/// starting with a letter, at most 63 (PostgreSQL's limit).
pub(crate) fn validate_database(name: &str) -> Result<(), String> {
    let ok = name.len() <= 63
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid database name `{name}`: use letters, digits and `_`, starting with a letter (at most 63)"
        ))
    }
}

pub(super) fn validate_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !first_ok
        || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(
            "use lowercase letters, digits, `-` and `_`, starting with a letter or digit".into(),
        );
    }
    Ok(())
}

pub(super) fn validate_project_name(name: &str) -> Result<String, String> {
    validate_name(name)
        .map(|()| name.to_string())
        .map_err(|m| format!("invalid project name `{name}`: {m}"))
}

/// The folder's name made into a valid project name, like Compose does.
pub(crate) fn sanitize_project_name(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let cleaned: String = raw
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    let cleaned = cleaned.trim_start_matches(['-', '_']).to_string();
    if cleaned.is_empty() {
        "default".into()
    } else {
        cleaned
    }
}

pub(super) fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
