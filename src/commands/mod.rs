//! One module per command. Commands receive resolved settings (`Context`),
//! never raw arguments.
use std::time::Duration;

use crate::cli::{Cli, Command};
use crate::config::{self, LoadOptions, Project, ServiceSpec};
use crate::discovery::{self, Inputs};
use crate::engine::Engine;
use crate::envfile;
use crate::error::{Error, Result};
use crate::instance::{self, Placement};
use crate::state::ProjectLock;
use crate::suggest::closest;
use crate::ui::Ui;
use indexmap::IndexMap;

mod config_cmd;
mod doctor;
mod down;
pub(crate) mod env;
mod init;
mod logs;
mod run_cmd;
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
            profile: self.cli.profile.as_deref(),
        })
    }

    pub async fn engine(&self) -> Result<Engine> {
        Engine::connect(discovery::discover(&Inputs::real())).await
    }

    /// Waits for other devsvc runs that change this project to finish.
    pub async fn lock(&self, project: &Project) -> Result<ProjectLock> {
        let name = project.name.clone();
        tokio::task::spawn_blocking(move || ProjectLock::acquire(&name))
            .await
            .map_err(|e| Error::Runtime(e.to_string()))?
    }

    /// Where services are reached and published: loopback for a local
    /// engine; a remote engine's own host, published on all its addresses
    /// (loopback there would be unreachable from here) unless --host-ip says.
    pub fn placement(&self, engine: &Engine, project: &Project) -> Placement {
        let local = engine.endpoint.is_local();
        let host_ip = self.cli.host_ip.clone().unwrap_or_else(|| {
            if local {
                "127.0.0.1".into()
            } else {
                "0.0.0.0".into()
            }
        });
        Placement {
            host: engine.endpoint.service_host(),
            host_ip,
            stop_grace_secs: i64::from(self.cli.stop_grace),
            network: project
                .network
                .then(|| instance::network_name(&project.name)),
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.cli.timeout)
    }
}

/// Runs the command; `Ok` carries the exit code. Ctrl-C ends a command at
/// once with exit 130, except `run`, which waits for its child.
pub async fn run(cli: Cli) -> Result<u8> {
    let ui = Ui::new(cli.quiet);
    let ctx = Context { cli, ui };
    if matches!(ctx.cli.command, Command::Run { .. }) {
        return dispatch(&ctx).await;
    }
    tokio::select! {
        result = dispatch(&ctx) => result,
        _ = tokio::signal::ctrl_c() => Err(Error::Interrupted),
    }
}

async fn dispatch(ctx: &Context) -> Result<u8> {
    let done = |r: Result<()>| r.map(|()| 0);
    match &ctx.cli.command {
        Command::Up { services } => done(up::run(ctx, services).await),
        Command::Down { services, volumes } => done(down::run(ctx, services, *volumes).await),
        Command::Status => done(status::run(ctx).await),
        Command::Config => done(config_cmd::run(ctx)),
        Command::Init => done(init::run(ctx)),
        Command::Env { format, write } => done(env::run(ctx, *format, *write).await),
        Command::Logs {
            service,
            follow,
            tail,
        } => done(logs::run(ctx, service, *follow, tail).await),
        Command::Run { up, down, command } => run_cmd::run(ctx, *up, *down, command).await,
        Command::Doctor => doctor::run(ctx).await,
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Rendered first: clap_complete panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "devsvc", &mut script);
            crate::ui::write_stdout(&script).map(|()| 0)
        }
    }
}

/// Merges the variables into the project's env file (only when they
/// changed) and warns when the file is not git-ignored.
pub fn write_env_file(
    ctx: &Context,
    project: &Project,
    vars: &IndexMap<String, String>,
) -> Result<()> {
    let written = envfile::write(&project.env_file, &project.name, vars)?;
    if written.changed {
        ctx.ui.event(
            &project.name,
            &format!("wrote {}", project.env_file.display()),
        );
    }
    for (line, var) in &written.shadowed {
        ctx.ui.warn(&format!(
            "{}:{line} sets {var}, which devsvc also writes; loaders disagree on which wins (dotenvy: the first; python-dotenv and docker compose: the last), so remove that line or give the service an env_prefix",
            project.env_file.display()
        ));
    }
    if envfile::git_ignored(&project.env_file) == Some(false) {
        ctx.ui.warn(&format!(
            "{} is not git-ignored and holds generated secrets; add it to .gitignore",
            project.env_file.display()
        ));
    }
    Ok(())
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
