//! devsvc: backing services for local development, started from
//! services.yaml through the Docker Engine API and attached through `.env`.
//!
//! The pipeline reads in one direction: config (parse, interpolate,
//! templates) -> plan (pure) -> engine (the only Docker code) -> probes ->
//! provisioning -> env file -> ui.
pub mod atomic;
pub mod cli;
pub mod commands;
pub mod config;
pub mod current;
pub mod discovery;
pub mod engine;
pub mod envfile;
pub mod error;
pub mod external;
pub mod instance;
pub mod interpolate;
pub mod plan;
pub mod ports;
pub mod probe;
pub mod provision;
pub mod render;
pub mod state;
pub mod suggest;
pub mod template;
pub mod ui;
