//! Compose's interpolation, applied to every string value of a parsed
//! file (as compose does, after YAML, so a value never changes the file's
//! shape): `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, and `$$`
//! for a literal `$`. Defaults may hold further interpolation. devsvc's
//! own services.yaml interpolation (`crate::interpolate`) is stricter on
//! purpose, so this one is separate.
use serde_json::Value;

/// Why a value could not be interpolated.
#[derive(Debug, PartialEq)]
pub(crate) enum Failure {
    /// `${VAR:?message}` or `${VAR?message}` with VAR unset (or empty).
    Required { name: String, message: String },
    /// A `${` without its `}`, or an invalid name.
    Malformed(String),
}

/// Interpolates every string in `value`; `unset` collects variables
/// used without a default that were not set (compose then warns and uses
/// an empty string). `path` names the value in errors (`services.db.image`).
pub(crate) fn tree(
    value: &mut Value,
    lookup: &dyn Fn(&str) -> Option<String>,
    path: &str,
    unset: &mut Vec<(String, String)>,
) -> Result<(), (String, Failure)> {
    match value {
        Value::String(text) => {
            let mut missing = Vec::new();
            *text = string(text, lookup, &mut missing).map_err(|f| (path.to_string(), f))?;
            unset.extend(missing.into_iter().map(|name| (path.to_string(), name)));
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                tree(item, lookup, &format!("{path}[{i}]"), unset)?;
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                tree(item, lookup, &at, unset)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// One string, interpolated.
pub(crate) fn string(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    missing: &mut Vec<String>,
) -> Result<String, Failure> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('{') {
            let end = closing_brace(inner)
                .ok_or_else(|| Failure::Malformed(format!("`${{{inner}` has no closing `}}`")))?;
            out.push_str(&braced(&inner[..end], lookup, missing)?);
            rest = &inner[end + 1..];
        } else {
            let len = name_len(after);
            if len == 0 {
                // A lone `$` stays, as compose leaves it.
                out.push('$');
                rest = after;
            } else {
                out.push_str(&plain(&after[..len], lookup, missing));
                rest = &after[len..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` closing a `${`, counting nested `${...}`.
fn closing_brace(inner: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn name_len(text: &str) -> usize {
    let mut len = 0;
    for (i, c) in text.char_indices() {
        let ok = c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit());
        if !ok {
            break;
        }
        len = i + c.len_utf8();
    }
    len
}

fn plain(name: &str, lookup: &dyn Fn(&str) -> Option<String>, missing: &mut Vec<String>) -> String {
    lookup(name).unwrap_or_else(|| {
        missing.push(name.to_string());
        String::new()
    })
}

/// The inside of `${...}`: a name and perhaps an operator and its word.
fn braced(
    inner: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    missing: &mut Vec<String>,
) -> Result<String, Failure> {
    let len = name_len(inner);
    let (name, op) = inner.split_at(len);
    if name.is_empty() {
        return Err(Failure::Malformed(format!(
            "`${{{inner}}}` names no variable"
        )));
    }
    let value = lookup(name);
    let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    let word = |w: &str, missing: &mut Vec<String>| string(w, lookup, missing);
    let (operator, w) = match op.find(|c: char| !matches!(c, ':' | '-' | '?' | '+')) {
        Some(i) => op.split_at(i),
        None => (op, ""),
    };
    match operator {
        "" if w.is_empty() => Ok(plain(name, lookup, missing)),
        ":-" => match set_nonempty {
            true => Ok(value.unwrap_or_default()),
            false => word(w, missing),
        },
        "-" => match value {
            Some(v) => Ok(v),
            None => word(w, missing),
        },
        ":?" | "?" => {
            let ok = if operator == ":?" {
                set_nonempty
            } else {
                value.is_some()
            };
            match ok {
                true => Ok(value.unwrap_or_default()),
                false => Err(Failure::Required {
                    name: name.to_string(),
                    message: string(w, lookup, &mut Vec::new())?,
                }),
            }
        }
        ":+" => match set_nonempty {
            true => word(w, missing),
            false => Ok(String::new()),
        },
        "+" => match value {
            Some(_) => word(w, missing),
            None => Ok(String::new()),
        },
        _ => Err(Failure::Malformed(format!(
            "`${{{inner}}}`: expected `:-`, `-`, `:?`, `?`, `:+` or `+` after the name"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<(String, Vec<String>), Failure> {
        let lookup = |name: &str| match name {
            "SET" => Some("v".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let mut missing = Vec::new();
        string(text, &lookup, &mut missing).map(|s| (s, missing))
    }

    fn ok(text: &str) -> String {
        run(text).unwrap().0
    }

    #[test]
    fn compose_operators_follow_compose_rules() {
        assert_eq!(ok("a${SET}b $SET"), "avb v");
        assert_eq!(
            ok("${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}"),
            "d d  d"
        );
        assert_eq!(ok("${SET:+alt} ${EMPTY:+alt}|${EMPTY+alt}"), "alt |alt");
        assert_eq!(ok("$$SET $${SET} cost: 5$"), "$SET ${SET} cost: 5$");
        assert_eq!(ok("${UNSET:-${SET}x}"), "vx");
        assert_eq!(ok("${SET:?never}"), "v");
    }

    #[test]
    fn unset_variables_without_default_are_empty_and_named() {
        assert_eq!(
            run("x${UNSET}y$ALSO").unwrap(),
            ("xy".into(), vec!["UNSET".into(), "ALSO".into()])
        );
    }

    #[test]
    fn required_variables_fail_with_their_message() {
        assert_eq!(
            run("${UNSET:?set the db password}").unwrap_err(),
            Failure::Required {
                name: "UNSET".into(),
                message: "set the db password".into()
            }
        );
        assert!(matches!(run("${EMPTY:?e}"), Err(Failure::Required { .. })));
        assert_eq!(ok("${EMPTY?e}"), "");
        assert!(matches!(run("${SET"), Err(Failure::Malformed(_))));
        assert!(matches!(run("${SET!x}"), Err(Failure::Malformed(_))));
        assert!(matches!(run("${}"), Err(Failure::Malformed(_))));
    }
}
