//! `devsvc down [SERVICE...] [--volumes]`: stop and remove this project's
//! containers (only those carrying its labels), then its network, and its
//! volumes with --volumes. The env file is left alone: ports are stable, so
//! it stays right for the next `up`.
use crate::context::Context;
use crate::error::Result;
use crate::lifecycle;

pub(crate) async fn run(ctx: &Context, services: &[String], volumes: bool) -> Result<()> {
    lifecycle::down::down(ctx, services, volumes).await
}
