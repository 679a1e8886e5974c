//! `devsvc down`: stop and remove this project's containers (only those
//! carrying its labels), then its network, and its volumes with --volumes.
//! The env file is left alone: ports are stable, so it stays right for the
//! next `up`.
use futures_util::future::try_join_all;

use super::{Context, select};
use crate::error::Result;
use crate::instance;

pub async fn run(ctx: &Context, services: &[String], volumes: bool) -> Result<()> {
    let project = ctx.load_project()?;
    if !services.is_empty() {
        select(&project, services)?;
    }
    let engine = ctx.engine().await?;
    let _lock = ctx.lock(&project).await?;
    let observed = engine.project_containers(&project.name).await?;
    let targets: Vec<_> = observed
        .iter()
        .filter(|c| services.is_empty() || services.contains(&c.service))
        .collect();
    let grace = ctx.cli.stop_grace as i32;
    let engine_ref = &engine;
    try_join_all(targets.iter().map(|c| async move {
        engine_ref.remove_container(&c.id, grace).await?;
        ctx.ui
            .event(&c.service, &format!("removed container {}", c.name));
        Ok::<_, crate::error::Error>(())
    }))
    .await?;
    if services.is_empty() {
        for network in engine.remove_networks(&project.name).await? {
            ctx.ui
                .event(&project.name, &format!("removed network {network}"));
        }
    }
    if volumes {
        // Only volumes carrying this project's label; with services named,
        // only theirs.
        let only: Option<Vec<String>> = (!services.is_empty()).then(|| {
            services
                .iter()
                .map(|s| instance::volume_name(&project.name, s))
                .collect()
        });
        for volume in engine
            .remove_volumes(&project.name, only.as_deref())
            .await?
        {
            ctx.ui
                .event(&project.name, &format!("removed volume {volume}"));
        }
    }
    if targets.is_empty() {
        ctx.ui.event(&project.name, "nothing to remove");
    }
    Ok(())
}
