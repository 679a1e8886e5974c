//! `devsvc logs SERVICE [-f]`: a service's container output.
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lifecycle::select;

pub(crate) async fn run(ctx: &Context, service: &str, follow: bool, tail: &str) -> Result<()> {
    let project = ctx.load_project()?;
    select(&project, &[service.to_string()])?;
    let engine = ctx.engine().await?;
    let observed = crate::lifecycle::observe(&engine, &project).await?;
    let container = observed
        .iter()
        .find(|c| c.service == service)
        .ok_or_else(|| {
            Error::Runtime(format!(
                "service `{service}` has no container; run `devsvc up {service}`"
            ))
        })?;
    engine.stream_logs(&container.id, follow, tail).await
}
