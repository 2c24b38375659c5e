//! `smtp-endpoint-server`: see [`smtp_endpoint_server::cli`].

use clap::Parser;
use smtp_endpoint_server::{cli, telemetry};
use std::io::Write;
use std::process::ExitCode;

/// mimalloc returns the large blocks argon2 uses (19 MiB per login) to the system after use; glibc's malloc raises
/// its mmap threshold after the first one and keeps them, which doubles the resident memory of an idle server.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init(cli.default_log_level());
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(cli::run(cli)).map_err(anyhow::Error::from));
    match result {
        Ok(code) => code,
        Err(error) => {
            // Not eprintln!, which panics when standard error cannot be written: the exit code says it anyway.
            let _ = writeln!(std::io::stderr(), "error: {}", one_line(&error));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, each cause once: most messages already quote their source.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1).map(ToString::to_string) {
        if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line
}
