//! Whether git ignores a file: the env file holds generated secrets, and
//! devsvc warns when it would be committed.
use std::path::Path;

/// True when git says the file is ignored; `None` outside a git work tree
/// or without git.
pub(crate) fn ignored(path: &Path) -> Option<bool> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name()?;
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(name)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    match status.code() {
        Some(0) => Some(true),
        Some(1) => Some(false),
        _ => None,
    }
}
