//! The variables of a project's services as they run now (and of its
//! external resources), as `up` would write them. Starts nothing.
use indexmap::IndexMap;

use crate::config::Project;
use crate::context::Context;
use crate::error::Result;
use crate::exports;
use crate::instance::Placement;

/// The project and its variables, in services.yaml order. A service that
/// `up` has not run for yet (its generated password does not exist) is
/// left out, with a warning saying so; none is ever made up here.
pub(crate) async fn collect(ctx: &Context) -> Result<(Project, IndexMap<String, String>)> {
    let project = ctx.load_project()?;
    let state = ctx.state(&project)?;
    // Attached resources only: no container engine is needed at all.
    let exported = if project.services.iter().all(|s| s.external.is_some()) {
        let placement = Placement {
            host: String::new(),
            host_ip: String::new(),
            stop_grace: ctx.settings.stop_grace,
            network: None,
            tunnel: None,
            forwards: Default::default(),
        };
        exports::exports(&project, &[], &[], &state, &placement)?
    } else {
        let engine = ctx.engine().await?;
        let observed = super::observe(&engine, &project).await?;
        let placement = ctx.placement(&engine, &project);
        exports::exports(&project, &[], &observed, &state, &placement)?
    };
    for service in &exported.not_up {
        ctx.ui.warn(&exports::not_up(service));
    }
    Ok((project, exported.vars))
}
