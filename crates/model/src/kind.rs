//! Record kinds and their canonical fields (the contract of `docs/record-kinds.md`).

use crate::codes::{self, Codelist, Lang};

/// The kinds of record marsad keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Person,
    BorderCrossing,
    ResidencePermit,
    LabourPlacement,
    ConsularRegistration,
    Return,
    RemittanceFlow,
    TraffickingCase,
    MissingMigrantIncident,
    CensusPerson,
}

/// How a value is read and written in canonical form (see `docs/data-model.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// An identifier from the producing system: trimmed, otherwise kept as given.
    Id,
    /// Free text: trimmed, inner whitespace collapsed to one space.
    Text,
    /// A person's name, free text in any script (like `Text`); the record also gets the derived
    /// `<field>_script` (arabic / latin / mixed / other).
    Name,
    /// `YYYY-MM-DD`, from 1900 to 100 years after today (e.g. an expiry date).
    Date,
    /// `YYYY-MM-DD` of an event that has happened: from 1900 to today.
    PastDate,
    /// `YYYY-MM-DD` birth date: not in the future, not more than 120 years ago.
    BirthDate,
    /// A birth date that may be partial: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    PartialBirthDate,
    /// `YYYY-MM-DDTHH:MM:SS`, local time of the post, not in the future.
    DateTime,
    /// `YYYY-MM`, not after the current month.
    Month,
    /// `YYYY`, from 1900 to the current year.
    Year,
    /// ISO 3166-1 alpha-3 or ICAO XXA/XXB/XXC/XXX (see [`codes::country`]).
    Country,
    /// ISO 4217 alphabetic code from [`codes::CURRENCY`].
    Currency,
    /// `M`, `F` or `X` (see [`codes::Sex::parse`]).
    Sex,
    /// ISCO-08: a major group `0`–`9` or a 2–4 digit sub-major, minor or unit group code.
    Isco,
    /// ISIC Rev.4 section letter `A`–`U` (a 2–4 digit division or class is mapped to its section).
    Isic,
    /// A whole number of people or events, 0 or more.
    Count,
    /// Age in completed years, 0–130.
    Age,
    /// A money amount, 0 or more, `.` as decimal separator.
    Amount,
    /// A percentage, 0–100.
    Percent,
    /// A survey weight, greater than 0.
    Weight,
    /// Decimal degrees, −90 to 90 (WGS 84).
    Latitude,
    /// Decimal degrees, −180 to 180 (WGS 84).
    Longitude,
    /// Travel or identity document number: upper case, spaces removed.
    DocumentNumber,
    /// Telephone number: digits with an optional leading `+` (`00` prefix read as `+`).
    Phone,
    /// One code of a codelist.
    Code(&'static Codelist),
    /// A `;`-separated list of codes of a codelist, stored sorted and without duplicates.
    CodeList(&'static Codelist),
}

impl FieldType {
    /// The canonical format, in words, for documentation and messages.
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::Id => "identifier (text)",
            FieldType::Text => "text",
            FieldType::Name => "name (free text, any script)",
            FieldType::Date => "date YYYY-MM-DD",
            FieldType::PastDate => "date YYYY-MM-DD, not in the future",
            FieldType::BirthDate => "date YYYY-MM-DD, not in the future, at most 120 years ago",
            FieldType::PartialBirthDate => {
                "date YYYY-MM-DD, YYYY-MM or YYYY, not in the future, at most 120 years ago"
            }
            FieldType::DateTime => "date-time YYYY-MM-DDTHH:MM:SS (local time), not in the future",
            FieldType::Month => "month YYYY-MM",
            FieldType::Year => "year YYYY",
            FieldType::Country => "ISO 3166-1 alpha-3 (or ICAO XXA, XXB, XXC, XXX)",
            FieldType::Currency => "ISO 4217 code",
            FieldType::Sex => "M, F or X",
            FieldType::Isco => "ISCO-08 code (1 to 4 digits)",
            FieldType::Isic => "ISIC Rev.4 section letter A-U",
            FieldType::Count => "whole number >= 0",
            FieldType::Age => "whole number of years, 0-130",
            FieldType::Amount => "decimal >= 0",
            FieldType::Percent => "decimal 0-100",
            FieldType::Weight => "decimal > 0",
            FieldType::Latitude => "decimal degrees -90 to 90",
            FieldType::Longitude => "decimal degrees -180 to 180",
            FieldType::DocumentNumber => "document number (upper case, no spaces)",
            FieldType::Phone => "digits with optional leading +",
            FieldType::Code(_) => "code",
            FieldType::CodeList(_) => "list of codes separated by ;",
        }
    }

    /// The codelist the values come from, for codelist-backed types.
    pub fn codelist(self) -> Option<&'static Codelist> {
        match self {
            FieldType::Code(l) | FieldType::CodeList(l) => Some(l),
            FieldType::Sex => Some(&codes::SEX),
            FieldType::Currency => Some(&codes::CURRENCY),
            FieldType::Isic => Some(&codes::ISIC4_SECTION),
            FieldType::Isco => Some(&codes::ISCO08_MAJOR),
            _ => None,
        }
    }
}

/// One canonical field of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub required: bool,
    pub ty: FieldType,
    /// The concept, in one sentence (English).
    pub doc: &'static str,
}

const fn req(name: &'static str, ty: FieldType, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        required: true,
        ty,
        doc,
    }
}

const fn opt(name: &'static str, ty: FieldType, doc: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        required: false,
        ty,
        doc,
    }
}

use FieldType as T;

const RECORD_ID: FieldSpec = req(
    "record_id",
    T::Id,
    "The producing system's own identifier, unique per source and kind.",
);
const PERSON_RECORD_ID: FieldSpec = opt(
    "person_record_id",
    T::Id,
    "record_id of the person record, in the same source, this event belongs to.",
);

static PERSON: [FieldSpec; 15] = [
    RECORD_ID,
    opt(
        "given_name",
        T::Name,
        "Given name(s), as written in the source, any script.",
    ),
    opt(
        "family_name",
        T::Name,
        "Family name or surname (laqab / nom de famille).",
    ),
    opt(
        "father_name",
        T::Name,
        "Father's given name (ism al-ab), a strong linkage key in the Arab region.",
    ),
    opt(
        "mother_name",
        T::Name,
        "Mother's name (given and/or family), as recorded.",
    ),
    opt(
        "sex",
        T::Sex,
        "Sex as recorded in the identity or travel document (ICAO 9303: M, F, X).",
    ),
    opt(
        "birth_date",
        T::PartialBirthDate,
        "Date of birth; partial when only the year or month is known.",
    ),
    opt(
        "birth_place",
        T::Text,
        "Place of birth as written (locality and/or country).",
    ),
    opt(
        "nationality",
        T::Country,
        "Country of citizenship (UN 1998 Rec.: citizenship), ICAO codes for stateless/refugees.",
    ),
    opt(
        "document_type",
        T::Text,
        "Type of identity or travel document (e.g. passport, national_id).",
    ),
    opt(
        "document_number",
        T::DocumentNumber,
        "Number of that document (ICAO 9303 document number).",
    ),
    opt("phone", T::Phone, "Telephone number."),
    opt("address", T::Text, "Address of usual residence."),
    opt(
        "locality",
        T::Text,
        "Locality (municipality, delegation, commune) of usual residence.",
    ),
    opt("postcode", T::Id, "Postal code."),
];

static BORDER_CROSSING: [FieldSpec; 12] = [
    RECORD_ID,
    PERSON_RECORD_ID,
    req(
        "crossed_at",
        T::DateTime,
        "Date and local time of the crossing at the post.",
    ),
    req(
        "direction",
        T::Code(&codes::DIRECTION),
        "Entry into or exit from the reporting country.",
    ),
    req(
        "border_post",
        T::Text,
        "Name or code of the border crossing point.",
    ),
    opt(
        "post_type",
        T::Code(&codes::POST_TYPE),
        "Land, air or sea border post.",
    ),
    opt(
        "document_type",
        T::Text,
        "Travel document presented (e.g. passport, laissez-passer).",
    ),
    opt(
        "document_number",
        T::DocumentNumber,
        "Number of the travel document (ICAO 9303).",
    ),
    opt(
        "document_country",
        T::Country,
        "Issuing State of the travel document (ICAO 9303 issuing State code).",
    ),
    opt(
        "departure_country",
        T::Country,
        "Country the traveller arrives from (entries) or where the trip started.",
    ),
    opt(
        "destination_country",
        T::Country,
        "Country the traveller goes to (exits) or the final destination.",
    ),
    opt(
        "purpose",
        T::Code(&codes::PURPOSE),
        "Declared main purpose of the trip.",
    ),
];

static RESIDENCE_PERMIT: [FieldSpec; 8] = [
    RECORD_ID,
    PERSON_RECORD_ID,
    req(
        "permit_type",
        T::Code(&codes::PERMIT_TYPE),
        "Type of document granting the right to stay.",
    ),
    opt(
        "category",
        T::Code(&codes::PERMIT_CATEGORY),
        "Reason for admission (UN 1998 Rec. categories of admission).",
    ),
    req("issue_date", T::PastDate, "Date the permit was issued."),
    opt(
        "expiry_date",
        T::Date,
        "Date the permit expires; not before issue_date.",
    ),
    opt(
        "issuing_authority",
        T::Text,
        "Authority that issued the permit.",
    ),
    opt(
        "nationality",
        T::Country,
        "Citizenship of the holder as recorded on the permit.",
    ),
];

static LABOUR_PLACEMENT: [FieldSpec; 12] = [
    RECORD_ID,
    PERSON_RECORD_ID,
    req(
        "destination_country",
        T::Country,
        "Country of employment abroad.",
    ),
    opt(
        "employer_sector",
        T::Isic,
        "Economic activity of the employer (ISIC Rev.4 section).",
    ),
    opt("occupation", T::Isco, "Occupation of the job (ISCO-08)."),
    req(
        "contract_start",
        T::Date,
        "Start date of the employment contract.",
    ),
    opt(
        "contract_end",
        T::Date,
        "End date of the contract; not before contract_start.",
    ),
    opt(
        "monthly_wage",
        T::Amount,
        "Gross monthly wage in the contract (SDG 10.7.1 denominator).",
    ),
    opt("wage_currency", T::Currency, "Currency of monthly_wage."),
    opt(
        "recruitment_cost",
        T::Amount,
        "Recruitment costs paid by the worker (SDG 10.7.1 numerator).",
    ),
    opt(
        "recruitment_cost_currency",
        T::Currency,
        "Currency of recruitment_cost.",
    ),
    opt(
        "placement_agency",
        T::Text,
        "Public or private employment agency that placed the worker.",
    ),
];

static CONSULAR_REGISTRATION: [FieldSpec; 6] = [
    RECORD_ID,
    PERSON_RECORD_ID,
    req(
        "residence_country",
        T::Country,
        "Country of residence abroad of the registered national.",
    ),
    opt("residence_city", T::Text, "City of residence abroad."),
    req(
        "registration_date",
        T::PastDate,
        "Date of registration with the consulate.",
    ),
    opt(
        "consulate",
        T::Text,
        "Consulate or embassy where the national registered.",
    ),
];

static RETURN: [FieldSpec; 7] = [
    RECORD_ID,
    PERSON_RECORD_ID,
    req(
        "return_type",
        T::Code(&codes::RETURN_TYPE),
        "Voluntary, assisted voluntary or forced return.",
    ),
    req(
        "return_date",
        T::PastDate,
        "Date of arrival back in the country of origin.",
    ),
    req(
        "from_country",
        T::Country,
        "Country the migrant returned from.",
    ),
    opt(
        "assistance",
        T::CodeList(&codes::ASSISTANCE),
        "Reintegration assistance received (several allowed).",
    ),
    opt(
        "reintegration_status",
        T::Code(&codes::REINTEGRATION_STATUS),
        "Stage of reintegration.",
    ),
];

static REMITTANCE_FLOW: [FieldSpec; 8] = [
    RECORD_ID,
    req(
        "corridor_country",
        T::Country,
        "Partner country of the corridor (origin of inward, destination of outward flows).",
    ),
    req("month", T::Month, "Calendar month of the flow."),
    opt(
        "direction",
        T::Code(&codes::REMITTANCE_DIRECTION),
        "Inward (received) or outward (sent); inward when empty.",
    ),
    req(
        "amount",
        T::Amount,
        "Total amount transferred in the month (IMF BPM6 personal transfers).",
    ),
    req("currency", T::Currency, "Currency of amount."),
    opt(
        "channel",
        T::Code(&codes::REMITTANCE_CHANNEL),
        "Channel used.",
    ),
    opt(
        "avg_cost_pct_200usd",
        T::Percent,
        "Average total cost of sending 200 USD, % of amount sent (SDG 10.c.1).",
    ),
];

static TRAFFICKING_CASE: [FieldSpec; 7] = [
    RECORD_ID,
    PERSON_RECORD_ID,
    req(
        "identification_date",
        T::PastDate,
        "Date the person was identified as a (presumed) victim.",
    ),
    req(
        "exploitation_form",
        T::Code(&codes::EXPLOITATION_FORM),
        "Main form of exploitation (Palermo Protocol art. 3).",
    ),
    req(
        "referral_status",
        T::Code(&codes::REFERRAL_STATUS),
        "Stage in the national referral mechanism.",
    ),
    opt(
        "identified_by",
        T::Text,
        "Institution that identified the victim.",
    ),
    opt(
        "country_of_exploitation",
        T::Country,
        "Country where the exploitation took place.",
    ),
];

static MISSING_MIGRANT_INCIDENT: [FieldSpec; 15] = [
    RECORD_ID,
    req(
        "incident_date",
        T::PastDate,
        "Date of the incident (or of the discovery of remains).",
    ),
    opt(
        "latitude",
        T::Latitude,
        "Latitude of the incident location (WGS 84).",
    ),
    opt(
        "longitude",
        T::Longitude,
        "Longitude of the incident location (WGS 84).",
    ),
    opt(
        "route",
        T::Code(&codes::ROUTE),
        "Migration route (IOM Missing Migrants Project).",
    ),
    opt(
        "country_of_incident",
        T::Country,
        "Country (or nearest country) where the incident happened.",
    ),
    req("dead", T::Count, "Number of dead (bodies recovered)."),
    req("missing", T::Count, "Number of missing, presumed dead."),
    opt("survivors", T::Count, "Number of survivors."),
    opt(
        "females",
        T::Count,
        "Number of dead and missing who were female.",
    ),
    opt(
        "males",
        T::Count,
        "Number of dead and missing who were male.",
    ),
    opt(
        "children",
        T::Count,
        "Number of dead and missing who were children (under 18).",
    ),
    opt(
        "cause_of_death",
        T::Code(&codes::CAUSE_OF_DEATH),
        "Main cause of death (Missing Migrants Project categories).",
    ),
    opt(
        "information_source",
        T::Text,
        "Source of the information (authority, NGO, media).",
    ),
    opt(
        "location_description",
        T::Text,
        "Description of the location.",
    ),
];

static CENSUS_PERSON: [FieldSpec; 16] = [
    RECORD_ID,
    PERSON_RECORD_ID,
    req(
        "survey",
        T::Code(&codes::SURVEY),
        "Census or survey the record comes from.",
    ),
    opt(
        "household_id",
        T::Id,
        "Household identifier within the survey.",
    ),
    opt("sex", T::Sex, "Sex (P&R Rev.3 core topic)."),
    opt(
        "age",
        T::Age,
        "Age in completed years at the reference date.",
    ),
    opt("birth_date", T::BirthDate, "Date of birth."),
    opt(
        "country_of_birth",
        T::Country,
        "Country of birth (UN 1998 Rec.; P&R Rev.3 core topic).",
    ),
    opt(
        "citizenship",
        T::Country,
        "Country of citizenship (P&R Rev.3 core topic).",
    ),
    opt(
        "previous_residence_country",
        T::Country,
        "Country of previous usual residence (P&R Rev.3).",
    ),
    opt(
        "arrival_year",
        T::Year,
        "Year of arrival in the country (P&R Rev.3).",
    ),
    opt(
        "migration_reason",
        T::Code(&codes::MIGRATION_REASON),
        "Main reason for the last migration.",
    ),
    opt(
        "governorate",
        T::Text,
        "First-level administrative division of usual residence.",
    ),
    req(
        "weight",
        T::Weight,
        "Sampling or adjustment weight (1 for a full census).",
    ),
    opt("stratum", T::Id, "Sampling stratum (survey estimation)."),
    opt("psu", T::Id, "Primary sampling unit (survey estimation)."),
];

/// The derived fields of `person`: `<name>_script` for each name present.
pub static PERSON_NAME_FIELDS: [(&str, &str); 4] = [
    ("given_name", "given_name_script"),
    ("family_name", "family_name_script"),
    ("father_name", "father_name_script"),
    ("mother_name", "mother_name_script"),
];

impl RecordKind {
    pub const ALL: [RecordKind; 10] = [
        RecordKind::Person,
        RecordKind::BorderCrossing,
        RecordKind::ResidencePermit,
        RecordKind::LabourPlacement,
        RecordKind::ConsularRegistration,
        RecordKind::Return,
        RecordKind::RemittanceFlow,
        RecordKind::TraffickingCase,
        RecordKind::MissingMigrantIncident,
        RecordKind::CensusPerson,
    ];

    /// The canonical name: `person`, `border_crossing`, …
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Person => "person",
            RecordKind::BorderCrossing => "border_crossing",
            RecordKind::ResidencePermit => "residence_permit",
            RecordKind::LabourPlacement => "labour_placement",
            RecordKind::ConsularRegistration => "consular_registration",
            RecordKind::Return => "return",
            RecordKind::RemittanceFlow => "remittance_flow",
            RecordKind::TraffickingCase => "trafficking_case",
            RecordKind::MissingMigrantIncident => "missing_migrant_incident",
            RecordKind::CensusPerson => "census_person",
        }
    }

    /// The kind named `s` (exactly its [`RecordKind::as_str`], ASCII case-insensitive).
    pub fn parse(s: &str) -> Option<RecordKind> {
        let s = s.trim();
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    /// The canonical fields, `record_id` first (and `person_record_id` for event kinds).
    /// Derived fields (`<name>_script`) are not listed: they are computed, never supplied.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            RecordKind::Person => &PERSON,
            RecordKind::BorderCrossing => &BORDER_CROSSING,
            RecordKind::ResidencePermit => &RESIDENCE_PERMIT,
            RecordKind::LabourPlacement => &LABOUR_PLACEMENT,
            RecordKind::ConsularRegistration => &CONSULAR_REGISTRATION,
            RecordKind::Return => &RETURN,
            RecordKind::RemittanceFlow => &REMITTANCE_FLOW,
            RecordKind::TraffickingCase => &TRAFFICKING_CASE,
            RecordKind::MissingMigrantIncident => &MISSING_MIGRANT_INCIDENT,
            RecordKind::CensusPerson => &CENSUS_PERSON,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// Fields computed by validation and stored in the canonical record.
    pub fn derived_fields(self) -> &'static [&'static str] {
        match self {
            RecordKind::Person => &[
                "given_name_script",
                "family_name_script",
                "father_name_script",
                "mother_name_script",
            ],
            _ => &[],
        }
    }

    /// Records that reveal a person is a victim of trafficking: restricted access, never
    /// published below the disclosure-control thresholds.
    pub fn is_sensitive(self) -> bool {
        matches!(self, RecordKind::TraffickingCase)
    }

    /// True when records of this kind can point to a person record (`person_record_id`).
    pub fn has_person(self) -> bool {
        self.field("person_record_id").is_some()
    }

    /// A title for pages and reports.
    pub fn label(self, lang: Lang) -> &'static str {
        let (ar, fr, en) = match self {
            RecordKind::Person => ("شخص", "Personne", "Person"),
            RecordKind::BorderCrossing => ("عبور حدودي", "Passage de frontière", "Border crossing"),
            RecordKind::ResidencePermit => ("تصريح إقامة", "Titre de séjour", "Residence permit"),
            RecordKind::LabourPlacement => (
                "توظيف بالخارج",
                "Placement à l'étranger",
                "Labour placement",
            ),
            RecordKind::ConsularRegistration => (
                "تسجيل قنصلي",
                "Immatriculation consulaire",
                "Consular registration",
            ),
            RecordKind::Return => ("عودة", "Retour", "Return"),
            RecordKind::RemittanceFlow => (
                "تحويلات مالية",
                "Flux de transferts de fonds",
                "Remittance flow",
            ),
            RecordKind::TraffickingCase => (
                "حالة اتجار بالبشر",
                "Cas de traite des personnes",
                "Trafficking case",
            ),
            RecordKind::MissingMigrantIncident => (
                "حادثة مهاجرين مفقودين",
                "Incident de migrants disparus",
                "Missing migrant incident",
            ),
            RecordKind::CensusPerson => (
                "شخص في التعداد أو المسح",
                "Personne recensée ou enquêtée",
                "Census or survey person",
            ),
        };
        match lang {
            Lang::Ar => ar,
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
            assert_eq!(k.fields().first().map(|f| f.name), Some("record_id"));
            let mut names = std::collections::HashSet::new();
            for f in k.fields() {
                assert!(names.insert(f.name), "{k}: duplicate field {}", f.name);
                assert!(!f.doc.is_empty());
            }
        }
        assert_eq!(
            RecordKind::parse("Border_Crossing"),
            Some(RecordKind::BorderCrossing)
        );
        assert_eq!(RecordKind::parse("visa"), None);
    }

    #[test]
    fn person_record_id_only_for_person_linked_kinds() {
        for k in RecordKind::ALL {
            let expected = !matches!(
                k,
                RecordKind::Person
                    | RecordKind::RemittanceFlow
                    | RecordKind::MissingMigrantIncident
            );
            assert_eq!(k.has_person(), expected, "{k}");
        }
    }

    /// The field names are a contract with the ingest and demo crates (docs/record-kinds.md).
    #[test]
    fn field_names_match_record_kinds_md() {
        let check = |k: RecordKind, expected: &str| {
            let names: Vec<&str> = k.fields().iter().map(|f| f.name).collect();
            assert_eq!(names.join(","), expected, "{k}");
        };
        check(RecordKind::Person, "record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode");
        check(RecordKind::BorderCrossing, "record_id,person_record_id,crossed_at,direction,border_post,post_type,document_type,document_number,document_country,departure_country,destination_country,purpose");
        check(RecordKind::ResidencePermit, "record_id,person_record_id,permit_type,category,issue_date,expiry_date,issuing_authority,nationality");
        check(RecordKind::LabourPlacement, "record_id,person_record_id,destination_country,employer_sector,occupation,contract_start,contract_end,monthly_wage,wage_currency,recruitment_cost,recruitment_cost_currency,placement_agency");
        check(RecordKind::ConsularRegistration, "record_id,person_record_id,residence_country,residence_city,registration_date,consulate");
        check(RecordKind::Return, "record_id,person_record_id,return_type,return_date,from_country,assistance,reintegration_status");
        check(RecordKind::RemittanceFlow, "record_id,corridor_country,month,direction,amount,currency,channel,avg_cost_pct_200usd");
        check(RecordKind::TraffickingCase, "record_id,person_record_id,identification_date,exploitation_form,referral_status,identified_by,country_of_exploitation");
        check(RecordKind::MissingMigrantIncident, "record_id,incident_date,latitude,longitude,route,country_of_incident,dead,missing,survivors,females,males,children,cause_of_death,information_source,location_description");
        check(RecordKind::CensusPerson, "record_id,person_record_id,survey,household_id,sex,age,birth_date,country_of_birth,citizenship,previous_residence_country,arrival_year,migration_reason,governorate,weight,stratum,psu");
    }

    #[test]
    fn only_trafficking_is_sensitive() {
        let sensitive: Vec<_> = RecordKind::ALL
            .into_iter()
            .filter(|k| k.is_sensitive())
            .collect();
        assert_eq!(sensitive, vec![RecordKind::TraffickingCase]);
    }
}

#[cfg(test)]
mod doc_tests {
    use super::*;

    static DATA_MODEL_MD: &str = include_str!("../../../docs/data-model.md");

    /// The markdown table of a kind's fields, as in docs/data-model.md.
    fn table(kind: RecordKind) -> String {
        let mut out = String::from("| field | type / format | required | codelist | concept |\n| --- | --- | --- | --- | --- |\n");
        for f in kind.fields() {
            let list =
                f.ty.codelist()
                    .map_or(String::new(), |l| format!("`{}`", l.id));
            let list = match f.ty {
                FieldType::Country => "ISO 3166-1 + ICAO".to_owned(),
                _ => list,
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                f.name,
                f.ty.describe(),
                if f.required { "yes" } else { "" },
                list,
                f.doc
            ));
        }
        out
    }

    /// docs/data-model.md shows exactly the fields the code has; on failure, run
    /// `cargo test -p marsad-model print_field_tables -- --ignored --nocapture` and paste.
    #[test]
    fn data_model_doc_matches_the_code() {
        for kind in RecordKind::ALL {
            assert!(
                DATA_MODEL_MD.contains(&table(kind)),
                "docs/data-model.md: table of {kind} is out of date:\n{}",
                table(kind)
            );
        }
    }

    #[test]
    #[ignore = "prints the tables for docs/data-model.md"]
    fn print_field_tables() {
        for kind in RecordKind::ALL {
            println!("### `{kind}`\n\n{}", table(kind));
        }
    }
}
