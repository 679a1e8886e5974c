//! One devsvc run at a time per project: a lock file in the state folder,
//! held while a command changes the project (containers, env file, state).
use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Held while a command changes a project; dropped, it releases the lock.
pub(crate) struct ProjectLock {
    _file: File,
}

impl ProjectLock {
    /// Waits for other devsvc runs on the same project to finish.
    pub(crate) fn acquire(state_dir: &Path, project: &str) -> Result<ProjectLock> {
        crate::private::create_dir_all(state_dir)?;
        let path = state_dir.join(format!("{project}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        file.lock().map_err(|e| Error::io(&path, e))?;
        Ok(ProjectLock { _file: file })
    }
}
