//! `devsvc snapshot save|restore|list|rm`: service data saved and put
//! back (`lifecycle/snapshot.rs` does the work).
use crate::cli::SnapshotAction;
use crate::context::Context;
use crate::error::Result;
use crate::lifecycle::snapshot;
use crate::table::table;

pub(crate) async fn run(ctx: &Context, action: SnapshotAction) -> Result<()> {
    match action {
        SnapshotAction::Save { name, services } => snapshot::save(ctx, &name, &services).await,
        SnapshotAction::Restore { name, services } => {
            snapshot::restore(ctx, &name, &services).await
        }
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
