//! `${VAR}` and `${VAR:-default}` in services.yaml, filled from the process
//! environment before parsing (twelve-factor: config lives in the
//! environment). `$$` is a literal `$`; comments are left alone.

/// A variable that is referenced, has no default and is not set.
#[derive(Debug, PartialEq)]
pub struct Missing {
    pub name: String,
    pub line: u64,
    pub column: u64,
}

/// A `${` without its closing brace, or an empty or invalid name.
#[derive(Debug, PartialEq)]
pub enum InterpolateError {
    Missing(Missing),
    Malformed {
        line: u64,
        column: u64,
        text: String,
    },
}

pub fn interpolate(
    source: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, InterpolateError> {
    let mut out = String::with_capacity(source.len());
    for (index, line) in source.split_inclusive('\n').enumerate() {
        let (code, comment) = line.split_at(comment_start(line));
        interpolate_line(code, index as u64 + 1, &lookup, &mut out)?;
        out.push_str(comment);
    }
    Ok(out)
}

fn interpolate_line(
    code: &str,
    line: u64,
    lookup: &impl Fn(&str) -> Option<String>,
    out: &mut String,
) -> Result<(), InterpolateError> {
    let mut rest = code;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let column = (code.len() - rest.len() + dollar) as u64 + 1;
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let malformed = || InterpolateError::Malformed {
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
                .or_else(|| default.map(str::to_string))
                .ok_or_else(|| {
                    InterpolateError::Missing(Missing {
                        name: name.to_string(),
                        line,
                        column,
                    })
                })?;
            out.push_str(&value);
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
        assert_eq!(interpolate("a: ${HOST}\n", env).unwrap(), "a: db.example\n");
        assert_eq!(interpolate("a: ${NOPE:-x y}\n", env).unwrap(), "a: x y\n");
        assert_eq!(interpolate("a: ${EMPTY:-d}\n", env).unwrap(), "a: d\n");
        assert_eq!(interpolate("a: ${EMPTY}\n", env).unwrap(), "a: \n");
        assert_eq!(interpolate("a: $$HOST $x\n", env).unwrap(), "a: $HOST $x\n");
    }

    #[test]
    fn leaves_comments_alone() {
        assert_eq!(
            interpolate("a: 1 # ${NOPE}\n# ${NOPE}\n", env).unwrap(),
            "a: 1 # ${NOPE}\n# ${NOPE}\n"
        );
        assert_eq!(
            interpolate("a: '#${HOST}'\n", env).unwrap(),
            "a: '#db.example'\n"
        );
    }

    #[test]
    fn reports_missing_and_malformed_with_position() {
        assert_eq!(
            interpolate("x: 1\nurl: ${MANAGED_URL}\n", env),
            Err(InterpolateError::Missing(Missing {
                name: "MANAGED_URL".into(),
                line: 2,
                column: 6
            }))
        );
        assert!(matches!(
            interpolate("a: ${HOST\n", env),
            Err(InterpolateError::Malformed {
                line: 1,
                column: 4,
                ..
            })
        ));
        assert!(matches!(
            interpolate("a: ${1X}\n", env),
            Err(InterpolateError::Malformed { .. })
        ));
    }
}
