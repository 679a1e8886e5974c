//! One error type for the whole tool: each variant carries the context a user
//! needs to act, and maps to the exit code listed in the README (Exit codes).
use std::path::PathBuf;

pub use crate::engine_error::{EngineError, Fault};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// services.yaml or a template is wrong: always points at file, line, column.
    #[error("{file}:{line}:{column}: {message}{}", suggestion_suffix(.suggestion))]
    Config {
        file: String,
        line: u64,
        column: u64,
        message: String,
        suggestion: Option<String>,
    },
    /// A configuration problem that has no single position (a missing file).
    #[error("{0}")]
    Usage(String),
    #[error(
        "cannot reach the container engine at {endpoint} (chosen from {chosen_by}): {reason}\n\
         hint: start Docker, or point DOCKER_HOST / DOCKER_CONTEXT at a running engine"
    )]
    EngineUnreachable {
        endpoint: String,
        chosen_by: String,
        reason: String,
    },
    /// The engine stopped or restarted while devsvc was using it (a
    /// restart also stops every container).
    #[error(
        "the container engine at {endpoint} went away while services were starting ({reason}): it stopped or restarted\n\
         hint: once it runs again, `devsvc up` carries on from where this run stopped; the data volumes are kept"
    )]
    EngineGone { endpoint: String, reason: String },
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Several services failed; each is reported, the first decides the
    /// exit code.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\nerror: "))]
    Several(Vec<Error>),
    #[error("cannot pull image {image}: {message}")]
    Pull { image: String, message: String },
    #[error(
        "service `{service}` did not become ready within {timeout_secs} s: {last_error}\n\
         last log lines of {container}:\n{logs}"
    )]
    NotReady {
        service: String,
        container: String,
        timeout_secs: u64,
        last_error: String,
        logs: String,
    },
    #[error("service `{service}`: {message}")]
    Provision { service: String, message: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Runtime(String),
    #[error(
        "interrupted ({}); everything created so far carries the project's label: `devsvc up` carries on from there and `devsvc down` removes it",
        .0.name()
    )]
    Interrupted(crate::signals::Stop),
    /// The reader of stdout went away (`devsvc status | head -1`): the end
    /// of output, not a failure. Exits 0 and prints nothing.
    #[error("stdout was closed")]
    OutputClosed,
}

fn suggestion_suffix(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("\n  help: {s}"))
        .unwrap_or_default()
}

impl Error {
    /// The process exit status for this error (README: Exit codes).
    pub fn code(&self) -> u8 {
        match self {
            Error::Config { .. } | Error::Usage(_) => 2,
            Error::EngineUnreachable { .. } | Error::EngineGone { .. } => 3,
            Error::NotReady { .. } => 4,
            Error::Interrupted(stop) => (128 + stop.number()) as u8,
            Error::OutputClosed => 0,
            Error::Several(errors) => errors.first().map_or(1, Error::code),
            Error::Engine(_)
            | Error::Pull { .. }
            | Error::Provision { .. }
            | Error::Io { .. }
            | Error::Runtime(_) => 1,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn engine(action: impl Into<String>, err: bollard::errors::Error) -> Self {
        Error::Engine(EngineError::new(action, err))
    }

    /// One error for all that failed: none (`Ok`), one as it is, or several.
    pub(crate) fn all(mut errors: Vec<Error>) -> Result<()> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Several(errors)),
        }
    }
}
