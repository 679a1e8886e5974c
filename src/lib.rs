//! devsvc: backing services for local development, started from
//! services.yaml through the Docker Engine API and attached through `.env`.
//!
//! The pipeline reads in one direction (README, "Architecture"):
//! cli -> settings -> commands -> lifecycle (observe, plan, prepare, start,
//! wait, provision, export) over config (parse, interpolate, templates),
//! plan (pure), engine (the only Docker code), probes, provisioning, the
//! env file, and ui (the one output channel).
//!
//! Only what the binary, the tests and the fuzz target use is public.
pub mod cli;
pub mod commands;
pub mod envfile;
pub mod error;

mod atomic;
mod compose;
mod config;
mod context;
mod detect;
mod discovery;
mod engine;
mod engine_error;
mod exports;
mod external;
mod forwards;
mod gitbranch;
mod gitignore;
mod init_cache;
mod instance;
mod interpolate;
mod lifecycle;
mod lock;
mod naming;
mod observed;
mod plan;
mod ports;
mod private;
mod probe;
mod proposal;
mod provision;
mod render;
mod resp;
mod schema;
mod settings;
mod shared;
pub mod signals;
mod state;
mod suggest;
mod table;
mod template;
mod ui;
mod url_scheme;
