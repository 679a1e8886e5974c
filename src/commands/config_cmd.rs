//! `devsvc config`: the fully resolved configuration.
use std::fmt::Write;

use crate::context::Context;
use crate::error::Result;

pub(crate) fn run(ctx: &Context) -> Result<()> {
    let project = ctx.load_project()?;
    if ctx.settings.json {
        let json = serde_json::to_string_pretty(&project).expect("project serialises");
        return ctx.ui.data(&format!("{json}\n"));
    }
    let mut out = String::new();
    let _ = writeln!(out, "project: {}", project.name);
    let _ = writeln!(out, "env_file: {}", project.env_file.display());
    let _ = writeln!(out, "services:");
    for s in &project.services {
        let _ = writeln!(out, "  {}:", s.name);
        let _ = writeln!(out, "    template: {}", s.template);
        let _ = writeln!(out, "    image: {}", s.image);
        for p in &s.ports {
            let host = p.host.map_or("auto".to_string(), |h| h.to_string());
            let _ = writeln!(
                out,
                "    port {}: {} -> 127.0.0.1:{host}",
                p.name, p.container
            );
        }
        if !s.buckets.is_empty() {
            let _ = writeln!(out, "    buckets: {}", s.buckets.join(", "));
        }
        let vars: Vec<&str> = s.exports.keys().map(String::as_str).collect();
        let _ = writeln!(out, "    exports: {}", vars.join(", "));
    }
    ctx.ui.data(&out)
}
