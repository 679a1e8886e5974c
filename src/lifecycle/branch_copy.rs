//! `branch_from:`: a new branch's per-branch volumes start as a copy of
//! another branch's. Before `up` plans anything, each service whose
//! branch has no volume yet, while the source branch has one, gets the
//! source's data saved to a tar file (through a container of the service's
//! image that is never started, after the service's own container, which
//! may be running on the source's data, is stopped so the copy is
//! consistent); `up` then makes the new volume from that file, as a
//! snapshot restore does. The copy is remembered for `status`.
use std::collections::HashMap;
use std::path::PathBuf;

use crate::config::Project;
use crate::context::Context;
use crate::engine::Engine;
use crate::error::{Error, Result};

/// The copies to make, by service, and the folder holding their files
/// (removed when dropped).
pub(crate) struct Copies {
    pub(crate) archives: HashMap<String, PathBuf>,
    _folder: Option<tempfile::TempDir>,
}

/// Saves the source branch's data of each service (of `names`, all when
/// empty) whose branch starts now.
pub(crate) async fn prepare(
    ctx: &Context,
    project: &Project,
    engine: &Engine,
    names: &[String],
) -> Result<Copies> {
    let mut copies = Copies {
        archives: HashMap::new(),
        _folder: None,
    };
    let wanted = project
        .services
        .iter()
        .filter(|s| s.branch_source.is_some() && (names.is_empty() || names.contains(&s.name)));
    let mut observed = None;
    for spec in wanted {
        let (Some(source), Some(volume), Some(path)) =
            (&spec.branch_source, &spec.volume, &spec.data)
        else {
            continue;
        };
        if engine.labels_of("volume", volume).await?.is_some()
            || engine.labels_of("volume", &source.volume).await?.is_none()
        {
            continue;
        }
        // Its container may be running on the source's data: stopped, so
        // what is copied is what a clean shutdown left.
        let containers = match &observed {
            Some(found) => found,
            None => observed.insert(engine.project_containers(&project.name).await?),
        };
        if let Some(c) = containers
            .iter()
            .find(|c| c.service == spec.name && c.running && c.volumes.contains(&source.volume))
        {
            engine.stop(&c.id, ctx.settings.stop_grace).await?;
        }
        let folder = match &copies._folder {
            Some(folder) => folder.path().to_path_buf(),
            None => {
                let made = tempfile::Builder::new()
                    .prefix(".branch-copy-")
                    .tempdir_in(ctx.state_dir()?)
                    .map_err(|e| {
                        Error::io(ctx.state_dir().unwrap_or(std::path::Path::new(".")), e)
                    })?;
                let path = made.path().to_path_buf();
                copies._folder = Some(made);
                path
            }
        };
        let archive = folder.join(format!("{}.tar", spec.name));
        let branch = spec.data_branch.as_deref().unwrap_or_default();
        ctx.ui.event(
            &spec.name,
            &format!(
                "copying branch `{}`'s data for branch `{branch}`",
                source.branch
            ),
        );
        if engine
            .save_volume(&project.name, &spec.image, &source.volume, path, &archive)
            .await?
            .is_some()
        {
            copies.archives.insert(spec.name.clone(), archive);
        }
    }
    Ok(copies)
}

/// Remembers where each copied volume's data came from.
pub(crate) fn remember(ctx: &Context, project: &Project, copies: &Copies) -> Result<()> {
    if copies.archives.is_empty() {
        return Ok(());
    }
    let mut state = ctx.state(project)?;
    for spec in project
        .services
        .iter()
        .filter(|s| copies.archives.contains_key(&s.name))
    {
        if let (Some(volume), Some(source)) = (&spec.volume, &spec.branch_source) {
            state.set_origin(volume, &source.branch);
        }
    }
    state.save()
}
