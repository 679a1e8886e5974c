//! `devsvc config`: the fully resolved configuration.
use super::Context;
use crate::error::Result;

pub fn run(ctx: &Context) -> Result<()> {
    let project = ctx.load_project()?;
    if ctx.cli.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&project).expect("project serialises")
        );
        return Ok(());
    }
    println!("project: {}", project.name);
    println!("env_file: {}", project.env_file.display());
    println!("services:");
    for s in &project.services {
        println!("  {}:", s.name);
        println!("    template: {}", s.template);
        println!("    image: {}", s.image);
        for p in &s.ports {
            let host = p.host.map_or("auto".to_string(), |h| h.to_string());
            println!("    port {}: {} -> 127.0.0.1:{host}", p.name, p.container);
        }
        if !s.buckets.is_empty() {
            println!("    buckets: {}", s.buckets.join(", "));
        }
        let vars: Vec<&str> = s.exports.keys().map(String::as_str).collect();
        println!("    exports: {}", vars.join(", "));
    }
    Ok(())
}
