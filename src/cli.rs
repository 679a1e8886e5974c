//! Command-line arguments (clap derive). Every flag also reads a `DEVSVC_*`
//! variable; precedence is flag > environment > services.yaml > template.
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "devsvc",
    version,
    about = "Backing services for local development, attached through .env"
)]
pub struct Cli {
    /// The services file (before the command, like docker compose -f).
    #[arg(
        short = 'f',
        long = "file",
        env = "DEVSVC_FILE",
        default_value = "services.yaml"
    )]
    pub file: PathBuf,
    /// Project name (default: services.yaml's `project:`, else the folder's name).
    #[arg(
        short = 'p',
        long = "project-name",
        env = "DEVSVC_PROJECT",
        global = true
    )]
    pub project_name: Option<String>,
    /// Prepended to every image, for registry mirrors (e.g. mirror.corp:5000/).
    #[arg(long, env = "DEVSVC_IMAGE_PREFIX", global = true)]
    pub image_prefix: Option<String>,
    /// Address ports are published on (default 127.0.0.1; 0.0.0.0 for a
    /// remote engine).
    #[arg(long, env = "DEVSVC_HOST_IP", global = true)]
    pub host_ip: Option<String>,
    /// Apply this profile's overrides from services.yaml.
    #[arg(long, env = "DEVSVC_PROFILE", global = true)]
    pub profile: Option<String>,
    /// Only errors and warnings on stderr.
    #[arg(short, long, env = "DEVSVC_QUIET", global = true)]
    pub quiet: bool,
    /// Machine-readable output where the output is data.
    #[arg(long, env = "DEVSVC_JSON", global = true)]
    pub json: bool,
    /// Seconds to wait for each service to become ready (1 to 86400).
    #[arg(
        long,
        env = "DEVSVC_TIMEOUT",
        global = true,
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS)
    )]
    pub timeout: u64,
    /// Seconds a stopping service gets between SIGTERM and SIGKILL (0 to 3600).
    #[arg(
        long,
        env = "DEVSVC_STOP_GRACE",
        global = true,
        default_value_t = 3,
        value_parser = clap::value_parser!(u32).range(0..=MAX_STOP_GRACE_SECS)
    )]
    pub stop_grace: u32,
    /// Let services.yaml name files outside its own folder (`env_file`,
    /// `seed`, `init`): only for a file you trust.
    #[arg(
        long,
        env = "DEVSVC_ALLOW_OUTSIDE_PATHS",
        global = true,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub allow_outside_paths: bool,
    /// Where snapshots are kept (default: `snapshots/` in the state folder).
    #[arg(long, env = "DEVSVC_SNAPSHOT_DIR", global = true)]
    pub snapshot_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// What `devsvc shared` does.
#[derive(Debug, Subcommand)]
pub enum SharedAction {
    /// Each shared server on the engine: its port, state, memory use and
    /// the projects that run on it.
    Status,
    /// Stop every shared server (and remove its container); with
    /// --volumes, remove its data too: every project's slice of it.
    Down {
        #[arg(long)]
        volumes: bool,
    },
}

/// What `devsvc cache` does.
#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Each entry of the init cache: its key, service, image, size, age.
    Ls,
    /// Remove every entry (the next fresh database initialises again).
    Clear,
}

/// What `devsvc snapshot` does.
#[derive(Debug, Subcommand)]
pub enum SnapshotAction {
    /// Save the data of services (all that keep data when none are named);
    /// each is stopped while its data is copied, then started again.
    Save { name: String, services: Vec<String> },
    /// Put saved data back (all services in the snapshot when none are
    /// named); the others keep running untouched.
    Restore { name: String, services: Vec<String> },
    /// The project's snapshots.
    List,
    /// Remove a snapshot.
    Rm { name: String },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start services (all, or those named), wait until ready, write the env file.
    Up { services: Vec<String> },
    /// Stop and remove this project's containers and network.
    Down {
        services: Vec<String>,
        /// Also remove the project's data volumes.
        #[arg(long, env = "DEVSVC_VOLUMES")]
        volumes: bool,
        /// With --volumes: per-branch data of every branch, not only the
        /// current one's.
        #[arg(long, requires = "volumes")]
        all_branches: bool,
    },
    /// One row per service: state, readiness, ports, image.
    Status,
    /// The fully resolved configuration.
    Config,
    /// Print (or write) the environment of the running services.
    Env {
        #[arg(long, value_enum, env = "DEVSVC_FORMAT", default_value = "dotenv")]
        format: EnvFormat,
        /// Write the env file instead of printing.
        #[arg(long, env = "DEVSVC_WRITE")]
        write: bool,
        /// With `--format github`: also print `::add-mask::` for every
        /// secret value, so GitHub Actions hides it in logs.
        #[arg(long, env = "DEVSVC_MASK")]
        mask: bool,
    },
    /// Run a command with the services' environment; exit with its code.
    Run {
        /// Bring the services up first.
        #[arg(long, env = "DEVSVC_RUN_UP")]
        up: bool,
        /// Tear the services down afterwards, even when the command fails.
        #[arg(long, env = "DEVSVC_RUN_DOWN")]
        down: bool,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// A service's container logs.
    Logs {
        service: String,
        /// Keep following new output.
        #[arg(short = 'f', long, env = "DEVSVC_FOLLOW")]
        follow: bool,
        /// Number of lines from the end (default: all).
        #[arg(long, env = "DEVSVC_TAIL", default_value = "all", value_parser = parse_tail)]
        tail: String,
    },
    /// Save and restore service data.
    Snapshot {
        #[command(subcommand)]
        action: SnapshotAction,
    },
    /// The init cache: copies of freshly initialised databases, which a
    /// later fresh volume with the same inputs starts from.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// The servers projects share (`shared: true`): list or stop them.
    Shared {
        #[command(subcommand)]
        action: SharedAction,
    },
    /// Apply seed data again to running services: where their data is
    /// empty, or with --force over it.
    Seed {
        services: Vec<String>,
        /// Apply over existing data: seeded keys and objects get their
        /// seeded values back; everything else stays.
        #[arg(long)]
        force: bool,
    },
    /// Open a service's web UI (mail viewer, console) in the browser, or
    /// print its address when there is no browser or no terminal.
    Open { service: String },
    /// Write a commented starter services.yaml and its JSON Schema (never
    /// overwrites); or one converted from a docker compose project, or
    /// proposed from the app's dependencies.
    Init {
        /// Convert these compose files (merged in order, as compose does;
        /// none: the one compose picks here, with its override file).
        #[arg(long, num_args = 0.., value_name = "FILE", conflicts_with = "detect")]
        from_compose: Option<Vec<PathBuf>>,
        /// Propose services from the dependency manifests and
        /// .env.example in this folder.
        #[arg(long)]
        detect: bool,
        /// Print the file instead of writing it.
        #[arg(long)]
        stdout: bool,
    },
    /// Print the JSON Schema of services.yaml, for editors.
    Schema {
        /// The schema of a template file (templates/*.yaml, `inline:`)
        /// instead.
        #[arg(long, env = "DEVSVC_SCHEMA_TEMPLATE")]
        template: bool,
    },
    /// Check the engine (and why it was chosen), pinned ports and the env file.
    Doctor,
    /// Shell completion script.
    Completions { shell: clap_complete::Shell },
    /// The man pages, generated from this definition: devsvc(1) on
    /// stdout, or with --out every page (one per subcommand) into a folder.
    #[command(hide = true)]
    Man {
        /// Write devsvc.1 and a page per subcommand (devsvc-up.1, ...)
        /// into this folder instead of printing devsvc.1.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// A day: longer waits are mistakes, and a bound keeps deadline arithmetic
/// far from overflow.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;
/// An hour: a grace period, not a shutdown schedule.
pub const MAX_STOP_GRACE_SECS: i64 = 3_600;

/// `all`, or a number of lines.
fn parse_tail(value: &str) -> Result<String, String> {
    if value == "all" || value.parse::<u32>().is_ok() {
        Ok(value.to_string())
    } else {
        Err(format!(
            "expected `all` or a number of lines, got `{value}`"
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum EnvFormat {
    /// GitHub Actions' `$GITHUB_ENV` file format (appended to that file
    /// when the variable is set).
    Github,
    Dotenv,
    Json,
    Shell,
}
