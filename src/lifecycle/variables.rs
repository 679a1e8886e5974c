//! The variables of a project's services as they run now (and of its
//! external resources), as `up` would write them. Starts nothing.
use indexmap::IndexMap;

use crate::config::Project;
use crate::context::Context;
use crate::error::Result;
use crate::exports;
use crate::instance::Placement;

/// The project and its variables, in services.yaml order.
pub(crate) async fn collect(ctx: &Context) -> Result<(Project, IndexMap<String, String>)> {
    let project = ctx.load_project()?;
    let mut state = ctx.state(&project)?;
    // Attached resources only: no container engine is needed at all.
    if project.services.iter().all(|s| s.external.is_some()) {
        let placement = Placement {
            host: String::new(),
            host_ip: String::new(),
            stop_grace: ctx.settings.stop_grace,
            network: None,
        };
        let vars = exports::exports(&project, &[], &[], &mut state, &placement)?;
        return Ok((project, vars));
    }
    let engine = ctx.engine().await?;
    let observed = engine.project_containers(&project.name).await?;
    let placement = ctx.placement(&engine, &project);
    let vars = exports::exports(&project, &[], &observed, &mut state, &placement)?;
    Ok((project, vars))
}
