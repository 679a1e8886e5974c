//! `devsvc shared status|down [--volumes]`: the servers projects share
//! (`shared: true`), whichever project asks.
use crate::cli::SharedAction;
use crate::context::Context;
use crate::error::Result;
use crate::shared;
use crate::table::table;

pub(crate) async fn run(ctx: &Context, action: SharedAction) -> Result<()> {
    let engine = ctx.engine().await?;
    let servers = shared::servers(&engine).await?;
    match action {
        SharedAction::Status => {
            let mut rows = Vec::new();
            for (server, c) in &servers {
                let memory = match c.running {
                    true => engine
                        .memory_use(&c.id)
                        .await
                        .map_or("?".into(), |b| format!("{:.1} MB", b as f64 / 1e6)),
                    false => "-".into(),
                };
                let ports: Vec<String> = c.ports.iter().map(|p| p.host.to_string()).collect();
                rows.push(vec![
                    server.clone(),
                    ports.join(", "),
                    c.state.clone(),
                    memory,
                    shared::users(&engine, server).await?.join(", "),
                ]);
            }
            if rows.is_empty() {
                ctx.ui.event("shared", "no shared server on this engine");
                return Ok(());
            }
            ctx.ui.data(&table(
                &["SERVER", "PORT", "STATE", "MEMORY", "PROJECTS"],
                &rows,
            ))
        }
        SharedAction::Down { volumes } => {
            for (server, c) in &servers {
                let projects =
                    shared::remove(&engine, server, c, volumes, ctx.settings.stop_grace).await?;
                let whose = match projects.is_empty() {
                    true => String::new(),
                    false => format!(" (in use by {})", projects.join(", ")),
                };
                let what = match volumes {
                    true => "removed, with its data and every project's slice",
                    false => {
                        "removed (its data stays; the next `up` of a project on it starts it again)"
                    }
                };
                ctx.ui.event(server, &format!("{} {what}{whose}", c.name));
            }
            if servers.is_empty() {
                ctx.ui.event("shared", "no shared server on this engine");
            }
            Ok(())
        }
    }
}
