//! `devsvc status`: one row per service with state, readiness (one probe
//! attempt each), ports and image; `--json` for scripts.
use futures_util::future::join_all;

use crate::config::{Project, ServiceSpec};
use crate::context::Context;
use crate::engine::{Engine, Observed, PortMapping};
use crate::error::Result;
use crate::exports::{self, Now};
use crate::external::{self, Attached};
use crate::instance::Instance;
use crate::table::table;

/// What is known of one configured service.
struct Row<'a> {
    spec: &'a ServiceSpec,
    container: Option<&'a Observed>,
    /// `None` when there is nothing to ask (not running).
    ready: Option<bool>,
    /// The web UI's address, when it runs and has one.
    web: Option<String>,
}

pub(crate) async fn run(ctx: &Context) -> Result<()> {
    let project = ctx.load_project()?;
    let engine = ctx.engine().await?;
    let observed = crate::lifecycle::observe(&engine, &project).await?;
    let host = engine.endpoint.service_host();
    let targets = targets(ctx, &engine, &project, &observed)?;
    let readiness = readiness(ctx, &engine, &project, &targets).await;
    let rows: Vec<Row> = project
        .services
        .iter()
        .zip(readiness)
        .zip(&targets)
        .map(|((spec, ready), target)| Row {
            spec,
            container: observed.iter().find(|c| c.service == spec.name),
            ready,
            web: match target {
                Target::Container(inst) => inst.web.clone(),
                _ => None,
            },
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
        ctx.ui.data(&text_table(&rows, &orphans, &host))?;
        let state = ctx.state(&project)?;
        let copied = |volume: &str| state.origin(volume).map(str::to_string);
        ctx.ui.data(&data_note(&project, &observed, &copied))
    }
}

/// Whose data is live, when some follows the git branch; and which
/// containers still mount another branch's (checked out, not yet `up`).
fn data_note(
    project: &Project,
    observed: &[Observed],
    copied: &dyn Fn(&str) -> Option<String>,
) -> String {
    let behind: Vec<&str> = project
        .services
        .iter()
        .filter(|s| s.per_branch)
        .filter(|s| {
            observed.iter().any(|c| {
                c.service == s.name && s.volume.as_ref().is_some_and(|v| !c.volumes.contains(v))
            })
        })
        .map(|s| s.name.as_str())
        .collect();
    match (behind.as_slice(), data_branch(project)) {
        ([], _) | (_, None) => live_note(project, copied),
        (names, Some(branch)) => format!(
            "\nbranch `{branch}` is checked out, but {} still run on another branch's data; `devsvc up` moves them to `{branch}`'s\n",
            names.join(", ")
        ),
    }
}

/// The branch whose data per-branch services use, when in git.
fn data_branch(project: &Project) -> Option<&str> {
    project
        .services
        .iter()
        .find_map(|s| s.data_branch.as_deref())
}

/// Which branch's data is live, and where a copied one came from
/// (`branch_from:`): `redis (copied from main)`.
fn live_note(project: &Project, copied: &dyn Fn(&str) -> Option<String>) -> String {
    let per_branch: Vec<String> = project
        .services
        .iter()
        .filter(|s| s.per_branch && s.data.is_some())
        .map(|s| match s.volume.as_deref().and_then(copied) {
            Some(from) => format!("{} (copied from branch `{from}`)", s.name),
            None => s.name.clone(),
        })
        .collect();
    match (per_branch.as_slice(), data_branch(project)) {
        ([], _) => String::new(),
        (names, Some(branch)) => format!(
            "\ndata of branch `{branch}` is live for {}\n",
            names.join(", ")
        ),
        (names, None) => format!(
            "\nnot in a git repository: {} keep one set of data\n",
            names.join(", ")
        ),
    }
}

/// What to ask of each service: a running container's own probes, or an
/// external resource's check.
fn targets(
    ctx: &Context,
    engine: &Engine,
    project: &Project,
    observed: &[Observed],
) -> Result<Vec<Target>> {
    let state = ctx.state(project)?;
    let placement = ctx.placement(engine, project);
    let mut targets: Vec<Target> = Vec::new();
    for spec in &project.services {
        targets.push(match &spec.external {
            Some(ext) => Target::Attached(Box::new(external::render(&project.name, spec, ext)?)),
            None if exports::running(spec, observed).is_none() => Target::Nothing,
            None => match exports::now(project, spec, observed, &state, &placement)? {
                Now::Known(inst) => Target::Container(inst),
                // Probed with a made-up password it would look broken:
                // its readiness stays unknown, and the warning says why.
                Now::Lost => {
                    ctx.ui.warn(&exports::lost(spec, &state).to_string());
                    Target::Nothing
                }
                Now::Unknown | Now::NotUp => Target::Nothing,
            },
        });
    }
    Ok(targets)
}

/// One probe attempt per service, all at once.
async fn readiness(
    ctx: &Context,
    engine: &Engine,
    project: &Project,
    targets: &[Target],
) -> Vec<Option<bool>> {
    let http = &ctx.settings.http;
    let placement = ctx.placement(engine, project);
    let host = &placement.host;
    join_all(targets.iter().map(|target| async move {
        match target {
            Target::Attached(ext) => Some(ext.check(http).await.is_ok()),
            Target::Container(inst) => {
                for probe in &inst.probes {
                    let reach =
                        crate::probe::Reach::container(host, http, engine, &inst.container.name);
                    if probe.check(&reach).await.is_err() {
                        return Some(false);
                    }
                }
                Some(true)
            }
            Target::Nothing => None,
        }
    }))
    .await
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
                "web": row.web,
                "data_branch": row.spec.data_branch,
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
                row.web.clone().unwrap_or_else(|| "-".into()),
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
            "-".into(),
        ]);
    }
    table(
        &["SERVICE", "STATE", "READY", "PORTS", "IMAGE", "WEB"],
        &cells,
    )
}
