//! A snapshot's archive read as untrusted input before any data is
//! touched: a snapshot folder can come from anywhere (copied from a
//! colleague, a CI artifact, a shared disk), and the engine unpacks it as
//! root into the container. Every entry must lie under the service's data
//! folder, links must point inside it, no device or set-id file may come
//! in, and the file must be the one `snapshot.json` recorded (its size and
//! SHA-256).
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

/// What `snapshot.json` recorded of one archive.
pub(crate) struct Recorded<'a> {
    pub(crate) bytes: u64,
    /// Absent in snapshots made before checksums were recorded.
    pub(crate) sha256: Option<&'a str>,
}

/// Reads the archive whole; `Err` says what makes it unfit. `data` is the
/// service's data folder in the container (`/var/lib/postgresql/data`):
/// entries are named from its last component (`data/...`).
pub(crate) fn check(reader: impl Read, data: &str, recorded: &Recorded<'_>) -> Result<(), String> {
    let root = Path::new(data)
        .file_name()
        .map(PathBuf::from)
        .ok_or_else(|| format!("the data folder `{data}` has no name"))?;
    let mut hashing = Hashing::new(reader);
    let mut archive = tar::Archive::new(&mut hashing);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path().map_err(|e| e.to_string())?.into_owned();
        check_entry(&entry, &path, &root)
            .map_err(|why| format!("entry `{}` {why}", path.display()))?;
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(|e| e.to_string())?;
    }
    // What follows the end-of-archive blocks counts too: the recorded size
    // and checksum are of the whole file.
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| e.to_string())?;
    let (bytes, sha256) = hashing.finish();
    if bytes != recorded.bytes {
        return Err(format!(
            "is {bytes} bytes, but snapshot.json recorded {}",
            recorded.bytes
        ));
    }
    if let Some(expected) = recorded.sha256
        && expected != sha256
    {
        return Err(format!(
            "has SHA-256 {sha256}, but snapshot.json recorded {expected}"
        ));
    }
    Ok(())
}

/// One entry: where it lands, what it is, where it points.
fn check_entry<R: Read>(entry: &tar::Entry<'_, R>, path: &Path, root: &Path) -> Result<(), String> {
    if !inside(path, root) {
        return Err(format!("lies outside the data folder `{}`", root.display()));
    }
    let header = entry.header();
    let mode = header.mode().map_err(|e| e.to_string())?;
    if mode & 0o6000 != 0 {
        return Err(format!("is set-user-id or set-group-id (mode {mode:o})"));
    }
    let kind = header.entry_type();
    if kind.is_symlink() || kind.is_hard_link() {
        let target = entry
            .link_name()
            .map_err(|e| e.to_string())?
            .ok_or("is a link without a target")?;
        // A hard link names another entry; a symbolic one is resolved
        // from the folder it sits in.
        let resolved = if kind.is_hard_link() {
            target.to_path_buf()
        } else {
            path.parent().unwrap_or(Path::new("")).join(&target)
        };
        if target.is_absolute() || !inside(&resolved, root) {
            return Err(format!(
                "is a link to `{}`, outside the data folder",
                target.display()
            ));
        }
        return Ok(());
    }
    if kind.is_file() || kind.is_dir() || kind.is_contiguous() {
        return Ok(());
    }
    Err(format!(
        "is a {} (only files, folders and links inside the data folder are restored)",
        kind_name(kind)
    ))
}

/// Whether `path` (relative, `..` taken lexically) stays at or below
/// `root`, never above it.
fn inside(path: &Path, root: &Path) -> bool {
    let mut depth: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => depth.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                // Leaving the root folder is leaving the data folder.
                if depth.len() <= 1 {
                    return false;
                }
                depth.pop();
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    depth.first().is_some_and(|first| Path::new(first) == root)
}

fn kind_name(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Char => "character device",
        tar::EntryType::Block => "block device",
        tar::EntryType::Fifo => "named pipe",
        _ => "special entry",
    }
}

/// A reader that counts and hashes what passes through it.
struct Hashing<R> {
    inner: R,
    bytes: u64,
    hash: Sha256,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            bytes: 0,
            hash: Sha256::new(),
        }
    }

    fn finish(self) -> (u64, String) {
        (self.bytes, hex::encode(self.hash.finalize()))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar file of raw headers: `tar::Builder` itself refuses `..` and
    /// absolute paths, which is what a crafted archive holds.
    /// An entry: path, kind, mode and link target.
    type Entry<'a> = (&'a str, tar::EntryType, u32, Option<&'a str>);

    fn archive(entries: &[Entry<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for (path, kind, mode, link) in entries {
            let mut header = tar::Header::new_old();
            header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
            if let Some(link) = link {
                header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
            }
            header.set_entry_type(*kind);
            header.set_mode(*mode);
            header.set_size(0);
            header.set_cksum();
            out.extend_from_slice(header.as_bytes());
        }
        out.extend_from_slice(&[0; 1024]);
        out
    }

    fn verdict(entries: &[Entry<'_>]) -> Result<(), String> {
        let tar = archive(entries);
        let recorded = Recorded {
            bytes: tar.len() as u64,
            sha256: None,
        };
        check(&tar[..], "/var/lib/postgresql/data", &recorded)
    }

    use tar::EntryType::{Block, Char, Directory, Fifo, Link, Regular, Symlink};

    #[test]
    fn a_folder_of_files_folders_and_inner_links_passes() {
        verdict(&[
            ("data/", Directory, 0o700, None),
            ("data/base/1", Regular, 0o600, None),
            ("data/pg_wal", Symlink, 0o777, Some("base")),
            ("data/base/up", Symlink, 0o777, Some("../PG_VERSION")),
            ("data/again", Link, 0o600, Some("data/base/1")),
            ("./data/dot", Regular, 0o644, None),
        ])
        .unwrap();
    }

    #[test]
    fn each_crafted_entry_is_refused_with_why() {
        let cases: [(&[Entry<'_>], &str); 10] = [
            (
                &[("/etc/passwd", Regular, 0o644, None)],
                "outside the data folder",
            ),
            (
                &[("data/../../etc/cron.d/x", Regular, 0o644, None)],
                "outside",
            ),
            (&[("data/../x", Regular, 0o644, None)], "outside"),
            (&[("other/x", Regular, 0o644, None)], "outside"),
            (
                &[("data/l", Symlink, 0o777, Some("/etc/shadow"))],
                "link to `/etc/shadow`",
            ),
            (
                &[("data/l", Symlink, 0o777, Some("../../root"))],
                "link to `../../root`",
            ),
            (
                &[("data/h", Link, 0o644, Some("etc/passwd"))],
                "link to `etc/passwd`",
            ),
            (&[("data/sda", Block, 0o600, None)], "block device"),
            (
                &[
                    ("data/mem", Char, 0o600, None),
                    ("data/p", Fifo, 0o600, None),
                ],
                "character device",
            ),
            (
                &[("data/sh", Regular, 0o4755, None)],
                "set-user-id or set-group-id (mode 4755)",
            ),
        ];
        for (entries, why) in cases {
            let err = verdict(entries).unwrap_err();
            assert!(err.contains(why), "{entries:?}: {err}");
        }
        let setgid = verdict(&[("data/d", Directory, 0o2755, None)]).unwrap_err();
        assert!(setgid.contains("set-group-id"), "{setgid}");
        let pipe = verdict(&[("data/p", Fifo, 0o600, None)]).unwrap_err();
        assert!(pipe.contains("named pipe"), "{pipe}");
    }

    #[test]
    fn size_and_checksum_must_be_what_snapshot_json_recorded() {
        let tar = archive(&[("data/x", Regular, 0o600, None)]);
        let sha = hex::encode(Sha256::digest(&tar));
        let ok = Recorded {
            bytes: tar.len() as u64,
            sha256: Some(&sha),
        };
        check(&tar[..], "/data", &ok).unwrap();
        let short = Recorded {
            bytes: tar.len() as u64 + 1,
            sha256: Some(&sha),
        };
        assert!(
            check(&tar[..], "/data", &short)
                .unwrap_err()
                .contains("recorded")
        );
        let mut changed = tar.clone();
        let last = changed.len() - 1;
        changed[last] = 1;
        let err = check(&changed[..], "/data", &ok).unwrap_err();
        assert!(err.contains("SHA-256"), "{err}");
    }
}
