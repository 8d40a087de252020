//! From a CSV file to a saved model and predictions, through the library.
//! Run: `cargo run --release --example train_csv -- datasets/iris.csv species`.

use mlp::data::{Columns, Source, read_csv};
use mlp::{FitOptions, Model};
use std::ops::ControlFlow;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(target)) = (args.next(), args.next()) else {
        return Err("usage: train_csv FILE.csv TARGET_COLUMN".into());
    };
    let columns = Columns {
        targets: vec![target],
        ..Columns::default()
    };
    let table = read_csv::<f64>(&Source::from_arg(&path), &columns)?;
    let fitted = mlp::fit(table, &FitOptions::default(), None, |_| {
        ControlFlow::Continue(())
    })?;
    println!(
        "{} ({}): {} epochs, {}",
        fitted.model.network,
        fitted.task.0.name(),
        fitted.report.epochs,
        fitted.report.stop.describe()
    );
    let out = std::env::temp_dir().join("train_csv_example.json");
    fitted.model.save(&out)?;

    // Predict on the raw file with the saved model: its standardization and classes come along.
    let model = Model::load(&out)?;
    let mut table = read_csv::<f64>(
        &Source::from_arg(&path),
        &Columns {
            features: model.features.clone(),
            targets: model.targets.clone().unwrap_or_default(),
            ..Columns::default()
        },
    )?;
    model.scale_inputs(&mut table.x);
    let probabilities = model.decode_outputs(model.predict(table.x.view())?);
    println!("first row: {}", probabilities.row(0));
    println!("model written to {}", out.display());
    Ok(())
}
