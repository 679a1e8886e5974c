//! A services.yaml from a cloned repository is data, not code. Two
//! boundaries keep it so: the files it names (`env_file`, `seed`, `init`)
//! stay inside its own folder unless the user allows otherwise on their own
//! machine (`--allow-outside-paths`, never a key in the file), and the
//! variables it exports never include one that changes how programs run.
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::mistake::Mistake;

const OUTSIDE_HELP: &str = "services.yaml may name only files in its own folder (a link or `..` leading out counts); if you trust this file, run with --allow-outside-paths or DEVSVC_ALLOW_OUTSIDE_PATHS=1";

/// The project folder (services.yaml's) and whether paths may leave it.
pub(super) struct Boundary {
    /// The folder as given: relative paths are joined to it, as before.
    base: PathBuf,
    /// The folder with every link resolved.
    real: PathBuf,
    allow_outside: bool,
}

impl Boundary {
    pub(super) fn new(base: &Path, allow_outside: bool) -> Boundary {
        Boundary {
            base: base.to_path_buf(),
            real: real_path(base),
            allow_outside,
        }
    }

    /// `given`, relative to the project folder; a mistake when it leads
    /// outside (through `..`, an absolute path or a link). `what` names it
    /// in the message, e.g. "seed `fixtures/redis.txt`".
    pub(super) fn join(&self, what: &str, given: &str) -> Result<PathBuf, Mistake> {
        let path = self.base.join(given);
        self.check(what, &path)?;
        Ok(path)
    }

    /// Every entry below the folder `path` (a seed folder whose files are
    /// uploaded) stays inside too, links to folders followed once each.
    pub(super) fn check_tree(&self, what: &str, path: &Path) -> Result<(), Mistake> {
        if self.allow_outside {
            return Ok(());
        }
        let mut seen = HashSet::new();
        let mut pending = vec![(PathBuf::new(), real_path(path))];
        while let Some((shown, dir)) = pending.pop() {
            if !seen.insert(dir.clone()) {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let shown = shown.join(entry.file_name());
                let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
                let target = if is_link {
                    real_path(&entry.path())
                } else {
                    entry.path()
                };
                if is_link {
                    let what = format!("{what} holds `{}`, which", shown.display());
                    self.check(&what, &target)?;
                }
                if target.is_dir() {
                    pending.push((shown, target));
                }
            }
        }
        Ok(())
    }

    fn check(&self, what: &str, path: &Path) -> Result<(), Mistake> {
        let real = real_path(path);
        if self.allow_outside || real.starts_with(&self.real) {
            return Ok(());
        }
        Err(Mistake::new(format!(
            "{what} resolves to {}, outside the project folder {}",
            real.display(),
            self.real.display()
        ))
        .help(OUTSIDE_HELP))
    }
}

/// Where `path` really leads: absolute, links resolved and `..` applied as
/// the system would, also for the part that does not exist yet (a new env
/// file), and through links that point at nothing yet.
fn real_path(path: &Path) -> PathBuf {
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    resolve(&absolute, 0)
}

fn resolve(path: &Path, depth: u32) -> PathBuf {
    let parts: Vec<Component> = path.components().collect();
    for end in (1..=parts.len()).rev() {
        let head: PathBuf = parts[..end].iter().collect();
        if let Ok(real) = std::fs::canonicalize(&head) {
            return lexical(real, &parts[end..]);
        }
        // A link to nothing (yet): where it would lead.
        if depth < 40
            && let Ok(target) = std::fs::read_link(&head)
        {
            let parent = head.parent().unwrap_or(Path::new("/"));
            return lexical(resolve(&parent.join(target), depth + 1), &parts[end..]);
        }
    }
    lexical(PathBuf::from("/"), &parts)
}

/// `rest` appended to `base`, `..` taking a component off: for names that
/// do not exist, so no link can stand in between.
fn lexical(mut base: PathBuf, rest: &[Component]) -> PathBuf {
    for part in rest {
        match part {
            Component::ParentDir => {
                base.pop();
            }
            Component::Normal(name) => base.push(name),
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
        }
    }
    base
}

/// Variables that change how programs run rather than where a service is:
/// set by a sourced env file, `devsvc run`, a dotenv loader or
/// `$GITHUB_ENV`, each makes some later program load or run code the
/// services.yaml chose. Compared without case (Windows' environment has
/// none, npm reads `npm_config_*`).
const REFUSED: &[&str] = &[
    // The command search path and the shells: startup files, prompts,
    // word splitting, options.
    "PATH",
    "IFS",
    "ENV",
    "BASH_ENV",
    "PROMPT_COMMAND",
    "PS1",
    "PS4",
    "SHELLOPTS",
    "BASHOPTS",
    "ZDOTDIR",
    "HOME",
    "SHELL",
    // Programs other programs start on the user's behalf.
    "EDITOR",
    "VISUAL",
    "PAGER",
    "MANPAGER",
    "BROWSER",
    "LESSOPEN",
    "LESSCLOSE",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    // The C library's loader beyond `LD_*`.
    "GCONV_PATH",
    "GLIBC_TUNABLES",
    // Language runtimes: options and code loaded at start.
    "NODE_OPTIONS",
    "NODE_PATH",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONHOME",
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    "PHPRC",
    "PHP_INI_SCAN_DIR",
    "RUSTC",
    "RUSTC_WRAPPER",
    "RUSTFLAGS",
    // Where devsvc and docker send containers, files and credentials.
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
];

/// Whole families: the dynamic loader (glibc `LD_PRELOAD`, macOS
/// `DYLD_INSERT_LIBRARIES`), git (`GIT_SSH_COMMAND`, `GIT_CONFIG_*`, ...
/// run commands), cargo (`CARGO_TARGET_*_RUNNER`), npm's configuration, and
/// devsvc's own settings (a sourced env file must not switch on
/// `DEVSVC_ALLOW_OUTSIDE_PATHS` for the next run).
const REFUSED_PREFIXES: &[&str] = &["LD_", "DYLD_", "GIT_", "CARGO_", "NPM_CONFIG_", "DEVSVC_"];

/// Whether no service may export `name`.
pub(super) fn changes_how_programs_run(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    REFUSED.contains(&name.as_str()) || REFUSED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// A refused export: `service` may not export `name`.
pub(super) fn refused_export(service: &str, name: &str) -> Mistake {
    Mistake::new(format!(
        "service `{service}` may not export `{name}`: the variable changes how programs run"
    ))
}

/// A name for `name` that a service may export: behind the service's name.
pub(super) fn safe_name(service: &str, name: &str) -> String {
    let candidate = format!("{}_{name}", service.to_uppercase().replace('-', "_"));
    if changes_how_programs_run(&candidate) {
        format!("APP_{name}")
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_paths_follow_links_and_dot_dot_also_where_nothing_exists_yet() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("project")).unwrap();
        std::os::unix::fs::symlink(&root, root.join("project/up")).unwrap();
        std::os::unix::fs::symlink(root.join("nowhere/x"), root.join("project/dangling")).unwrap();
        let p = root.join("project");
        assert_eq!(real_path(&p.join("new/../.env")), p.join(".env"));
        assert_eq!(real_path(&p.join("up/secret")), root.join("secret"));
        assert_eq!(real_path(&p.join("new/../../secret")), root.join("secret"));
        assert_eq!(real_path(&p.join("dangling")), root.join("nowhere/x"));
        let boundary = Boundary::new(&p, false);
        assert!(boundary.join("env_file `.env`", ".env").is_ok());
        assert!(boundary.join("env_file `up/x`", "up/x").is_err());
        assert!(boundary.join("env_file `dangling`", "dangling").is_err());
        assert!(Boundary::new(&p, true).join("env_file", "up/x").is_ok());
    }

    #[test]
    fn refused_names_without_case_and_by_family() {
        for name in [
            "PATH",
            "path",
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "GIT_SSH_COMMAND",
            "npm_config_script_shell",
            "DEVSVC_ALLOW_OUTSIDE_PATHS",
        ] {
            assert!(changes_how_programs_run(name), "{name}");
        }
        for name in [
            "REDIS_URL",
            "DATABASE_URL",
            "PGPASSWORD",
            "XPATH",
            "GITEA_URL",
            "AWS_REGION",
        ] {
            assert!(!changes_how_programs_run(name), "{name}");
        }
        assert_eq!(safe_name("git", "GIT_URL"), "APP_GIT_URL");
        assert_eq!(safe_name("my-db", "PATH"), "MY_DB_PATH");
    }
}
