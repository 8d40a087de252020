//! The command's tests, one module per subject, in one test binary: linked once instead of once
//! per file. Run one subject with `cargo test --release -p mlp-cli --test cli SUBJECT::`. The
//! MPI tests (`tests/mpi.rs`, feature `mpi`) are a binary of their own, built only with that
//! feature.
#![allow(clippy::unwrap_used)]

mod common;

mod activations;
mod checkpoints;
mod commands;
mod ensemble;
mod exactness;
mod explain;
mod export;
mod first_run;
mod interrupt;
mod line_search;
mod memory;
mod outputs;
mod real_tables;
mod refusals;
mod scores;
mod selection;
mod shards;
mod sizes;
mod streams;
mod training;
mod tutorial;
mod untrusted;
mod weights;
