//! `summary.md` (being written).
