//! `pipeline::fit_streamed` on a file read in pieces far smaller than it writes the model that
//! `fit_with` writes from the table in memory, byte for byte: the pieces of the file (about
//! 64 KB of text) fall anywhere in the chunks and groups of the full batch.
#![allow(clippy::unwrap_used)]

use mlp::data::{Columns, Source, read_csv};
use mlp::pipeline::{Budget, fit_streamed};
use mlp::train::{OnEpoch, Solver};
use mlp::{FitOptions, Task};
use std::ops::ControlFlow;

/// 3001 rows: the full batch of the 2701 training rows is 11 chunks in 8 groups.
fn write_table(path: &std::path::Path) {
    let mut s = String::from("a,b,c,d,label\n");
    for i in 0..3001 {
        let a = (i as f64 * 0.37).sin() * 2.0;
        let b = (i as f64 * 0.11).cos();
        let c = ((i * 7) % 13) as f64 / 4.0;
        let d = ((i * 5) % 11) as f64 - 5.0;
        let label = ["x", "y", "z"][(a * b + c / 3.0 + d / 10.0).rem_euclid(3.0) as usize];
        s.push_str(&format!("{a:.6},{b:.6},{c:.4},{d},{label}\n"));
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn a_streamed_fit_writes_the_model_of_the_fit_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    write_table(&path);
    let source = Source::Path(path);
    let columns = Columns {
        targets: vec!["label".into()],
        ..Columns::default()
    };
    for solver in [Solver::Gd, Solver::Lbfgs, Solver::Adam] {
        let mut options = FitOptions::defaults_for(Task::Classification);
        options.hidden = vec![7];
        options.train.solver = solver;
        options.train.epochs = 3;
        options.train.shuffle_buffer = Some(500);
        options.validation_fraction = Some(0.1);
        let quiet = || OnEpoch(|_: &mlp::EpochStats| ControlFlow::Continue(()));
        let table = read_csv::<f64>(&source, &columns).unwrap();
        let memory = mlp::fit_with(table, &options, None, None, quiet()).unwrap();
        let options_for = |_: Task| options.clone();
        let budget = Budget(200_000);
        let streamed =
            fit_streamed::<f64>(&source, &columns, None, &options_for, budget, quiet()).unwrap();
        assert_eq!(streamed.task.0, Task::Classification);
        assert_eq!(
            memory.model.to_json().unwrap(),
            streamed.model.to_json().unwrap(),
            "{solver:?}"
        );
    }
}
