//! docs/math.md names the functions that hold each formula: every name it gives in backticks
//! as `Type::function`, `module::function` (or a field, variant or file path) must exist in the
//! library's source, so that the page cannot point at code that has moved or gone.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("the source directory is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).expect("a source file is readable");
            out.push((path, text));
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifiers of a line of code, in order.
fn idents(line: &str) -> Vec<&str> {
    line.split(|c: char| !is_ident(c))
        .filter(|w| w.starts_with(is_ident_start))
        .collect()
}

/// `a::b::c` at the start of a backticked span, when the span is that path alone or a call of
/// it (`Params::weights(k)`); other spans (expressions, formulas) give nothing.
fn path_of(span: &str) -> Option<Vec<&str>> {
    let mut end = 0;
    let mut segments = Vec::new();
    loop {
        let rest = &span[end..];
        if !rest.starts_with(is_ident_start) {
            return None;
        }
        let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        segments.push(&rest[..len]);
        end += len;
        match span[end..].strip_prefix("::") {
            Some(_) => end += 2,
            None => break,
        }
    }
    let tail = &span[end..];
    (segments.len() >= 2 && (tail.is_empty() || tail.starts_with('('))).then_some(segments)
}

/// Whether `text` defines or implements the type `name`.
fn has_type(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        let words = idents(line.trim_start());
        let declares = words
            .iter()
            .take(4)
            .any(|w| matches!(*w, "struct" | "enum" | "trait" | "impl" | "type"));
        declares && words.contains(&name)
    })
}

/// Whether `text` holds a function, field or variant called `name`.
fn has_member(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        let words = idents(line.trim_start());
        let at = |i: usize| words.get(i).copied();
        let is_fn = words.windows(2).any(|w| w == ["fn", name]);
        let trimmed = line.trim_start();
        let after_name = |s: &str| {
            s.strip_prefix(name)
                .is_some_and(|r| r.starts_with([':', ',', '(', ' ', '{']) || r.is_empty())
        };
        let first = match at(0) {
            Some("pub") => trimmed
                .split_once(|c: char| c.is_whitespace())
                .map(|(_, r)| r),
            _ => Some(trimmed),
        };
        // `pub(crate) x` splits after `pub(crate)`.
        let field_or_variant =
            first.is_some_and(after_name) || trimmed.starts_with(name) && after_name(trimmed);
        is_fn || field_or_variant
    })
}

/// The source files a qualifier (`Network`, `passes`, `mlp`) points at.
fn files_of<'a>(all: &'a [(PathBuf, String)], qualifier: &str) -> Vec<&'a (PathBuf, String)> {
    if qualifier == "mlp" {
        return all.iter().collect();
    }
    if qualifier.starts_with(|c: char| c.is_ascii_uppercase()) {
        return all.iter().filter(|(_, t)| has_type(t, qualifier)).collect();
    }
    all.iter()
        .filter(|(p, _)| {
            let stem = p.file_stem().and_then(|s| s.to_str());
            let parent = p
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|s| s.to_str());
            stem == Some(qualifier) || stem == Some("mod") && parent == Some(qualifier)
        })
        .collect()
}

/// What of `path` (`["Network", "forward"]`) does not exist in the sources, if anything.
fn missing(all: &[(PathBuf, String)], path: &[&str]) -> Option<String> {
    let (name, qualifiers) = path.split_last().expect("a path has segments");
    let qualifier = qualifiers.last().expect("a path has a qualifier");
    let files = files_of(all, qualifier);
    if files.is_empty() {
        return Some(format!(
            "{}: no type or module `{qualifier}`",
            path.join("::")
        ));
    }
    if files.iter().any(|(_, t)| has_member(t, name)) {
        return None;
    }
    Some(format!(
        "{}: no `{name}` where `{qualifier}` is",
        path.join("::")
    ))
}

#[test]
fn every_function_that_docs_math_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = fs::read_to_string(root.join("../../docs/math.md")).expect("docs/math.md");
    let mut all = Vec::new();
    sources(&root.join("src"), &mut all);
    // The check itself must catch a name that is gone (the one the page once gave).
    assert!(missing(&all, &["Network", "backward_unchecked"]).is_some());
    assert!(missing(&all, &["passes", "backward"]).is_none());

    let spans: Vec<&str> = page.split('`').skip(1).step_by(2).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for span in spans {
        if span.starts_with("crates/") {
            if !root.join("../..").join(span).exists() {
                problems.push(format!("{span}: no such file"));
            }
            checked += 1;
        } else if let Some(path) = path_of(span) {
            problems.extend(missing(&all, &path));
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} names found in docs/math.md");
    assert!(
        problems.is_empty(),
        "docs/math.md names code that does not exist:\n{}",
        problems.join("\n")
    );
}
