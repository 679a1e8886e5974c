//! `devsvc doctor`: is everything in place? The engine (which one, and why
//! it was chosen), the services file, pinned host ports, and whether the env
//! file is git-ignored. Exit 3 when the engine cannot be reached, 1 when
//! another check fails.
use super::Context;
use crate::discovery::{self, Inputs};
use crate::engine::Engine;
use crate::envfile;
use crate::error::{Error, Result};
use crate::external;
use crate::ports;

pub async fn run(ctx: &Context) -> Result<u8> {
    let endpoint = discovery::discover(&Inputs::real());
    let mut failed = false;
    // A closed stdout ends the report; the checks still decide nothing more.
    let mut closed = false;
    let mut report = |ok: bool, what: &str, detail: String| {
        failed |= !ok;
        let line = format!("{} {what}: {detail}\n", if ok { "ok  " } else { "FAIL" });
        closed = closed || ctx.ui.data(&line).is_err();
    };
    report(
        true,
        "engine endpoint",
        format!("{} (chosen by {})", endpoint.url, endpoint.chosen_by),
    );
    let engine = match Engine::connect(endpoint).await {
        Ok(engine) => {
            report(
                true,
                "engine",
                format!(
                    "reachable, version {}, API {}",
                    engine.version, engine.api_version
                ),
            );
            Some(engine)
        }
        Err(e @ Error::EngineUnreachable { .. }) => {
            report(
                false,
                "engine",
                e.to_string().lines().next().unwrap_or_default().to_string(),
            );
            None
        }
        Err(e) => return Err(e),
    };
    let project = match ctx.load_project() {
        Ok(project) => project,
        Err(e) => {
            report(false, "services file", e.to_string());
            return Ok(if engine.is_none() { 3 } else { 2 });
        }
    };
    report(
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
        Some(engine) => engine.project_containers(&project.name).await?,
        None => Vec::new(),
    };
    for spec in &project.services {
        for port in &spec.ports {
            let Some(pinned) = port.host else { continue };
            let ours = observed
                .iter()
                .any(|c| c.service == spec.name && c.ports.iter().any(|(_, h)| *h == pinned));
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
            report(free, "pinned port", detail);
        }
    }
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    for spec in &project.services {
        let Some(ext) = &spec.external else { continue };
        let resolved = external::resolve(&project.name, spec, ext)?;
        match resolved.check(&http).await {
            Ok(()) => report(
                true,
                &format!("external {}", spec.name),
                format!("{} answers", external::describe(ext)),
            ),
            Err(e) => report(
                false,
                &format!("external {}", spec.name),
                format!("{} does not answer: {e}", external::describe(ext)),
            ),
        }
    }
    match envfile::git_ignored(&project.env_file) {
        Some(true) => report(
            true,
            "env file",
            format!("{} is git-ignored", project.env_file.display()),
        ),
        Some(false) => report(
            false,
            "env file",
            format!(
                "{} is not git-ignored; add it to .gitignore (it holds secrets)",
                project.env_file.display()
            ),
        ),
        None => report(
            true,
            "env file",
            format!("{} (not in a git work tree)", project.env_file.display()),
        ),
    }
    if closed {
        return Err(Error::OutputClosed);
    }
    Ok(match (engine.is_some(), failed) {
        (false, _) => 3,
        (true, true) => 1,
        (true, false) => 0,
    })
}
