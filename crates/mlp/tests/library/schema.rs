//! The input schema on small tables whose encodings are worked out by hand: types inferred,
//! statistics learned on the training rows only, the same encoding at prediction time.
#![allow(clippy::unwrap_used)]

use mlp::data::{Columns, Table, read_csv_from};
use mlp::schema::{Bins, DateOrder, Encoding, Kind, NumberFormat, Overrides, fit, infer};
use ndarray::array;

fn read(text: &str, columns: &Columns) -> Table<f64> {
    read_csv_from("t.csv", text.as_bytes(), columns).unwrap()
}

fn with_target(t: &str) -> Columns {
    Columns {
        targets: vec![t.to_owned()],
        ..Columns::default()
    }
}

const TABLE: &str = "\
num,cat,when,y
1.5,red,2020-01-01,a
,blue,2020-01-03,b
3.5,red,NA,a
2.5,NA,2020-01-02T12:00,b
";

#[test]
fn a_table_encoded_by_hand() {
    let table = read(TABLE, &with_target("y"));
    let format = table.format();
    let plan = infer(&table, &format, &Overrides::default(), true);
    let kinds: Vec<&Kind> = plan.iter().map(|p| &p.kind).collect();
    assert_eq!(kinds, [&Kind::Numeric, &Kind::Categorical, &Kind::Date]);
    assert_eq!(plan[0].missing, 1);
    assert_eq!(plan[1].distinct, 2);
    // Statistics from rows 0, 1, 2 only: the median of 1.5 and 3.5, the levels seen there.
    let schema = fit(&table, &plan, &format, &[0, 1, 2], Bins::Fixed(0));
    assert_eq!(
        schema.columns[0].encoding,
        Encoding::Numeric {
            fill: 2.5,
            indicator: true,
            bins: vec![],
            format: NumberFormat::Plain,
        }
    );
    assert_eq!(
        schema.columns[1].encoding,
        Encoding::Categorical {
            levels: vec!["blue".into(), "red".into()],
            other: false,
            missing: false
        }
    );
    // 2020-01-01 is day 18262, a Wednesday (2); 2020-01-03 is day 18264; their medians fill.
    assert_eq!(
        schema.columns[2].encoding,
        Encoding::Date {
            fill: [18263.0, 2020.0, 1.0, 2.0, 3.0],
            indicator: true,
            bins: vec![],
            format: DateOrder::Iso,
        }
    );
    assert_eq!(
        schema.input_names(),
        [
            "num",
            "num (missing)",
            "cat=blue",
            "cat=red",
            "when.days",
            "when.year",
            "when.month",
            "when.day",
            "when.weekday",
            "when (missing)"
        ]
    );
    let encoded = schema.encode(&table).unwrap();
    #[rustfmt::skip]
    let expected = array![
        [1.5, 0.0, 0.0, 1.0, 18262.0, 2020.0, 1.0, 1.0, 2.0, 0.0],
        [2.5, 1.0, 1.0, 0.0, 18264.0, 2020.0, 1.0, 3.0, 4.0, 0.0],
        [3.5, 0.0, 0.0, 1.0, 18263.0, 2020.0, 1.0, 2.0, 3.0, 1.0],
        [2.5, 0.0, 0.0, 0.0, 18263.5, 2020.0, 1.0, 2.0, 3.0, 0.0],
    ];
    assert_eq!(encoded.x, expected);
    assert!(encoded.notes.is_empty(), "{:?}", encoded.notes);
}

#[test]
fn prediction_rows_with_new_levels_and_bad_values_are_encoded_with_notes() {
    let table = read(TABLE, &with_target("y"));
    let format = table.format();
    let plan = infer(&table, &format, &Overrides::default(), false);
    let schema = fit(&table, &plan, &format, &[0, 1, 2, 3], Bins::Fixed(0));
    // Columns in another order, an extra column, a new level, text in a number, a bad date.
    let new = "when,extra,cat,num\nsoon,1,green,abc\n2020-01-01,2,red,4\n";
    let columns = Columns {
        features: Some(schema.names()),
        text: schema.text_columns(),
        ..Columns::default()
    };
    let t = read(new, &columns);
    assert_eq!(t.ignored, ["extra"]);
    let encoded = schema.encode(&t).unwrap();
    // num, num (missing), cat=blue, cat=red, cat=(missing), when.days, ...: the fills are the
    // medians of all four training rows.
    assert_eq!(
        encoded.x.row(0).to_vec()[..6],
        [2.5, 1.0, 0.0, 0.0, 0.0, 18263.5]
    );
    assert_eq!(
        encoded.x.row(1).to_vec()[..6],
        [4.0, 0.0, 0.0, 1.0, 0.0, 18262.0]
    );
    let notes = encoded.notes.join("\n");
    assert!(
        notes.contains("column \"num\": 1 row holds not numbers (\"abc\"; first on line 2)"),
        "{notes}"
    );
    assert!(
        notes.contains("column \"cat\": 1 row holds levels unseen or rare in training (\"green\""),
        "{notes}"
    );
    assert!(
        notes.contains("column \"when\": 1 row holds not dates (\"soon\""),
        "{notes}"
    );
}

#[test]
fn left_out_columns_say_why() {
    let mut text = String::from("row,id_text,const,code,typo,y\n");
    for i in 0..30 {
        let typo = if i == 7 {
            "n.a.".to_owned()
        } else {
            (i % 4).to_string()
        };
        text.push_str(&format!("{},u{i},same,{},{typo},{}\n", i + 1, i % 3, i % 2));
    }
    let table = read(&text, &with_target("y"));
    let format = table.format();
    let plan = infer(&table, &format, &Overrides::default(), true);
    let why = |j: usize| match &plan[j].kind {
        Kind::LeftOut(why) => why.clone(),
        other => panic!("column {j} is {other:?}"),
    };
    assert!(why(0).contains("row index"), "{}", why(0));
    assert!(
        why(1).contains("a different text in every row"),
        "{}",
        why(1)
    );
    assert!(why(2).contains("constant"), "{}", why(2));
    assert_eq!(plan[3].kind, Kind::Numeric);
    // One value in thirty is text: the column stays numeric, with a note naming line and value.
    assert_eq!(plan[4].kind, Kind::Numeric);
    let note = plan[4].note.clone().unwrap();
    assert!(
        note.contains("1 value is not a number (first \"n.a.\" on line 9)"),
        "{note}"
    );
    // The user's word wins.
    let overrides = Overrides {
        numeric: vec!["row".into()],
        categorical: vec!["code".into()],
    };
    let columns = Columns {
        text: vec!["code".into()],
        ..with_target("y")
    };
    let table = read(&text, &columns);
    let plan = infer(&table, &table.format(), &overrides, true);
    assert_eq!(plan[0].kind, Kind::Numeric);
    assert_eq!(plan[3].kind, Kind::Categorical);
}

#[test]
fn many_levels_keep_the_frequent_ones_and_group_the_rest() {
    // 60 levels: L0..L29 six times each, M0..M29 once each.
    let mut text = String::from("c,y\n");
    for i in 0..30 {
        for _ in 0..6 {
            text.push_str(&format!("L{i:02},1\n"));
        }
        text.push_str(&format!("M{i:02},0\n"));
    }
    let table = read(&text, &with_target("y"));
    let format = table.format();
    let plan = infer(&table, &format, &Overrides::default(), false);
    let rows: Vec<usize> = (0..table.x.nrows()).collect();
    let schema = fit(&table, &plan, &format, &rows, Bins::Fixed(0));
    match &schema.columns[0].encoding {
        Encoding::Categorical {
            levels,
            other,
            missing,
        } => {
            assert_eq!(levels.len(), 30);
            assert!(levels.iter().all(|l| l.starts_with('L')));
            assert!(*other && !*missing);
        }
        e => panic!("{e:?}"),
    }
    let encoded = schema.encode(&table).unwrap();
    assert_eq!(encoded.x.ncols(), 31);
    // Every row sets exactly one input; the rare levels set the last, "other".
    assert!(encoded.x.rows().into_iter().all(|r| r.sum() == 1.0));
    assert_eq!(encoded.x.column(30).sum(), 30.0);
}

#[test]
fn separators_and_decimal_commas() {
    let tab = read("a\tb\ty\n1.5\tx\t1\n2\tz\t0\n", &with_target("y"));
    assert_eq!(tab.feature_names, ["a", "b"]);
    let semi = "a;b;y\n1,5;x;1\n2;z;0\n";
    let guessed = read(
        semi,
        &Columns {
            guess_decimal: true,
            ..with_target("y")
        },
    );
    assert_eq!(guessed.decimal, b',');
    assert_eq!(guessed.x.column(0).to_vec(), [1.5, 2.0]);
    assert!(guessed.columns[0].text.is_none());
    let given = read(
        semi,
        &Columns {
            decimal: b',',
            ..with_target("y")
        },
    );
    assert_eq!(given.x.column(0).to_vec(), [1.5, 2.0]);
    // Without a decimal comma, "1,5" is text.
    let plain = read(semi, &with_target("y"));
    assert!(plain.columns[0].text.is_some());
}

#[test]
fn missing_markers_win_over_numbers_and_decimal_commas_reach_the_targets() {
    let columns = Columns {
        na_values: vec![String::new(), "-999".into()],
        ..with_target("y")
    };
    let t = read("a,y\n1,1\n-999,2\n3,3\n", &columns);
    assert_eq!(t.columns[0].missing, 1);
    assert!(t.x[[1, 0]].is_nan());
    let columns = Columns {
        decimal: b',',
        ..with_target("y")
    };
    let t = read("a;y\n1,5;3,25\n2;4\n", &columns);
    assert_eq!(t.targets[0].values, ["3.25", "4"]);
}

#[test]
fn bins_of_a_number_and_a_date_encoded_by_hand() {
    let csv = "x,c,when,y\n1,a,2020-01-01,0\n2,b,2020-01-02,1\n3,a,2020-01-03,0\n4,b,2020-01-04,1\n10,a,2020-01-11,0\nNA,b,NA,1\n2.5,a,2020-01-02,0\n";
    let table = read(csv, &with_target("y"));
    let format = table.format();
    let plan = infer(&table, &format, &Overrides::default(), true);
    // Learned on the first five rows: numpy.quantile([1, 2, 3, 4, 10], [0, .25, .5, .75, 1]).
    let schema = fit(&table, &plan, &format, &[0, 1, 2, 3, 4], Bins::Fixed(4));
    assert_eq!(
        schema.columns[0].encoding.bins(),
        [1.0, 2.0, 3.0, 4.0, 10.0]
    );
    // The days 18262, 18263, 18264, 18265, 18272 give the same quantiles shifted.
    assert_eq!(
        schema.columns[2].encoding.bins(),
        [18262.0, 18263.0, 18264.0, 18265.0, 18272.0]
    );
    let names = schema.input_names();
    assert_eq!(&names[..5], ["x", "x.bin1", "x.bin2", "x.bin3", "x.bin4"]);
    assert_eq!(names.last().map(String::as_str), Some("when.bin4"));
    let x = schema.encode(&table).unwrap().x;
    // 2.5: past bin 1, half way through bin 2; 10 opens bin 4 fully; below b_0 extrapolates.
    assert_eq!(x.row(6).as_slice().unwrap()[..5], [2.5, 1.0, 0.5, 0.0, 0.0]);
    assert_eq!(
        x.row(4).as_slice().unwrap()[..5],
        [10.0, 1.0, 1.0, 1.0, 1.0]
    );
    // A missing number takes the training median, 3, and its bins (no indicator: no training
    // row missed it).
    assert_eq!(schema.columns[0].encoding.width(), 5);
    assert_eq!(x.row(5).as_slice().unwrap()[..5], [3.0, 1.0, 1.0, 0.0, 0.0]);
    // With an indicator, it sits between the number and its bins.
    let schema = fit(&table, &plan, &format, &[0, 1, 2, 3, 4, 5], Bins::Fixed(4));
    assert_eq!(schema.input_names()[..3], ["x", "x (missing)", "x.bin1"]);
    assert_eq!(schema.binary_inputs()[..3], [false, true, false]);
}

#[test]
fn only_columns_of_three_values_share_the_bins_budget() {
    // 300 columns of 0 and 1, one of many values and a text column, 200 rows: the old budget
    // (256 inputs over 301 numeric columns) gave no column bins; the 0/1 columns take none, so
    // the budget is the many-valued column's alone: 4 bins (200 rows allow no more).
    let mut csv = (0..300).map(|j| format!("b{j},")).collect::<String>() + "x,c,y\n";
    for i in 0..200 {
        let bits: String = (0..300)
            .map(|j| format!("{},", (i * 7 + j) % 3 % 2))
            .collect();
        csv += &format!("{bits}{},{},{}\n", i * i % 97, ["p", "q"][i % 2], i % 2);
    }
    let table = read(&csv, &with_target("y"));
    let format = table.format();
    let plan = infer(&table, &format, &Overrides::default(), true);
    let rows: Vec<usize> = (0..200).collect();
    let schema = fit(&table, &plan, &format, &rows, Bins::Auto);
    assert_eq!(schema.columns[300].name, "x");
    assert_eq!(schema.columns[300].encoding.bins().len(), 5);
    assert!(
        schema.columns[..300]
            .iter()
            .all(|c| c.encoding.bins().is_empty())
    );
    // 40 rows: 2 bins, as each needs 20 rows.
    let schema = fit(&table, &plan, &format, &rows[..40], Bins::Auto);
    assert_eq!(schema.columns[300].encoding.bins().len(), 3);
}

#[test]
fn zero_one_inputs_stay_zero_one_on_real_tables() {
    // A table with a text column (a real table): the category's levels, and the number that is
    // 0 or 1 in every row, are not standardized; the other number is.
    let mut csv = String::from("x,flag,c,y\n");
    for i in 0..60 {
        let flag = u8::from(i % 7 == 0);
        let c = ["a", "b"][i % 2];
        csv.push_str(&format!("{},{flag},{c},{}\n", i as f64 / 3.0, i % 3));
    }
    let table = read(&csv, &with_target("y"));
    let mut options = mlp::FitOptions::defaults_for(mlp::Task::Classification);
    options.hidden = vec![3];
    options.ensemble = Some(1);
    options.bins = Bins::Fixed(0);
    options.train.epochs = 2;
    let fitted = mlp::fit(table, &options, None, |_: &mlp::EpochStats| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    let names = fitted.model.schema.as_ref().unwrap().input_names();
    assert_eq!(names, ["x", "flag", "c=a", "c=b"]);
    let scaling = fitted.model.input_scaling.as_ref().unwrap();
    assert!(scaling.mean[0] > 1.0 && scaling.std[0] > 1.0);
    assert_eq!(scaling.mean[1..], [0.0, 0.0, 0.0]);
    assert_eq!(scaling.std[1..], [1.0, 1.0, 1.0]);
}

#[test]
fn a_table_in_single_precision_rounds_its_numbers_or_stays_whole() {
    let table = read("a,c,y\n0.1,x,1\n2.5,z,0\n", &with_target("y"));
    let single = table.into_precision::<f32>().unwrap();
    assert_eq!(single.x[[0, 0]], 0.1f32);
    assert_eq!(single.x[[1, 0]], 2.5f32);
    assert!(single.x[[0, 1]].is_nan());
    assert_eq!(
        single.columns[1].text.as_ref().map(|t| t.codes.len()),
        Some(2)
    );
    // 1e300 has no f32: the table comes back as it was.
    let table = read("a,c,y\n1e300,x,1\n2.5,z,0\n", &with_target("y"));
    let back = table.into_precision::<f32>().unwrap_err();
    assert_eq!(back.x[[0, 0]], 1e300);
}
