//! Benchmarks of `mlp` on the reference workloads: `examples/workload.rs` (one JSON line per
//! run, for `bench/compare.py`) and `benches/workloads.rs` (criterion). See BENCHMARKS.md.
