//! Per-format fixture tests: each reads real samples (copied into `fixtures/formats/<format>/`
//! with their provenance) and checks the facts a grader depends on against the totals the
//! format itself records.

mod common;

mod atif;
mod claude_code;
mod codex;
mod detect;
mod edits;
mod inspect;
mod openhands;
mod otel;
mod swe_agent;
mod swebench_logs;
mod terminal_bench;
mod workspace;
