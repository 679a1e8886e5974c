//! `devsvc status`: one row per service with state, readiness (one probe
//! attempt each), ports and image; `--json` for scripts.
use futures_util::future::join_all;

use super::Context;
use crate::current;
use crate::error::{Error, Result};
use crate::state::State;
use crate::ui::table;

pub async fn run(ctx: &Context) -> Result<()> {
    let project = ctx.load_project()?;
    let engine = ctx.engine().await?;
    let observed = engine.project_containers(&project.name).await?;
    let host = engine.endpoint.service_host();
    let mut state = State::load(&project.name)?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;

    let mut instances = Vec::new();
    for spec in &project.services {
        let running = current::running(spec, &observed).is_some();
        let inst = if running {
            current::instance(
                &project,
                spec,
                &observed,
                &mut state,
                &ctx.placement(&engine, &project),
            )?
        } else {
            None
        };
        instances.push(inst);
    }
    let externals: Vec<Option<crate::external::Resolved>> = project
        .services
        .iter()
        .map(|spec| {
            spec.external
                .as_ref()
                .map(|e| crate::external::resolve(&project.name, spec, e))
                .transpose()
        })
        .collect::<Result<_>>()?;
    let http = &http;
    let host = &host;
    let readiness = join_all(
        instances
            .iter()
            .zip(&externals)
            .map(|(inst, ext)| async move {
                if let Some(ext) = ext {
                    return Some(ext.check(http).await.is_ok());
                }
                let inst = inst.as_ref()?;
                for probe in &inst.probes {
                    if probe.check(host, http).await.is_err() {
                        return Some(false);
                    }
                }
                Some(true)
            }),
    )
    .await;

    let mut rows = Vec::new();
    let mut json = Vec::new();
    for (spec, ready) in project.services.iter().zip(readiness) {
        let container = observed.iter().find(|c| c.service == spec.name);
        let state = match (&spec.external, container) {
            (Some(_), _) => "external".to_string(),
            (None, Some(c)) => c.state.clone(),
            (None, None) => "not created".to_string(),
        };
        let ready_text = match ready {
            Some(true) => "ready",
            Some(false) => "not ready",
            None => "-",
        };
        let ports: Vec<(u16, u16)> = container.map(|c| c.ports.clone()).unwrap_or_default();
        let image = container.map_or(spec.image.clone(), |c| c.image.clone());
        json.push(serde_json::json!({
            "service": spec.name,
            "state": state,
            "ready": ready,
            "container": container.map(|c| c.name.clone()),
            "ports": ports.iter().map(|(inner, outer)| serde_json::json!({"container": inner, "host": outer, "host_ip": host})).collect::<Vec<_>>(),
            "image": image,
        }));
        let (endpoint, image) = match &spec.external {
            // Where an attached resource lives, with any password masked.
            Some(ext) => (crate::external::describe(ext), "-".to_string()),
            None => {
                let ports: Vec<String> = ports
                    .iter()
                    .map(|(inner, outer)| format!("{host}:{outer}->{inner}"))
                    .collect();
                (ports.join(", "), image)
            }
        };
        rows.push(vec![
            spec.name.clone(),
            state,
            ready_text.into(),
            endpoint,
            image,
        ]);
    }
    for orphan in observed
        .iter()
        .filter(|c| !project.services.iter().any(|s| s.name == c.service))
    {
        rows.push(vec![
            orphan.service.clone(),
            format!("{} (not in services.yaml)", orphan.state),
            "-".into(),
            String::new(),
            orphan.image.clone(),
        ]);
    }
    if ctx.cli.json {
        let json = serde_json::to_string_pretty(&json).expect("status serialises");
        ctx.ui.data(&format!("{json}\n"))
    } else {
        ctx.ui.data(&table(
            &["SERVICE", "STATE", "READY", "PORTS", "IMAGE"],
            &rows,
        ))
    }
}
