//! `devsvc down [SERVICE...] [--volumes]`: stop and remove this project's
//! containers (only those carrying its labels), then its network, and its
//! volumes with --volumes (of per-branch data, the current branch's only,
//! unless --all-branches). The env file is left alone: ports are stable, so
//! it stays right for the next `up`.
use crate::context::Context;
use crate::error::Result;
use crate::lifecycle;

pub(crate) async fn run(
    ctx: &Context,
    services: &[String],
    volumes: bool,
    all_branches: bool,
) -> Result<()> {
    lifecycle::down::down(ctx, services, volumes, all_branches).await
}
