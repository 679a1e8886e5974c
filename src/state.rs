//! What devsvc remembers per project between runs: generated secrets and the
//! host ports it chose, so the env file stays the same across `up` and
//! `down`/`up`. Kept in the user's state folder, never in the project.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::error::{Error, Result};

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
struct Data {
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    #[serde(default)]
    ports: BTreeMap<String, u16>,
    /// Services whose seed data is still to be applied to new data, with
    /// the volume that holds it ("" for a container's own layer).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    seeds_pending: BTreeMap<String, String>,
}

pub(crate) struct State {
    path: PathBuf,
    data: Data,
    saved: Data,
}

impl State {
    /// The project's state in `state_dir` (empty when there is none yet).
    pub(crate) fn load(state_dir: &Path, project: &str) -> Result<State> {
        Self::load_from(&state_dir.join(format!("{project}.json")))
    }

    fn load_from(path: &Path) -> Result<State> {
        let data: Data = match std::fs::read(path) {
            // A damaged file is never replaced: it holds the secrets that
            // data volumes were initialised with, and new ones would lock
            // the user out of their own data.
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Runtime(format!(
                    "{}: the state file is damaged ({e}); it holds this project's generated passwords and host ports, so devsvc leaves it as it is. Repair it, or move it away to start with new passwords (services whose data volume was initialised with the old ones will then refuse them)",
                    path.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Data::default(),
            Err(e) => return Err(Error::io(path, e)),
        };
        let saved = data.clone();
        Ok(State {
            path: path.to_path_buf(),
            data,
            saved,
        })
    }

    /// The service's secret, generated with `length` characters on first use.
    pub(crate) fn secret(&mut self, service: &str, length: usize) -> String {
        self.data
            .secrets
            .entry(service.to_string())
            .or_insert_with(|| generate_secret(length))
            .clone()
    }

    pub(crate) fn has_secret(&self, service: &str) -> bool {
        self.data.secrets.contains_key(service)
    }

    /// Remembers a secret found elsewhere (a volume's label).
    pub(crate) fn adopt_secret(&mut self, service: &str, secret: String) {
        self.data.secrets.insert(service.to_string(), secret);
    }

    pub(crate) fn port(&self, service: &str, port: &str) -> Option<u16> {
        self.data.ports.get(&format!("{service}/{port}")).copied()
    }

    pub(crate) fn set_port(&mut self, service: &str, port: &str, host: u16) {
        self.data.ports.insert(format!("{service}/{port}"), host);
    }

    /// The data (a volume's name, "" for a container's own layer) the
    /// service's seed still has to go into, if any.
    pub(crate) fn seed_pending(&self, service: &str) -> Option<&str> {
        self.data.seeds_pending.get(service).map(String::as_str)
    }

    /// Remembers that new data awaits its seed, until `seed_applied`: so
    /// a run that stops before seeding leaves it for the next `up`.
    pub(crate) fn set_seed_pending(&mut self, service: &str, data: &str) {
        self.data
            .seeds_pending
            .insert(service.to_string(), data.to_string());
    }

    pub(crate) fn seed_applied(&mut self, service: &str) {
        self.data.seeds_pending.remove(service);
    }

    /// Drops the service's remembered host ports, so new ones are chosen.
    pub(crate) fn forget_ports(&mut self, service: &str) {
        let prefix = format!("{service}/");
        self.data.ports.retain(|key, _| !key.starts_with(&prefix));
    }

    /// Writes the state if it changed (mode 0600: it holds secrets).
    pub(crate) fn save(&mut self) -> Result<()> {
        if self.data == self.saved {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let bytes = serde_json::to_vec_pretty(&self.data).expect("state serialises");
        atomic::write(&self.path, &bytes, 0o600)?;
        self.saved = self.data.clone();
        Ok(())
    }
}

/// Letters and digits only, so secrets sit in URLs without escaping.
fn generate_secret(length: usize) -> String {
    let mut rng = rand::rng();
    (0..length.max(8))
        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_ports_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let mut state = State::load_from(&path).unwrap();
        let secret = state.secret("minio", 32);
        assert_eq!(secret.len(), 32);
        assert_ne!(secret, "minioadmin");
        state.set_port("minio", "s3", 23456);
        state.save().unwrap();
        let mut again = State::load_from(&path).unwrap();
        assert_eq!(again.secret("minio", 32), secret);
        assert_eq!(again.port("minio", "s3"), Some(23456));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_damaged_state_file_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let damaged = b"{\"secrets\": {\"redis\": \"kept\"";
        std::fs::write(&path, damaged).unwrap();
        let error = State::load_from(&path).err().expect("refused");
        let message = error.to_string();
        assert!(
            message.contains("p.json: the state file is damaged"),
            "{message}"
        );
        assert!(message.contains("Repair it, or move it away"), "{message}");
        assert_eq!(error.code(), 1);
        assert_eq!(std::fs::read(&path).unwrap(), damaged);
    }
}
