//! Charts drawn on the server as SVG (no JavaScript; they print as they show): columns and
//! horizontal bars for categories, lines for time series, grouped columns for a breakdown.
//!
//! - **Suppressed cells** (disclosure control) are never drawn as zero: their place is a hatched
//!   band across the plot, with a legend entry "suppressed to protect privacy"; a cell without
//!   data is a gap.
//! - **Right to left**: in Arabic the categories run from the right and the value axis is on the
//!   right (every x coordinate is mirrored; text is not).
//! - **Accessible**: `role="img"`, a `<title>` and a `<desc>` that reads the figures out; the
//!   page shows [`data_table`] under every chart.
//! - Numbers through [`Locale`] (Eastern Arabic digits when the reader chose them); colours from
//!   [`PALETTE`], each at least 4.5:1 against white.
//!
//! Geometry is computed in left-to-right coordinates and mirrored at the end, so one code path
//! draws both directions.

use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped};

use crate::format::Locale;
use crate::i18n::catalog;
use marsad_model::Lang;

/// Series colours (WCAG contrast with white ≥ 4.5:1, pinned by a test), in order of use.
pub const PALETTE: [&str; 6] = [
    "#0b5394", "#a0510a", "#2f6b18", "#741b47", "#2e6570", "#6b5200",
];

/// The stroke and hatching of a suppressed cell.
const SUPPRESSED_INK: &str = "#595959";
/// Axis lines and gridlines.
const AXIS_INK: &str = "#595959";
const GRID_INK: &str = "#d9d9d9";
const TEXT_INK: &str = "#1b1b1b";

/// One cell of a chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Datum {
    Value(f64),
    /// Withheld by disclosure control: shown as such, never as zero.
    Suppressed,
    /// No data for this cell.
    Missing,
}

impl Datum {
    pub fn value(self) -> Option<f64> {
        match self {
            Datum::Value(v) if v.is_finite() => Some(v),
            _ => None,
        }
    }
}

/// A named row of data, one datum per category.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Datum>,
}

/// Categories (or periods) and the series over them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Data {
    pub categories: Vec<String>,
    pub series: Vec<Series>,
}

impl Data {
    fn datum(&self, series: usize, category: usize) -> Datum {
        self.series
            .get(series)
            .and_then(|s| s.values.get(category))
            .copied()
            .unwrap_or(Datum::Missing)
    }

    fn any_suppressed(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.values.contains(&Datum::Suppressed))
    }

    fn suppressed_at(&self, category: usize) -> bool {
        (0..self.series.len()).any(|s| self.datum(s, category) == Datum::Suppressed)
    }

    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series
            .iter()
            .flat_map(|s| s.values.iter().filter_map(|d| d.value()))
    }
}

/// How the data are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Vertical bars, one per category (several series: grouped side by side).
    Columns,
    /// Horizontal bars, one row per category (for long labels: countries).
    Bars,
    /// Lines over periods, one per series.
    Line,
}

/// A chart to draw.
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    /// Unique on the page (the SVG's ids start with it).
    pub id: &'a str,
    pub kind: Kind,
    pub title: &'a str,
    pub data: &'a Data,
    pub locale: Locale,
    /// Decimals of the values.
    pub places: usize,
    /// A thumbnail (home page cards): no axes, no labels, no legend.
    pub small: bool,
}

const W: f64 = 640.0;
const SMALL_W: f64 = 240.0;
const SMALL_H: f64 = 72.0;
/// Approximate advance of one character of the 11px labels.
const CHAR_W: f64 = 6.2;

/// Rounds to 0.1 for compact output.
fn r(x: f64) -> String {
    let v = (x * 10.0).round() / 10.0;
    if v == v.trunc() {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Axis ticks from `lo` to `hi` (inclusive of a "nice" range containing both): 1, 2 or 5 times
/// a power of ten, about `n` of them.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else if hi == 0.0 && lo == 0.0 {
        (0.0, 1.0)
    } else {
        (lo.min(0.0), hi.max(lo.abs()).max(1e-9))
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut t = first;
    while t < hi + step * 0.5 && ticks.len() < 50 {
        // Clean the floating error (0.30000000000000004).
        ticks.push((t / step).round() * step);
        if t >= hi {
            break;
        }
        t += step;
    }
    ticks
}

/// Decimals the ticks need to be told apart.
fn tick_places(ticks: &[f64], places: usize) -> usize {
    let step = match ticks {
        [a, b, ..] => (b - a).abs(),
        _ => 1.0,
    };
    let mut p = 0;
    while p < places.max(3) && (step * 10f64.powi(p as i32)).fract().abs() > 1e-6 {
        p += 1;
    }
    p
}

/// A datum as the reader reads it (`suppressed`, `no data` in their language).
pub fn datum_text(d: Datum, locale: Locale, places: usize) -> String {
    let tr = catalog().tr(locale.lang);
    match d {
        Datum::Value(v) => locale.decimal(v, places),
        Datum::Suppressed => tr.t("chart-suppressed-short"),
        Datum::Missing => tr.t("chart-no-data"),
    }
}

/// The text alternative: every series' figures in words (at most 24 per series; the table has
/// them all).
pub fn describe(data: &Data, locale: Locale, places: usize) -> String {
    let sep = if locale.lang == Lang::Ar { "؛ " } else { "; " };
    let colon = if locale.lang == Lang::Fr { " : " } else { ": " };
    let mut parts = Vec::new();
    for s in &data.series {
        let mut items = Vec::new();
        for (i, c) in data.categories.iter().enumerate().take(24) {
            let d = s.values.get(i).copied().unwrap_or(Datum::Missing);
            items.push(format!("{c}{colon}{}", datum_text(d, locale, places)));
        }
        if data.categories.len() > 24 {
            items.push("…".to_owned());
        }
        let list = items.join(sep);
        if data.series.len() > 1 || !s.name.is_empty() {
            parts.push(format!("{}{colon}{list}", s.name));
        } else {
            parts.push(list);
        }
    }
    let mut text = parts.join(". ");
    if data.any_suppressed() {
        text.push_str(". ");
        text.push_str(&catalog().tr(locale.lang).t("chart-suppressed-note"));
    }
    text
}

/// The figures of a chart as a table (categories as rows, series as columns), suppressed cells
/// flagged.
pub fn data_table(
    data: &Data,
    locale: Locale,
    caption: &str,
    first: &str,
    places: usize,
) -> Markup {
    html! {
        div.table-wrap {
            table {
                caption { (caption) }
                thead { tr {
                    th scope="col" { (first) }
                    @for s in &data.series { th.n scope="col" { (s.name) } }
                } }
                tbody {
                    @for (i, c) in data.categories.iter().enumerate() {
                        tr {
                            th scope="row" { (c) }
                            @for (j, _) in data.series.iter().enumerate() {
                                @let d = data.datum(j, i);
                                @if d == Datum::Suppressed {
                                    td.n.flag { (datum_text(d, locale, places)) }
                                } @else {
                                    td.n { (datum_text(d, locale, places)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Mirrors x coordinates for right-to-left pages.
#[derive(Clone, Copy)]
struct Frame {
    width: f64,
    rtl: bool,
}

impl Frame {
    fn x(&self, x: f64) -> f64 {
        if self.rtl {
            self.width - x
        } else {
            x
        }
    }

    /// The left edge of a box `[x, x + w]` after mirroring.
    fn left(&self, x: f64, w: f64) -> f64 {
        if self.rtl {
            self.width - x - w
        } else {
            x
        }
    }

    /// `start` / `end` of a left-to-right layout, mirrored.
    fn anchor(&self, ltr: &'static str) -> &'static str {
        match (self.rtl, ltr) {
            (true, "start") => "end",
            (true, "end") => "start",
            (_, a) => a,
        }
    }
}

/// Elements are written by hand into a string (attribute values through [`esc`]) and wrapped in
/// maud's [`PreEscaped`]; text goes through [`esc`] too.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Shortens a label to about `max` characters.
fn clip(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Draws `chart`.
pub fn render(chart: &Chart<'_>) -> Markup {
    let tr = catalog().tr(chart.locale.lang);
    let rtl = chart.locale.dir() == "rtl";
    let data = chart.data;
    let id = esc(chart.id);
    let n = data.categories.len().max(1);
    let values: Vec<f64> = data.values().collect();
    let lo = values.iter().copied().fold(0.0f64, f64::min);
    let hi = values.iter().copied().fold(0.0f64, f64::max);
    let ticks = nice_ticks(lo, hi, if chart.small { 2 } else { 5 });
    let (t_lo, t_hi) = (
        ticks.first().copied().unwrap_or(0.0),
        ticks.last().copied().unwrap_or(1.0),
    );
    let span = if t_hi > t_lo { t_hi - t_lo } else { 1.0 };
    let places = tick_places(&ticks, chart.places);
    let tick_labels: Vec<String> = ticks
        .iter()
        .map(|t| chart.locale.decimal(*t, places))
        .collect();
    let tick_w = tick_labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1) as f64
        * CHAR_W
        + 10.0;
    let multi = data.series.len() > 1;
    let suppressed = data.any_suppressed();
    let legend_items: Vec<(String, Option<&str>)> = if chart.small {
        Vec::new()
    } else {
        let mut items: Vec<(String, Option<&str>)> = if multi {
            data.series
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.clone(), Some(PALETTE[i % PALETTE.len()])))
                .collect()
        } else {
            Vec::new()
        };
        if suppressed {
            items.push((tr.t("chart-suppressed"), None));
        }
        items
    };
    let legend_h = if legend_items.is_empty() { 0.0 } else { 26.0 };

    let mut body = String::new();
    let width;
    let height;
    match chart.kind {
        Kind::Columns | Kind::Line => {
            width = if chart.small { SMALL_W } else { W };
            let f = Frame { width, rtl };
            let (ml, mr, mt) = if chart.small {
                (4.0, 4.0, 4.0)
            } else {
                (tick_w, 12.0, 12.0)
            };
            let cat_h = if chart.small { 4.0 } else { 34.0 };
            let plot_h = if chart.small { SMALL_H - 8.0 } else { 240.0 };
            height = mt + plot_h + cat_h + legend_h;
            let (x0, x1, y0, y1) = (ml, width - mr, mt, mt + plot_h);
            let band = (x1 - x0) / n as f64;
            let y = |v: f64| y1 - (v - t_lo) / span * (y1 - y0);
            // Gridlines and the value axis's labels.
            if !chart.small {
                for (t, label) in ticks.iter().zip(&tick_labels) {
                    let yy = y(*t);
                    let _ = write!(
                        body,
                        r#"<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{GRID_INK}"/>"#,
                        r(f.x(x0)),
                        r(f.x(x1)),
                        r(yy),
                        r(yy)
                    );
                    let _ = write!(
                        body,
                        r#"<text class="tick" x="{}" y="{}" text-anchor="{}" dominant-baseline="middle">{}</text>"#,
                        r(f.x(x0 - 6.0)),
                        r(yy),
                        f.anchor("end"),
                        esc(label)
                    );
                }
            }
            // Suppressed cells: a hatched mark over the whole height of the cell's place (its
            // bar's slot in columns, the category in a line chart).
            let k = data.series.len().max(1) as f64;
            let group = band * if chart.small { 0.8 } else { 0.72 };
            let bar = group / k;
            for i in 0..data.categories.len() {
                let slots: Vec<(Option<usize>, f64, f64)> = if chart.kind == Kind::Columns {
                    (0..data.series.len())
                        .filter(|j| data.datum(*j, i) == Datum::Suppressed)
                        .map(|j| {
                            (
                                Some(j),
                                x0 + band * i as f64 + (band - group) / 2.0 + bar * j as f64,
                                bar * 0.92,
                            )
                        })
                        .collect()
                } else if data.suppressed_at(i) {
                    let w = band * 0.6;
                    vec![(None, x0 + band * i as f64 + (band - w) / 2.0, w)]
                } else {
                    Vec::new()
                };
                for (j, x, w) in slots {
                    let _ = write!(
                        body,
                        r#"<rect class="suppressed" data-category="{i}"{} x="{}" y="{}" width="{}" height="{}" fill="url(#{id}-hatch)" stroke="{SUPPRESSED_INK}" stroke-dasharray="3 2"/>"#,
                        j.map(|j| format!(r#" data-series="{j}""#))
                            .unwrap_or_default(),
                        r(f.left(x, w)),
                        r(y0),
                        r(w),
                        r(y1 - y0)
                    );
                }
            }
            if chart.kind == Kind::Columns {
                let base = y(0f64.clamp(t_lo, t_hi));
                for (j, s) in data.series.iter().enumerate() {
                    let colour = PALETTE[j % PALETTE.len()];
                    for (i, d) in s.values.iter().enumerate().take(data.categories.len()) {
                        let Some(v) = d.value() else { continue };
                        let x = x0 + band * i as f64 + (band - group) / 2.0 + bar * j as f64;
                        let (top, h) = if v >= 0.0 {
                            (y(v), base - y(v))
                        } else {
                            (base, y(v) - base)
                        };
                        let _ = write!(
                            body,
                            r#"<rect class="bar" data-series="{j}" data-category="{i}" data-value="{v}" x="{}" y="{}" width="{}" height="{}" fill="{colour}"><title>{}</title></rect>"#,
                            r(f.left(x, bar * 0.92)),
                            r(top),
                            r(bar * 0.92),
                            r(h.max(0.0)),
                            esc(&format!(
                                "{}{}: {}",
                                data.categories.get(i).map(String::as_str).unwrap_or(""),
                                if multi {
                                    format!(" · {}", s.name)
                                } else {
                                    String::new()
                                },
                                chart.locale.decimal(v, chart.places)
                            ))
                        );
                    }
                }
            } else {
                for (j, s) in data.series.iter().enumerate() {
                    let colour = PALETTE[j % PALETTE.len()];
                    let mut path = String::new();
                    let mut pen_down = false;
                    for (i, d) in s.values.iter().enumerate().take(data.categories.len()) {
                        let x = f.x(x0 + band * (i as f64 + 0.5));
                        match d.value() {
                            Some(v) => {
                                let _ = write!(
                                    path,
                                    "{}{} {}",
                                    if pen_down { "L" } else { "M" },
                                    r(x),
                                    r(y(v))
                                );
                                pen_down = true;
                            }
                            None => pen_down = false,
                        }
                    }
                    let _ = write!(
                        body,
                        r#"<path class="line" data-series="{j}" d="{path}" fill="none" stroke="{colour}" stroke-width="{}"/>"#,
                        if chart.small { "2" } else { "2.5" }
                    );
                    if !chart.small {
                        for (i, d) in s.values.iter().enumerate().take(data.categories.len()) {
                            let Some(v) = d.value() else { continue };
                            let _ = write!(
                                body,
                                r#"<circle class="point" data-series="{j}" data-category="{i}" data-value="{v}" cx="{}" cy="{}" r="3.5" fill="{colour}"><title>{}</title></circle>"#,
                                r(f.x(x0 + band * (i as f64 + 0.5))),
                                r(y(v)),
                                esc(&format!(
                                    "{}{}: {}",
                                    data.categories.get(i).map(String::as_str).unwrap_or(""),
                                    if multi {
                                        format!(" · {}", s.name)
                                    } else {
                                        String::new()
                                    },
                                    chart.locale.decimal(v, chart.places)
                                ))
                            );
                        }
                    }
                }
            }
            // Axes: the baseline and the value axis on the start side.
            let _ = write!(
                body,
                r#"<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{AXIS_INK}"/>"#,
                r(f.x(x0)),
                r(f.x(x1)),
                r(y(0f64.clamp(t_lo, t_hi))),
                r(y(0f64.clamp(t_lo, t_hi)))
            );
            if !chart.small {
                let _ = write!(
                    body,
                    r#"<line class="value-axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{AXIS_INK}"/>"#,
                    r(f.x(x0)),
                    r(f.x(x0)),
                    r(y0),
                    r(y1)
                );
                // Category labels, thinned out when they do not fit.
                let widest = data
                    .categories
                    .iter()
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(1) as f64
                    * CHAR_W;
                let max_chars = ((band * 2.0) / CHAR_W).max(4.0) as usize;
                let every = ((widest.min(max_chars as f64 * CHAR_W) + 8.0) / band)
                    .ceil()
                    .max(1.0) as usize;
                for (i, c) in data.categories.iter().enumerate() {
                    if i % every != 0 {
                        continue;
                    }
                    let _ = write!(
                        body,
                        r#"<text class="category" data-category="{i}" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                        r(f.x(x0 + band * (i as f64 + 0.5))),
                        r(y1 + 18.0),
                        esc(&clip(c, max_chars.max(every * (band / CHAR_W) as usize)))
                    );
                }
            }
        }
        Kind::Bars => {
            width = if chart.small { SMALL_W } else { W };
            let f = Frame { width, rtl };
            let label_chars = data
                .categories
                .iter()
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(1)
                .min(28);
            let (ml, mr, mt) = if chart.small {
                (4.0, 4.0, 4.0)
            } else {
                ((label_chars as f64 * CHAR_W + 12.0).max(60.0), 16.0, 8.0)
            };
            let k = data.series.len().max(1) as f64;
            let row = if chart.small { 8.0 } else { 10.0 + 12.0 * k };
            let axis_h = if chart.small { 4.0 } else { 28.0 };
            height = mt + row * n as f64 + axis_h + legend_h;
            let (x0, x1, y0) = (ml, width - mr, mt);
            let y1 = y0 + row * n as f64;
            let x = |v: f64| x0 + (v - t_lo) / span * (x1 - x0);
            if !chart.small {
                for (t, label) in ticks.iter().zip(&tick_labels) {
                    let xx = x(*t);
                    let _ = write!(
                        body,
                        r#"<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{GRID_INK}"/>"#,
                        r(f.x(xx)),
                        r(f.x(xx)),
                        r(y0),
                        r(y1)
                    );
                    let _ = write!(
                        body,
                        r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                        r(f.x(xx)),
                        r(y1 + 16.0),
                        esc(label)
                    );
                }
            }
            for i in 0..data.categories.len() {
                let top = y0 + row * i as f64;
                let k = data.series.len().max(1) as f64;
                let bar = (row - 6.0).max(2.0) / k;
                for j in (0..data.series.len()).filter(|j| data.datum(*j, i) == Datum::Suppressed) {
                    let _ = write!(
                        body,
                        r#"<rect class="suppressed" data-category="{i}" data-series="{j}" x="{}" y="{}" width="{}" height="{}" fill="url(#{id}-hatch)" stroke="{SUPPRESSED_INK}" stroke-dasharray="3 2"/>"#,
                        r(f.left(x0, x1 - x0)),
                        r(top + 3.0 + bar * j as f64),
                        r(x1 - x0),
                        r(bar * 0.9)
                    );
                }
                if !chart.small {
                    let _ = write!(
                        body,
                        r#"<text class="category" data-category="{i}" x="{}" y="{}" text-anchor="{}" dominant-baseline="middle">{}</text>"#,
                        r(f.x(x0 - 6.0)),
                        r(top + row / 2.0),
                        f.anchor("end"),
                        esc(&clip(&data.categories[i], 28))
                    );
                }
            }
            let bar = (row - 6.0).max(2.0) / k;
            let base = x(0f64.clamp(t_lo, t_hi));
            for (j, s) in data.series.iter().enumerate() {
                let colour = PALETTE[j % PALETTE.len()];
                for (i, d) in s.values.iter().enumerate().take(data.categories.len()) {
                    let Some(v) = d.value() else { continue };
                    let top = y0 + row * i as f64 + 3.0 + bar * j as f64;
                    let (start, w) = if v >= 0.0 {
                        (base, x(v) - base)
                    } else {
                        (x(v), base - x(v))
                    };
                    let _ = write!(
                        body,
                        r#"<rect class="bar" data-series="{j}" data-category="{i}" data-value="{v}" x="{}" y="{}" width="{}" height="{}" fill="{colour}"><title>{}</title></rect>"#,
                        r(f.left(start, w.max(0.0))),
                        r(top),
                        r(w.max(0.0)),
                        r(bar * 0.9),
                        esc(&format!(
                            "{}{}: {}",
                            data.categories.get(i).map(String::as_str).unwrap_or(""),
                            if multi {
                                format!(" · {}", s.name)
                            } else {
                                String::new()
                            },
                            chart.locale.decimal(v, chart.places)
                        ))
                    );
                }
            }
            let _ = write!(
                body,
                r#"<line class="value-axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="{AXIS_INK}"/>"#,
                r(f.x(base)),
                r(f.x(base)),
                r(y0),
                r(y1)
            );
        }
    }
    // The legend: series swatches and the suppressed cells' mark, from the start side.
    if !legend_items.is_empty() {
        let f = Frame { width, rtl };
        let y = height - legend_h + 8.0;
        let mut x = 8.0;
        for (label, colour) in &legend_items {
            let fill = match colour {
                Some(c) => (*c).to_owned(),
                None => format!("url(#{id}-hatch)"),
            };
            let _ = write!(
                body,
                r#"<rect class="legend-key" x="{}" y="{}" width="14" height="14" fill="{}" stroke="{}"/>"#,
                r(f.left(x, 14.0)),
                r(y),
                fill,
                if colour.is_some() {
                    "none"
                } else {
                    SUPPRESSED_INK
                }
            );
            let _ = write!(
                body,
                r#"<text class="legend" x="{}" y="{}" text-anchor="{}" dominant-baseline="middle">{}</text>"#,
                r(f.x(x + 20.0)),
                r(y + 7.0),
                f.anchor("start"),
                esc(label)
            );
            x += 34.0 + label.chars().count() as f64 * CHAR_W;
        }
    }
    let desc = describe(data, chart.locale, chart.places);
    let svg = format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title {id}-desc" "#,
            r#"viewBox="0 0 {w} {h}" width="{w}" height="{h}" direction="ltr" font-size="11" fill="{ink}">"#,
            r#"<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
            r#"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">"#,
            r##"<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{sup}" stroke-width="2"/></pattern></defs>"##,
            "{body}</svg>"
        ),
        id = id,
        w = r(width),
        h = r(height),
        ink = TEXT_INK,
        title = esc(chart.title),
        desc = esc(&desc),
        sup = SUPPRESSED_INK,
        body = body,
    );
    PreEscaped(svg)
}

/// The WCAG contrast ratio of two `#rrggbb` colours.
pub fn contrast(a: &str, b: &str) -> f64 {
    let lum = |hex: &str| -> f64 {
        let c = |i: usize| {
            let v = u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64
                / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
    };
    let (la, lb) = (lum(a), lum(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The elements named `name` in `svg`, each as its attributes (values unescaped of
    /// nothing: compared as written).
    pub(crate) fn elements(svg: &str, name: &str) -> Vec<BTreeMap<String, String>> {
        let open = format!("<{name} ");
        let mut out = Vec::new();
        for (at, _) in svg.match_indices(&open) {
            let rest = &svg[at + open.len()..];
            let end = rest.find('>').unwrap_or(rest.len());
            let mut attrs = BTreeMap::new();
            let mut s = &rest[..end];
            while let Some(eq) = s.find("=\"") {
                let key = s[..eq].trim().trim_end_matches('/').to_string();
                let after = &s[eq + 2..];
                let close = after.find('"').unwrap();
                attrs.insert(key, after[..close].to_string());
                s = &after[close + 1..];
            }
            out.push(attrs);
        }
        out
    }

    pub(crate) fn num(m: &BTreeMap<String, String>, k: &str) -> f64 {
        m[k].parse().unwrap()
    }

    fn data(values: &[Datum]) -> Data {
        Data {
            categories: (0..values.len()).map(|i| format!("C{i}")).collect(),
            series: vec![Series {
                name: "S".into(),
                values: values.to_vec(),
            }],
        }
    }

    fn draw(kind: Kind, data: &Data, lang: Lang) -> String {
        render(&Chart {
            id: "c1",
            kind,
            title: "T",
            data,
            locale: Locale::new(lang),
            places: 0,
            small: false,
        })
        .into_string()
    }

    #[test]
    fn ticks_are_nice() {
        let check = |lo, hi, want: &[f64]| assert_eq!(nice_ticks(lo, hi, 5), want, "{lo}..{hi}");
        check(0.0, 95.0, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        check(0.0, 1.0, &[0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        check(0.0, 0.0, &[0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        check(
            0.0,
            12_345.0,
            &[0.0, 2500.0, 5000.0, 7500.0, 10_000.0, 12_500.0],
        );
        check(-10.0, 30.0, &[-10.0, 0.0, 10.0, 20.0, 30.0]);
        assert_eq!(tick_places(&[0.0, 0.5, 1.0], 0), 1);
        assert_eq!(tick_places(&[0.0, 20.0], 2), 0);
    }

    #[test]
    fn bar_heights_are_proportional_to_values() {
        let d = data(&[Datum::Value(10.0), Datum::Value(40.0), Datum::Value(20.0)]);
        for kind in [Kind::Columns, Kind::Bars] {
            let svg = draw(kind, &d, Lang::En);
            let bars = elements(&svg, "rect")
                .into_iter()
                .filter(|b| b.get("class").map(String::as_str) == Some("bar"))
                .collect::<Vec<_>>();
            assert_eq!(bars.len(), 3);
            let size = |b: &BTreeMap<String, String>| {
                num(
                    b,
                    if kind == Kind::Columns {
                        "height"
                    } else {
                        "width"
                    },
                )
            };
            let unit = size(&bars[0]) / 10.0;
            assert!(unit > 0.0);
            for (b, v) in bars.iter().zip([10.0, 40.0, 20.0]) {
                assert!((size(b) - v * unit).abs() < 0.6, "{kind:?} {b:?}");
            }
        }
    }

    #[test]
    fn arabic_charts_are_mirrored() {
        let d = data(&[Datum::Value(10.0), Datum::Value(40.0), Datum::Value(20.0)]);
        let bars = |lang| {
            elements(&draw(Kind::Columns, &d, lang), "rect")
                .into_iter()
                .filter(|b| b.get("class").map(String::as_str) == Some("bar"))
                .map(|b| (num(&b, "x"), num(&b, "width")))
                .collect::<Vec<_>>()
        };
        let (en, ar) = (bars(Lang::En), bars(Lang::Ar));
        // Categories run from the left in English, from the right in Arabic, at mirrored places.
        assert!(en[0].0 < en[1].0 && en[1].0 < en[2].0, "{en:?}");
        assert!(ar[0].0 > ar[1].0 && ar[1].0 > ar[2].0, "{ar:?}");
        for (e, a) in en.iter().zip(&ar) {
            assert!((e.0 + e.1 - (W - a.0)).abs() < 0.2, "{e:?} {a:?}");
        }
        // The value axis is on the left in English, on the right in Arabic.
        let axis = |lang| {
            let svg = draw(Kind::Columns, &d, lang);
            let a = elements(&svg, "line")
                .into_iter()
                .find(|l| l.get("class").map(String::as_str) == Some("value-axis"))
                .unwrap();
            num(&a, "x1")
        };
        assert!(axis(Lang::En) < W / 2.0);
        assert!(axis(Lang::Ar) > W / 2.0);
        // Horizontal bars grow from the right in Arabic.
        let svg = draw(Kind::Bars, &d, Lang::Ar);
        let b = elements(&svg, "rect")
            .into_iter()
            .filter(|b| b.get("class").map(String::as_str) == Some("bar"))
            .collect::<Vec<_>>();
        assert!(
            num(&b[1], "x") < num(&b[0], "x"),
            "the longer bar reaches further left"
        );
    }

    #[test]
    fn suppressed_cells_are_marked_never_drawn_as_zero() {
        let d = data(&[Datum::Value(10.0), Datum::Suppressed, Datum::Missing]);
        for kind in [Kind::Columns, Kind::Bars, Kind::Line] {
            let svg = draw(kind, &d, Lang::Fr);
            let bars = elements(&svg, "rect");
            let marks: Vec<_> = bars
                .iter()
                .filter(|b| b.get("class").map(String::as_str) == Some("suppressed"))
                .collect();
            assert_eq!(marks.len(), 1, "{kind:?}");
            assert_eq!(marks[0]["data-category"], "1");
            assert!(num(marks[0], "height") > 0.0);
            // No bar or point stands for the suppressed cell or the missing one.
            for tag in ["rect", "circle"] {
                assert!(elements(&svg, tag)
                    .iter()
                    .all(|b| b.get("data-category").map(String::as_str) != Some("2")));
                assert!(elements(&svg, tag).iter().all(|b| !(b
                    .get("data-category")
                    .map(String::as_str)
                    == Some("1")
                    && b.get("class").map(String::as_str) != Some("suppressed")
                    && b.get("class").map(String::as_str) != Some("category"))));
            }
            assert!(svg.contains("protéger"), "{svg}");
            assert!(!svg.contains("data-value=\"0\""));
        }
        // The text alternative and the table say so too.
        let desc = describe(&d, Locale::new(Lang::En), 0);
        assert!(desc.contains("C1: suppressed"), "{desc}");
        assert!(desc.contains("C2: no data"), "{desc}");
        let table = data_table(&d, Locale::new(Lang::En), "cap", "Cat", 0).into_string();
        assert!(
            table.contains("<td class=\"n flag\">suppressed</td>"),
            "{table}"
        );
    }

    #[test]
    fn a_line_breaks_at_a_gap() {
        let d = data(&[
            Datum::Value(1.0),
            Datum::Value(2.0),
            Datum::Suppressed,
            Datum::Value(3.0),
        ]);
        let svg = draw(Kind::Line, &d, Lang::En);
        let path = &elements(&svg, "path")[0]["d"];
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(path.matches('L').count(), 1, "{path}");
        assert_eq!(elements(&svg, "circle").len(), 3);
    }

    #[test]
    fn labels_are_escaped() {
        let d = Data {
            categories: vec!["<script>alert(1)</script>".into(), "A & B \"q\"".into()],
            series: vec![Series {
                name: "<b>".into(),
                values: vec![Datum::Value(1.0), Datum::Value(2.0)],
            }],
        };
        for kind in [Kind::Columns, Kind::Bars, Kind::Line] {
            let svg = render(&Chart {
                id: "x\"><script>",
                kind,
                title: "</title><script>",
                data: &d,
                locale: Locale::new(Lang::En),
                places: 0,
                small: false,
            })
            .into_string();
            assert!(!svg.contains("<script>"), "{svg}");
            assert!(!svg.contains("<b>"));
            assert!(svg.contains("&lt;script&gt;"));
            assert!(svg.contains("A &amp; B &quot;q&quot;"));
        }
    }

    #[test]
    fn charts_are_accessible_and_numbers_localised() {
        let d = data(&[Datum::Value(1234.0), Datum::Value(5.0)]);
        let svg = render(&Chart {
            id: "k",
            kind: Kind::Columns,
            title: "Titre",
            data: &d,
            locale: Locale::new(Lang::Ar).with_digits(crate::format::Digits::Arabic),
            places: 0,
            small: false,
        })
        .into_string();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="k-title k-desc""#));
        assert!(svg.contains(r#"<title id="k-title">Titre</title>"#));
        assert!(svg.contains("١٬٢٣٤"), "{svg}");
        assert!(!svg.contains(">1,000<"));
    }

    #[test]
    fn the_palette_meets_aa_contrast_on_white() {
        for c in PALETTE
            .iter()
            .chain([&SUPPRESSED_INK, &AXIS_INK, &TEXT_INK])
        {
            let ratio = contrast(c, "#ffffff");
            assert!(ratio >= 4.5, "{c}: {ratio:.2}");
        }
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 0.01);
    }

    #[test]
    fn grouped_columns_put_series_side_by_side() {
        let d = Data {
            categories: vec!["2023".into(), "2024".into()],
            series: vec![
                Series {
                    name: "F".into(),
                    values: vec![Datum::Value(3.0), Datum::Value(4.0)],
                },
                Series {
                    name: "M".into(),
                    values: vec![Datum::Value(6.0), Datum::Suppressed],
                },
            ],
        };
        let svg = draw(Kind::Columns, &d, Lang::En);
        let bars: Vec<_> = elements(&svg, "rect")
            .into_iter()
            .filter(|b| b.get("class").map(String::as_str) == Some("bar"))
            .collect();
        assert_eq!(bars.len(), 3);
        assert_eq!(bars[0]["fill"], PALETTE[0]);
        assert_eq!(bars[2]["fill"], PALETTE[1]);
        assert!(num(&bars[2], "x") > num(&bars[0], "x"));
        assert!((num(&bars[2], "height") - 2.0 * num(&bars[0], "height")).abs() < 0.6);
        // The suppressed cell (M, 2024) is marked in its own slot, beside F's bar of 2024.
        let marks: Vec<_> = elements(&svg, "rect")
            .into_iter()
            .filter(|b| b.get("class").map(String::as_str) == Some("suppressed"))
            .collect();
        assert_eq!(marks.len(), 1);
        assert_eq!(
            (
                marks[0]["data-category"].as_str(),
                marks[0]["data-series"].as_str()
            ),
            ("1", "1")
        );
        assert!(
            (num(&marks[0], "x") - num(&bars[1], "x") - (num(&bars[2], "x") - num(&bars[0], "x")))
                .abs()
                < 0.2
        );
        // A legend names both series and the suppressed mark.
        let legend: Vec<_> = elements(&svg, "rect")
            .into_iter()
            .filter(|b| b.get("class").map(String::as_str) == Some("legend-key"))
            .collect();
        assert_eq!(legend.len(), 3);
    }
}
