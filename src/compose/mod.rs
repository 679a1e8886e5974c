//! `devsvc init --from-compose`: a docker compose project read by
//! compose's own rules (`load`, `interpolate`), each service turned into a
//! devsvc service or listed as left out (`convert`, using `images` and
//! `parts`), and what became of each told (`report`).
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::proposal::{self, Proposal};

mod convert;
mod images;
mod interpolate;
mod load;
mod parts;
pub(crate) mod report;

pub(crate) use convert::Outcome;

/// A compose project converted.
#[derive(Debug)]
pub(crate) struct Conversion {
    pub files: Vec<String>,
    pub outcomes: Vec<Outcome>,
    pub proposal: Proposal,
    pub warnings: Vec<String>,
}

/// Reads the compose files (the default ones when none is given) in
/// `dir` and proposes the services.yaml that gives the app the same
/// backing services.
pub(crate) fn convert(
    dir: &Path,
    files: &[PathBuf],
    process_env: &HashMap<String, String>,
) -> Result<Conversion> {
    let files = load::choose_files(dir, files)?;
    let vars = load::environment(dir, process_env)?;
    let loaded = load::load(dir, &files, &vars)?;
    let mut outcomes: Vec<Outcome> = loaded
        .services
        .iter()
        .map(|(name, svc)| convert::convert(dir, name, svc))
        .collect();
    let mut services: Vec<proposal::Service> = outcomes
        .iter_mut()
        .filter_map(|o| o.service.take())
        .collect();
    proposal::separate_exports(&mut services);
    let mut profiles: Vec<String> = Vec::new();
    // Only those of services that are kept: a left-out one starts nothing.
    for p in outcomes
        .iter()
        .filter(|o| o.became != "left out")
        .flat_map(|o| &o.profiles)
    {
        if !profiles.contains(p) {
            profiles.push(p.clone());
        }
    }
    let header = report::header(&loaded.files, &outcomes);
    // Handed back so the report can say what each became.
    let mut services = services.into_iter();
    for outcome in outcomes.iter_mut().filter(|o| o.became != "left out") {
        outcome.service = services.next();
    }
    let proposal = Proposal {
        header,
        services: outcomes.iter().filter_map(|o| o.service.clone()).collect(),
        profiles,
    };
    Ok(Conversion {
        files: loaded.files,
        outcomes,
        proposal,
        warnings: loaded.warnings,
    })
}
