//! `devsvc status`: one row per service with state, ports and image.
use super::Context;
use crate::error::Result;
use crate::ui::table;

pub async fn run(ctx: &Context) -> Result<()> {
    let project = ctx.load_project()?;
    let engine = ctx.engine().await?;
    let observed = engine.project_containers(&project.name).await?;
    let host = engine.endpoint.service_host();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for spec in &project.services {
        let container = observed.iter().find(|c| c.service == spec.name);
        let state = container.map_or("not created".to_string(), |c| c.state.clone());
        let ports: Vec<String> = container
            .map(|c| {
                c.ports
                    .iter()
                    .map(|(inner, outer)| format!("{host}:{outer}->{inner}"))
                    .collect()
            })
            .unwrap_or_default();
        json.push(serde_json::json!({
            "service": spec.name,
            "state": state,
            "container": container.map(|c| c.name.clone()),
            "ports": container.map(|c| c.ports.iter().map(|(i, o)| serde_json::json!({"container": i, "host": o, "host_ip": host})).collect::<Vec<_>>()).unwrap_or_default(),
            "image": container.map_or(spec.image.clone(), |c| c.image.clone()),
        }));
        rows.push(vec![
            spec.name.clone(),
            state,
            ports.join(", "),
            container.map_or(spec.image.clone(), |c| c.image.clone()),
        ]);
    }
    for orphan in observed
        .iter()
        .filter(|c| !project.services.iter().any(|s| s.name == c.service))
    {
        rows.push(vec![
            orphan.service.clone(),
            format!("{} (not in services.yaml)", orphan.state),
            String::new(),
            orphan.image.clone(),
        ]);
    }
    if ctx.cli.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("status serialises")
        );
    } else {
        print!("{}", table(&["SERVICE", "STATE", "PORTS", "IMAGE"], &rows));
    }
    Ok(())
}
