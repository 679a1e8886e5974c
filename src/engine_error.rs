//! Engine errors, typed: what devsvc was doing, what went wrong in terms a
//! caller can act on (a port taken, a name in use, ...), the engine's own
//! words, and bollard's error kept as the source. Classifying happens here,
//! so no code outside the engine reads the engine's messages.
use bollard::errors::Error as BollardError;

/// What went wrong, as far as a caller needs to tell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// A host port could not be published: something else holds it.
    PortTaken,
    /// A container, network or volume of that name exists already.
    NameInUse,
    /// The object is gone (removed meanwhile, or never there).
    NotFound,
    /// The engine has no init binary to run in the container (devsvc asks
    /// for one, so `down` stops services gracefully): Podman without
    /// catatonit.
    InitMissing,
    Other,
}

#[derive(Debug, thiserror::Error)]
#[error("{action}: {message}{}", hint(*.fault))]
pub struct EngineError {
    /// What devsvc was doing, e.g. `starting container devsvc-shop-redis`.
    action: String,
    fault: Fault,
    /// The engine's own words, without bollard's wrapping.
    message: String,
    #[source]
    source: BollardError,
}

impl EngineError {
    pub(crate) fn new(action: impl Into<String>, source: BollardError) -> EngineError {
        let message = engine_message(&source);
        EngineError {
            action: action.into(),
            fault: classify(&source, &message),
            message,
            source,
        }
    }

    pub fn fault(&self) -> Fault {
        self.fault
    }
}

/// What the user can do about a fault, when devsvc knows.
fn hint(fault: Fault) -> &'static str {
    match fault {
        // Podman 4.3's Docker-compatible API looks for catatonit at the
        // path it names and ignores `init_path` (tried: it still failed).
        Fault::InitMissing => {
            "\nhint: devsvc runs every container with an init process, and the engine has no init binary. \
             On Podman, install catatonit on the engine's host (Debian, Ubuntu: `apt-get install catatonit`; \
             Fedora: `dnf install catatonit`) so the path above exists, or point `init_path` under \
             `[containers]` in containers.conf at an init binary where your Podman honours it \
             (4.3's Docker-compatible API does not)"
        }
        _ => "",
    }
}

fn classify(e: &BollardError, message: &str) -> Fault {
    // A taken port is a 500 whose only sign is its words: Docker's own
    // allocator ("port is already allocated") or its proxy's bind
    // ("address already in use").
    if message.contains("port is already allocated") || message.contains("address already in use") {
        return Fault::PortTaken;
    }
    // Podman 4's words, from a stat of the configured path or (newer) a
    // search of its helper folders.
    if message.contains("container-init binary not found") || message.contains("lookup init binary")
    {
        return Fault::InitMissing;
    }
    match status_code(e) {
        Some(404) => Fault::NotFound,
        Some(409) => Fault::NameInUse,
        _ => Fault::Other,
    }
}

pub(crate) fn status_code(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// The engine's own words, without bollard's wrapping.
pub(crate) fn engine_message(e: &BollardError) -> String {
    match e {
        BollardError::DockerResponseServerError { message, .. } => message.clone(),
        BollardError::DockerStreamError { error } => error.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(status_code: u16, message: &str) -> BollardError {
        BollardError::DockerResponseServerError {
            status_code,
            message: message.into(),
        }
    }

    /// Podman without catatonit, in its own words: a devsvc error naming
    /// the fix, and a runtime failure (exit 1) like any engine error: the
    /// engine answers, it cannot run the container as asked.
    #[test]
    fn a_missing_init_binary_names_the_fix() {
        let words = "container create: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory";
        let error = EngineError::new(
            "creating container devsvc-shop-redis",
            server_error(500, words),
        );
        assert_eq!(error.fault(), Fault::InitMissing);
        let text = error.to_string();
        assert!(
            text.starts_with(&format!(
                "creating container devsvc-shop-redis: {words}\nhint: "
            )),
            "{text}"
        );
        assert!(text.contains("apt-get install catatonit"), "{text}");
        assert!(text.contains("`init_path`"), "{text}");
        assert_eq!(crate::error::Error::Engine(error).code(), 1);
        let newer = "lookup init binary: exec: \"catatonit\": executable file not found in $PATH";
        assert_eq!(
            EngineError::new("x", server_error(500, newer)).fault(),
            Fault::InitMissing
        );
    }

    #[test]
    fn other_engine_errors_carry_no_hint() {
        let error = EngineError::new(
            "starting container c",
            server_error(
                500,
                "driver failed programming external connectivity: port is already allocated",
            ),
        );
        assert_eq!(error.fault(), Fault::PortTaken);
        assert!(!error.to_string().contains("hint"));
    }
}
