//! Guesses about a file made from its text: which separator its header uses, and which column
//! name a misspelled one meant.

/// The separator the header line uses most, outside quotes: comma, tab or semicolon (comma
/// when none or on a tie).
pub(super) fn delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b'\t' if !quoted => counts[1] += 1,
            b';' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let [comma, tab, semicolon] = counts;
    if tab > comma && tab >= semicolon {
        b'\t'
    } else if semicolon > comma && semicolon > tab {
        b';'
    } else {
        b','
    }
}

/// The name of `names` nearest to `name` (case-insensitive edit distance), when it is near
/// enough to be a misspelling: at most a third of the name's length in edits.
pub(super) fn closest<'a>(name: &str, names: &'a [String]) -> Option<&'a str> {
    let wanted = name.to_lowercase();
    // Edits (a swap of two neighbours counts as one: "irsi" is one from "iris"), at most a
    // third of the name's length.
    let limit = wanted.chars().count() / 3;
    names
        .iter()
        .map(|n| (strsim::osa_distance(&wanted, &n.to_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators() {
        assert_eq!(delimiter(b"a,b,c\n"), b',');
        assert_eq!(delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(delimiter(b"a;b;c\n"), b';');
        assert_eq!(delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(delimiter(b"\"x,y\";b;c\n"), b';');
        assert_eq!(delimiter(b"single\n"), b',');
    }

    #[test]
    fn misspellings() {
        let names: Vec<String> = ["species", "island", "bill_length_mm"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(closest("specie", &names), Some("species"));
        assert_eq!(closest("Island", &names), Some("island"));
        assert_eq!(closest("bill_lenght_mm", &names), Some("bill_length_mm"));
        assert_eq!(closest("price", &names), None);
        assert_eq!(closest("x", &["a".to_owned()]), None);
        // A swap of two neighbours is one edit.
        assert_eq!(closest("irsi", &["iris".to_owned()]), Some("iris"));
    }
}
