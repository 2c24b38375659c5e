//! Logging: `tracing` to stderr, filtered by `SMTP_ENDPOINT_LOG` or `RUST_LOG` (default `info`).
//!
//! No secret reaches a log line at any level: passwords are `SecretString`s (their `Debug` says `[REDACTED]`),
//! the core crate's input redacts its password, requests are logged by method, path and status only, and lettre's
//! `tracing` feature (which logs AUTH payloads) stays off.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call does nothing.
pub fn init() {
    let filter = std::env::var("SMTP_ENDPOINT_LOG")
        .ok()
        .and_then(|value| EnvFilter::try_new(value).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    // axum logs extractor rejections at trace level with serde's text, which can quote a value sent in the wrong
    // place; our own error shape reports them without values, so these lines stay off whatever the filter says.
    let filter = match "axum::rejection=off".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    // Colours only for a terminal: a file or the journal would get escape codes.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}
