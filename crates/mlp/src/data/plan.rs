//! Which columns of a header are features, targets, kept or unused.

use std::collections::HashMap;

use csv::ByteRecord;

use super::{Columns, data, list, sniff};
use crate::error::{Location, Result};

/// The header's column names, trimmed, with a byte-order mark removed; unique and non-empty.
pub(super) fn header_names(name: &str, record: &ByteRecord, line: u64) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut seen = HashMap::new();
    for (i, field) in record.iter().enumerate() {
        let text = std::str::from_utf8(field)
            .map_err(|_| data(Location::file(name).at_line(line), "invalid UTF-8"))?;
        let text = if i == 0 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        let text = text.trim();
        if text.contains('\0') {
            return Err(data(
                Location::file(name).at_line(line),
                "the header holds NUL bytes: the file looks like UTF-16; save it as UTF-8",
            ));
        }
        if text.is_empty() {
            let at = Location::file(name).at_line(line);
            return Err(data(
                at,
                format!("column {} of the header has no name", i + 1),
            ));
        }
        if seen.insert(text, i).is_some() {
            let message = format!("column \"{text}\" appears twice in the header");
            return Err(data(Location::file(name), message));
        }
        names.push(text.to_owned());
    }
    Ok(names)
}

/// The header indices of the feature, target and kept columns, and the names of the columns
/// left unused.
pub(super) struct Plan {
    pub features: Vec<usize>,
    pub targets: Vec<usize>,
    pub keep: Vec<usize>,
    pub ignored: Vec<String>,
}

/// Decides which columns are features and which are targets.
pub(super) fn plan(name: &str, header: &[String], columns: &Columns) -> Result<Plan> {
    let fail = |message: String| Err(data(Location::file(name), message));
    let index: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut used = vec![false; header.len()];
    let mut targets = Vec::new();
    for (k, t) in columns.targets.iter().enumerate() {
        if columns.drop.contains(t) {
            return fail(format!("column \"{t}\" is both a target and dropped"));
        }
        if columns.targets.iter().take(k).any(|u| u == t) {
            return fail(format!("column \"{t}\" is named twice as a target"));
        }
        match index.get(t.as_str()) {
            Some(&i) => {
                targets.push(i);
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            None if columns.targets_optional => {}
            None => {
                return fail(format!(
                    "no column \"{t}\"{} (columns: {}){}",
                    did_you_mean(t, header),
                    list(header),
                    separator_hint(header)
                ));
            }
        }
    }
    for d in &columns.drop {
        match index.get(d.as_str()) {
            Some(&i) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            None => {
                return fail(format!(
                    "no column \"{d}\" to drop{} (columns: {})",
                    did_you_mean(d, header),
                    list(header)
                ));
            }
        }
    }
    let features = match &columns.features {
        Some(wanted) => {
            if wanted.is_empty() {
                return fail("no feature columns: the list of features is empty".to_owned());
            }
            let mut features = Vec::new();
            for (k, f) in wanted.iter().enumerate() {
                if wanted.iter().take(k).any(|g| g == f) {
                    return fail(format!("column \"{f}\" is listed twice as a feature"));
                }
                if columns.targets.contains(f) {
                    return fail(format!("column \"{f}\" is both a feature and a target"));
                }
                if columns.drop.contains(f) {
                    return fail(format!("column \"{f}\" is both a feature and dropped"));
                }
                match index.get(f.as_str()) {
                    Some(&i) => features.push(i),
                    None => return fail(format!("column \"{f}\" that the model needs is missing")),
                }
            }
            features
        }
        None => used
            .iter()
            .enumerate()
            .filter(|(_, u)| !**u)
            .map(|(i, _)| i)
            .collect(),
    };
    if features.is_empty() {
        return fail("no feature columns left after removing targets and dropped columns".into());
    }
    let mut keep = Vec::new();
    for k in &columns.keep {
        match index.get(k.as_str()) {
            Some(&i) => keep.push(i),
            None => {
                return fail(format!(
                    "no column \"{k}\" to keep{} (columns: {})",
                    did_you_mean(k, header),
                    list(header)
                ));
            }
        }
    }
    let ignored = if columns.features.is_some() {
        header
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !features.contains(i) && !targets.contains(i) && !keep.contains(i) && !used[*i]
            })
            .map(|(_, h)| h.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Plan {
        features,
        targets,
        keep,
        ignored,
    })
}

/// `; the header is one column holding ';': is the separator ';'? (--delimiter ';')` when the
/// header was read as a single column that holds a tab or a semicolon.
fn separator_hint(header: &[String]) -> String {
    let [only] = header else {
        return String::new();
    };
    [('\t', "tab", "'\\t'"), (';', "';'", "';'")]
        .iter()
        .find(|(c, _, _)| only.contains(*c))
        .map_or(String::new(), |(_, seen, flag)| {
            format!("; the header is one column holding a {seen}: give --delimiter {flag}")
        })
}

/// ` (did you mean "x"?)` when one name of `names` is within a few edits of `name`.
pub fn did_you_mean(name: &str, names: &[String]) -> String {
    sniff::closest(name, names).map_or(String::new(), |n| {
        format!(" (did you mean \"{}\"?)", super::short(n))
    })
}
