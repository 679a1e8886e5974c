//! What the engine reports of a project's containers, as the plan, the
//! exports and the commands read it: below the engine, so the pure plan
//! needs nothing of the engine's.

/// A container of this project as the engine reports it.
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub id: String,
    pub name: String,
    pub service: String,
    pub hash: String,
    pub running: bool,
    pub state: String,
    pub image: String,
    /// The ports it publishes.
    pub ports: Vec<PortMapping>,
    /// The networks it is attached to (`bridge` for the default).
    pub networks: Vec<String>,
    /// The named volumes it mounts.
    pub volumes: Vec<String>,
    /// Its `LABEL_PARTS` (absent on containers of older versions).
    pub parts: Option<String>,
}

/// A container port published on a host port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PortMapping {
    pub(crate) container: u16,
    pub(crate) host: u16,
}
