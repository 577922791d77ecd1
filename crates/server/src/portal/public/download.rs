//! An indicator's protected table as a file: CSV (UTF-8 with a byte-order mark so spreadsheet
//! programs read Arabic right, two `#` lines of notes first) or XLSX (one sheet, right to left
//! in Arabic, the notes in its first rows).
//!
//! Columns: `INDICATOR`, `TIME_PERIOD`, for each dimension its code column (`SEX`) and its name
//! column in the page's language, `OBS_VALUE` (machine-readable: a dot for decimals, no
//! grouping; empty when suppressed), `UNIT_MEASURE`, `UNIT_MULT`, `OBS_STATUS`, `CONF_STATUS` and
//! a flag column saying in words why a value is missing. The rows are the cells
//! `/api/v1/indicators/{id}` answers for the same `by` and `period`.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use marsad_figures::ProtectedTable;
use marsad_portal::format::Locale;
use marsad_portal::i18n::{catalog, Arg};
use marsad_stats::disclosure::ConfStatus;

use super::labels;
use crate::error::ApiError;
use crate::statistics::Snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

/// The header row and the data rows, as text, and the notes.
struct Sheet {
    notes: Vec<String>,
    header: Vec<String>,
    rows: Vec<Vec<Field>>,
}

enum Field {
    Text(String),
    Number(f64),
    Empty,
}

fn sheet(table: &ProtectedTable, locale: Locale, snap: &Snapshot) -> Sheet {
    let lang = locale.lang;
    let tr = catalog().tr(lang);
    let def = table.indicator.def();
    let mut notes = vec![tr.t_with(
        "download-protection",
        &[("count", Arg::Num(i64::from(def.disclosure.min_frequency)))],
    )];
    if table.cells.iter().any(|c| c.perturbed) {
        notes.push(tr.t("perturbed-text"));
    }
    let mut source = format!("{} ({})", def.label.get(lang), table.indicator.as_str());
    if let Some(t) = snap.published.refreshed_at {
        source.push_str(" · ");
        source.push_str(&tr.t_with(
            "last-update",
            &[("date", Arg::Str(&locale.date(t.date_naive())))],
        ));
    }
    notes.push(source);
    let mut header = vec!["INDICATOR".to_owned(), "TIME_PERIOD".to_owned()];
    for d in &table.dims {
        header.push(d.id().to_owned());
        header.push(labels::dim_name(*d, lang));
    }
    for h in [
        "OBS_VALUE",
        "UNIT_MEASURE",
        "UNIT_MULT",
        "OBS_STATUS",
        "CONF_STATUS",
    ] {
        header.push(h.to_owned());
    }
    header.push(tr.t("download-flag-column"));
    let mut rows = Vec::new();
    for (period, codes, cell) in super::rows(table) {
        let mut row = vec![
            Field::Text(table.indicator.as_str().to_owned()),
            Field::Text(period.code()),
        ];
        for (d, code) in table.dims.iter().zip(&codes) {
            row.push(Field::Text(code.clone()));
            row.push(Field::Text(labels::code_name(*d, code, lang)));
        }
        row.push(match cell.value {
            Some(v) if cell.conf_status == ConfStatus::Free => Field::Number(v),
            _ => Field::Empty,
        });
        row.push(Field::Text(def.unit.code().to_owned()));
        row.push(Field::Number(f64::from(def.unit_mult)));
        row.push(Field::Text(cell.obs_status.code().to_owned()));
        row.push(Field::Text(cell.conf_status.code().to_owned()));
        row.push(match cell.conf_status {
            ConfStatus::Primary => Field::Text(tr.t("download-flag-c")),
            ConfStatus::Secondary => Field::Text(tr.t("download-flag-d")),
            ConfStatus::Free if cell.value.is_none() => Field::Text(tr.t("chart-no-data")),
            ConfStatus::Free if cell.perturbed => Field::Text(tr.t("download-flag-perturbed")),
            ConfStatus::Free => Field::Empty,
        });
        rows.push(row);
    }
    Sheet {
        notes,
        header,
        rows,
    }
}

/// A CSV field: quoted when needed; text that a spreadsheet would take for a formula is
/// prefixed with an apostrophe.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn csv(s: &Sheet) -> String {
    let mut out = String::from("\u{feff}");
    for n in &s.notes {
        out.push_str("# ");
        out.push_str(&n.replace(['\n', '\r'], " "));
        out.push_str("\r\n");
    }
    let line = |fields: Vec<String>| fields.join(",") + "\r\n";
    out.push_str(&line(s.header.iter().map(|h| csv_field(h)).collect()));
    for r in &s.rows {
        out.push_str(&line(
            r.iter()
                .map(|f| match f {
                    Field::Text(t) => csv_field(t),
                    Field::Number(v) => number(*v),
                    Field::Empty => String::new(),
                })
                .collect(),
        ));
    }
    out
}

fn xlsx(s: &Sheet, name: &str, rtl: bool) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as Style, Workbook};
    let mut wb = Workbook::new();
    let bold = Style::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name.chars().take(31).collect::<String>())?;
    ws.set_right_to_left(rtl);
    let mut row: u32 = 0;
    for n in &s.notes {
        ws.write_string(row, 0, n)?;
        row += 1;
    }
    row += 1;
    for (c, h) in s.header.iter().enumerate() {
        ws.write_string_with_format(row, u16::try_from(c).unwrap_or(u16::MAX), h, &bold)?;
    }
    for r in &s.rows {
        row += 1;
        for (c, f) in r.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            match f {
                Field::Text(t) => {
                    ws.write_string(row, col, t)?;
                }
                Field::Number(v) => {
                    ws.write_number(row, col, *v)?;
                }
                Field::Empty => {}
            }
        }
    }
    wb.save_to_buffer()
}

/// The file of `table` in `format`, named `ID_lang.csv` / `.xlsx`.
pub(crate) fn respond(
    format: Format,
    table: &ProtectedTable,
    locale: Locale,
    snap: &Snapshot,
) -> Result<Response, ApiError> {
    let s = sheet(table, locale, snap);
    let stem = format!("{}_{}", table.indicator.as_str(), locale.lang.as_str());
    let (body, content_type, ext) = match format {
        Format::Csv => (csv(&s).into_bytes(), "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            xlsx(&s, table.indicator.as_str(), locale.dir() == "rtl")
                .map_err(|e| ApiError::internal("writing a workbook", &e))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Tunis"), "Tunis");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(12.5), "12.5");
    }
}
