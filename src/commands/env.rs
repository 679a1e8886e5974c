//! `devsvc env`: the variables of the running services (and of services
//! whose ports are all pinned), printed as dotenv, JSON or shell, or merged
//! into the env file with `--write`. Starts nothing.
use indexmap::IndexMap;

use crate::cli::EnvFormat;
use crate::context::Context;
use crate::error::Result;
use crate::lifecycle::{variables, write_env_file};

pub(crate) async fn run(ctx: &Context, format: EnvFormat, write: bool, mask: bool) -> Result<()> {
    let (project, vars) = variables::collect(ctx).await?;
    if write {
        let _lock = ctx.lock(&project).await?;
        return write_env_file(ctx, &project, &vars);
    }
    if format == EnvFormat::Github {
        return github(ctx, &vars, mask);
    }
    let format = if ctx.settings.json {
        EnvFormat::Json
    } else {
        format
    };
    ctx.ui.data(&render(&vars, format))
}

/// GitHub Actions: the variables appended to `$GITHUB_ENV` (printed when it
/// is not set), and with `mask` an `::add-mask::` command on stdout for
/// each secret value first, so the runner hides them in every later log.
fn github(ctx: &Context, vars: &IndexMap<String, String>, mask: bool) -> Result<()> {
    if mask {
        let commands: String = vars
            .iter()
            .filter(|(k, v)| is_secret(k, v))
            .flat_map(|(_, v)| {
                v.lines()
                    .map(|line| format!("::add-mask::{line}\n"))
                    .collect::<Vec<_>>()
            })
            .collect();
        ctx.ui.data(&commands)?;
    }
    let text = render(vars, EnvFormat::Github);
    match &ctx.settings.github_env {
        Some(path) => {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .map_err(|e| crate::error::Error::io(path, e))?;
            file.write_all(text.as_bytes())
                .map_err(|e| crate::error::Error::io(path, e))?;
            ctx.ui.event(
                "github",
                &format!("added {} variables to {}", vars.len(), path.display()),
            );
            Ok(())
        }
        None => ctx.ui.data(&text),
    }
}

/// Passwords, secrets, keys and tokens by name, and URLs that carry a
/// password.
fn is_secret(name: &str, value: &str) -> bool {
    let secret_name = ["PASSWORD", "SECRET", "TOKEN", "_KEY"]
        .iter()
        .any(|word| name.contains(word));
    let url_with_password = url::Url::parse(value).is_ok_and(|u| u.password().is_some());
    !value.is_empty() && (secret_name || url_with_password)
}

/// `NAME=value`, or for a value with a line break the heredoc form with a
/// delimiter that occurs nowhere in the value.
fn github_line(name: &str, value: &str) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let mut delimiter = String::from("ghadelimiter_devsvc");
    while value.contains(&delimiter) {
        delimiter.push('_');
    }
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

pub(crate) fn render(vars: &IndexMap<String, String>, format: EnvFormat) -> String {
    match format {
        EnvFormat::Json => serde_json::to_string_pretty(vars).expect("strings serialise") + "\n",
        EnvFormat::Dotenv => vars
            .iter()
            .map(|(k, v)| format!("{k}={}\n", crate::envfile::quote(v)))
            .collect(),
        EnvFormat::Shell => vars
            .iter()
            .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
            .collect(),
        EnvFormat::Github => vars.iter().map(|(k, v)| github_line(k, v)).collect(),
    }
}

fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let vars: IndexMap<String, String> = [
            ("A".to_string(), "it's".to_string()),
            ("B".to_string(), "x y".to_string()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            render(&vars, EnvFormat::Shell),
            "export A='it'\\''s'\nexport B='x y'\n"
        );
        assert_eq!(render(&vars, EnvFormat::Dotenv), "A=\"it's\"\nB=\"x y\"\n");
        let json: serde_json::Value =
            serde_json::from_str(&render(&vars, EnvFormat::Json)).unwrap();
        assert_eq!(json["A"], "it's");
    }
}
