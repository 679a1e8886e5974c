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
    Other,
}

#[derive(Debug, thiserror::Error)]
#[error("{action}: {message}")]
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

fn classify(e: &BollardError, message: &str) -> Fault {
    // A taken port is a 500 whose only sign is its words: Docker's own
    // allocator ("port is already allocated") or its proxy's bind
    // ("address already in use").
    if message.contains("port is already allocated") || message.contains("address already in use") {
        return Fault::PortTaken;
    }
    match status_code(e) {
        Some(404) => Fault::NotFound,
        Some(409) => Fault::NameInUse,
        _ => Fault::Other,
    }
}

pub(super) fn status_code(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// The engine's own words, without bollard's wrapping.
pub(super) fn engine_message(e: &BollardError) -> String {
    match e {
        BollardError::DockerResponseServerError { message, .. } => message.clone(),
        BollardError::DockerStreamError { error } => error.clone(),
        other => other.to_string(),
    }
}
