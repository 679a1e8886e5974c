//! `devsvc env`: the variables of the running services (and of services
//! whose ports are all pinned), printed as dotenv, JSON or shell, or merged
//! into the env file with `--write`. Starts nothing.
use indexmap::IndexMap;

use crate::cli::EnvFormat;
use crate::context::Context;
use crate::error::Result;
use crate::lifecycle::{variables, write_env_file};

pub(crate) async fn run(ctx: &Context, format: EnvFormat, write: bool) -> Result<()> {
    let (project, vars) = variables::collect(ctx).await?;
    if write {
        let _lock = ctx.lock(&project).await?;
        return write_env_file(ctx, &project, &vars);
    }
    let format = if ctx.settings.json {
        EnvFormat::Json
    } else {
        format
    };
    ctx.ui.data(&render(&vars, format))
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
