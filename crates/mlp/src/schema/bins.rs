//! Piecewise-linear bins of a number (Gorishniy et al. 2022, "On Embeddings for Numerical
//! Features in Tabular Deep Learning"): besides the number itself, T inputs that say where it
//! lies among the training rows' quantiles b_0 < b_1 < ... < b_T.
//!
//! e_t(x) = clip((x - b_(t-1)) / (b_t - b_(t-1)), 0, 1) for t = 1..T, except that e_1 is not
//! clipped below and e_T not clipped above (the ends extrapolate). So e = (1, ..., 1, f, 0, ...,
//! 0) with f in [0, 1] the position inside x's bin: a step the network's first layer can weigh
//! bin by bin, which lets it draw a tree's thresholds with one unit.

/// The most bins a column gets in a table of up to `MAX_BINS * ROWS_PER_LARGE_BIN` training
/// rows. Measured (docs/defaults.md): 4 against 8 on 12 real tables, mean of 3 seeds: hmda
/// 0.890 -> 0.903, penguins 0.971 -> 0.986, chile 0.678 -> 0.681, economics 0.981 -> 0.980,
/// titanic 0.777 -> 0.770, the others within 0.001.
pub const MAX_BINS: usize = 4;
/// In larger tables a column gets a bin per this many training rows, up to [`MAX_BINS_LARGE`]
/// (2,000 rows: 5 bins; 3,200 or more: 8).
pub const ROWS_PER_LARGE_BIN: usize = 400;
/// The most bins a column gets in any table.
pub const MAX_BINS_LARGE: usize = 8;
/// Training rows per bin at least: fewer rows give fewer bins (a column of 60 rows gets 3).
pub const ROWS_PER_BIN: usize = 20;
/// The bins of all columns together make at most this many inputs, or as many as the table
/// has numeric columns where that is more. Only columns of three or more distinct values take
/// bins, and only they share the budget: 64 such columns get 4 bins each, 100 get 2, 128 or
/// more none, unless the table has more numeric columns in all (a table of 1,500 numeric
/// columns, 160 of them with three or more values, gives those 8 each).
pub const MAX_BIN_INPUTS: usize = 256;
/// And at most one bin input per this many training rows: 128 columns of 300 rows get none.
pub const ROWS_PER_BIN_INPUT: usize = 2;

/// How many bins a numeric column of a table gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Bins {
    /// The rule of [`Bins::count`] for tables that need the version-2 schema anyway (a text or
    /// date column, a missing value); none for complete all-numeric tables, whose models stay
    /// version 1.
    #[default]
    Auto,
    /// Exactly this many (at most) for every numeric column; 0: none.
    Fixed(usize),
}

impl Bins {
    /// The number of bins per column for a table of `rows` training rows and `columns` numeric
    /// columns (dates count once), `binnable` of which have three or more distinct values:
    /// clamp(rows / [`ROWS_PER_LARGE_BIN`], [`MAX_BINS`], [`MAX_BINS_LARGE`]), at most
    /// rows / [`ROWS_PER_BIN`], max([`MAX_BIN_INPUTS`], columns) / binnable and
    /// rows / [`ROWS_PER_BIN_INPUT`] / binnable, and none below 2. `complete`: every column is
    /// a number and none is missing.
    pub fn count(self, rows: usize, columns: usize, binnable: usize, complete: bool) -> usize {
        let t = match self {
            Bins::Fixed(t) => t,
            Bins::Auto if complete => 0,
            Bins::Auto => (rows / ROWS_PER_LARGE_BIN)
                .clamp(MAX_BINS, MAX_BINS_LARGE)
                .min(rows / ROWS_PER_BIN)
                .min(MAX_BIN_INPUTS.max(columns) / binnable.max(1))
                .min(rows / ROWS_PER_BIN_INPUT / binnable.max(1)),
        };
        if t < 2 { 0 } else { t }
    }
}

impl std::str::FromStr for Bins {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(Bins::Auto);
        }
        s.parse::<usize>()
            .ok()
            .filter(|&t| t <= 1000)
            .map(Bins::Fixed)
            .ok_or_else(|| format!("expected auto or a number of bins from 0 to 1000, got \"{s}\""))
    }
}

/// Whether a column of these values takes bins: it has three or more distinct finite values (one
/// or two say all they have in the number itself). Stops reading at the third.
pub fn takes_bins(values: impl IntoIterator<Item = f64>) -> bool {
    let mut seen: Vec<f64> = Vec::with_capacity(3);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        if !seen.contains(&v) {
            seen.push(v);
            if seen.len() == 3 {
                return true;
            }
        }
    }
    false
}

/// The edges b_0 < ... < b_T of `t` bins: quantiles k/t of `values` (linear interpolation
/// between order statistics, as numpy's default), repeated edges merged. Empty when fewer than
/// two bins remain, and for a column of one or two distinct values (its number says it all).
pub fn edges(values: &[f64], t: usize) -> Vec<f64> {
    if t < 2 || !takes_bins(values.iter().copied()) {
        return Vec::new();
    }
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let last = (v.len() - 1) as f64;
    let mut out: Vec<f64> = Vec::with_capacity(t + 1);
    for k in 0..=t {
        let pos = last * k as f64 / t as f64;
        let lo = pos.floor() as usize;
        let hi = pos.ceil() as usize;
        let q = v[lo] + (v[hi] - v[lo]) * (pos - lo as f64);
        if out.last().is_none_or(|&p| q > p) {
            out.push(q);
        }
    }
    if out.len() < 3 { Vec::new() } else { out }
}

/// e_(k+1)(x) of the bins with these edges (see the module's formula), k from 0.
pub fn ramp(x: f64, edges: &[f64], k: usize) -> f64 {
    let (lo, hi) = (edges[k], edges[k + 1]);
    let mut v = (x - lo) / (hi - lo);
    if k > 0 {
        v = v.max(0.0);
    }
    if k + 2 < edges.len() {
        v = v.min(1.0);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_numpy_quantiles() {
        // numpy.quantile([1, 2, 3, 4, 10], [0, .25, .5, .75, 1]) = [1, 2, 3, 4, 10]
        assert_eq!(
            edges(&[4.0, 1.0, 10.0, 3.0, 2.0], 4),
            vec![1.0, 2.0, 3.0, 4.0, 10.0]
        );
        // numpy.quantile([0, 1, 2, 3], [0, 1/3, 2/3, 1]) = [0, 1, 2, 3]; with 2: [0, 1.5, 3]
        assert_eq!(edges(&[0.0, 1.0, 2.0, 3.0], 2), vec![0.0, 1.5, 3.0]);
        // repeated edges merge; a 0/1 column needs no bins
        assert_eq!(edges(&[0.0, 0.0, 0.0, 1.0, 5.0], 4), vec![0.0, 1.0, 5.0]);
        assert!(edges(&[0.0, 1.0, 0.0, 1.0], 4).is_empty());
        assert!(edges(&[f64::NAN, 2.0], 4).is_empty());
        // three distinct finite values take bins; -0 and 0 are one value, NaN none
        assert!(takes_bins([0.0, 1.0, 1.0, 5.0]));
        assert!(!takes_bins([0.0, -0.0, 1.0, f64::NAN, f64::INFINITY]));
    }

    #[test]
    fn encoding_is_a_ramp_with_open_ends() {
        let e = [0.0, 1.0, 3.0, 7.0];
        let at = |x: f64| -> Vec<f64> { (0..3).map(|k| ramp(x, &e, k)).collect() };
        assert_eq!(at(2.0), [1.0, 0.5, 0.0]);
        assert_eq!(at(-1.0), [-1.0, 0.0, 0.0]);
        assert_eq!(at(15.0), [1.0, 1.0, 3.0]);
        assert_eq!(at(0.5), [0.5, 0.0, 0.0]);
        assert_eq!(at(7.0), [1.0, 1.0, 1.0]);
    }

    #[test]
    fn count_follows_rows_and_width() {
        assert_eq!(Bins::Auto.count(1_000, 5, 5, false), MAX_BINS);
        assert_eq!(Bins::Auto.count(2_000, 5, 5, false), 5);
        assert_eq!(Bins::Auto.count(10_000, 5, 5, false), MAX_BINS_LARGE);
        assert_eq!(Bins::Auto.count(60, 5, 5, false), 3);
        assert_eq!(Bins::Auto.count(30, 5, 5, false), 0);
        assert_eq!(Bins::Auto.count(1_000, 64, 64, false), 4);
        assert_eq!(Bins::Auto.count(10_000, 64, 64, false), 4);
        assert_eq!(Bins::Auto.count(10_000, 200, 200, false), 0);
        // 0/1 columns take no bins and leave the budget to the others
        assert_eq!(Bins::Auto.count(1_000, 200, 50, false), 4);
        // 128 columns of 300 rows: fewer bin inputs than half the rows allows
        assert_eq!(Bins::Auto.count(300, 129, 128, false), 0);
        assert_eq!(Bins::Auto.count(600, 129, 100, false), 2);
        // a wide table: the budget is its number of numeric columns
        assert_eq!(Bins::Auto.count(6_000, 1_500, 160, false), 8);
        assert_eq!(Bins::Auto.count(6_000, 1_500, 300, false), 5);
        assert_eq!(Bins::Auto.count(10_000, 5, 5, true), 0);
        assert_eq!(Bins::Fixed(3).count(10, 500, 500, true), 3);
        assert_eq!("auto".parse::<Bins>(), Ok(Bins::Auto));
        assert_eq!("0".parse::<Bins>(), Ok(Bins::Fixed(0)));
        assert!("x".parse::<Bins>().is_err());
    }
}
