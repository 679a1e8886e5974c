//! Folders and files only their owner may open: snapshots hold whole
//! databases, the state folder generated passwords. Modes are set after
//! creation as well, so a umask can only narrow them, never leave them
//! wider.
use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Creates `path` and the folders above it that are missing, each 0700;
/// those that exist keep their mode.
pub(crate) fn create_dir_all(path: &Path) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| Error::io(path, e))
}

/// `create_dir_all`, and `path` itself 0700 even when it existed: for a
/// folder of devsvc's own, which an earlier version may have left wider.
pub(crate) fn own_dir(path: &Path) -> Result<()> {
    create_dir_all(path)?;
    std::fs::set_permissions(path, Permissions::from_mode(0o700)).map_err(|e| Error::io(path, e))
}

/// A new (or emptied) file, 0600.
pub(crate) fn create_file(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(Permissions::from_mode(0o600))?;
    Ok(file)
}

/// A file's or folder's permission bits, for tests.
#[cfg(test)]
pub(crate) fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A saved folder is a whole database: only its owner may read it.
    #[test]
    fn a_new_file_is_the_owners_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postgres.tar");
        create_file(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}
