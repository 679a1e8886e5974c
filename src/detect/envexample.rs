//! The variables an app documents in its example env file
//! (`.env.example`, `.env.sample` or `example.env`, the first found):
//! names and example values, read line by line as dotenv files are
//! (comments, `export`, quotes), without failing on a line dotenv would
//! refuse, since an example file is documentation.
use std::path::Path;

use crate::error::{Error, Result};

pub(crate) const FILES: [&str; 3] = [".env.example", ".env.sample", "example.env"];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Variable {
    pub name: String,
    pub value: String,
}

/// The file read (if any) and its variables, in order, each once.
pub(crate) fn read(dir: &Path) -> Result<(Option<String>, Vec<Variable>)> {
    let Some(file) = FILES.iter().find(|f| dir.join(f).is_file()) else {
        return Ok((None, Vec::new()));
    };
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    Ok((Some(file.to_string()), parse(&text)))
}

fn parse(text: &str) -> Vec<Variable> {
    let mut vars: Vec<Variable> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || vars.iter().any(|v| v.name == name) {
            continue;
        }
        let value = value.trim();
        let value = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            Some('#') => "",
            _ => value.split(" #").next().unwrap_or("").trim(),
        };
        vars.push(Variable {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_as_dotenv_reads_them() {
        let vars = parse(
            "# db\nDATABASE_URL=postgres://u:p@localhost/app\nexport REDIS_URL='redis://x' \nSECRET= # fill in\nnot a line\n1BAD=x\nDATABASE_URL=again\n",
        );
        let got: Vec<(&str, &str)> = vars
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("DATABASE_URL", "postgres://u:p@localhost/app"),
                ("REDIS_URL", "redis://x"),
                ("SECRET", "")
            ]
        );
    }
}
