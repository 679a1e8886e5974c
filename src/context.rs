//! What every command works with: the resolved settings, the output
//! channel, and the steps they all share to reach a project (load its
//! configuration, connect to the engine, lock it, place its services).
use std::path::Path;

use crate::config::{self, LoadOptions, Project};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::instance::{self, Placement};
use crate::lock::ProjectLock;
use crate::settings::Settings;
use crate::state::State;
use crate::ui::Ui;

pub(crate) struct Context {
    pub(crate) settings: Settings,
    pub(crate) ui: Ui,
}

impl Context {
    pub(crate) fn new(settings: Settings) -> Context {
        let ui = Ui::new(&settings);
        Context { settings, ui }
    }

    pub(crate) fn load_project(&self) -> Result<Project> {
        let s = &self.settings;
        config::load(&LoadOptions {
            file: &s.file,
            project_name: s.project_name.as_deref(),
            image_prefix: s.image_prefix.as_deref(),
            profile: s.profile.as_deref(),
            allow_outside_paths: s.allow_outside_paths,
            variables: &s.variables,
        })
    }

    pub(crate) async fn engine(&self) -> Result<Engine> {
        Engine::connect(self.settings.endpoint.clone()).await
    }

    /// The per-user folder of remembered secrets, ports and locks; a usage
    /// error when none is known.
    pub(crate) fn state_dir(&self) -> Result<&Path> {
        self.settings
            .state_dir
            .as_deref()
            .ok_or_else(|| Error::Usage(crate::settings::NO_STATE_DIR.into()))
    }

    /// What devsvc remembers of the project.
    pub(crate) fn state(&self, project: &Project) -> Result<State> {
        State::load(self.state_dir()?, &project.name)
    }

    /// Waits for other devsvc runs that change this project to finish.
    pub(crate) async fn lock(&self, project: &Project) -> Result<ProjectLock> {
        let name = project.name.clone();
        let dir = self.state_dir()?.to_path_buf();
        tokio::task::spawn_blocking(move || ProjectLock::acquire(&dir, &name))
            .await
            .map_err(|e| Error::Runtime(e.to_string()))?
    }

    /// Where services are reached and published: loopback for a local
    /// engine; a remote engine's own host, published on all its addresses
    /// (loopback there would be unreachable from here) unless --host-ip says.
    pub(crate) fn placement(&self, engine: &Engine, project: &Project) -> Placement {
        let local = engine.endpoint.is_local();
        // An engine over SSH keeps its services on its own loopback and
        // they are reached through SSH forwards, unless `--host-ip` asks
        // to publish them on its network.
        let tunnel = match (local, &self.settings.host_ip) {
            (false, None) => crate::engine::SshSpec::parse(&engine.endpoint.url).ok(),
            _ => None,
        };
        let host_ip = self.settings.host_ip.clone().unwrap_or_else(|| {
            if local || tunnel.is_some() {
                "127.0.0.1".into()
            } else {
                "0.0.0.0".into()
            }
        });
        // A local engine publishing on one given address (`--host-ip
        // 127.0.0.2`) is reached there, not on 127.0.0.1, where nothing
        // answers; on all of them (`0.0.0.0`), on loopback.
        let specific = host_ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| !ip.is_unspecified());
        let host = match (local && specific, &tunnel) {
            (true, _) => host_ip.clone(),
            (false, Some(_)) => "127.0.0.1".into(),
            (false, None) => engine.endpoint.service_host(),
        };
        let forwards = match &tunnel {
            Some(_) => self.remembered_forwards(project),
            None => Default::default(),
        };
        Placement {
            host,
            host_ip,
            stop_grace: self.settings.stop_grace,
            network: project
                .network
                .then(|| instance::network_name(&project.name)),
            tunnel,
            forwards,
        }
    }

    /// The local port of each published one, as the state remembers them.
    fn remembered_forwards(&self, project: &Project) -> std::collections::HashMap<u16, u16> {
        let Ok(state) = self.state(project) else {
            return Default::default();
        };
        state
            .forwards()
            .iter()
            .filter_map(|(key, local)| {
                let (service, port) = key.split_once('/')?;
                Some((state.port(service, port)?, *local))
            })
            .collect()
    }
}
