# List the recipes.
default:
    @just --list

# Everything CI runs.
ci:
    bash .ci/run

# Grade the bundled examples.
run:
    cargo run -- run

# Summary, review pages and trend for the newest run.
report:
    cargo run -- report

# The release gate on the newest run.
gate:
    cargo run -- gate --policy gates.toml

# The test suite.
test:
    cargo test --workspace

# Formatting and lints as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo run -q -- lint

# Benchmarks (prints trajectories/s and MB/s).
bench:
    cargo bench -p goalpost-bench
