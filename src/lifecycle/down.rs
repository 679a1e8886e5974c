//! Taking a project down: stop and remove its containers (only those
//! carrying its labels), then its network, and its volumes when asked.
use std::collections::HashMap;

use futures_util::future::try_join_all;

use super::select;
use crate::context::Context;
use crate::engine::LABEL_SERVICE;
use crate::error::Result;
use crate::forwards;

/// Removes the named services' containers (all when none, and then the
/// network too), and their volumes with `volumes`.
pub(crate) async fn down(
    ctx: &Context,
    services: &[String],
    volumes: bool,
    all_branches: bool,
) -> Result<()> {
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
    let grace = ctx.settings.stop_grace;
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
        // The SSH forwards the services were reached through end with them.
        let mut state = ctx.state(&project)?;
        if state.forwarder().is_some() {
            forwards::stop(&mut state)?;
            ctx.ui.event(&project.name, "ended its SSH port forwards");
        }
    }
    let on_shared: Vec<&crate::config::ServiceSpec> = project
        .services
        .iter()
        .filter(|s| s.shared.is_some() && (services.is_empty() || services.contains(&s.name)))
        .collect();
    let placement = ctx.placement(&engine, &project);
    super::slices::down(ctx, &engine, &placement, &project, &on_shared, volumes).await?;
    if volumes {
        // Only volumes carrying this project's label; with services named,
        // only theirs; of a per-branch service only the volume of the
        // current branch's data, unless all branches are asked for.
        let wanted = |name: &str, labels: &HashMap<String, String>| {
            let Some(service) = labels.get(LABEL_SERVICE) else {
                return services.is_empty();
            };
            if !services.is_empty() && !services.contains(service) {
                return false;
            }
            match project.services.iter().find(|s| &s.name == service) {
                Some(spec) if spec.per_branch && !all_branches => {
                    spec.volume.as_deref() == Some(name)
                }
                _ => true,
            }
        };
        for volume in engine.remove_volumes(&project.name, wanted).await? {
            ctx.ui
                .event(&project.name, &format!("removed volume {volume}"));
        }
    }
    if targets.is_empty() && on_shared.is_empty() {
        ctx.ui.event(&project.name, "nothing to remove");
    }
    Ok(())
}
