//! Arguments and the environment resolved once into the settings every
//! command receives: flag > environment (clap reads each `DEVSVC_*`
//! variable beside its flag) > services.yaml > template. This is the only
//! place that reads the process environment; everything below gets values.
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::Cli;
use crate::discovery::{self, Endpoint, Inputs};
use crate::error::{Error, Result};

/// How events reach the user on stderr.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum OutputMode {
    /// Progress bars and spinners: stderr is a terminal and not in CI.
    Terminal,
    /// One plain line per event: pipes, files and CI logs.
    Plain,
    /// Only warnings and errors (`-q`).
    Quiet,
}

pub(crate) struct Settings {
    /// The services file.
    pub(crate) file: PathBuf,
    pub(crate) project_name: Option<String>,
    pub(crate) image_prefix: Option<String>,
    pub(crate) profile: Option<String>,
    /// services.yaml may name files outside its own folder
    /// (`--allow-outside-paths`).
    pub(crate) allow_outside_paths: bool,
    /// Where ports are published; `None`: loopback, or all addresses of a
    /// remote engine.
    pub(crate) host_ip: Option<String>,
    pub(crate) output: OutputMode,
    /// Data as JSON where the output is data.
    pub(crate) json: bool,
    /// Colour in warnings (a terminal, and `NO_COLOR` unset).
    pub(crate) color: bool,
    /// `DEVSVC_TIMINGS`: timestamps on events, and internal phases.
    pub(crate) timings: bool,
    /// How long each service may take to become ready.
    pub(crate) timeout: Duration,
    /// Between SIGTERM and SIGKILL when a container stops.
    pub(crate) stop_grace: Duration,
    /// Remembered secrets and ports, and the project locks; `None` when
    /// no per-user place is known (read through `Context::state_dir`).
    pub(crate) state_dir: Option<PathBuf>,
    /// The engine to talk to, and why it was chosen.
    pub(crate) endpoint: Endpoint,
    /// The command that opens a web address: `BROWSER` when set, else the
    /// desktop's opener (`xdg-open`, macOS `open`) when devsvc runs on a
    /// terminal; `None`: print the address instead.
    pub(crate) browser: Option<String>,
    /// Where snapshots are kept; `None`: the state folder's `snapshots/`.
    pub(crate) snapshot_dir: Option<PathBuf>,
    /// `$GITHUB_ENV`: the file GitHub Actions reads variables from.
    pub(crate) github_env: Option<PathBuf>,
    /// The process environment, for `${VAR}` in services.yaml.
    pub(crate) variables: HashMap<String, String>,
    /// One HTTP client for probes, buckets and external checks (no proxy:
    /// services are reached directly).
    pub(crate) http: reqwest::Client,
}

impl Settings {
    pub(crate) fn from_cli(cli: &Cli) -> Result<Settings> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let output = if cli.quiet {
            OutputMode::Quiet
        } else if std::io::stderr().is_terminal() && var("CI").is_none() {
            OutputMode::Terminal
        } else {
            OutputMode::Plain
        };
        crate::probe::install_provider();
        let http = crate::probe::plain_http_client().map_err(Error::Runtime)?;
        Ok(Settings {
            file: cli.file.clone(),
            project_name: cli.project_name.clone(),
            image_prefix: cli.image_prefix.clone(),
            profile: cli.profile.clone(),
            allow_outside_paths: cli.allow_outside_paths,
            host_ip: cli.host_ip.clone(),
            output,
            json: cli.json,
            color: var("NO_COLOR").is_none() && std::io::stderr().is_terminal(),
            timings: std::env::var_os("DEVSVC_TIMINGS").is_some(),
            timeout: Duration::from_secs(cli.timeout),
            stop_grace: Duration::from_secs(u64::from(cli.stop_grace)),
            state_dir: state_dir(&var),
            endpoint: discovery::discover(&Inputs {
                env: Box::new(|k| std::env::var(k).ok().filter(|v| !v.is_empty())),
                exists: Box::new(|p| p.exists()),
            }),
            browser: browser(&var),
            snapshot_dir: cli.snapshot_dir.clone(),
            github_env: var("GITHUB_ENV").map(PathBuf::from),
            variables: std::env::vars().collect(),
            http,
        })
    }
}

/// `BROWSER`, else the desktop's opener when there is a terminal to have
/// asked from (not over a pipe, not in CI) and it is installed.
fn browser(var: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Option<String> {
    if let Some(browser) = var("BROWSER") {
        return Some(browser.to_string_lossy().into_owned());
    }
    let terminal = std::io::stdout().is_terminal() && var("CI").is_none();
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let installed = var("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(opener).is_file()));
    (terminal && installed).then(|| opener.to_string())
}

/// `DEVSVC_STATE_DIR`, else `$XDG_STATE_HOME/devsvc`, else
/// `~/.local/state/devsvc`: per user, never inside the project. Without
/// any of them `None`: never a fixed folder in the shared temporary
/// folder, which another user could make first and read.
fn state_dir(var: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(dir) = var("DEVSVC_STATE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = var("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("devsvc"))
}

/// Why there is no state folder, and the three ways to give one.
pub(crate) const NO_STATE_DIR: &str = "no folder for devsvc's state (generated passwords, host ports, locks): HOME is not set; set DEVSVC_STATE_DIR or XDG_STATE_HOME to a folder of your own, or HOME";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_folder_is_per_user_or_none() {
        let from = |pairs: &'static [(&'static str, &'static str)]| {
            state_dir(&move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            })
        };
        assert_eq!(from(&[]), None);
        assert_eq!(
            from(&[("HOME", "/home/me")]),
            Some(PathBuf::from("/home/me/.local/state/devsvc"))
        );
        assert_eq!(
            from(&[("HOME", "/home/me"), ("XDG_STATE_HOME", "/s")]),
            Some(PathBuf::from("/s/devsvc"))
        );
        assert_eq!(
            from(&[("XDG_STATE_HOME", "/s"), ("DEVSVC_STATE_DIR", "/d")]),
            Some(PathBuf::from("/d"))
        );
    }
}
