//! A [`Table`] from data already in memory (a feature matrix, text columns, target values), for
//! callers that do not read a file, such as bindings to other languages.

use std::collections::HashMap;

use ndarray::Array2;

use super::{ColumnRead, Table, TargetColumn, TextColumn, data};
use crate::error::{Error, Location, Result};
use crate::float::Float;

impl<T: Float> Table<T> {
    /// A table from in-memory columns, as [`read_csv`](super::read_csv) would have read them:
    ///
    /// - `x`, shape (rows, features), in the order of `feature_names`; NaN is a missing value;
    /// - `text`: the feature columns that hold text (categories, dates), by index into
    ///   `feature_names`, with one value per row; their entries of `x` are ignored (set to NaN);
    /// - `targets`: the target columns by name, one value per row, as text (class labels, or
    ///   numbers written as `f64`'s `Display` writes them).
    ///
    /// Only the empty string marks a missing text value. Messages name the source `name` and
    /// each row by its 1-based number as the "line". Errors when a name is empty or repeated or
    /// a column's length is not the number of rows.
    pub fn from_arrays(
        name: &str,
        feature_names: Vec<String>,
        mut x: Array2<T>,
        text: Vec<(usize, Vec<String>)>,
        targets: Vec<(String, Vec<String>)>,
    ) -> Result<Table<T>> {
        let rows = x.nrows();
        let at = || Location::file(name);
        if feature_names.len() != x.ncols() {
            return Err(Error::shape(
                "feature names",
                x.ncols(),
                feature_names.len(),
            ));
        }
        let mut seen = HashMap::new();
        for n in feature_names.iter().chain(targets.iter().map(|t| &t.0)) {
            if n.is_empty() {
                return Err(data(at(), "a column has no name"));
            }
            if seen.insert(n.as_str(), ()).is_some() {
                return Err(data(at(), format!("column \"{n}\" appears twice")));
            }
        }
        let lines: Vec<u64> = (1..=rows as u64).collect();
        let mut columns: Vec<ColumnRead> = x
            .columns()
            .into_iter()
            .map(|c| {
                let mut read = ColumnRead::default();
                for (i, v) in c.iter().enumerate() {
                    if v.is_nan() {
                        read.missing += 1;
                        read.first_missing
                            .get_or_insert((i as u64 + 1, String::new()));
                    }
                }
                read
            })
            .collect();
        for (j, values) in text {
            let (Some(read), Some(column_name)) = (columns.get_mut(j), feature_names.get(j)) else {
                return Err(data(
                    at(),
                    format!("text column {j} is not one of the {} features", x.ncols()),
                ));
            };
            if values.len() != rows {
                return Err(Error::shape(
                    format!("column \"{column_name}\""),
                    rows,
                    values.len(),
                ));
            }
            x.column_mut(j).fill(T::nan());
            let mut column = TextColumn::default();
            let mut index: HashMap<&str, u32> = HashMap::new();
            *read = ColumnRead::default();
            for (i, v) in values.iter().enumerate() {
                let code = *index.entry(v.as_str()).or_insert_with(|| {
                    column.values.push(v.clone());
                    (column.values.len() - 1) as u32
                });
                column.codes.push(code);
                if v.is_empty() {
                    read.missing += 1;
                    read.first_missing
                        .get_or_insert((i as u64 + 1, String::new()));
                }
            }
            read.text = Some(column);
        }
        let targets = targets
            .into_iter()
            .map(|(target, values)| {
                if values.len() != rows {
                    return Err(Error::shape(
                        format!("column \"{target}\""),
                        rows,
                        values.len(),
                    ));
                }
                Ok(TargetColumn {
                    name: target,
                    values,
                    lines: lines.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Table {
            name: name.to_owned(),
            feature_names,
            x,
            columns,
            targets,
            kept: Vec::new(),
            lines,
            ignored: Vec::new(),
            na_values: vec![String::new()],
            decimal: b'.',
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{FitOptions, fit};
    use crate::preprocess::Task;
    use ndarray::array;
    use std::ops::ControlFlow;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn numbers_text_and_missing_values_are_seen_as_the_reader_sees_them() -> Result<()> {
        let x = array![[1.0, 0.0], [f64::NAN, 0.0], [3.0, 0.0]];
        let text = vec![(1, names(&["a", "", "b"]))];
        let targets = vec![("y".to_owned(), names(&["u", "v", "u"]))];
        let t = Table::from_arrays("X", names(&["n", "c"]), x, text, targets)?;
        assert_eq!(t.columns[0].missing, 1);
        assert_eq!(t.columns[0].first_missing, Some((2, String::new())));
        let c = t.columns[1]
            .text
            .as_ref()
            .map(|c| (0..3).map(|i| c.get(i)).collect());
        assert_eq!(c, Some(vec!["a", "", "b"]));
        assert_eq!(t.columns[1].missing, 1);
        assert!(t.x.column(1).iter().all(|v| v.is_nan()));
        assert!(!t.is_complete());
        assert_eq!(t.targets[0].values, names(&["u", "v", "u"]));
        assert_eq!(t.line(2), 3);
        Ok(())
    }

    #[test]
    fn bad_shapes_and_names_are_errors() {
        let x = || array![[1.0], [2.0]];
        let y = |n: usize| vec![("y".to_owned(), vec!["1".to_owned(); n])];
        assert!(Table::from_arrays("X", names(&["a", "b"]), x(), vec![], y(2)).is_err());
        assert!(Table::from_arrays("X", names(&["a"]), x(), vec![], y(3)).is_err());
        assert!(Table::from_arrays("X", names(&["y"]), x(), vec![], y(2)).is_err());
        assert!(Table::from_arrays("X", names(&[""]), x(), vec![], y(2)).is_err());
        assert!(
            Table::from_arrays("X", names(&["a"]), x(), vec![(1, names(&["p", "q"]))], y(2))
                .is_err()
        );
        assert!(
            Table::<f64>::from_arrays("X", names(&["a"]), x(), vec![(0, names(&["p"]))], y(2))
                .is_err()
        );
    }

    #[test]
    fn a_table_from_arrays_trains_like_the_same_file() -> Result<()> {
        let csv = "a,b,y\n0,1,p\n1,0,q\n0,0,p\n1,1,q\n0.5,0.2,p\n0.9,0.1,q\n";
        let read: Table<f64> = crate::data::read_csv_from(
            "t.csv",
            csv.as_bytes(),
            &crate::data::Columns {
                targets: vec!["y".into()],
                ..Default::default()
            },
        )?;
        let mem = Table::from_arrays(
            "X",
            read.feature_names.clone(),
            read.x.clone(),
            vec![],
            vec![("y".to_owned(), read.targets[0].values.clone())],
        )?;
        let options = FitOptions::defaults_for(Task::Classification);
        let a = fit(read, &options, None, |_| ControlFlow::Continue(()))?;
        let b = fit(mem, &options, None, |_| ControlFlow::Continue(()))?;
        assert_eq!(a.model.network, b.model.network);
        assert_eq!(a.model.classes, b.model.classes);
        Ok(())
    }
}
