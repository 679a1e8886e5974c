//! `devsvc snapshot save|restore|list|rm`: service data saved and put
//! back (`lifecycle/snapshot.rs` does the work).
use crate::cli::SnapshotAction;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lifecycle::snapshot;
use crate::signals::Stops;
use crate::table::table;

/// `save` listens for signals itself, to undo what it began; `restore`
/// ends at once on one, as every command does (its next `up` finishes
/// it: `lifecycle/snapshot.rs`).
pub(crate) async fn run(ctx: &Context, action: SnapshotAction, stops: &mut Stops) -> Result<()> {
    match action {
        SnapshotAction::Save { name, services } => {
            snapshot::save(ctx, &name, &services, stops).await
        }
        SnapshotAction::Restore { name, services } => tokio::select! {
            done = snapshot::restore(ctx, &name, &services) => done,
            stop = stops.next() => Err(Error::Interrupted(stop)),
        },
        SnapshotAction::List => list(ctx),
        SnapshotAction::Rm { name } => snapshot::remove(ctx, &name),
    }
}

fn list(ctx: &Context) -> Result<()> {
    let project = ctx.load_project()?;
    let snapshots = snapshot::list(ctx, &project.name)?;
    if ctx.settings.json {
        let rows: Vec<serde_json::Value> = snapshots
            .iter()
            .map(|(name, meta)| serde_json::json!({"name": name, "created": meta.created, "services": meta.services}))
            .collect();
        let json = serde_json::to_string_pretty(&rows).expect("snapshots serialise");
        return ctx.ui.data(&format!("{json}\n"));
    }
    let rows: Vec<Vec<String>> = snapshots
        .iter()
        .map(|(name, meta)| {
            let bytes: u64 = meta.services.values().map(|s| s.bytes).sum();
            vec![
                name.clone(),
                snapshot::age(meta.created),
                meta.services.keys().cloned().collect::<Vec<_>>().join(", "),
                format!("{:.1} MB", bytes as f64 / 1e6),
            ]
        })
        .collect();
    ctx.ui
        .data(&table(&["NAME", "SAVED", "SERVICES", "SIZE"], &rows))
}
