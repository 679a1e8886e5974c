//! `devsvc status`: one row per service with state, readiness (one probe
//! attempt each), ports and image; `--json` for scripts.
use futures_util::future::join_all;

use crate::config::{Project, ServiceSpec};
use crate::context::Context;
use crate::engine::{Engine, Observed, PortMapping};
use crate::error::Result;
use crate::exports;
use crate::external::{self, Attached};
use crate::instance::Instance;
use crate::state::State;
use crate::table::table;

/// What is known of one configured service.
struct Row<'a> {
    spec: &'a ServiceSpec,
    container: Option<&'a Observed>,
    /// `None` when there is nothing to ask (not running).
    ready: Option<bool>,
}

pub(crate) async fn run(ctx: &Context) -> Result<()> {
    let project = ctx.load_project()?;
    let engine = ctx.engine().await?;
    let observed = engine.project_containers(&project.name).await?;
    let host = engine.endpoint.service_host();
    let readiness = readiness(ctx, &engine, &project, &observed).await?;
    let rows: Vec<Row> = project
        .services
        .iter()
        .zip(readiness)
        .map(|(spec, ready)| Row {
            spec,
            container: observed.iter().find(|c| c.service == spec.name),
            ready,
        })
        .collect();
    let orphans: Vec<&Observed> = observed
        .iter()
        .filter(|c| !project.services.iter().any(|s| s.name == c.service))
        .collect();
    if ctx.settings.json {
        let json =
            serde_json::to_string_pretty(&json_rows(&rows, &host)).expect("status serialises");
        ctx.ui.data(&format!("{json}\n"))
    } else {
        ctx.ui.data(&text_table(&rows, &orphans, &host))
    }
}

/// One probe attempt per service, all at once: a running container's own
/// probes, or an external resource's check.
async fn readiness(
    ctx: &Context,
    engine: &Engine,
    project: &Project,
    observed: &[Observed],
) -> Result<Vec<Option<bool>>> {
    let mut state = State::load(&ctx.settings.state_dir, &project.name)?;
    let placement = ctx.placement(engine, project);
    let mut targets: Vec<Target> = Vec::new();
    for spec in &project.services {
        targets.push(match &spec.external {
            Some(ext) => Target::Attached(Box::new(external::render(&project.name, spec, ext)?)),
            None if exports::running(spec, observed).is_some() => {
                match exports::instance(project, spec, observed, &mut state, &placement)? {
                    Some(inst) => Target::Container(Box::new(inst)),
                    None => Target::Nothing,
                }
            }
            None => Target::Nothing,
        });
    }
    let http = &ctx.settings.http;
    let host = &placement.host;
    Ok(join_all(targets.iter().map(|target| async move {
        match target {
            Target::Attached(ext) => Some(ext.check(http).await.is_ok()),
            Target::Container(inst) => {
                for probe in &inst.probes {
                    if probe.check(host, http).await.is_err() {
                        return Some(false);
                    }
                }
                Some(true)
            }
            Target::Nothing => None,
        }
    }))
    .await)
}

enum Target {
    Attached(Box<Attached>),
    Container(Box<Instance>),
    Nothing,
}

impl Row<'_> {
    fn state(&self) -> String {
        match (&self.spec.external, self.container) {
            (Some(_), _) => "external".to_string(),
            (None, Some(c)) => c.state.clone(),
            (None, None) => "not created".to_string(),
        }
    }

    fn ports(&self) -> &[PortMapping] {
        self.container.map_or(&[], |c| &c.ports)
    }

    fn image(&self) -> String {
        self.container
            .map_or(self.spec.image.clone(), |c| c.image.clone())
    }
}

/// The stable `--json` shape (README, "Machine-readable output").
fn json_rows(rows: &[Row], host: &str) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|row| {
            let ports: Vec<serde_json::Value> = row
                .ports()
                .iter()
                .map(|p| serde_json::json!({"container": p.container, "host": p.host, "host_ip": host}))
                .collect();
            serde_json::json!({
                "service": row.spec.name,
                "state": row.state(),
                "ready": row.ready,
                "container": row.container.map(|c| c.name.clone()),
                "ports": ports,
                "image": row.image(),
            })
        })
        .collect()
}

fn text_table(rows: &[Row], orphans: &[&Observed], host: &str) -> String {
    let mut cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let ready = match row.ready {
                Some(true) => "ready",
                Some(false) => "not ready",
                None => "-",
            };
            let (endpoint, image) = match &row.spec.external {
                // Where an attached resource lives, with any password masked.
                Some(ext) => (external::describe(ext), "-".to_string()),
                None => {
                    let ports: Vec<String> = row
                        .ports()
                        .iter()
                        .map(|p| format!("{host}:{}->{}", p.host, p.container))
                        .collect();
                    (ports.join(", "), row.image())
                }
            };
            vec![
                row.spec.name.clone(),
                row.state(),
                ready.into(),
                endpoint,
                image,
            ]
        })
        .collect();
    for orphan in orphans {
        cells.push(vec![
            orphan.service.clone(),
            format!("{} (not in services.yaml)", orphan.state),
            "-".into(),
            String::new(),
            orphan.image.clone(),
        ]);
    }
    table(&["SERVICE", "STATE", "READY", "PORTS", "IMAGE"], &cells)
}
