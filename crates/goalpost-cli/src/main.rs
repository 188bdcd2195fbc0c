//! `goalpost`: grade what coding agents did against what they were asked to do.
//!
//! The only crate that prints. Subcommands: `run`, `explain`, `lint`, `import`, `report`,
//! `compare`, `gate`, `promote`, `regressions`. Exit codes: 0 the command completed; 1 it completed but some input
//! errored (or lint found problems, or the gate failed); 2 it could not run at all.

mod args;
mod commands;
mod manifest;
mod progress;
mod regressions;
mod render;
mod reports;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            // A broken pipe (`goalpost run | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            render::error(&e);
            ExitCode::from(2)
        }
    }
}
