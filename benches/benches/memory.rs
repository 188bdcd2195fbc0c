//! Peak memory of a whole `goalpost run` as the corpus grows: the same generated trajectories
//! written again under new ids until the corpus reaches each size, each run a fresh process
//! (`--no-cache -j 2`), its peak resident set read from `/proc/<pid>/status` (`VmHWM`, the
//! kernel's high-water mark) every 2 ms until it exits. Flat memory means the peak does not
//! follow the corpus.
//!
//! Run (Linux; the release binary is what is measured):
//!
//! ```sh
//! cargo build --release -p goalpost-cli
//! cargo bench -p goalpost-bench --bench memory
//! GOALPOST_BENCH_MEMORY_GB=0.25,1,5 cargo bench -p goalpost-bench --bench memory
//! ```
//!
//! `GOALPOST_BIN` names another binary; `GOALPOST_BENCH_DIR` where the corpus is written
//! (default: a temporary directory, removed afterwards; it needs the largest size free).
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STEPS: usize = 400;
/// Distinct trajectories generated; the corpus repeats them under new ids.
const POOL: usize = 64;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin =
        std::env::var_os("GOALPOST_BIN").map(PathBuf::from).unwrap_or_else(|| root.join("target/release/goalpost"));
    if !bin.is_file() {
        println!("memory: skipped, no binary at {} (cargo build --release -p goalpost-cli)", bin.display());
        return;
    }
    if !Path::new("/proc/self/status").is_file() {
        println!("memory: skipped, needs /proc (Linux)");
        return;
    }
    let sizes: Vec<f64> = std::env::var("GOALPOST_BENCH_MEMORY_GB")
        .unwrap_or_else(|_| "0.25,1,4".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let keep = std::env::var_os("GOALPOST_BENCH_DIR").map(PathBuf::from);
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let base = keep.clone().unwrap_or_else(|| tmp.path().to_owned());
    let corpus = base.join("memory-corpus");
    let out = base.join("memory-out");
    fs_err::create_dir_all(&corpus).expect("corpus directory");

    let pool: Vec<String> = (0..POOL).map(|i| goalpost_bench::trajectory(i, STEPS, "fix-login-redirect")).collect();
    let (mut written, mut files) = (0u64, 0usize);
    println!("{:>10} {:>13} {:>14} {:>9} {:>10}", "corpus", "trajectories", "peak RSS", "wall", "KB/traj");
    let mut first: Option<(usize, u64)> = None;
    for gb in sizes {
        let target = (gb * 1e9) as u64;
        while written < target {
            let text = &pool[files % POOL];
            // A new id on the header line, the rest as generated.
            let text =
                text.replacen(&format!("\"id\":\"bench/{}\"", files % POOL), &format!("\"id\":\"bench/{files}\""), 1);
            let dir = corpus.join(format!("d{:03}", files / 1000));
            if files % 1000 == 0 {
                fs_err::create_dir_all(&dir).expect("corpus directory");
            }
            fs_err::write(dir.join(format!("t{files:07}.jsonl")), &text).expect("a corpus file");
            written += text.len() as u64;
            files += 1;
        }
        let _ = fs_err::remove_dir_all(&out);
        let (peak_kb, wall) = peak_of(
            Command::new(&bin)
                .current_dir(&root)
                .args(["run", "--no-cache", "-q", "-j", "2", "--trajectories"])
                .arg(&corpus)
                .arg("--out")
                .arg(&out),
        );
        let slope = match first {
            Some((f, kb)) if files > f => format!("{:+.2}", (peak_kb as f64 - kb as f64) / (files - f) as f64),
            _ => "-".to_owned(),
        };
        first.get_or_insert((files, peak_kb));
        println!(
            "{:>8.2}GB {files:>13} {:>11.1} MB {:>8.1}s {slope:>10}",
            written as f64 / 1e9,
            peak_kb as f64 / 1024.0,
            wall.as_secs_f64()
        );
    }
    println!("(KB/traj: extra peak memory per extra trajectory against the smallest corpus)");
    if keep.is_some() {
        let _ = fs_err::remove_dir_all(&corpus);
        let _ = fs_err::remove_dir_all(&out);
    }
}

/// Runs `cmd` to the end; its peak resident set (KB) and wall time.
fn peak_of(cmd: &mut Command) -> (u64, Duration) {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("the goalpost binary runs");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Some(kb) = fs_err::read_to_string(&status_path).ok().as_deref().and_then(vm_hwm) {
            peak = peak.max(kb);
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                assert!(status.success(), "goalpost run did not grade every input: {status}");
                return (peak, start.elapsed());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("waiting for goalpost: {e}"),
        }
    }
}

/// `VmHWM:   123456 kB` → 123456.
fn vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
