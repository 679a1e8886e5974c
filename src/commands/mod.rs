//! One module per command: each turns its arguments and the resolved
//! settings into calls below it (lifecycle, engine, config) and its results
//! into output. Commands never call each other.
use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::signals::Stops;

mod cache;
mod config_cmd;
mod doctor;
mod down;
mod env;
mod init;
mod logs;
mod man;
mod open;
mod run_cmd;
mod schema;
mod seed;
mod shared;
mod snapshot;
mod status;
mod up;

/// Runs the command; `Ok` carries the exit code. SIGINT, SIGTERM and
/// SIGHUP end a command at once with exit 128 plus the signal, except
/// `run`, which hands them to its child and waits for it, and `snapshot`,
/// whose save undoes what it began.
pub async fn run(cli: Cli) -> Result<u8> {
    let ctx = Context::new(Settings::from_cli(&cli)?);
    let command = cli.command;
    let mut stops = Stops::new();
    if let Command::Run { up, down, command } = &command {
        return run_cmd::run(&ctx, *up, *down, command, &mut stops).await;
    }
    if let Command::Snapshot { action } = command {
        return snapshot::run(&ctx, action, &mut stops).await.map(|()| 0);
    }
    tokio::select! {
        result = dispatch(&ctx, command) => result,
        stop = stops.next() => Err(Error::Interrupted(stop)),
    }
}

async fn dispatch(ctx: &Context, command: Command) -> Result<u8> {
    let done = |r: Result<()>| r.map(|()| 0);
    match command {
        Command::Up { services } => done(up::run(ctx, &services).await),
        Command::Down {
            services,
            volumes,
            all_branches,
        } => done(down::run(ctx, &services, volumes, all_branches).await),
        Command::Status => done(status::run(ctx).await),
        Command::Config => done(config_cmd::run(ctx)),
        Command::Init {
            from_compose,
            detect,
            stdout,
        } => done(init::run(ctx, from_compose, detect, stdout)),
        Command::Schema { template } => done(schema::run(ctx, template)),
        Command::Env {
            format,
            write,
            mask,
        } => done(env::run(ctx, format, write, mask).await),
        Command::Logs {
            service,
            follow,
            tail,
        } => done(logs::run(ctx, &service, follow, &tail).await),
        Command::Open { service } => done(open::run(ctx, &service).await),
        Command::Seed { services, force } => done(seed::run(ctx, &services, force).await),
        Command::Shared { action } => done(shared::run(ctx, action).await),
        Command::Cache { action } => done(cache::run(ctx, action)),
        Command::Snapshot { .. } => unreachable!("snapshot is dispatched with the signals"),
        Command::Run { .. } => unreachable!("run is dispatched with the signals"),
        Command::Doctor => doctor::run(ctx).await,
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Rendered first: clap_complete panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "devsvc", &mut script);
            crate::ui::write_stdout(&script).map(|()| 0)
        }
        Command::Man { out } => done(man::run(ctx, out.as_deref())),
    }
}
