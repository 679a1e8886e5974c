//! `devsvc seed [SERVICE...] [--force]`: applies seed data again, to
//! services that run: without `--force` only where the data is empty, with
//! it over the data (seeded keys and objects get their seeded values back,
//! everything else stays).
use futures_util::future::join_all;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::exports;
use crate::lifecycle::select_fitting;
use crate::provision::{self, Seeded};

pub(crate) async fn run(ctx: &Context, names: &[String], force: bool) -> Result<()> {
    let project = ctx.load_project()?;
    let seeded = select_fitting(
        &project,
        names,
        |s| s.seed.is_some() && s.external.is_none(),
        |name| {
            format!(
                "service `{name}` has no `seed:` that devsvc applies (databases take theirs as `init:`, which the image runs on a new volume; external resources are not seeded)"
            )
        },
    )?;
    if seeded.is_empty() {
        ctx.ui.event(&project.name, "no service has `seed:`");
        return Ok(());
    }
    let engine = ctx.engine().await?;
    let _lock = ctx.lock(&project).await?;
    let observed = crate::lifecycle::observe(&engine, &project).await?;
    let state = ctx.state(&project)?;
    let placement = ctx.placement(&engine, &project);
    let mut errors = Vec::new();
    let mut running = Vec::new();
    for spec in seeded {
        match exports::running_instance(&project, spec, &observed, &state, &placement)? {
            Some(inst) => running.push(inst),
            None => errors.push(Error::Runtime(format!(
                "service `{0}` is not running; run `devsvc up {0}` first",
                spec.name
            ))),
        }
    }
    let http = &ctx.settings.http;
    let outcomes = join_all(
        running
            .iter()
            .map(|inst| provision::apply_seed(inst, &placement.host, http, force)),
    )
    .await;
    for (inst, outcome) in running.iter().zip(outcomes) {
        match outcome {
            Ok(Seeded::Applied(what)) => ctx.ui.event(&inst.service, &format!("seeded {what}")),
            Ok(Seeded::HasData) => ctx.ui.event(
                &inst.service,
                "holds data already: left as it is (`devsvc seed --force` applies the seed over it)",
            ),
            Err(message) => errors.push(Error::Provision {
                service: inst.service.clone(),
                message,
            }),
        }
    }
    Error::all(errors)
}
