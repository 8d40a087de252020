//! A run interrupted while the other members of an ensemble train: the first network's state
//! cannot continue them, so the fit reports the interruption with no state to save (the CLI then
//! writes no checkpoint and says so).
#![allow(clippy::unwrap_used)]

use mlp::data::{Columns, Source, read_csv};
use mlp::train::{Hooks, StopReason};
use mlp::{FitOptions, Task};

/// Asks to stop from its `after + 1`-th question on. The first network asks once after each
/// epoch; after its last, only the members' watch on the calling thread asks.
struct StopAfter {
    asked: usize,
    after: usize,
}

impl Hooks for StopAfter {
    fn interrupted(&mut self) -> bool {
        self.asked += 1;
        self.asked > self.after
    }
}

#[test]
fn an_ensemble_interrupted_after_its_first_network_has_no_state_to_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    let mut csv = String::from("a,b,label\n");
    for i in 0..400 {
        let a = (i as f64 * 0.37).sin();
        let b = (i as f64 * 0.11).cos();
        csv.push_str(&format!("{a:.6},{b:.6},{}\n", u8::from(a * b > 0.1)));
    }
    std::fs::write(&path, csv).unwrap();
    let columns = Columns {
        targets: vec!["label".into()],
        ..Columns::default()
    };
    let mut options = FitOptions::defaults_for(Task::Classification);
    options.hidden = vec![5];
    options.ensemble = Some(4);
    options.validation_fraction = Some(0.1);
    options.train.epochs = 3;
    options.train.threads = 2;
    let read = || read_csv::<f64>(&Source::Path(path.clone()), &columns).unwrap();

    let whole = mlp::fit_with(
        read(),
        &options,
        None,
        None,
        StopAfter {
            asked: 0,
            after: usize::MAX,
        },
    )
    .unwrap();
    assert_eq!(whole.report.stop, StopReason::MaxEpochs);
    assert_eq!(whole.model.ensemble.len(), 3);

    let cut = mlp::fit_with(
        read(),
        &options,
        None,
        None,
        StopAfter { asked: 0, after: 3 },
    )
    .unwrap();
    assert_eq!(cut.report.epochs, 3, "the first network ran to its limit");
    assert_eq!(cut.report.stop, StopReason::Interrupted);
    assert!(
        cut.report.state.is_none(),
        "no state: the members cannot be resumed from it"
    );
}
