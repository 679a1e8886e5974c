//! `devsvc env`: the variables of the running services (and of services
//! whose ports are all pinned), printed as dotenv, JSON or shell, or merged
//! into the env file with `--write`. Starts nothing.
use indexmap::IndexMap;

use super::Context;
use crate::cli::EnvFormat;
use crate::current;
use crate::error::Result;
use crate::state::State;

/// The variables as `up` would write them, for the services as they run now.
pub async fn collect(ctx: &Context) -> Result<(crate::config::Project, IndexMap<String, String>)> {
    let project = ctx.load_project()?;
    let mut state = State::load(&project.name)?;
    // Attached resources only: no container engine is needed at all.
    if project.services.iter().all(|s| s.external.is_some()) {
        let placement = crate::instance::Placement {
            host: String::new(),
            host_ip: String::new(),
            stop_grace_secs: 0,
            network: None,
        };
        let vars = current::exports(&project, &[], &[], &mut state, &placement)?;
        return Ok((project, vars));
    }
    let engine = ctx.engine().await?;
    let observed = engine.project_containers(&project.name).await?;
    let vars = current::exports(
        &project,
        &[],
        &observed,
        &mut state,
        &ctx.placement(&engine, &project),
    )?;
    Ok((project, vars))
}

pub async fn run(ctx: &Context, format: EnvFormat, write: bool) -> Result<()> {
    let (project, vars) = collect(ctx).await?;
    if write {
        let _lock = ctx.lock(&project).await?;
        return super::write_env_file(ctx, &project, &vars);
    }
    let format = if ctx.cli.json {
        EnvFormat::Json
    } else {
        format
    };
    ctx.ui.data(&render(&vars, format))
}

pub fn render(vars: &IndexMap<String, String>, format: EnvFormat) -> String {
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
