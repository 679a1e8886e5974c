//! `devsvc env`: the variables of the running services (and of services
//! whose ports are all pinned), printed as dotenv, JSON or shell, or merged
//! into the env file with `--write`. Starts nothing.
use indexmap::IndexMap;

use crate::cli::EnvFormat;
use crate::config;
use crate::context::Context;
use crate::error::Result;
use crate::lifecycle::{variables, write_env_file};

pub(crate) async fn run(ctx: &Context, format: EnvFormat, write: bool, mask: bool) -> Result<()> {
    if write {
        // The lock first, then everything read fresh: what is written is
        // what holds once a run that changes the project (an `up`) is done.
        let _lock = ctx.lock(&ctx.load_project()?).await?;
        let (project, vars) = variables::collect(ctx).await?;
        return write_env_file(ctx, &project, &vars);
    }
    let (_, vars) = variables::collect(ctx).await?;
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
        ctx.ui.data(&mask_commands(vars))?;
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

/// An `::add-mask::` command for each secret value, and for the password
/// and secret query values inside a URL (which may show up on their own),
/// escaped as GitHub's workflow commands demand; a value with line breaks
/// is masked line by line, as the runner masks.
fn mask_commands(vars: &IndexMap<String, String>) -> String {
    let mut values = indexmap::IndexSet::new();
    for (_, value) in vars.iter().filter(|(k, v)| is_secret(k, v)) {
        values.insert(value.clone());
        values.extend(config::url_secrets(value));
    }
    values
        .iter()
        .flat_map(|value| value.lines())
        .filter(|line| !line.is_empty())
        .map(|line| format!("::add-mask::{}\n", workflow_escape(line)))
        .collect()
}

/// A value as a GitHub workflow command carries it: `%`, CR and LF
/// percent-encoded, which the runner decodes.
fn workflow_escape(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Passwords, secrets, keys and tokens by name, and URLs that carry a
/// password or a secret query parameter.
fn is_secret(name: &str, value: &str) -> bool {
    !value.is_empty() && (config::secret_name(name) || !config::url_secrets(value).is_empty())
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

    fn one(name: &str, value: &str) -> IndexMap<String, String> {
        [(name.to_string(), value.to_string())]
            .into_iter()
            .collect()
    }

    #[test]
    fn urls_with_a_secret_in_the_query_string_are_masked() {
        let url = "postgres://h:5432/app?user=app&password=hunter2";
        assert!(is_secret("DATABASE_URL", url));
        let commands = mask_commands(&one("DATABASE_URL", url));
        assert!(
            commands.lines().any(|l| l == format!("::add-mask::{url}")),
            "{commands}"
        );
        assert!(
            commands.lines().any(|l| l == "::add-mask::hunter2"),
            "the password alone too:\n{commands}"
        );
        assert!(!is_secret(
            "DATABASE_URL",
            "postgres://h:5432/app?sslmode=require"
        ));
    }

    /// GitHub's workflow commands: `%`, CR and LF escaped in the value, or
    /// the runner masks something else than the secret.
    #[test]
    fn add_mask_values_are_escaped_for_workflow_commands() {
        let commands = mask_commands(&one("API_TOKEN", "a%0Ab\rc%d"));
        assert_eq!(commands, "::add-mask::a%250Ab%0Dc%25d\n");
        let commands = mask_commands(&one("API_TOKEN", "one\r\ntwo\rthree\n"));
        assert_eq!(
            commands, "::add-mask::one\n::add-mask::two%0Dthree\n",
            "each line masked, a lone CR escaped"
        );
    }
}
