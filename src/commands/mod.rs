//! One module per command. Commands receive resolved settings (`Context`),
//! never raw arguments.
use std::time::Duration;

use crate::cli::{Cli, Command};
use crate::config::{self, LoadOptions, Project, ServiceSpec};
use crate::discovery::{self, Inputs};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::suggest::closest;
use crate::ui::Ui;

mod config_cmd;
mod down;
mod status;
mod up;

/// Settings resolved from flags, environment and defaults.
pub struct Context {
    pub cli: Cli,
    pub ui: Ui,
}

impl Context {
    pub fn load_project(&self) -> Result<Project> {
        config::load(&LoadOptions {
            file: &self.cli.file,
            project_name: self.cli.project_name.as_deref(),
            image_prefix: self.cli.image_prefix.as_deref(),
        })
    }

    pub async fn engine(&self) -> Result<Engine> {
        Engine::connect(discovery::discover(&Inputs::real())).await
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.cli.timeout)
    }
}

/// Runs the command; `Ok` carries the exit code.
pub async fn run(cli: Cli) -> Result<u8> {
    let ui = Ui::new(cli.quiet);
    let ctx = Context { cli, ui };
    match &ctx.cli.command {
        Command::Up { services } => up::run(&ctx, services).await.map(|()| 0),
        Command::Down { services, volumes } => {
            down::run(&ctx, services, *volumes).await.map(|()| 0)
        }
        Command::Status => status::run(&ctx).await.map(|()| 0),
        Command::Config => config_cmd::run(&ctx).map(|()| 0),
    }
}

/// The services named on the command line (all when none), in file order.
pub fn select<'a>(project: &'a Project, names: &[String]) -> Result<Vec<&'a ServiceSpec>> {
    for name in names {
        if !project.services.iter().any(|s| &s.name == name) {
            let hint = closest(name, project.services.iter().map(|s| s.name.as_str()))
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(Error::Usage(format!(
                "no service `{name}` in {}{hint}",
                project.file.display()
            )));
        }
    }
    Ok(project
        .services
        .iter()
        .filter(|s| names.is_empty() || names.contains(&s.name))
        .collect())
}
