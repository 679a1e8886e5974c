//! The git branch a project's folder is on, for data that follows the
//! branch: read from `HEAD` in the repository's git folder (no git program
//! needed), and made into a volume-name suffix.
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The branch checked out in the repository holding `dir` (`detached` for
/// a detached HEAD: one set for every commit visited, so a bisect does not
/// leave a volume per commit); `None` outside a repository.
pub(crate) fn current(dir: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let git_dir = dir.ancestors().find_map(git_dir_of)?;
    // Mid-rebase HEAD is detached; the branch being rebased is kept here.
    let rebasing = ["rebase-merge/head-name", "rebase-apply/head-name"]
        .iter()
        .find_map(|f| std::fs::read_to_string(git_dir.join(f)).ok());
    let head = match rebasing {
        Some(name) => format!("ref: {}", name.trim()),
        None => std::fs::read_to_string(git_dir.join("HEAD")).ok()?,
    };
    let head = head.trim();
    Some(match head.strip_prefix("ref: refs/heads/") {
        Some(branch) => branch.to_string(),
        None => "detached".to_string(),
    })
}

/// A folder's git folder: `.git` itself, or where a worktree's `.git`
/// file points (`gitdir: PATH`).
fn git_dir_of(folder: &Path) -> Option<PathBuf> {
    let dot_git = folder.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let target = Path::new(text.trim().strip_prefix("gitdir:")?.trim());
    Some(folder.join(target))
}

/// The branch as part of a volume name: lowercase letters, digits, `.`,
/// `_` and `-`; a branch that needs changing (`feature/x`, `Main`) or is
/// long gets a short hash of its real name, so two branches never share.
pub(crate) fn slug(branch: &str) -> String {
    let clean: String = branch
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' => c,
            _ => '-',
        })
        .take(40)
        .collect();
    if clean == branch {
        clean
    } else {
        let hash = hex::encode(&Sha256::digest(branch.as_bytes())[..3]);
        format!("{clean}-{hash}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_branch_comes_from_head_in_the_folder_or_above() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join(".git")).unwrap();
        std::fs::create_dir_all(repo.path().join("app/sub")).unwrap();
        std::fs::write(
            repo.path().join(".git/HEAD"),
            "ref: refs/heads/feature/login\n",
        )
        .unwrap();
        assert_eq!(
            current(&repo.path().join("app/sub")).as_deref(),
            Some("feature/login")
        );
        std::fs::write(repo.path().join(".git/HEAD"), "0123456789abcdef0123\n").unwrap();
        assert_eq!(current(repo.path()).as_deref(), Some("detached"));
        // A worktree's `.git` is a file naming its git folder.
        let worktree = tempfile::tempdir().unwrap();
        let git = repo.path().join(".git/worktrees/wt");
        std::fs::create_dir_all(&git).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/b\n").unwrap();
        std::fs::write(
            worktree.path().join(".git"),
            format!("gitdir: {}\n", git.display()),
        )
        .unwrap();
        assert_eq!(current(worktree.path()).as_deref(), Some("b"));
        std::fs::create_dir_all(repo.path().join(".git/rebase-merge")).unwrap();
        std::fs::write(
            repo.path().join(".git/rebase-merge/head-name"),
            "refs/heads/topic\n",
        )
        .unwrap();
        assert_eq!(current(repo.path()).as_deref(), Some("topic"), "mid-rebase");
        let outside = tempfile::tempdir().unwrap();
        assert_eq!(current(outside.path()), None);
    }

    #[test]
    fn slugs_keep_simple_names_and_tell_changed_ones_apart() {
        assert_eq!(slug("main"), "main");
        assert_eq!(slug("fix-1.2_x"), "fix-1.2_x");
        assert!(slug("feature/x").starts_with("feature-x-"));
        assert_ne!(slug("feature/x"), slug("feature-x"));
        assert_ne!(slug("Main"), slug("main"));
        assert!(slug(&"b".repeat(100)).len() <= 47);
    }
}
