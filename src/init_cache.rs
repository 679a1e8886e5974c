//! The init cache: a copy of a database's freshly initialised data, kept
//! so that a later fresh volume with the same inputs starts from it
//! instead of running initialisation again (initdb, MySQL's first start,
//! the `init:` files). The key is a hash of everything initialisation
//! reads: the image's id, the container's command, environment (the
//! passwords among it, so projects whose passwords differ never share an
//! entry), files (the `init:` files' bytes among them), host name, data
//! folder and `databases:`. An entry is a tar file of the data folder,
//! taken with the service stopped cleanly, and its SHA-256, checked
//! before use: a damaged entry is removed, never used. Entries live in
//! the state folder (`init-cache/`, 0700), oldest removed first beyond
//! the size limit.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::ContainerSpec;
use crate::error::{Error, Result};

/// Beyond this many bytes of entries, the oldest go.
pub(crate) const SIZE_LIMIT: u64 = 2 << 30;

/// What an entry records beside its tar file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Meta {
    pub(crate) service: String,
    pub(crate) image: String,
    pub(crate) bytes: u64,
    pub(crate) sha256: String,
    /// Seconds since the epoch.
    pub(crate) created: u64,
}

/// The key of a container's initialisation: `image_id` is the engine's id
/// of the image (a tag moved to another build is another key).
pub(crate) fn key(spec: &ContainerSpec, image_id: &str, databases: &[String]) -> String {
    let mut env = spec.env.clone();
    env.sort();
    let files: Vec<serde_json::Value> = spec
        .files
        .iter()
        .map(|f| {
            serde_json::json!([
                f.path,
                hex::encode(Sha256::digest(&f.contents)),
                f.mode,
                f.uid,
                f.gid
            ])
        })
        .collect();
    let input = serde_json::json!({
        "image": image_id,
        "cmd": spec.cmd,
        "env": env,
        "files": files,
        "hostname": spec.hostname,
        "data": spec.volume.as_ref().map(|v| &v.path),
        "databases": databases,
    });
    let json = serde_json::to_vec(&input).expect("the key's input serialises");
    hex::encode(&Sha256::digest(&json)[..16])
}

/// The cache in `state_dir`.
pub(crate) struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub(crate) fn new(state_dir: &Path) -> Cache {
        Cache {
            dir: state_dir.join("init-cache"),
        }
    }

    fn archive(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.tar"))
    }

    fn meta(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// Where a new entry is written before it is kept (`keep`).
    pub(crate) fn partial(&self, key: &str) -> Result<PathBuf> {
        crate::private::own_dir(&self.dir)?;
        Ok(self.dir.join(format!(".{key}.partial")))
    }

    /// The entry's tar file, when there is one whose bytes are what was
    /// kept. A damaged entry is removed and reported as `Err` text.
    pub(crate) fn lookup(&self, key: &str) -> std::result::Result<Option<PathBuf>, String> {
        let archive = self.archive(key);
        let Ok(text) = std::fs::read_to_string(self.meta(key)) else {
            return Ok(None);
        };
        let checked = serde_json::from_str::<Meta>(&text)
            .map_err(|e| format!("its record is unreadable: {e}"))
            .and_then(|meta| match file_sha256(&archive) {
                Ok(sha) if sha == meta.sha256 => Ok(()),
                Ok(_) => Err("its bytes differ from those kept".to_string()),
                Err(e) => Err(format!("its archive is unreadable: {e}")),
            });
        match checked {
            Ok(()) => Ok(Some(archive)),
            Err(why) => {
                self.remove(key);
                Err(why)
            }
        }
    }

    /// Keeps the tar file at `partial` as the entry for `key`, then trims
    /// the cache to `SIZE_LIMIT`.
    pub(crate) fn keep(&self, key: &str, partial: &Path, meta: &Meta) -> Result<()> {
        let json = serde_json::to_vec_pretty(meta).expect("a record serialises");
        crate::atomic::write(&self.meta(key), &json, 0o600)?;
        std::fs::rename(partial, self.archive(key)).map_err(|e| Error::io(partial, e))?;
        self.trim(SIZE_LIMIT);
        Ok(())
    }

    fn remove(&self, key: &str) {
        let _ = std::fs::remove_file(self.archive(key));
        let _ = std::fs::remove_file(self.meta(key));
    }

    /// Every entry, newest first.
    pub(crate) fn list(&self) -> Vec<(String, Meta)> {
        let mut found: Vec<(String, Meta)> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let key = name.strip_suffix(".json")?.to_string();
                let text = std::fs::read_to_string(entry.path()).ok()?;
                Some((key, serde_json::from_str(&text).ok()?))
            })
            .collect();
        found.sort_by(|a, b| b.1.created.cmp(&a.1.created).then(a.0.cmp(&b.0)));
        found
    }

    /// Removes every entry; returns how many there were.
    pub(crate) fn clear(&self) -> usize {
        let all = self.list();
        for (key, _) in &all {
            self.remove(key);
        }
        all.len()
    }

    /// Removes the oldest entries until the rest fit in `limit` bytes.
    fn trim(&self, limit: u64) {
        let mut total = 0u64;
        for (key, meta) in self.list() {
            total += meta.bytes;
            if total > limit {
                self.remove(&key);
            }
        }
    }
}

fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buffer)? {
            0 => return Ok(hex::encode(hash.finalize())),
            n => hash.update(&buffer[..n]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{FileCopy, VolumeMount};

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "devsvc-p-postgres".into(),
            image: "postgres:17".into(),
            cmd: None,
            env: vec!["POSTGRES_PASSWORD=a".into(), "POSTGRES_DB=app".into()],
            labels: Default::default(),
            ports: Vec::new(),
            host_ip: "127.0.0.1".into(),
            network: None,
            alias: "postgres".into(),
            hostname: None,
            stop_grace: std::time::Duration::from_secs(1),
            restore: None,
            volume: Some(VolumeMount {
                name: "v".into(),
                path: "/var/lib/postgresql/data".into(),
                password: None,
                branch: None,
            }),
            files: vec![FileCopy {
                path: "/docker-entrypoint-initdb.d/01-schema.sql".into(),
                contents: b"create table t (x int);".to_vec(),
                mode: 0o644,
                uid: 0,
                gid: 0,
            }],
        }
    }

    #[test]
    fn the_key_follows_what_initialisation_reads() {
        let base = key(&spec(), "sha256:1", &["app".into()]);
        assert_eq!(base, key(&spec(), "sha256:1", &["app".into()]), "stable");
        let mut env_order = spec();
        env_order.env.reverse();
        assert_eq!(base, key(&env_order, "sha256:1", &["app".into()]));
        let mut password = spec();
        password.env[0] = "POSTGRES_PASSWORD=b".into();
        let mut init = spec();
        init.files[0].contents = b"create table u (x int);".to_vec();
        for (what, other) in [
            ("image", key(&spec(), "sha256:2", &["app".into()])),
            ("password", key(&password, "sha256:1", &["app".into()])),
            ("init file", key(&init, "sha256:1", &["app".into()])),
            (
                "databases",
                key(&spec(), "sha256:1", &["app".into(), "b".into()]),
            ),
        ] {
            assert_ne!(base, other, "{what} changes the key");
        }
        // The container's name and labels are not initialisation's input.
        let mut renamed = spec();
        renamed.name = "devsvc-other-postgres".into();
        assert_eq!(base, key(&renamed, "sha256:1", &["app".into()]));
    }

    #[test]
    fn a_damaged_entry_is_removed_not_used() {
        let state = tempfile::tempdir().unwrap();
        let cache = Cache::new(state.path());
        let partial = cache.partial("k").unwrap();
        std::fs::write(&partial, b"data").unwrap();
        let meta = Meta {
            service: "postgres".into(),
            image: "postgres:17".into(),
            bytes: 4,
            sha256: file_sha256(&partial).unwrap(),
            created: 1,
        };
        cache.keep("k", &partial, &meta).unwrap();
        assert!(cache.lookup("k").unwrap().is_some());
        assert_eq!(cache.list().len(), 1);
        std::fs::write(cache.archive("k"), b"dat4").unwrap();
        assert!(cache.lookup("k").unwrap_err().contains("differ"));
        assert!(cache.lookup("k").unwrap().is_none(), "and gone");
    }

    #[test]
    fn the_oldest_entries_go_beyond_the_limit() {
        let state = tempfile::tempdir().unwrap();
        let cache = Cache::new(state.path());
        for (key, created) in [("old", 1), ("new", 2)] {
            let partial = cache.partial(key).unwrap();
            std::fs::write(&partial, b"0123456789").unwrap();
            let meta = Meta {
                service: "s".into(),
                image: "i".into(),
                bytes: 10,
                sha256: file_sha256(&partial).unwrap(),
                created,
            };
            cache.keep(key, &partial, &meta).unwrap();
        }
        cache.trim(15);
        let left: Vec<String> = cache.list().into_iter().map(|(k, _)| k).collect();
        assert_eq!(left, ["new"]);
        assert_eq!(cache.clear(), 1);
        assert!(cache.list().is_empty());
    }
}
