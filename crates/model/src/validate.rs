//! `validate`: raw field values of one row in, a [`CanonicalRecord`] (or every issue of the row)
//! out.

use std::fmt;

use chrono::NaiveDate;

use crate::kind::{FieldType, RecordKind};
use crate::record::{CanonicalRecord, RecordBuilder};
use crate::values::{self, name_script, trim, Env};

/// One field of one input row, already mapped to its canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawField<'a> {
    pub name: &'a str,
    pub value: &'a str,
    /// chrono strftime format of this date / date-time / month field (overrides the context's).
    pub format: Option<&'a str>,
}

impl<'a> RawField<'a> {
    pub fn new(name: &'a str, value: &'a str) -> Self {
        RawField {
            name,
            value,
            format: None,
        }
    }
}

/// What validation needs from outside: the date of today, and the source's date formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context<'a> {
    pub today: NaiveDate,
    /// chrono strftime format for date fields (e.g. `%d/%m/%Y`); `None` = ISO `YYYY-MM-DD`.
    pub date_format: Option<&'a str>,
    /// chrono strftime format for date-time fields; `None` = ISO `YYYY-MM-DDTHH:MM:SS`.
    pub datetime_format: Option<&'a str>,
}

impl<'a> Context<'a> {
    pub fn new(today: NaiveDate) -> Self {
        Context {
            today,
            date_format: None,
            datetime_format: None,
        }
    }
}

/// A problem with one field, in a sentence a data officer can act on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldIssue {
    pub field: String,
    pub reason: String,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldIssue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FieldIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// A valid record and the warnings it raised (kept, but worth a look).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    pub record: CanonicalRecord,
    pub warnings: Vec<FieldIssue>,
}

/// Most fields a kind has; the per-row slot array lives on the stack.
const MAX_FIELDS: usize = 20;

/// Validates one row of `kind`: every value is parsed into canonical form and the cross-field
/// rules are checked. Returns every error of the row, not just the first.
///
/// Rules: a value empty after trimming is unknown; a required field that is unknown is an error;
/// a field name the kind does not have is a warning (the value is ignored); a field given twice
/// with different non-empty values is an error.
pub fn validate(
    kind: RecordKind,
    fields: &[RawField<'_>],
    ctx: &Context<'_>,
) -> Result<Validated, Vec<FieldIssue>> {
    let specs = kind.fields();
    let mut errors: Vec<FieldIssue> = Vec::new();
    let mut warnings: Vec<FieldIssue> = Vec::new();
    let mut slots: [Option<&RawField<'_>>; MAX_FIELDS] = [None; MAX_FIELDS];

    // Rows usually list their fields in the kind's order: try the next field first.
    let mut next = 0;
    for raw in fields {
        let name = trim(raw.name);
        let guess = specs.get(next).filter(|s| s.name == name).map(|_| next);
        let Some(i) = guess.or_else(|| specs.iter().position(|s| s.name == name)) else {
            let reason = if kind.derived_fields().contains(&name) {
                format!("'{name}' is computed by marsad; the value given was ignored")
            } else {
                format!("'{name}' is not a field of {kind} records; it was ignored")
            };
            warnings.push(FieldIssue::new(name, reason));
            continue;
        };
        next = i + 1;
        let Some(slot) = slots.get_mut(i) else {
            continue;
        };
        match slot {
            Some(prev) if !prev.value.trim().is_empty() => {
                if !raw.value.trim().is_empty() && raw.value.trim() != prev.value.trim() {
                    errors.push(FieldIssue::new(
                        name,
                        format!(
                            "given twice with different values ('{}' and '{}')",
                            prev.value.trim(),
                            raw.value.trim()
                        ),
                    ));
                }
            }
            _ => *slot = Some(raw),
        }
    }

    // Canonical values are seldom longer than the raw ones; derived fields add a few bytes.
    let capacity = fields.iter().map(|f| f.value.len()).sum::<usize>() + 32;
    let mut values = RecordBuilder::new(kind, capacity);
    for (i, (spec, slot)) in specs.iter().zip(slots.iter()).enumerate() {
        let (value, format) = match slot {
            Some(raw) => (trim(raw.value), raw.format),
            None => ("", None),
        };
        if value.is_empty() {
            if spec.required {
                errors.push(FieldIssue::new(spec.name, "required field is empty"));
            }
            continue;
        }
        // A month ("2024-03") never matches a full-date format: it only takes its own format.
        let date_format = match spec.ty {
            FieldType::DateTime => None,
            FieldType::Month => format,
            _ => format.or(ctx.date_format),
        };
        let env = Env {
            today: ctx.today,
            date_format,
            datetime_format: format.or(ctx.datetime_format),
        };
        match values::parse_value(spec.ty, value, &env) {
            Ok(parsed) => {
                if let Some(w) = parsed.warning {
                    warnings.push(FieldIssue::new(spec.name, w));
                }
                if parsed.value.is_empty() {
                    if spec.required {
                        errors.push(FieldIssue::new(spec.name, "required field is empty"));
                    }
                } else {
                    values.set_spec(i, &parsed.value);
                }
            }
            Err(reason) => errors.push(FieldIssue::new(spec.name, reason)),
        }
    }

    cross_checks(kind, &mut values, &mut errors, &mut warnings);

    if !errors.is_empty() {
        return Err(errors);
    }
    match values.finish() {
        Some(record) => Ok(Validated { record, warnings }),
        // Unreachable: every kind requires record_id, so its absence is an error above.
        None => Err(vec![FieldIssue::new(
            "record_id",
            "required field is empty",
        )]),
    }
}

fn num(values: &RecordBuilder, field: &str) -> Option<f64> {
    values.get(field).and_then(|v| v.parse().ok())
}

/// Rules between fields. Values are canonical, so ISO dates compare as strings.
fn cross_checks(
    kind: RecordKind,
    values: &mut RecordBuilder,
    errors: &mut Vec<FieldIssue>,
    warnings: &mut Vec<FieldIssue>,
) {
    let ordered = |values: &RecordBuilder,
                   errors: &mut Vec<FieldIssue>,
                   first: &str,
                   later: &'static str,
                   what: &str| {
        if let (Some(a), Some(b)) = (values.get(first), values.get(later)) {
            if b < a {
                errors.push(FieldIssue::new(
                    later,
                    format!("{later} {b} is before {first} {a}; {what}"),
                ));
            }
        }
    };
    match kind {
        RecordKind::Person => {
            let any_name = values.set_scripts(name_script);
            if !any_name {
                errors.push(FieldIssue::new(
                    "given_name",
                    "no name given; at least one of given_name, family_name, father_name, mother_name is required",
                ));
            }
        }
        RecordKind::ResidencePermit => {
            ordered(
                values,
                errors,
                "issue_date",
                "expiry_date",
                "a permit cannot expire before it is issued",
            );
        }
        RecordKind::LabourPlacement => {
            ordered(
                values,
                errors,
                "contract_start",
                "contract_end",
                "a contract cannot end before it starts",
            );
            for (amount, currency) in [
                ("monthly_wage", "wage_currency"),
                ("recruitment_cost", "recruitment_cost_currency"),
            ] {
                if values.contains_key(amount) && !values.contains_key(currency) {
                    warnings.push(FieldIssue::new(
                        currency,
                        format!("{amount} is given without {currency}; the amount cannot be used in indicators (SDG 10.7.1) until the currency is known"),
                    ));
                }
            }
        }
        RecordKind::Return => {
            if let Some(list) = values.get("assistance") {
                if list.split(';').any(|c| c == "none") && list.contains(';') {
                    errors.push(FieldIssue::new(
                        "assistance",
                        format!("'none' cannot be combined with other assistance codes ('{list}')"),
                    ));
                }
            }
        }
        RecordKind::RemittanceFlow => {
            if !values.contains_key("direction") {
                values.set("direction", "inward");
            }
        }
        RecordKind::MissingMigrantIncident => {
            let dead = num(values, "dead").unwrap_or(0.0);
            let missing = num(values, "missing").unwrap_or(0.0);
            let total = dead + missing + num(values, "survivors").unwrap_or(0.0);
            let females = num(values, "females");
            let males = num(values, "males");
            if let (Some(_), _) | (_, Some(_)) = (females, males) {
                let sum = females.unwrap_or(0.0) + males.unwrap_or(0.0);
                if sum > total {
                    errors.push(FieldIssue::new(
                        "females",
                        format!("females + males ({sum}) is more than dead + missing + survivors ({total})"),
                    ));
                }
            }
            if let Some(children) = num(values, "children") {
                if children > total {
                    errors.push(FieldIssue::new(
                        "children",
                        format!("children ({children}) is more than dead + missing + survivors ({total})"),
                    ));
                }
            }
            match (
                values.contains_key("latitude"),
                values.contains_key("longitude"),
            ) {
                (true, false) => errors.push(FieldIssue::new(
                    "longitude",
                    "latitude is given without longitude; give both or neither",
                )),
                (false, true) => errors.push(FieldIssue::new(
                    "latitude",
                    "longitude is given without latitude; give both or neither",
                )),
                _ => {}
            }
            if dead + missing == 0.0
                && values.contains_key("dead")
                && values.contains_key("missing")
            {
                warnings.push(FieldIssue::new(
                    "dead",
                    "no dead and no missing: the Missing Migrants Project counts only incidents with at least one dead or missing migrant",
                ));
            }
        }
        RecordKind::CensusPerson => {
            if let (Some(birth), Some(arrival)) =
                (values.get("birth_date"), values.get("arrival_year"))
            {
                if arrival < birth.get(..4).unwrap_or("") {
                    errors.push(FieldIssue::new(
                        "arrival_year",
                        format!("arrival_year {arrival} is before the year of birth ({birth})"),
                    ));
                }
            }
        }
        RecordKind::BorderCrossing
        | RecordKind::ConsularRegistration
        | RecordKind::TraffickingCase => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    /// Parses `name=value|name=value` rows (a value may be empty).
    fn row(spec: &str) -> Vec<RawField<'_>> {
        spec.split('|')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (name, value) = p.split_once('=').unwrap();
                RawField::new(name, value)
            })
            .collect()
    }

    /// A good row: `expected` is the canonical JSON.
    fn check_ok(kind: RecordKind, input: &str, expected: &str) {
        match validate(kind, &row(input), &Context::new(today())) {
            Ok(v) => assert_eq!(v.record.to_json(), expected, "{kind}: {input}"),
            Err(e) => panic!("{kind}: {input}: {e:?}"),
        }
    }

    /// A bad row: `expected` lists `field: reason-substring` for every issue, in order.
    fn check_err(kind: RecordKind, input: &str, expected: &[&str]) {
        match validate(kind, &row(input), &Context::new(today())) {
            Ok(v) => panic!("{kind}: {input}: accepted as {}", v.record.to_json()),
            Err(issues) => {
                let got: Vec<String> = issues.iter().map(ToString::to_string).collect();
                assert_eq!(got.len(), expected.len(), "{kind}: {input}: {got:#?}");
                for (g, e) in got.iter().zip(expected) {
                    let (field, reason) = e.split_once(": ").unwrap();
                    assert!(
                        g.starts_with(&format!("{field}: ")) && g.contains(reason),
                        "{kind}: got {g:?}, expected {e:?}"
                    );
                }
            }
        }
    }

    fn warnings(kind: RecordKind, input: &str) -> Vec<String> {
        validate(kind, &row(input), &Context::new(today()))
            .unwrap()
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn person() {
        use RecordKind::Person as K;
        check_ok(
            K,
            "record_id= P-1 |given_name= محمد  الهادي |family_name=Trabelsi|sex=ذكر|birth_date=1985-03|nationality=Tunisie|document_number=ab 123 456|phone=00216 20 123 456",
            r#"{"birth_date":"1985-03","document_number":"AB123456","family_name":"Trabelsi","family_name_script":"latin","given_name":"محمد الهادي","given_name_script":"arabic","nationality":"TUN","phone":"+21620123456","record_id":"P-1","sex":"M"}"#,
        );
        check_ok(
            K,
            "record_id=P-2|mother_name=Fatma بنت علي",
            r#"{"mother_name":"Fatma بنت علي","mother_name_script":"mixed","record_id":"P-2"}"#,
        );
        check_ok(
            K,
            "record_id=P-3|family_name=Ben Salah|sex=|birth_date=  |nationality=XXA",
            r#"{"family_name":"Ben Salah","family_name_script":"latin","nationality":"XXA","record_id":"P-3"}"#,
        );
        check_err(
            K,
            "record_id=|sex=2|birth_date=2023-02-30|nationality=Tunisa|phone=abc",
            &[
                "record_id: required field is empty",
                "sex: '2' is not a sex code",
                "birth_date: '2023-02-30' is not a valid date (February 2023 has 28 days)",
                "nationality: 'Tunisa' is not a known country",
                "phone: 'abc' is not a phone number",
                "given_name: at least one of given_name, family_name, father_name, mother_name is required",
            ],
        );
        check_err(
            K,
            "record_id=1|given_name=Ali|birth_date=2030-01-01",
            &["birth_date: in the future (today is 2025-06-01)"],
        );
        check_err(
            K,
            "record_id=1|given_name=Ali|birth_date=1890",
            &["birth_date: more than 120 years before today"],
        );
        check_err(
            K,
            "record_id=1|given_name=Ali|given_name=Aly",
            &["given_name: given twice with different values ('Ali' and 'Aly')"],
        );
    }

    #[test]
    fn unknown_and_derived_fields_warn() {
        let w = warnings(
            RecordKind::Person,
            "record_id=1|given_name=Ali|source=police|given_name_script=latin|given_name=Ali",
        );
        assert_eq!(
            w,
            vec![
                "source: 'source' is not a field of person records; it was ignored",
                "given_name_script: 'given_name_script' is computed by marsad; the value given was ignored",
            ]
        );
    }

    #[test]
    fn formats_from_context_and_field() {
        let fields = [
            RawField::new("record_id", "1"),
            RawField::new("given_name", "Ali"),
            RawField::new("birth_date", "25/12/1990"),
        ];
        let ctx = Context {
            date_format: Some("%d/%m/%Y"),
            ..Context::new(today())
        };
        let v = validate(RecordKind::Person, &fields, &ctx).unwrap();
        assert_eq!(v.record.get("birth_date"), Some("1990-12-25"));
        let us = [
            RawField {
                format: Some("%m/%d/%Y"),
                ..RawField::new("birth_date", "12/25/1990")
            },
            fields[0],
            fields[1],
        ];
        let v = validate(RecordKind::Person, &us, &ctx).unwrap();
        assert_eq!(v.record.get("birth_date"), Some("1990-12-25"));
        let e = validate(
            RecordKind::Person,
            &[
                fields[0],
                fields[1],
                RawField::new("birth_date", "13/25/2020"),
            ],
            &ctx,
        )
        .unwrap_err();
        assert_eq!(
            e,
            vec![FieldIssue::new(
                "birth_date",
                "'13/25/2020' does not match the date format dd/mm/yyyy (%d/%m/%Y)"
            )]
        );
    }

    #[test]
    fn border_crossing() {
        use RecordKind::BorderCrossing as K;
        check_ok(
            K,
            "record_id=BC-1|person_record_id=P-1|crossed_at=2024-07-01 08:30|direction=Entrée|border_post=Ras Jedir|post_type=land|document_country=LY|departure_country=ليبيا|purpose=Work",
            r#"{"border_post":"Ras Jedir","crossed_at":"2024-07-01T08:30:00","departure_country":"LBY","direction":"in","document_country":"LBY","person_record_id":"P-1","post_type":"land","purpose":"work","record_id":"BC-1"}"#,
        );
        check_err(
            K,
            "record_id=BC-2|crossed_at=2024-07-01|direction=up|post_type=rail",
            &[
                "crossed_at: not a date-time in the form YYYY-MM-DDTHH:MM:SS",
                "direction: 'up' is not a valid border crossing direction code; use one of: in, out",
                "border_post: required field is empty",
                "post_type: 'rail' is not a valid border post type code",
            ],
        );
    }

    #[test]
    fn residence_permit() {
        use RecordKind::ResidencePermit as K;
        check_ok(
            K,
            "record_id=RP-1|permit_type=work permit|category=work|issue_date=2024-01-10|expiry_date=2026-01-09|nationality=Sénégal",
            r#"{"category":"work","expiry_date":"2026-01-09","issue_date":"2024-01-10","nationality":"SEN","permit_type":"work_permit","record_id":"RP-1"}"#,
        );
        check_err(
            K,
            "record_id=RP-2|permit_type=visa|issue_date=2024-01-10|expiry_date=2023-01-09",
            &["expiry_date: expiry_date 2023-01-09 is before issue_date 2024-01-10"],
        );
        check_err(
            K,
            "record_id=RP-3|permit_type=golden|issue_date=2026-01-01|category=love",
            &[
                "permit_type: 'golden' is not a valid permit type code",
                "category: 'love' is not a valid permit category code",
                "issue_date: in the future",
            ],
        );
    }

    #[test]
    fn labour_placement() {
        use RecordKind::LabourPlacement as K;
        check_ok(
            K,
            "record_id=LP-1|destination_country=Qatar|employer_sector=f|occupation=7112|contract_start=2024-02-01|contract_end=2026-01-31|monthly_wage=1800|wage_currency=QAR|recruitment_cost=1 200,00|recruitment_cost_currency=TND|placement_agency=ANETI",
            r#"{"contract_end":"2026-01-31","contract_start":"2024-02-01","destination_country":"QAT","employer_sector":"F","monthly_wage":"1800","occupation":"7112","placement_agency":"ANETI","record_id":"LP-1","recruitment_cost":"1200","recruitment_cost_currency":"TND","wage_currency":"QAR"}"#,
        );
        assert_eq!(
            warnings(K, "record_id=LP-2|destination_country=QAT|contract_start=2024-02-01|monthly_wage=1800"),
            vec!["wage_currency: monthly_wage is given without wage_currency; the amount cannot be used in indicators (SDG 10.7.1) until the currency is known"]
        );
        check_err(
            K,
            "record_id=LP-3|destination_country=Narnia|contract_start=2024-02-01|contract_end=2023-02-01|monthly_wage=-5|occupation=cook",
            &[
                "destination_country: 'Narnia' is not a known country",
                "occupation: 'cook' is not an ISCO-08 code",
                "monthly_wage: out of range",
                "contract_end: contract_end 2023-02-01 is before contract_start 2024-02-01",
            ],
        );
    }

    #[test]
    fn consular_registration() {
        use RecordKind::ConsularRegistration as K;
        check_ok(K, "record_id=CR-1|residence_country=Italie|residence_city=Palermo|registration_date=2023-11-05|consulate=Palerme", r#"{"consulate":"Palerme","record_id":"CR-1","registration_date":"2023-11-05","residence_city":"Palermo","residence_country":"ITA"}"#);
        check_err(
            K,
            "record_id=CR-2|residence_country=|registration_date=05/11/2023",
            &[
                "residence_country: required field is empty",
                "registration_date: not a date in the form YYYY-MM-DD",
            ],
        );
    }

    #[test]
    fn return_kind() {
        use RecordKind::Return as K;
        check_ok(
            K,
            "record_id=R-1|return_type=assisted voluntary|return_date=2024-05-02|from_country=ليبيا|assistance=training;cash;training|reintegration_status=in progress",
            r#"{"assistance":"cash;training","from_country":"LBY","record_id":"R-1","reintegration_status":"in_progress","return_date":"2024-05-02","return_type":"assisted_voluntary"}"#,
        );
        check_err(K, "record_id=R-2|return_type=forced|return_date=2024-05-02|from_country=DEU|assistance=none;cash", &["assistance: 'none' cannot be combined"]);
        check_err(
            K,
            "record_id=R-3|return_type=deported|from_country=DEU|assistance=cash;gold",
            &[
                "return_type: 'deported' is not a valid return type code",
                "return_date: required field is empty",
                "assistance: 'gold' is not a valid reintegration assistance code",
            ],
        );
    }

    #[test]
    fn remittance_flow() {
        use RecordKind::RemittanceFlow as K;
        check_ok(K, "record_id=RF-1|corridor_country=France|month=2024-03|amount=125000000.50|currency=eur|channel=bank|avg_cost_pct_200usd=6.2", r#"{"amount":"125000000.5","avg_cost_pct_200usd":"6.2","channel":"bank","corridor_country":"FRA","currency":"EUR","direction":"inward","month":"2024-03","record_id":"RF-1"}"#);
        check_ok(K, "record_id=RF-2|corridor_country=FRA|month=2024-03|direction=outward|amount=10|currency=EUR", r#"{"amount":"10","corridor_country":"FRA","currency":"EUR","direction":"outward","month":"2024-03","record_id":"RF-2"}"#);
        check_err(
            K,
            "record_id=RF-3|person_record_id=P-1|corridor_country=FRA|month=2024-13|amount=-1|currency=ZZZ|avg_cost_pct_200usd=150",
            &["month: no month 13", "amount: out of range", "currency: 'ZZZ' is not one of the ISO 4217 currencies", "avg_cost_pct_200usd: out of range"],
        );
    }

    #[test]
    fn trafficking_case() {
        use RecordKind::TraffickingCase as K;
        check_ok(K, "record_id=TC-1|person_record_id=P-9|identification_date=2024-09-14|exploitation_form=domestic servitude|referral_status=referred|identified_by=INLTP|country_of_exploitation=Liban", r#"{"country_of_exploitation":"LBN","exploitation_form":"domestic_servitude","identification_date":"2024-09-14","identified_by":"INLTP","person_record_id":"P-9","record_id":"TC-1","referral_status":"referred"}"#);
        check_err(
            K,
            "record_id=TC-2|exploitation_form=smuggling",
            &[
                "identification_date: required field is empty",
                "exploitation_form: 'smuggling' is not a valid form of exploitation code",
                "referral_status: required field is empty",
            ],
        );
    }

    #[test]
    fn missing_migrant_incident() {
        use RecordKind::MissingMigrantIncident as K;
        check_ok(
            K,
            "record_id=MM-1|incident_date=2023-06-14|latitude=36.9|longitude=21.6|route=Eastern Mediterranean|country_of_incident=Grèce|dead=82|missing=500|survivors=104|females=10|males=70|children=5|cause_of_death=drowning",
            r#"{"cause_of_death":"drowning","children":"5","country_of_incident":"GRC","dead":"82","females":"10","incident_date":"2023-06-14","latitude":"36.9","longitude":"21.6","males":"70","missing":"500","record_id":"MM-1","route":"eastern_mediterranean","survivors":"104"}"#,
        );
        check_err(
            K,
            "record_id=MM-2|incident_date=2023-06-14|latitude=95|dead=2|missing=1|females=3|males=2|children=9",
            &["latitude: out of range", "females: females + males (5) is more than dead + missing + survivors (3)", "children: children (9) is more than"],
        );
        check_err(
            K,
            "record_id=MM-3|incident_date=2023-06-14|longitude=12|dead=-1|missing=x",
            &[
                "dead: '-1' is negative",
                "missing: 'x' is not a number",
                "latitude: longitude is given without latitude",
            ],
        );
        assert_eq!(
            warnings(
                K,
                "record_id=MM-4|incident_date=2023-06-14|dead=0|missing=0"
            )
            .len(),
            1
        );
    }

    #[test]
    fn census_person() {
        use RecordKind::CensusPerson as K;
        check_ok(K, "record_id=C-1|survey=census|household_id=H-77|sex=F|age=34|birth_date=1990-05-02|country_of_birth=Maroc|citizenship=MAR|arrival_year=2015|migration_reason=work|governorate=Tunis|weight=1", r#"{"age":"34","arrival_year":"2015","birth_date":"1990-05-02","citizenship":"MAR","country_of_birth":"MAR","governorate":"Tunis","household_id":"H-77","migration_reason":"work","record_id":"C-1","sex":"F","survey":"census","weight":"1"}"#);
        check_err(
            K,
            "record_id=C-2|survey=poll|age=200|birth_date=1990-05-02|arrival_year=1980|weight=0",
            &[
                "survey: 'poll' is not a valid survey code",
                "age: out of range",
                "weight: not greater than 0",
                "arrival_year: arrival_year 1980 is before the year of birth",
            ],
        );
    }

    #[test]
    fn every_kind_rejects_an_empty_row_naming_every_required_field() {
        for kind in RecordKind::ALL {
            let issues = validate(kind, &[], &Context::new(today())).unwrap_err();
            for spec in kind.fields().iter().filter(|s| s.required) {
                assert!(
                    issues
                        .iter()
                        .any(|i| i.field == spec.name && i.reason == "required field is empty"),
                    "{kind}: {}",
                    spec.name
                );
            }
        }
    }
}
