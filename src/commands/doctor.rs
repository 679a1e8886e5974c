//! `devsvc doctor`: is everything in place? The engine (which one, and why
//! it was chosen), the services file, pinned host ports, external
//! resources, and whether the env file is git-ignored. Exit 3 when the
//! engine cannot be reached, 1 when another check fails.
use crate::config::Project;
use crate::context::Context;
use crate::engine::{Engine, Observed};
use crate::error::{Error, Result};
use crate::external;
use crate::gitignore;
use crate::ports;

/// The checks' lines, printed as they come, and whether any failed.
struct Report<'a> {
    ctx: &'a Context,
    failed: bool,
    /// Stdout was closed: the rest of the report goes unprinted.
    closed: bool,
}

impl Report<'_> {
    fn line(&mut self, ok: bool, what: &str, detail: String) {
        self.failed |= !ok;
        let line = format!("{} {what}: {detail}\n", if ok { "ok  " } else { "FAIL" });
        self.closed = self.closed || self.ctx.ui.data(&line).is_err();
    }
}

pub(crate) async fn run(ctx: &Context) -> Result<u8> {
    let mut report = Report {
        ctx,
        failed: false,
        closed: false,
    };
    let engine = check_engine(&mut report).await?;
    let project = match ctx.load_project() {
        Ok(project) => project,
        Err(e) => {
            report.line(false, "services file", e.to_string());
            return Ok(if engine.is_none() { 3 } else { 2 });
        }
    };
    report.line(
        true,
        "services file",
        format!(
            "{} (project {}, {} services)",
            project.file.display(),
            project.name,
            project.services.len()
        ),
    );
    let observed = match &engine {
        Some(engine) => crate::lifecycle::observe(engine, &project).await?,
        None => Vec::new(),
    };
    check_pinned_ports(&mut report, &project, &observed);
    check_externals(&mut report, &project).await?;
    check_env_file(&mut report, &project);
    if report.closed {
        return Err(Error::OutputClosed);
    }
    Ok(match (engine.is_some(), report.failed) {
        (false, _) => 3,
        (true, true) => 1,
        (true, false) => 0,
    })
}

/// Which engine, why it was chosen, and whether it answers.
async fn check_engine(report: &mut Report<'_>) -> Result<Option<Engine>> {
    let endpoint = report.ctx.settings.endpoint.clone();
    report.line(true, "engine endpoint", endpoint_detail(&endpoint));
    match Engine::connect(endpoint).await {
        Ok(engine) => {
            report.line(
                true,
                "engine",
                format!(
                    "reachable {}, version {}, API {}",
                    engine.reached, engine.version, engine.api_version
                ),
            );
            Ok(Some(engine))
        }
        Err(e @ Error::EngineUnreachable { .. }) => {
            report.line(
                false,
                "engine",
                e.to_string().lines().next().unwrap_or_default().to_string(),
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The engine's address (any password masked) and why it was chosen.
fn endpoint_detail(endpoint: &crate::discovery::Endpoint) -> String {
    format!(
        "{} (chosen by {})",
        crate::config::mask_url(&endpoint.url),
        endpoint.chosen_by
    )
}

/// Each pinned host port is free, or published by the service's own
/// container.
fn check_pinned_ports(report: &mut Report<'_>, project: &Project, observed: &[Observed]) {
    for spec in &project.services {
        for port in &spec.ports {
            let Some(pinned) = port.host else { continue };
            let ours = observed
                .iter()
                .any(|c| c.service == spec.name && c.ports.iter().any(|m| m.host == pinned));
            let free = ours || ports::bindable(pinned);
            let detail = if ours {
                format!(
                    "{pinned} (service {}) is published by its own container",
                    spec.name
                )
            } else if free {
                format!("{pinned} (service {}) is free", spec.name)
            } else {
                format!(
                    "{pinned} (service {}) is in use by another program",
                    spec.name
                )
            };
            report.line(free, "pinned port", detail);
        }
    }
}

/// Every external resource answers its template's own readiness check.
async fn check_externals(report: &mut Report<'_>, project: &Project) -> Result<()> {
    for spec in &project.services {
        let Some(ext) = &spec.external else { continue };
        let attached = external::render(&project.name, spec, ext)?;
        let what = format!("external {}", spec.name);
        match attached.check(&report.ctx.settings.http).await {
            Ok(()) => report.line(true, &what, format!("{} answers", external::describe(ext))),
            Err(e) => report.line(
                false,
                &what,
                format!("{} does not answer: {e}", external::describe(ext)),
            ),
        }
    }
    Ok(())
}

fn check_env_file(report: &mut Report<'_>, project: &Project) {
    let file = project.env_file.display();
    match gitignore::ignored(&project.env_file) {
        Some(true) => report.line(true, "env file", format!("{file} is git-ignored")),
        Some(false) => report.line(
            false,
            "env file",
            format!("{file} is not git-ignored; add it to .gitignore (it holds secrets)"),
        ),
        None => report.line(true, "env file", format!("{file} (not in a git work tree)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_address_is_shown_with_its_password_masked() {
        let endpoint = crate::discovery::Endpoint {
            url: "ssh://me:hunter2@build-box:2222".into(),
            chosen_by: "DOCKER_HOST".into(),
        };
        assert_eq!(
            endpoint_detail(&endpoint),
            "ssh://me:****@build-box:2222 (chosen by DOCKER_HOST)"
        );
    }
}
