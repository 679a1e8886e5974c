//! `devsvc cache ls|clear`: the init cache in the state folder (copies of
//! freshly initialised databases, `init_cache.rs`).
use crate::cli::CacheAction;
use crate::context::Context;
use crate::error::Result;
use crate::init_cache::Cache;
use crate::table::table;

pub(crate) fn run(ctx: &Context, action: CacheAction) -> Result<()> {
    let cache = Cache::new(ctx.state_dir()?);
    match action {
        CacheAction::Ls => {
            let rows: Vec<Vec<String>> = cache
                .list()
                .into_iter()
                .map(|(key, meta)| {
                    vec![
                        key,
                        meta.service,
                        meta.image,
                        format!("{:.1} MB", meta.bytes as f64 / 1e6),
                        crate::lifecycle::snapshot::age(meta.created),
                    ]
                })
                .collect();
            if rows.is_empty() {
                ctx.ui.event("cache", "the init cache is empty");
                return Ok(());
            }
            ctx.ui.data(&table(
                &["KEY", "SERVICE", "IMAGE", "SIZE", "CREATED"],
                &rows,
            ))
        }
        CacheAction::Clear => {
            let removed = cache.clear();
            ctx.ui
                .event("cache", &format!("removed {removed} init cache entries"));
            Ok(())
        }
    }
}
