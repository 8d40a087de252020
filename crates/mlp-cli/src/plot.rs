//! Pictures: learning curves and permutation importances (SVG or PNG), and PNG images of
//! weights.
//!
//! Text is drawn with the embedded DejaVu Sans Mono font (assets/, Bitstream Vera license), so
//! PNG output needs no font installed on the machine.

use anyhow::{Context, Result, bail};
use mlp::EpochStats;
use mlp::importance::ColumnImportance;
use plotters::prelude::*;
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../assets/DejaVuSansMono.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Draws with `$draw` (a closure of a drawing area) into `$path`, an SVG or a PNG file of
/// `$w` x `$h` pixels, written atomically. A macro, so that one closure serves both backends.
macro_rules! save_chart {
    ($path:expr, $w:expr, $h:expr, $draw:expr) => {{
        let (path, w, h): (&std::path::Path, u32, u32) = ($path, $w, $h);
        if crate::io::ends_with(path, ".svg") {
            let mut svg = String::new();
            $draw(SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area())?;
            crate::io::write_output(path, svg.as_bytes())
        } else if crate::io::ends_with(path, ".png") {
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            $draw(BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area())?;
            write_png(path, w, h, rgb)
        } else {
            bail!(
                "{}: charts are written as .svg or .png files",
                path.display()
            )
        }
    }};
}

/// Writes the learning curves of `history` to `path` (`.svg` or `.png`), atomically.
pub fn learning_curves(path: &std::path::Path, history: &[EpochStats], title: &str) -> Result<()> {
    save_chart!(path, 900, 600, |area| draw(area, history, title))
}

/// Encodes an RGB buffer as PNG and writes it atomically.
pub fn write_png(path: &std::path::Path, w: u32, h: u32, rgb: Vec<u8>) -> Result<()> {
    let image = image::RgbImage::from_raw(w, h, rgb).context("image buffer has the wrong size")?;
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png)?;
    crate::io::write_output(path, bytes.get_ref())
}

/// Which number of an epoch a curve plots.
type Curve = fn(&EpochStats) -> Option<f64>;

fn draw<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    history: &[EpochStats],
    title: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    register_font();
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("drawing the plot: {e:?}");
    area.fill(&WHITE).map_err(err)?;
    let has_score = history.iter().any(|s| s.validation_score.is_some());
    let (top, bottom) = if has_score {
        area.split_vertically(400)
    } else {
        (area.clone(), area.clone())
    };
    let epochs = history.len().max(2) as f64;
    let losses = history
        .iter()
        .flat_map(|s| [Some(s.train.total()), Some(s.train.data), s.validation])
        .flatten();
    let (lo, hi) = losses.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo.max(1e-12), hi)
    } else {
        (1e-3, 1.0)
    };
    let mut chart = ChartBuilder::on(&top)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(1.0..epochs, (lo..hi * 1.05).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("cost (log scale)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| short(*v))
        .y_labels(8)
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    let series: [(&str, RGBColor, Curve); 3] = [
        ("training cost J", BLUE, |s| Some(s.train.total())),
        ("training data term", CYAN, |s| Some(s.train.data)),
        ("validation loss", RED, |s| s.validation),
    ];
    for (name, color, value) in series {
        let points: Vec<(f64, f64)> = history
            .iter()
            .filter_map(|s| value(s).map(|v| (s.epoch as f64, v.max(lo))))
            .collect();
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()
        .map_err(err)?;
    if has_score {
        let mut chart = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(1.0..epochs, 0.0..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("validation score")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        let points = history.iter().filter_map(|s| {
            s.validation_score
                .map(|v| (s.epoch as f64, v.clamp(0.0, 1.0)))
        });
        chart
            .draw_series(LineSeries::new(points, GREEN.stroke_width(2)))
            .map_err(err)?;
    }
    area.present().map_err(err)?;
    Ok(())
}

/// A tick label with few digits: 0.25, 1.5e-4, 120.
fn short(v: f64) -> String {
    if v == 0.0 || (1e-2..1e4).contains(&v.abs()) {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// Draws permutation importances as horizontal bars (the most important on top) with one
/// standard deviation as a line, to `path` (`.svg` or `.png`), atomically.
pub fn importance(
    path: &std::path::Path,
    columns: &[ColumnImportance],
    metric: &str,
) -> Result<()> {
    let h = (120 + 28 * columns.len()).clamp(240, 4000) as u32;
    save_chart!(path, 900, h, |area| draw_importance(area, columns, metric))
}

fn draw_importance<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    columns: &[ColumnImportance],
    metric: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    register_font();
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("drawing the plot: {e:?}");
    area.fill(&WHITE).map_err(err)?;
    let n = columns.len();
    let hi = columns
        .iter()
        .map(|c| c.mean + c.std)
        .fold(0.0f64, f64::max)
        .max(1e-6);
    let lo = columns
        .iter()
        .map(|c| c.mean - c.std)
        .fold(0.0f64, f64::min);
    // Row k from the bottom (k..k+1) shows the column ranked n-1-k, so the first is on top;
    // each name is written after its bar's whisker.
    let mut chart = ChartBuilder::on(&area)
        .caption(
            format!("permutation importance (drop of {metric})"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(12)
        .build_cartesian_2d(lo * 1.05..hi * 1.45, 0.0..n.max(1) as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_label_formatter(&|v| short(*v))
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    let row = |i: usize| (n - 1 - i) as f64;
    let bars = columns.iter().enumerate().map(|(i, c)| {
        Rectangle::new(
            [(0.0, row(i) + 0.15), (c.mean, row(i) + 0.85)],
            BLUE.mix(0.6).filled(),
        )
    });
    chart.draw_series(bars).map_err(err)?;
    let spreads = columns.iter().enumerate().map(|(i, c)| {
        let y = row(i) + 0.5;
        PathElement::new(
            [(c.mean - c.std, y), (c.mean + c.std, y)],
            BLACK.stroke_width(2),
        )
    });
    chart.draw_series(spreads).map_err(err)?;
    let gap = 0.02 * (hi - lo);
    let names = columns.iter().enumerate().map(|(i, c)| {
        let x = (c.mean + c.std).max(0.0) + gap;
        let name: String = c.name.chars().take(32).collect();
        Text::new(
            name,
            (x, row(i) + 0.5),
            TextStyle::from(("sans-serif", 13).into_font())
                .color(&BLACK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Center,
                )),
        )
    });
    chart.draw_series(names).map_err(err)?;
    area.present().map_err(err)?;
    Ok(())
}
