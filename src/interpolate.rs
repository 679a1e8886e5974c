//! `${VAR}` and `${VAR:-default}` in services.yaml, filled from the process
//! environment before parsing (twelve-factor: config lives in the
//! environment). `$$` is a literal `$`; comments are left alone.
//!
//! A variable that is not set leaves a marker instead of failing at once:
//! it is an error only if the value is used (a profile that is not chosen
//! may name variables that only its environment sets).

/// A variable that is referenced, has no default and is not set.
#[derive(Debug, PartialEq)]
pub(crate) struct Missing {
    pub name: String,
    pub line: u64,
    pub column: u64,
}

/// A `${` without its closing brace, or an empty or invalid name.
#[derive(Debug, PartialEq)]
pub(crate) struct Malformed {
    pub line: u64,
    pub column: u64,
    pub text: String,
}

/// The text with variables filled in, and the variables that were not set
/// (each replaced by `marker(name)`).
#[derive(Debug, PartialEq)]
pub(crate) struct Interpolated {
    pub text: String,
    pub missing: Vec<Missing>,
}

const MARKER: &str = "__devsvc_unset_";

/// What stands in the text for an unset variable.
pub(crate) fn marker(name: &str) -> String {
    format!("{MARKER}{name}__")
}

/// The first unset variable whose marker appears in `text`.
pub(crate) fn find_missing<'a>(text: &str, missing: &'a [Missing]) -> Option<&'a Missing> {
    missing.iter().find(|m| text.contains(&marker(&m.name)))
}

pub(crate) fn interpolate(
    source: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Interpolated, Malformed> {
    let mut out = Interpolated {
        text: String::with_capacity(source.len()),
        missing: Vec::new(),
    };
    for (index, line) in source.split_inclusive('\n').enumerate() {
        let (code, comment) = line.split_at(comment_start(line));
        interpolate_line(code, index as u64 + 1, &lookup, &mut out)?;
        out.text.push_str(comment);
    }
    Ok(out)
}

fn interpolate_line(
    code: &str,
    line: u64,
    lookup: &impl Fn(&str) -> Option<String>,
    result: &mut Interpolated,
) -> Result<(), Malformed> {
    let out = &mut result.text;
    let mut rest = code;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let column = (code.len() - rest.len() + dollar) as u64 + 1;
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let malformed = || Malformed {
                line,
                column,
                text: format!("${{{}", body.trim_end()),
            };
            let end = body.find('}').ok_or_else(malformed)?;
            let (name, default) = match body[..end].split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (&body[..end], None),
            };
            if !is_var_name(name) {
                return Err(malformed());
            }
            let value = lookup(name)
                .filter(|v| !(default.is_some() && v.is_empty()))
                .or_else(|| default.map(str::to_string));
            match value {
                Some(value) => out.push_str(&value),
                None => {
                    out.push_str(&marker(name));
                    result.missing.push(Missing {
                        name: name.to_string(),
                        line,
                        column,
                    });
                }
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(())
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Byte offset where a YAML comment starts (a `#` at the start or after
/// white space, outside quotes), or the line's length.
fn comment_start(line: &str) -> usize {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => return i,
            None => {}
        }
        previous = c;
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("db.example".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_variables_and_defaults() {
        let text = |s: &str| interpolate(s, env).unwrap().text;
        assert_eq!(text("a: ${HOST}\n"), "a: db.example\n");
        assert_eq!(text("a: ${NOPE:-x y}\n"), "a: x y\n");
        assert_eq!(text("a: ${EMPTY:-d}\n"), "a: d\n");
        assert_eq!(text("a: ${EMPTY}\n"), "a: \n");
        assert_eq!(text("a: $$HOST $x\n"), "a: $HOST $x\n");
    }

    #[test]
    fn leaves_comments_alone() {
        let text = |s: &str| interpolate(s, env).unwrap().text;
        assert_eq!(
            text("a: 1 # ${NOPE}\n# ${NOPE}\n"),
            "a: 1 # ${NOPE}\n# ${NOPE}\n"
        );
        assert_eq!(text("a: '#${HOST}'\n"), "a: '#db.example'\n");
    }

    #[test]
    fn marks_missing_and_reports_malformed_with_position() {
        let result = interpolate("x: 1\nurl: ${MANAGED_URL}\n", env).unwrap();
        let missing = Missing {
            name: "MANAGED_URL".into(),
            line: 2,
            column: 6,
        };
        assert_eq!(result.missing, vec![missing]);
        assert_eq!(
            find_missing(&result.text, &result.missing).unwrap().name,
            "MANAGED_URL"
        );
        assert!(find_missing("url: x", &result.missing).is_none());
        assert!(matches!(
            interpolate("a: ${HOST\n", env),
            Err(Malformed {
                line: 1,
                column: 4,
                ..
            })
        ));
        assert!(interpolate("a: ${1X}\n", env).is_err());
    }
}
