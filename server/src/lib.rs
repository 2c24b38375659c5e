//! The backend that keeps the one SMTP endpoint: admin login, the stored endpoint with its encrypted,
//! write-only password, optimistic concurrency, history, and the command line.
//!
//! Layers, outside in: [`cli`] (flags, env) → [`api`] (HTTP: routes, guards, extractors, [`error::ApiError`])
//! → [`endpoint`] / [`auth`] (rules the server adds to the core crate's) → [`store`] (rows, one transaction per
//! change) and [`crypto`] (the password at rest). [`smtp`] does the real SMTP work; [`static_files`] serves the page.

pub mod api;
pub mod auth;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod endpoint;
pub mod error;
pub mod listen;
pub mod rate_limit;
pub mod smtp;
pub mod state;
pub mod static_files;
pub mod store;
pub mod telemetry;

#[cfg(test)]
mod properties;

pub use api::app;
pub use config::Config;
pub use error::ApiError;
pub use state::AppState;
