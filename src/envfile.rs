//! The env file: devsvc owns one marked block in it and nothing else. Every
//! other byte (comments, blank lines, quoting, CRLF, a missing final newline)
//! is kept as it was. Writes are atomic; a new file is created 0600, and
//! an existing one that others may open is made 0600.
use std::path::Path;

use indexmap::IndexMap;

use crate::atomic;
use crate::error::{Error, Result};

pub const BEGIN: &str = "# >>> devsvc";
pub const END: &str = "# <<< devsvc";

/// Renders the block for these variables, with `eol` line endings.
pub fn render_block(project: &str, vars: &IndexMap<String, String>, eol: &str) -> String {
    let mut block = format!(
        "{BEGIN} (project {project}): written by `devsvc up`; edit services.yaml, not this block{eol}"
    );
    for (name, value) in vars {
        block.push_str(&format!("{name}={}{eol}", quote(value)));
    }
    block.push_str(END);
    block.push_str(eol);
    block
}

/// Writes a value so that each reader takes it back exactly and none runs
/// anything: dotenvy, python-dotenv, and a POSIX shell that sources the
/// file (`. ./.env`), where `$`, `` ` `` and `\` inside double quotes are
/// live. The first form that holds for the value is used:
///
/// - plain characters as they are;
/// - without `$` and `` ` ``: double quotes, `"` and `\` escaped (what
///   earlier versions wrote for such values);
/// - without `'` and `\`: single quotes, where a shell takes everything
///   literally;
/// - otherwise the shell's own form: single-quoted runs joined by `\'`,
///   `\\` and a double-quoted line break (dotenvy and a shell read it;
///   python-dotenv, which knows no such joins, does not).
///
/// A line break is written as itself (a shell has no escape for it inside
/// quotes), never where the next line would begin with `#`, so no line of
/// a value can look like the block's markers.
pub fn quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+,=?&".contains(c));
    if plain && !value.is_empty() {
        return value.to_string();
    }
    let lines_safe = !value.contains("\n#");
    if lines_safe && !value.contains(['$', '`']) {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        return format!("\"{escaped}\"");
    }
    if lines_safe && !value.contains(['\'', '\\']) {
        return format!("'{value}'");
    }
    shell_words(value)
}

/// `value` as a shell writes any word: single-quoted runs, with `'` and
/// `\` escaped between them and each line break double-quoted, so the
/// next line starts with a quote.
fn shell_words(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    let mut open = false;
    for c in value.chars() {
        let literal = !matches!(c, '\'' | '\\' | '\n');
        if open != literal {
            out.push('\'');
            open = literal;
        }
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\"\n\""),
            _ => out.push(c),
        }
    }
    if open {
        out.push('\'');
    }
    out
}

/// Why a merge could not be done without risking the user's lines.
#[derive(Debug, PartialEq)]
pub struct MergeError {
    pub line: usize,
    pub message: String,
}

/// Puts `vars` into `existing`: the block is replaced where it stands, or
/// appended at the end on first write. Lines outside it are untouched.
pub fn merge(
    existing: &str,
    project: &str,
    vars: &IndexMap<String, String>,
) -> Result<String, MergeError> {
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let is = |line: &str, marker: &str| line.trim_end().starts_with(marker);
    let begin = lines.iter().position(|l| is(l, BEGIN));
    // The block keeps the line ending it was first written with, so a merge
    // never flips it (found by fuzzing: a file ending in a lone `\r`).
    let crlf = match begin {
        Some(b) => lines[b].ends_with("\r\n"),
        None => existing.contains("\r\n"),
    };
    let eol = if crlf { "\r\n" } else { "\n" };
    let block = render_block(project, vars, eol);
    let Some(begin) = begin else {
        let mut out = existing.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        out.push_str(&block);
        return Ok(out);
    };
    let Some(end) = lines[begin..]
        .iter()
        .position(|l| is(l, END))
        .map(|i| begin + i)
    else {
        return Err(MergeError {
            line: begin + 1,
            message: format!(
                "the devsvc block starts at line {} but its end marker `{END}` is missing; restore it (or remove the block) so devsvc knows which lines are yours",
                begin + 1
            ),
        });
    };
    let mut out: String = lines[..begin].concat();
    out.push_str(&block);
    // Keep the user's missing final newline if the block was last.
    let rest = lines[end + 1..].concat();
    if rest.is_empty() && !lines[end].ends_with('\n') {
        out.truncate(out.len() - eol.len());
    }
    out.push_str(&rest);
    Ok(out)
}

/// What writing the env file did.
#[derive(Debug, Default, PartialEq)]
pub struct Written {
    /// False when the file already held exactly this content.
    pub changed: bool,
    /// The mode the file had when others could open it; it is 0600 now.
    pub tightened: Option<u32>,
    /// User lines outside the block that set a variable devsvc also writes:
    /// (line number, variable).
    pub shadowed: Vec<(usize, String)>,
}

/// Merges and writes atomically; nothing is written when the content would
/// not change. A file others may open (mode 0644, say) is made 0600 first,
/// changed or not: it holds generated passwords. Through a symbolic link,
/// the file it leads to is written and the link stays.
pub fn write(path: &Path, project: &str, vars: &IndexMap<String, String>) -> Result<Written> {
    let tightened = tighten(path)?;
    let existing = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            Error::Runtime(format!(
                "{}: not UTF-8 text; devsvc will not rewrite it",
                path.display()
            ))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path, e)),
    };
    let merged = merge(&existing, project, vars).map_err(|e| Error::Config {
        file: path.display().to_string(),
        line: e.line as u64,
        column: 1,
        message: e.message,
        suggestion: None,
    })?;
    let shadowed = shadowed(&existing, vars);
    let changed = merged != existing;
    if changed {
        atomic::write(path, merged.as_bytes(), 0o600)?;
    }
    Ok(Written {
        changed,
        tightened,
        shadowed,
    })
}

/// Makes an existing file that others may open 0600; its old mode, if so.
fn tighten(path: &Path) -> Result<Option<u32>> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions().mode() & 0o7777,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    if mode & 0o077 == 0 {
        return Ok(None);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(path, e))?;
    Ok(Some(mode))
}

/// User assignments outside devsvc's block to variables devsvc writes. The
/// keys are read with dotenvy; the line is the first that assigns the key.
pub fn shadowed(existing: &str, vars: &IndexMap<String, String>) -> Vec<(usize, String)> {
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let is = |line: &str, marker: &str| line.trim_end().starts_with(marker);
    let begin = lines.iter().position(|l| is(l, BEGIN));
    let end = begin.and_then(|b| lines[b..].iter().position(|l| is(l, END)).map(|i| b + i));
    let outside: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!((begin, end), (Some(b), Some(e)) if *i >= b && *i <= e))
        .map(|(i, l)| (i + 1, *l))
        .collect();
    let text: String = outside.iter().map(|(_, l)| *l).collect();
    let keys: Vec<String> = dotenvy::from_read_iter(text.as_bytes())
        .map_while(Result::ok)
        .map(|(k, _)| k)
        .filter(|k| vars.contains_key(k))
        .collect();
    let mut found = Vec::new();
    for key in keys {
        let line = outside.iter().find(|(_, l)| {
            let l = l.trim_start();
            let l = l.strip_prefix("export ").map_or(l, str::trim_start);
            l.strip_prefix(key.as_str())
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        });
        if let Some((n, _)) = line
            && !found.iter().any(|(_, k)| *k == key)
        {
            found.push((*n, key));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn appends_then_replaces_in_place() {
        let user = "# mine\nexport A='x # y'\r\nB=\"q\"";
        let first = merge(user, "p", &vars(&[("REDIS_URL", "redis://h:1/0")])).unwrap();
        assert!(first.starts_with(user), "{first:?}");
        let second = merge(&first, "p", &vars(&[("REDIS_URL", "redis://h:2/0")])).unwrap();
        assert!(second.starts_with(user));
        assert!(second.contains("REDIS_URL=redis://h:2/0"));
        assert!(!second.contains("h:1"));
        assert_eq!(
            merge(&second, "p", &vars(&[("REDIS_URL", "redis://h:2/0")])).unwrap(),
            second
        );
    }

    #[test]
    fn block_in_the_middle_stays_there() {
        let text = "A=1\n# >>> devsvc old\nX=1\n# <<< devsvc\nZ=2\n";
        let out = merge(text, "p", &vars(&[("X", "2")])).unwrap();
        assert!(out.starts_with("A=1\n# >>> devsvc"));
        assert!(out.ends_with("X=2\n# <<< devsvc\nZ=2\n"), "{out:?}");
    }

    #[test]
    fn user_assignments_to_our_variables_are_found_with_their_line() {
        let text = "# mine\nexport REDIS_URL=redis://elsewhere\nOTHER=1\n# >>> devsvc\nREDIS_URL=x\n# <<< devsvc\n";
        let found = shadowed(text, &vars(&[("REDIS_URL", "y"), ("SMTP_HOST", "h")]));
        assert_eq!(found, vec![(2, "REDIS_URL".to_string())]);
    }

    #[test]
    fn dotenvy_keeps_the_first_assignment() {
        // Documented in the README: with dotenvy a user line above the block wins.
        let text = "DEVSVC_TEST_FIRST_WINS=user\nDEVSVC_TEST_FIRST_WINS=devsvc\n";
        dotenvy::from_read(text.as_bytes()).unwrap();
        assert_eq!(std::env::var("DEVSVC_TEST_FIRST_WINS").unwrap(), "user");
    }

    #[test]
    fn a_trailing_carriage_return_does_not_flip_line_endings() {
        // Minimised from a cargo-fuzz crash.
        let once = merge("\u{18}\r", "p", &vars(&[])).unwrap();
        assert_eq!(merge(&once, "p", &vars(&[])).unwrap(), once);
    }

    #[test]
    fn missing_end_marker_is_refused() {
        let err = merge("A=1\n# >>> devsvc\nX=1\n", "p", &vars(&[])).unwrap_err();
        assert_eq!(err.line, 2);
    }

    /// Values a services.yaml may hand devsvc (a given password, an
    /// external URL): each must come back exactly, through every reader.
    const HOSTILE: &[&str] = &[
        "`touch pwned`",
        "$(touch pwned)",
        "a$(touch pwned)b`touch pwned`c",
        "$HOME ${HOME} $$ $",
        "back\\slash \\\\ two \\n \\$ \\` end\\",
        "\\",
        "double \" quote \"",
        "single ' quote '",
        "it's \"both\" `touch pwned` $(touch pwned) \\",
        "line one\nline two\n",
        "\n# <<< devsvc\n# >>> devsvc\n#",
        "cr\r lf\n crlf\r\n tab\t end",
        "!! !$ ~ * ? [a] {a,b} ; & | < > # = %",
        "ünïcödé 🙂",
        "",
        " ",
        "'",
        "''\"\"",
    ];

    fn hostile() -> IndexMap<String, String> {
        HOSTILE
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("V{i}"), v.to_string()))
            .collect()
    }

    /// `. ./.env` in a POSIX shell: every value exactly, and nothing run.
    #[test]
    fn a_posix_shell_sourcing_the_env_file_gets_each_value_and_runs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let v = hostile();
        let text = merge("USER_LINE=1\n", "p", &v).unwrap();
        std::fs::write(dir.path().join(".env"), &text).unwrap();
        let names: Vec<String> = v.keys().map(|k| format!("\"${k}\"")).collect();
        let script = format!(". ./.env; printf '%s\\0' {}", names.join(" "));
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&script)
            .current_dir(dir.path())
            .env_clear()
            .env("HOME", "/home/someone")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}\n{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !dir.path().join("pwned").exists(),
            "sourcing ran a command:\n{text}"
        );
        let got: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_string)
            .collect();
        assert_eq!(got, v.values().cloned().collect::<Vec<_>>(), "{text}");
    }

    #[test]
    fn hostile_values_round_trip_through_dotenvy_and_merge_again_unchanged() {
        let v = hostile();
        let once = merge("A=1\n", "p", &v).unwrap();
        assert_eq!(merge(&once, "p", &v).unwrap(), once);
        let changed = merge(&once, "p", &vars(&[("B", "2")])).unwrap();
        assert_eq!(
            changed,
            "A=1\n# >>> devsvc (project p): written by `devsvc up`; edit services.yaml, not this block\nB=2\n# <<< devsvc\n"
        );
        let parsed: IndexMap<String, String> = dotenvy::from_read_iter(once.as_bytes())
            .map(Result::unwrap)
            .filter(|(k, _)| k != "A")
            .collect();
        assert_eq!(parsed, v);
    }

    #[test]
    fn values_round_trip_through_dotenvy() {
        let v = vars(&[
            ("A", "plain"),
            ("B", "has space # and \"quote\" $x"),
            ("C", ""),
        ]);
        let text = render_block("p", &v, "\n");
        let parsed: Vec<(String, String)> = dotenvy::from_read_iter(text.as_bytes())
            .map(Result::unwrap)
            .collect();
        assert_eq!(parsed, v.into_iter().collect::<Vec<_>>());
    }
}
