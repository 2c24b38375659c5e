//! Logging: `tracing` to stderr, filtered by `SMTP_ENDPOINT_LOG` or `RUST_LOG` (default `info`; `warn` for the
//! commands that print their own report: `check`, `probe`, `send-test`).
//!
//! No secret reaches a log line at any level: passwords are `SecretString`s (their `Debug` says `[REDACTED]`),
//! the core crate's input redacts its password, requests are logged by method, path and status only, and lettre's
//! `tracing` feature (which logs AUTH payloads) stays off.

use std::io::Write;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber, at `default` unless the environment names a filter; a second call does
/// nothing. A filter that cannot be meant as written is said on stderr (the log itself might be the thing it
/// silences) and `default` is used instead.
pub fn init(default: &str) {
    let given = ["SMTP_ENDPOINT_LOG", "RUST_LOG"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()).map(|value| (name, value)));
    let filter = match &given {
        Some((name, value)) => match judge_filter(value) {
            Ok(filter) => filter,
            Err(why) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "{name}={value:?} {why}; logging at {default} instead (e.g. {name}=debug)"
                );
                EnvFilter::new(default)
            }
        },
        None => EnvFilter::new(default),
    };
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

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// A filter as `EnvFilter` reads it, unless it does not parse or names no level anywhere: `inf` parses as "every
/// level of the target `inf`" and would silence the whole log.
fn judge_filter(value: &str) -> Result<EnvFilter, &'static str> {
    // `target=level` names one; so does a bare directive that is a level.
    let names_a_level = value
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .any(|directive| directive.contains('=') || LEVELS.contains(&directive.to_ascii_lowercase().as_str()));
    if !names_a_level {
        return Err("names no level (off, error, warn, info, debug, trace)");
    }
    EnvFilter::try_new(value).map_err(|_| "is not a log filter")
}

#[cfg(test)]
mod tests {
    use super::judge_filter;

    #[test]
    fn filters_that_name_no_level_are_said() {
        for good in ["info", "DEBUG", "smtp_endpoint_server=trace", "warn,smtp_endpoint_server::smtp=debug"] {
            assert!(judge_filter(good).is_ok(), "{good}");
        }
        assert_eq!(judge_filter("inf").err(), Some("names no level (off, error, warn, info, debug, trace)"));
        assert_eq!(judge_filter("smtp_endpoint_server").err(), judge_filter("inf").err());
        assert_eq!(judge_filter("x=[").err(), Some("is not a log filter"));
    }
}
