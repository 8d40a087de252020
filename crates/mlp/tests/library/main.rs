//! The library's integration tests, one module per subject, in one test binary: linked once
//! instead of once per file (which took most of the tests' build time). Run one subject with
//! `cargo test --release -p mlp --test library SUBJECT::`. The allocation count
//! (`tests/allocations.rs`) is a binary of its own: it counts every allocation of its process.
#![allow(clippy::unwrap_used)]

// Shared with the benchmark harness and the command's tests, which include workloads.rs by path.
#[path = "../common/mod.rs"]
mod common;

mod columnar;
mod columnar_pages;
mod docs_math;
mod dropout;
mod exactness;
mod gradcheck;
mod importance;
mod interruption;
mod leftovers;
mod model_file;
mod peers;
mod schedules;
mod schema;
mod stop_metric;
mod streaming;
mod weights;
mod worked_example;
