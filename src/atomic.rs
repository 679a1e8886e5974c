//! Atomic file replacement: write a temporary file beside the target, fsync,
//! then rename over it, so readers see the old file or the new one, never a
//! truncated one.
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically. An existing file keeps its mode; a
/// new one gets `new_mode` (0600 for files that hold secrets). A `path`
/// that is a symbolic link stays one: the file it leads to is replaced,
/// by a temporary file in that file's folder.
pub(crate) fn write(path: &Path, bytes: &[u8], new_mode: u32) -> Result<()> {
    let path = &through_links(path);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mode = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions().mode() & 0o7777,
        Err(_) => new_mode,
    };
    let io = |e| Error::io(path, e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".devsvc-")
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    // The umask may have narrowed the mode given at creation.
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Where `path` leads when it is a symbolic link (to a link, ...), or
/// `path` itself: also a link to a file that does not exist yet.
fn through_links(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    // As many links as the system follows before it gives up (ELOOP).
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        // A relative target is relative to the link's folder; an absolute
        // one replaces the whole path.
        path = path.parent().unwrap_or(Path::new("")).join(target);
    }
    path
}
