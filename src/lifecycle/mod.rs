//! What commands do to a project, below the commands themselves: bring it
//! up, take it down, save and restore its data, read its variables, write
//! its env file. Commands call
//! these; these never call commands.
use indexmap::IndexMap;

use crate::config::{Project, ServiceSpec};
use crate::context::Context;
use crate::envfile;
use crate::error::{Error, Result};
use crate::gitignore;
use crate::suggest;

mod archive_check;
mod branch_copy;
pub(crate) mod down;
mod slices;
pub(crate) mod snapshot;
pub(crate) mod up;
pub(crate) mod variables;

/// The services named on the command line (all when none), in file order.
pub(crate) fn select<'a>(project: &'a Project, names: &[String]) -> Result<Vec<&'a ServiceSpec>> {
    for name in names {
        if !project.services.iter().any(|s| &s.name == name) {
            let hint =
                suggest::did_you_mean(name, project.services.iter().map(|s| s.name.as_str()))
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
            return Err(Error::Usage(format!(
                "no service `{name}` in {}{hint}",
                project.file.display()
            )));
        }
    }
    Ok(project
        .services
        .iter()
        .filter(|s| names.is_empty() || names.contains(&s.name))
        .collect())
}

/// The services a command can work on (`fits`): those named, each of which
/// must fit (else a usage error, `unfit` saying why), or every one that fits
/// when none is named.
pub(crate) fn select_fitting<'a>(
    project: &'a Project,
    names: &[String],
    fits: impl Fn(&ServiceSpec) -> bool,
    unfit: impl Fn(&str) -> String,
) -> Result<Vec<&'a ServiceSpec>> {
    let selected = select(project, names)?;
    if let Some(spec) = selected.iter().find(|s| !names.is_empty() && !fits(s)) {
        return Err(Error::Usage(unfit(&spec.name)));
    }
    Ok(selected.into_iter().filter(|s| fits(s)).collect())
}

/// Merges the variables into the project's env file (only when they
/// changed) and warns when the file is not git-ignored.
pub(crate) fn write_env_file(
    ctx: &Context,
    project: &Project,
    vars: &IndexMap<String, String>,
) -> Result<()> {
    let written = envfile::write(&project.env_file, &project.name, vars)?;
    if let Some(mode) = written.tightened {
        ctx.ui.warn(&format!(
            "{} was open to other users (mode {mode:04o}); it holds secrets, so it is now 0600",
            project.env_file.display()
        ));
    }
    if written.changed {
        ctx.ui.event(
            &project.name,
            &format!("wrote {}", project.env_file.display()),
        );
    }
    for (line, var) in &written.shadowed {
        ctx.ui.warn(&format!(
            "{}:{line} sets {var}, which devsvc also writes; loaders disagree on which wins (dotenvy: the first; python-dotenv and docker compose: the last), so remove that line or give the service an env_prefix",
            project.env_file.display()
        ));
    }
    if gitignore::ignored(&project.env_file) == Some(false) {
        ctx.ui.warn(&format!(
            "{} is not git-ignored and holds generated secrets; add it to .gitignore",
            project.env_file.display()
        ));
    }
    Ok(())
}

/// The project's containers as the reading commands (`env`, `status`,
/// `run`, `seed`, `open`, `logs`, `doctor`) see them: its own, and the
/// shared servers its shared services run on, each seen as that service.
pub(crate) async fn observe(
    engine: &crate::engine::Engine,
    project: &crate::config::Project,
) -> crate::error::Result<Vec<crate::engine::Observed>> {
    let mut observed = engine.project_containers(&project.name).await?;
    observed.extend(crate::shared::observe(engine, project).await?);
    Ok(observed)
}
