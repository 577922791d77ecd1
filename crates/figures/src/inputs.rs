//! Statistical inputs: figures an indicator needs that are not in the records (GDP for SDG
//! 17.3.2, remittances as a share of GDP), given by the observatory per input code and period.
//!
//! They are kept in the statistics [`Settings`] (stored with the cube's state), each period with
//! its whole history: a later value for the same period is appended and becomes the one used,
//! the earlier ones stay, with their source, who gave them and when. Giving an input does not
//! make the next refresh a full one (the cube holds the numerator's sums; the input only divides
//! them when a table is published), see [`Settings::computes_like`].
//!
//! [`give`] validates a value ([`NewInput::check`]: a known input code, a period the indicators
//! over the input can be published for, a finite positive value, the input's unit, a source),
//! appends it and runs an incremental refresh with the new settings in one store transaction;
//! the caller then reloads what it publishes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use marsad_stats::catalogue::{catalogue, IndicatorId, Measure};
use marsad_stats::dims::{Freq, Period};
use marsad_store::{Store, Timestamp};
use serde::{Deserialize, Serialize};

use crate::refresh::RefreshReport;
use crate::settings::Settings;
use crate::{FiguresError, Result};

/// One value of an input for one period, as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputValue {
    pub value: f64,
    /// The unit or currency of `value` (`USD` for `GDP_USD`).
    pub unit: String,
    /// Where the figure comes from: "World Bank WDI NY.GDP.MKTP.CD", "national accounts".
    pub source: String,
    /// Who gave it (a login, or who the command line names).
    pub entered_by: String,
    pub entered_at: Timestamp,
}

/// An input the catalogue knows: its code, unit, the indicators computed over it and the
/// finest period they allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputDef {
    pub code: &'static str,
    pub unit: &'static str,
    pub indicators: Vec<IndicatorId>,
    /// The coarsest of the indicators' finest frequencies: a period must be at least this long.
    pub freq: Freq,
}

fn rank(f: Freq) -> u8 {
    match f {
        Freq::M => 0,
        Freq::Q => 1,
        Freq::A => 2,
    }
}

/// Every input code of the catalogue, in order.
pub fn known() -> Vec<InputDef> {
    let mut out: Vec<InputDef> = Vec::new();
    for def in catalogue() {
        if let Measure::PerInput { input, .. } = def.measure {
            match out.iter_mut().find(|d| d.code == input) {
                Some(d) => {
                    d.indicators.push(def.id);
                    if rank(def.freq) > rank(d.freq) {
                        d.freq = def.freq;
                    }
                }
                None => out.push(InputDef {
                    code: input,
                    // Inputs are named after their unit (`GDP_USD`); anything else is a number.
                    unit: if input.ends_with("_USD") { "USD" } else { "" },
                    indicators: vec![def.id],
                    freq: def.freq,
                }),
            }
        }
    }
    out
}

/// The input of this code.
pub fn find(code: &str) -> Option<InputDef> {
    known().into_iter().find(|d| d.code == code)
}

/// A value to give, as a user writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInput {
    pub code: String,
    pub period: String,
    pub value: f64,
    /// Empty: the input's own unit.
    pub unit: String,
    pub source: String,
    pub entered_by: String,
}

fn bad(field: &'static str, reason: impl Into<String>) -> FiguresError {
    FiguresError::Input {
        field,
        reason: reason.into(),
    }
}

impl NewInput {
    /// Checks every field; the error names the first one at fault.
    pub fn check(&self) -> Result<(InputDef, Period)> {
        let def = find(self.code.trim()).ok_or_else(|| {
            bad(
                "code",
                format!(
                    "'{}' is not an input of the catalogue (known: {})",
                    self.code,
                    known()
                        .iter()
                        .map(|d| d.code)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let period = Period::parse(self.period.trim()).ok_or_else(|| {
            bad(
                "period",
                format!(
                    "'{}' is not a period (YYYY, YYYY-Qn or YYYY-MM)",
                    self.period
                ),
            )
        })?;
        if rank(period.freq()) < rank(def.freq) {
            return Err(bad(
                "period",
                format!(
                    "{} is published by {}; '{}' is not such a period",
                    def.code,
                    match def.freq {
                        Freq::A => "year (YYYY)",
                        Freq::Q => "quarter (YYYY-Qn) or year",
                        Freq::M => "month, quarter or year",
                    },
                    self.period
                ),
            ));
        }
        if !self.value.is_finite() || self.value <= 0.0 {
            return Err(bad(
                "value",
                format!("{} must be a finite number above zero", def.code),
            ));
        }
        let unit = self.unit.trim();
        if !unit.is_empty() && !unit.eq_ignore_ascii_case(def.unit) {
            return Err(bad(
                "unit",
                format!("{} is in {}, not '{}'", def.code, def.unit, unit),
            ));
        }
        if self.source.trim().is_empty() {
            return Err(bad(
                "source",
                "say where the figure comes from (e.g. \"national accounts\")",
            ));
        }
        if self.entered_by.trim().is_empty() {
            return Err(bad("entered_by", "who gives the figure is required"));
        }
        Ok((def, period))
    }
}

impl Settings {
    /// The value in use of `code` for each period (the last one given).
    pub fn input_values(&self, code: &str) -> BTreeMap<Period, f64> {
        self.inputs
            .get(code)
            .into_iter()
            .flatten()
            .filter_map(|(p, history)| Some((Period::parse(p)?, history.last()?.value)))
            .collect()
    }

    /// True when the cube computed with `self` is the cube computed with `other`: every setting
    /// but the inputs (which divide published figures, not the cube's sums).
    pub fn computes_like(&self, other: &Settings) -> bool {
        let strip = |s: &Settings| Settings {
            inputs: BTreeMap::new(),
            ..s.clone()
        };
        strip(self) == strip(other)
    }

    /// Appends a checked value (the history of its period is kept).
    pub fn add_input(&mut self, new: &NewInput, at: Timestamp) -> Result<()> {
        let (def, period) = new.check()?;
        self.inputs
            .entry(def.code.to_string())
            .or_default()
            .entry(period.code())
            .or_default()
            .push(InputValue {
                value: new.value,
                unit: def.unit.to_string(),
                source: new.source.trim().to_string(),
                entered_by: new.entered_by.trim().to_string(),
                entered_at: at,
            });
        Ok(())
    }
}

/// Gives a value of an input: checked, appended to the stored settings, applied by an
/// incremental refresh (which also brings in what changed in the records). `today` stands for
/// the settings' `data_end` when it is not set.
pub fn give(
    store: &dyn Store,
    new: &NewInput,
    today: NaiveDate,
    at: Timestamp,
) -> Result<RefreshReport> {
    new.check()?;
    let mut settings = match store.stats_state()? {
        Some(s) => Settings::from_json(&s.settings)?,
        None => Settings::default(),
    };
    settings.add_input(new, at)?;
    crate::refresh(store, &settings, today, at, false, &mut |_, _, _| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gdp(period: &str, value: f64) -> NewInput {
        NewInput {
            code: "GDP_USD".into(),
            period: period.into(),
            value,
            unit: String::new(),
            source: "national accounts".into(),
            entered_by: "analyst".into(),
        }
    }

    fn field(new: NewInput) -> &'static str {
        match new.check() {
            Err(FiguresError::Input { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_catalogue_has_gdp() {
        let gdp = find("GDP_USD").unwrap();
        assert_eq!(gdp.unit, "USD");
        assert_eq!(gdp.indicators, vec![IndicatorId::RemittancesGdp]);
        assert_eq!(gdp.freq, Freq::A);
    }

    #[test]
    fn refusals_name_the_field() {
        assert!(gdp("2024", 46.7e9).check().is_ok());
        assert_eq!(
            field(NewInput {
                code: "GNI".into(),
                ..gdp("2024", 1.0)
            }),
            "code"
        );
        assert_eq!(field(gdp("2024-03", 1.0)), "period");
        assert_eq!(field(gdp("2024-Q1", 1.0)), "period");
        assert_eq!(field(gdp("last year", 1.0)), "period");
        for v in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            assert_eq!(field(gdp("2024", v)), "value");
        }
        assert_eq!(
            field(NewInput {
                unit: "EUR".into(),
                ..gdp("2024", 1.0)
            }),
            "unit"
        );
        assert_eq!(
            field(NewInput {
                source: " ".into(),
                ..gdp("2024", 1.0)
            }),
            "source"
        );
    }

    #[test]
    fn a_later_value_replaces_and_history_stays() {
        let at = |h| {
            chrono::DateTime::parse_from_rfc3339(&format!("2025-01-01T{h:02}:00:00Z"))
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let mut s = Settings::default();
        s.add_input(&gdp("2024", 40e9), at(1)).unwrap();
        s.add_input(&gdp("2024", 46.7e9), at(2)).unwrap();
        s.add_input(&gdp("2023", 44e9), at(3)).unwrap();
        assert_eq!(s.inputs["GDP_USD"]["2024"].len(), 2);
        let v = s.input_values("GDP_USD");
        assert_eq!(v[&Period::Year(2024)], 46.7e9);
        assert_eq!(v[&Period::Year(2023)], 44e9);
        assert!(s.computes_like(&Settings::default()));
        assert_ne!(s, Settings::default());
        assert_eq!(Settings::from_json(&s.to_json()).unwrap(), s);
    }
}
