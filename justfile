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

# The Python package (python/): built into the active venv with maturin, then its tests (Ray
# included). CI makes a pinned venv for this (.ci/run).
python:
    cd python && maturin develop && python -m pytest -q tests

# Formatting and lints as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cd python && cargo fmt -- --check && cargo clippy --all-targets -- -D warnings
    cargo run -q -- lint

# Benchmarks (prints trajectories/s and MB/s).
bench:
    cargo bench -p goalpost-bench

# A long fuzz run (the bounded one is part of `test`): GOALPOST_FUZZ_SEED and _ITERATIONS pick it.
fuzz:
    CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true GOALPOST_FUZZ_ITERATIONS=${GOALPOST_FUZZ_ITERATIONS:-200000} cargo test --release -p goalpost-fuzz --test fuzz -- --nocapture
