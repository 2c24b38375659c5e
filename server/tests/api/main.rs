//! Integration tests of the server: in-process on a real socket (`spawn_app`), and the real binary as a
//! subprocess where a test needs a process boundary (restart, start-up errors, logs, the CLI).

mod canary;
mod cli;
mod endpoint;
mod helpers;
mod process;
mod security;
mod session;
#[path = "../smtp_peers/mod.rs"]
mod smtp_peers;
