//! `goalpost`: grade what coding agents did against what they were asked to do.
//!
//! The only crate that prints. Subcommands: `run`, `explain`, `lint`, `import`, `report`,
//! `compare`, `gate`, `promote`, `regressions`. Exit statuses are named in [`exit::Exit`]:
//! 0 the command completed; 1 it completed but some input errored (or lint found problems,
//! or the gate failed); 2 it could not run at all.

mod args;
mod assemble;
mod catalog;
mod commands;
mod exit;
mod init;
mod manifest;
mod merge;
mod progress;
mod project;
mod regressions;
mod render;
mod reports;
mod review;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    // Trajectories are graded behind their own panic boundaries; this one keeps the exit
    // status 2 (not Rust's 101) for a bug anywhere else. The panic hook has printed it.
    let outcome = match std::panic::catch_unwind(|| commands::dispatch(cli)) {
        Ok(outcome) => outcome,
        Err(_) => return Exit::Failure.into(),
    };
    match outcome {
        Ok(exit) => exit.into(),
        Err(e) => {
            // A broken pipe (`goalpost run | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return Exit::Success.into();
            }
            render::error(&e);
            Exit::Failure.into()
        }
    }
}
