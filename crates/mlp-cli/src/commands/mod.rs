//! One module per command: read the inputs, call the library, print or write the results.

pub mod cost;
pub mod describe;
pub mod evaluate;
pub mod explain;
pub mod export;
pub mod gradcheck;
pub mod importance;
pub mod init;
pub mod predict;
pub mod show;
pub mod train;

use anyhow::Result;

/// Runs `mlp datasets`: lists the built-in data sets.
pub fn datasets() -> Result<()> {
    use std::fmt::Write as _;
    let mut out = String::new();
    writeln!(
        out,
        "{:<14} {:>5} {:>8}  {:<14} {:<12} about",
        "name", "rows", "features", "task", "target"
    )?;
    for d in crate::datasets::ALL {
        let table = mlp::data::read_csv_from::<f32>(
            d.name,
            d.bytes,
            &mlp::data::Columns {
                targets: vec![d.target.into()],
                ..Default::default()
            },
        )?;
        writeln!(
            out,
            "{:<14} {:>5} {:>8}  {:<14} {:<12} {}",
            d.name,
            table.x.nrows(),
            table.x.ncols(),
            d.task,
            d.target,
            d.about
        )?;
    }
    crate::io::print(&out)
}

/// Parses `4,5,3` into layer sizes.
pub fn parse_sizes(s: &str) -> Result<Vec<usize>, String> {
    s.split(',')
        .map(|p| match p.trim().parse::<usize>() {
            Ok(0) => Err(format!("layer sizes must be at least 1, got 0 in \"{s}\"")),
            Ok(n) => Ok(n),
            Err(_) => Err(format!("\"{p}\" is not a layer size (expected e.g. 64,32)")),
        })
        .collect()
}
