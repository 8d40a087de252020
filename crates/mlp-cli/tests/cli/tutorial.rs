//! docs/tutorial.md never goes stale: every `mlp` command in it runs here, and what it prints
//! must match the text block that follows it (numbers to the digits shown; times are ignored).
//!
//! After a deliberate change of output, refresh the text with `MLP_BLESS=1 cargo test --release
//! -p mlp-cli --test cli tutorial::` and read the diff.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// One command of the tutorial and the expected output, if the text shows one.
struct Step {
    command: String,
    expected: Option<(usize, usize)>,
}

/// Finds the fenced blocks: each `sh` block holds one command (continued with `\`); a `text`
/// block right after it is that command's output (stdout, then stderr). Returns the steps and
/// the lines of the file.
fn steps(doc: &str) -> (Vec<Step>, Vec<String>) {
    let lines: Vec<String> = doc.lines().map(String::from).collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "```sh" {
            let mut command = String::new();
            i += 1;
            while lines[i].trim() != "```" {
                let l = lines[i].trim_end();
                if !l.trim_start().starts_with('#') {
                    command.push_str(l.trim_end_matches('\\'));
                    command.push(' ');
                }
                i += 1;
            }
            let mut j = i + 1;
            while j < lines.len() && lines[j].trim().is_empty() {
                j += 1;
            }
            let expected = if j < lines.len() && lines[j].trim() == "```text" {
                let start = j + 1;
                let mut end = start;
                while lines[end].trim() != "```" {
                    end += 1;
                }
                Some((start, end))
            } else {
                None
            };
            steps.push(Step {
                command: command.trim().to_string(),
                expected,
            });
        }
        i += 1;
    }
    (steps, lines)
}

/// Splits text into numbers and everything else.
fn tokens(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            || (chars[i] == '-'
                && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())
                && !out
                    .last()
                    .is_some_and(|t| t.1.ends_with(|c: char| c.is_alphanumeric() || c == '_')));
        if starts_number
            && !out
                .last()
                .is_some_and(|t| !t.0 && t.1.ends_with(|c: char| c.is_alphabetic() || c == '_'))
        {
            let start = i;
            i += 1;
            while i < chars.len() {
                let c = chars[i];
                let exp_sign = (c == '-' || c == '+') && matches!(chars[i - 1], 'e' | 'E');
                if c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push((true, chars[start..i].iter().collect()));
        } else {
            match out.last_mut() {
                Some((false, s)) => s.push(chars[i]),
                _ => out.push((false, chars[i].to_string())),
            }
            i += 1;
        }
    }
    out
}

/// Whether a printed number agrees with the expected one to the digits the text shows.
fn close(expected: &str, got: &str) -> bool {
    let (Ok(e), Ok(g)) = (expected.parse::<f64>(), got.parse::<f64>()) else {
        return expected == got;
    };
    if !expected.contains(['.', 'e', 'E']) {
        return expected == got;
    }
    // Below 1e-6 a number is rounding noise (a gradient check's error, say): the same order
    // of smallness is all the text promises.
    if e.abs() < 1e-6 && g.abs() < 1e-6 {
        return true;
    }
    let mantissa = expected.split(['e', 'E']).next().unwrap_or("");
    let decimals = mantissa.split('.').nth(1).map_or(0, str::len) as i32;
    let exponent: i32 = expected
        .split(['e', 'E'])
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let step = 10f64.powi(exponent - decimals);
    (e - g).abs() <= 1.5 * step + 1e-6 * e.abs()
}

/// Replaces run times ("in 0.26 s") so they never count.
fn untimed(text: &str) -> String {
    text.lines()
        .map(|l| match (l.find(" in "), l.find(" s")) {
            (Some(a), Some(b)) if b > a && l[a + 4..b].parse::<f64>().is_ok() => {
                format!("{} in <time> s{}", &l[..a], &l[b + 2..])
            }
            _ => l.trim_end().to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn agree(expected: &str, got: &str) -> Result<(), String> {
    let (e, g) = (tokens(&untimed(expected)), tokens(&untimed(got)));
    if e.len() != g.len() {
        return Err(format!(
            "different shape of output ({} vs {} tokens)",
            e.len(),
            g.len()
        ));
    }
    for ((en, et), (gn, gt)) in e.iter().zip(&g) {
        let ok = if *en && *gn { close(et, gt) } else { et == gt };
        if !ok {
            return Err(format!("expected {et:?}, got {gt:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_tutorial_command_runs_and_prints_what_the_text_says() {
    let path = Path::new(ROOT).join("docs/tutorial.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (steps, mut lines) = steps(&doc);
    assert!(steps.len() >= 10, "only {} commands found", steps.len());
    let dir = tempfile::tempdir().unwrap();
    let examples = dir.path().join("docs/worked-example");
    std::fs::create_dir_all(&examples).unwrap();
    for f in ["model.json", "data.csv"] {
        std::fs::copy(
            Path::new(ROOT).join("docs/worked-example").join(f),
            examples.join(f),
        )
        .unwrap();
    }
    let bless = std::env::var_os("MLP_BLESS").is_some();
    let mut failures = Vec::new();
    let mut replacements = Vec::new();
    for step in &steps {
        let mut words = step.command.split_whitespace();
        assert_eq!(
            words.next(),
            Some("mlp"),
            "tutorial commands start with mlp: {}",
            step.command
        );
        let out = Command::new(env!("CARGO_BIN_EXE_mlp"))
            .current_dir(dir.path())
            .args(words)
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let expected_code = if step.command.contains("--threshold 1e-300") {
            1
        } else {
            0
        };
        if out.status.code() != Some(expected_code) {
            failures.push(format!(
                "`{}` exited with {:?}:\n{printed}",
                step.command,
                out.status.code()
            ));
            continue;
        }
        if let Some((start, end)) = step.expected {
            let expected = lines[start..end].join("\n");
            if bless {
                replacements.push((start, end, printed.trim_end().to_string()));
            } else if let Err(why) = agree(&expected, printed.trim_end()) {
                failures.push(format!(
                    "`{}`: {why}\n--- the text says:\n{expected}\n--- it printed:\n{printed}",
                    step.command
                ));
            }
        }
    }
    if bless {
        for (start, end, text) in replacements.into_iter().rev() {
            lines.splice(start..end, text.lines().map(String::from));
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn numbers_compare_to_the_digits_shown() {
    assert!(close("0.5177", "0.51774"));
    assert!(!close("0.5177", "0.5181"));
    assert!(close("1.5e-4", "1.52e-4"));
    assert!(close("5.38e-11", "7.60e-11"));
    assert!(!close("5.38e-11", "2.0e-5"));
    assert!(agree("r2 0.98 in 0.01 s", "r2 0.9801 in 3.20 s").is_ok());
    assert!(agree("accuracy 0.98", "accuracy 0.90").is_err());
    assert!(agree("layer 2: x", "layer 3: x").is_err());
}
