//! Podman 4.3 names the entries of a stopped container's mount point from
//! `/` (``, `/base`, `/base/1`) where Docker, and Podman for a running
//! container, name them from the folder's own name (`data`, `data/base`,
//! ...). Such an archive is renamed to the folder's name as it is saved,
//! so a snapshot is one format whichever engine made it.
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Whether an archive's first entry is named from `/` (`` or `/...`), as
/// no archive of Docker's is; `false` for an empty archive.
pub(super) fn named_from_slash(archive: impl Read) -> io::Result<bool> {
    let mut archive = tar::Archive::new(archive);
    let Some(first) = archive.entries()?.next() else {
        return Ok(false);
    };
    let first = first?;
    let name = first.path_bytes();
    Ok(name.is_empty() || name.starts_with(b"/"))
}

/// Renames the entries of the archive at `file` (saved from a folder
/// called `folder`) when they are named from `/`, in place through a
/// sibling file; its new size and SHA-256, or `None` when it was named
/// well already.
pub(super) fn rebase_file(file: &Path, folder: &str) -> io::Result<Option<(u64, String)>> {
    let open = || std::fs::File::open(file).map(io::BufReader::new);
    if !named_from_slash(open()?)? {
        return Ok(None);
    }
    let partial = file.with_extension("renaming");
    let out = crate::private::create_file(&partial)?;
    let hashing = Hashing {
        inner: io::BufWriter::new(out),
        bytes: 0,
        hash: Sha256::new(),
    };
    let mut done = rebase(open()?, hashing, folder)?;
    done.inner.flush()?;
    done.inner.get_ref().sync_all()?;
    std::fs::rename(&partial, file)?;
    Ok(Some((done.bytes, hex::encode(done.hash.finalize()))))
}

/// A writer that counts and hashes what passes through it.
struct Hashing<W> {
    inner: W,
    bytes: u64,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Copies the archive `from` to `to`, every entry and hard-link target
/// named from `folder` instead of `/`; owners, modes, times, symbolic
/// links' targets and other PAX records (extended attributes) as they
/// were. Returns `to`, finished.
pub(super) fn rebase<W: Write>(from: impl Read, to: W, folder: &str) -> io::Result<W> {
    let mut archive = tar::Archive::new(from);
    let mut builder = tar::Builder::new(to);
    for entry in archive.entries()? {
        let mut entry = entry?;
        // The names given here replace these; the rest is carried over.
        let records: Vec<(String, Vec<u8>)> = match entry.pax_extensions()? {
            Some(records) => records
                .filter_map(Result::ok)
                .filter_map(|r| Some((r.key().ok()?.to_string(), r.value_bytes().to_vec())))
                .filter(|(key, _)| !["path", "linkpath", "size"].contains(&key.as_str()))
                .collect(),
            None => Vec::new(),
        };
        builder.append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), &v[..])))?;
        let mut header = copied_header(&entry)?;
        let path = renamed(&entry.path_bytes(), folder);
        let kind = entry.header().entry_type();
        match entry.link_name_bytes() {
            Some(target) if kind.is_hard_link() => {
                let target = renamed(&target, folder);
                builder.append_link(&mut header, path, target)?;
            }
            Some(target) if kind.is_symlink() => {
                let target = PathBuf::from(OsStr::from_bytes(&target));
                builder.append_link(&mut header, path, target)?;
            }
            _ => builder.append_data(&mut header, path, &mut entry)?,
        }
    }
    builder.into_inner()
}

/// A fresh GNU header with the entry's kind, size, owners, mode, time and
/// device numbers: the old one's name fields (USTAR's prefix, a truncated
/// long name) must not survive the renaming.
fn copied_header<R: Read>(entry: &tar::Entry<'_, R>) -> io::Result<tar::Header> {
    let old = entry.header();
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(old.entry_type());
    header.set_size(entry.size());
    header.set_mode(old.mode()?);
    header.set_uid(old.uid()?);
    header.set_gid(old.gid()?);
    header.set_mtime(old.mtime()?);
    if let Ok(Some(name)) = old.username() {
        header.set_username(name)?;
    }
    if let Ok(Some(name)) = old.groupname() {
        header.set_groupname(name)?;
    }
    // Only devices have numbers (the fields are blank in other entries).
    let kind = old.entry_type();
    if (kind.is_character_special() || kind.is_block_special())
        && let (Some(major), Some(minor)) = (old.device_major()?, old.device_minor()?)
    {
        header.set_device_major(major)?;
        header.set_device_minor(minor)?;
    }
    Ok(header)
}

/// `` -> `data`, `/base/1` -> `data/base/1`.
fn renamed(name: &[u8], folder: &str) -> PathBuf {
    let rest = Path::new(OsStr::from_bytes(name));
    let rest = rest.strip_prefix("/").unwrap_or(rest);
    Path::new(folder).join(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(70);
        header.set_gid(70);
        header.set_mtime(1_700_000_000);
        header.set_size(size);
        header
    }

    /// Podman 4.3's archive of a stopped container's `/data` volume, as
    /// it sends it: a root entry with no name, the rest from `/`, written
    /// raw (the tar crate refuses to write such names itself).
    fn podmans_archive() -> Vec<u8> {
        let mut out = Vec::new();
        let mut raw = |name: &str, link: &str, kind, mode, body: &[u8]| {
            let mut h = header(kind, mode, body.len() as u64);
            h.as_mut_bytes()[..name.len()].copy_from_slice(name.as_bytes());
            h.as_mut_bytes()[157..157 + link.len()].copy_from_slice(link.as_bytes());
            h.set_cksum();
            out.extend_from_slice(h.as_bytes());
            out.extend_from_slice(body);
            out.resize(out.len().div_ceil(512) * 512, 0);
        };
        raw("", "", tar::EntryType::Directory, 0o700, b"");
        raw("/base", "", tar::EntryType::Directory, 0o700, b"");
        raw("/base/1", "", tar::EntryType::Regular, 0o600, b"rows");
        raw("/base/2", "/base/1", tar::EntryType::Link, 0o600, b"");
        raw("/current", "base", tar::EntryType::Symlink, 0o777, b"");
        out.extend_from_slice(&[0; 1024]);
        out
    }

    #[test]
    fn an_archive_named_from_slash_is_renamed_to_the_folder() {
        let podman = podmans_archive();
        assert!(named_from_slash(&podman[..]).unwrap());
        let rebased = rebase(&podman[..], Vec::new(), "data").unwrap();
        assert!(!named_from_slash(&rebased[..]).unwrap());
        let mut archive = tar::Archive::new(&rebased[..]);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let h = entry.header();
            let link = entry.link_name().unwrap().map(|l| l.display().to_string());
            let line = format!(
                "{} {:o} {}:{} {} {:?}",
                entry.path().unwrap().display(),
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.mtime().unwrap(),
                link
            );
            let mut body = String::new();
            entry.read_to_string(&mut body).unwrap();
            seen.push(format!("{line} {body:?}"));
        }
        assert_eq!(
            seen,
            [
                // As Docker names the folder itself.
                "data/ 700 70:70 1700000000 None \"\"",
                "data/base 700 70:70 1700000000 None \"\"",
                "data/base/1 600 70:70 1700000000 None \"rows\"",
                "data/base/2 600 70:70 1700000000 Some(\"data/base/1\") \"\"",
                // A symbolic link's target is left as it was.
                "data/current 777 70:70 1700000000 Some(\"base\") \"\"",
            ]
        );
    }

    /// A long name (a PAX record in Go's archives) and an extended
    /// attribute survive; Docker's own archives are left alone.
    #[test]
    fn long_names_and_extended_attributes_survive_and_dockers_archives_are_not_touched() {
        let long = format!("/{}/file", "d".repeat(150));
        let mut builder = tar::Builder::new(Vec::new());
        builder
            .append_pax_extensions([
                ("path", long.as_bytes()),
                ("SCHILY.xattr.user.note", &b"kept"[..]),
            ])
            .unwrap();
        let mut h = header(tar::EntryType::Regular, 0o644, 1);
        h.set_path("placeholder").unwrap();
        h.set_cksum();
        builder.append(&h, &b"x"[..]).unwrap();
        let podman = builder.into_inner().unwrap();
        assert!(named_from_slash(&podman[..]).unwrap());
        let rebased = rebase(&podman[..], Vec::new(), "data").unwrap();
        let mut archive = tar::Archive::new(&rebased[..]);
        let mut entry = archive.entries().unwrap().next().unwrap().unwrap();
        assert_eq!(
            entry.path().unwrap().display().to_string(),
            format!("data{long}")
        );
        let records: Vec<(String, Vec<u8>)> = entry
            .pax_extensions()
            .unwrap()
            .unwrap()
            .map(|r| r.unwrap())
            .map(|r| (r.key().unwrap().to_string(), r.value_bytes().to_vec()))
            .collect();
        assert!(records.contains(&("SCHILY.xattr.user.note".into(), b"kept".to_vec())));

        let mut docker = tar::Builder::new(Vec::new());
        let mut h = header(tar::EntryType::Directory, 0o755, 0);
        docker.append_data(&mut h, "data/", &b""[..]).unwrap();
        let docker = docker.into_inner().unwrap();
        assert!(!named_from_slash(&docker[..]).unwrap());
        assert!(!named_from_slash(&[0u8; 1024][..]).unwrap());
    }
}
