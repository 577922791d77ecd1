//! What the figures are computed with, kept with the cube in the store (as JSON) so that every
//! refresh, from the command line or from the server after an import, uses the same settings;
//! a change of settings makes the next refresh a full one (except a change of the statistical
//! inputs, [`crate::inputs`], which only divide published figures).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use marsad_model::codes::Country;
use marsad_stats::facts::Params;
use serde::{Deserialize, Serialize};

use crate::{FiguresError, Result};

/// The statistics settings of a deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The reporting country, ISO 3166-1 alpha-3 (`REF_AREA`).
    pub ref_area: String,
    /// The last day the data cover; the day of the refresh when not given.
    #[serde(default)]
    pub data_end: Option<NaiveDate>,
    /// The reference date of each census or survey (the `survey` field of `census_person`
    /// records); a survey without one is left out of the stocks and reported.
    #[serde(default)]
    pub survey_dates: BTreeMap<String, NaiveDate>,
    /// US dollars per unit of each currency (ISO 4217).
    #[serde(default)]
    pub usd_rates: BTreeMap<String, f64>,
    /// Statistical inputs not in the records (see [`crate::inputs`]): input code → period
    /// (`YYYY`) → every value given, oldest first; the last one is used.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, BTreeMap<String, Vec<crate::inputs::InputValue>>>,
    /// The secret each unit's record key is derived from (hex), for the cell key method of
    /// [`crate::tables`]: drawn by the first refresh and kept by every later one, so the same
    /// persons always get the same perturbation (a new secret would let an attacker average
    /// two perturbations of one cell). Never published; `None` until the first refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_key_secret: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            ref_area: "TUN".into(),
            data_end: None,
            survey_dates: BTreeMap::new(),
            usd_rates: BTreeMap::new(),
            inputs: BTreeMap::new(),
            record_key_secret: None,
        }
    }
}

impl Settings {
    /// The settings as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Reads stored settings.
    pub fn from_json(text: &str) -> Result<Settings> {
        let s: Settings =
            serde_json::from_str(text).map_err(|e| FiguresError::Settings(e.to_string()))?;
        s.country()?;
        Ok(s)
    }

    fn country(&self) -> Result<Country> {
        Country::from_alpha3(&self.ref_area).ok_or_else(|| {
            FiguresError::Settings(format!(
                "ref_area '{}' is not an ISO 3166-1 alpha-3 code",
                self.ref_area
            ))
        })
    }

    /// The parameters of fact computation on `today` (when `data_end` is not set).
    pub fn params(&self, today: NaiveDate) -> Result<Params> {
        let mut p = Params::new(self.country()?, self.data_end.unwrap_or(today));
        p.usd_rates = self.usd_rates.clone();
        Ok(p)
    }

    /// Reads `NAME=YYYY-MM-DD` (a `--survey-date` flag).
    pub fn parse_survey_date(text: &str) -> Result<(String, NaiveDate)> {
        let (name, date) = text.split_once('=').ok_or_else(|| {
            FiguresError::Settings(format!("'{text}': expected SURVEY=YYYY-MM-DD"))
        })?;
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| FiguresError::Settings(format!("'{text}': the date is not YYYY-MM-DD")))?;
        Ok((name.trim().to_string(), date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let mut s = Settings::default();
        s.survey_dates.insert(
            "census".into(),
            NaiveDate::from_ymd_opt(2024, 11, 6).unwrap(),
        );
        assert_eq!(Settings::from_json(&s.to_json()).unwrap(), s);
        assert!(Settings::from_json(r#"{"ref_area":"ZZZ"}"#).is_err());
        assert!(Settings::from_json(r#"{"ref_area":"TUN","other":1}"#).is_err());
        assert_eq!(
            Settings::parse_survey_date("hims=2024-05-01").unwrap(),
            ("hims".into(), NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())
        );
        assert!(Settings::parse_survey_date("hims").is_err());
        assert!(Settings::parse_survey_date("hims=May").is_err());
    }
}
