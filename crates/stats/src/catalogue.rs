//! The indicator catalogue: every indicator marsad computes, with its documented definition.
//!
//! Each [`Indicator`] says what it measures (concept and source per the UN Recommendations on
//! Statistics of International Migration, Rev.1 1998, and the 2021 conceptual framework: usual
//! residence, long-term migrants of 12 months or more, short-term migrants of 3 to 12 months, stock
//! versus flow, country of birth versus citizenship), which record kinds it is computed from,
//! the formula in words, the dimensions it may be disaggregated by, its unit, frequency, Global
//! Compact for Migration objectives and SDG indicator, and the disclosure setting the disclosure
//! module reads before anything leaves the secure zone. Labels and descriptions are in Arabic,
//! French and English. `docs/indicators.md` is [`markdown`] of this table (a test keeps it so).
//!
//! Ids are stable (they are SDMX series keys and column values in the store): add indicators,
//! never rename one.

use std::fmt;

use marsad_model::{Lang, RecordKind};

use crate::dims::{Dim, Freq};

/// A text in the three languages of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub ar: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ar => self.ar,
            Lang::Fr => self.fr,
            Lang::En => self.en,
        }
    }
}

/// The stable identifier of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndicatorId {
    ImmigrantStock,
    ForeignPopulation,
    EmigrantStock,
    ImmigrationLt,
    EmigrationLt,
    ImmigrationSt,
    EmigrationSt,
    BorderCrossings,
    WorkersPlaced,
    RecruitmentCost,
    RemittancesIn,
    RemittancesOut,
    RemittanceCost,
    RemittancesGdp,
    TraffickingVictims,
    DeadMigrants,
    MissingMigrants,
    Returns,
    ConsularRegistrations,
    ResidencePermits,
    RefugeesRecognised,
}

impl IndicatorId {
    pub const ALL: [IndicatorId; 21] = [
        IndicatorId::ImmigrantStock,
        IndicatorId::ForeignPopulation,
        IndicatorId::EmigrantStock,
        IndicatorId::ImmigrationLt,
        IndicatorId::EmigrationLt,
        IndicatorId::ImmigrationSt,
        IndicatorId::EmigrationSt,
        IndicatorId::BorderCrossings,
        IndicatorId::WorkersPlaced,
        IndicatorId::RecruitmentCost,
        IndicatorId::RemittancesIn,
        IndicatorId::RemittancesOut,
        IndicatorId::RemittanceCost,
        IndicatorId::RemittancesGdp,
        IndicatorId::TraffickingVictims,
        IndicatorId::DeadMigrants,
        IndicatorId::MissingMigrants,
        IndicatorId::Returns,
        IndicatorId::ConsularRegistrations,
        IndicatorId::ResidencePermits,
        IndicatorId::RefugeesRecognised,
    ];

    /// The stable id, e.g. `WORKERS_PLACED`.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorId::ImmigrantStock => "IMMIGRANT_STOCK",
            IndicatorId::ForeignPopulation => "FOREIGN_POPULATION",
            IndicatorId::EmigrantStock => "EMIGRANT_STOCK",
            IndicatorId::ImmigrationLt => "IMMIGRATION_LT",
            IndicatorId::EmigrationLt => "EMIGRATION_LT",
            IndicatorId::ImmigrationSt => "IMMIGRATION_ST",
            IndicatorId::EmigrationSt => "EMIGRATION_ST",
            IndicatorId::BorderCrossings => "BORDER_CROSSINGS",
            IndicatorId::WorkersPlaced => "WORKERS_PLACED",
            IndicatorId::RecruitmentCost => "RECRUITMENT_COST",
            IndicatorId::RemittancesIn => "REMITTANCES_IN",
            IndicatorId::RemittancesOut => "REMITTANCES_OUT",
            IndicatorId::RemittanceCost => "REMITTANCE_COST",
            IndicatorId::RemittancesGdp => "REMITTANCES_GDP",
            IndicatorId::TraffickingVictims => "TRAFFICKING_VICTIMS",
            IndicatorId::DeadMigrants => "DEAD_MIGRANTS",
            IndicatorId::MissingMigrants => "MISSING_MIGRANTS",
            IndicatorId::Returns => "RETURNS",
            IndicatorId::ConsularRegistrations => "CONSULAR_REGISTRATIONS",
            IndicatorId::ResidencePermits => "RESIDENCE_PERMITS",
            IndicatorId::RefugeesRecognised => "REFUGEES_RECOGNISED",
        }
    }

    /// The indicator whose id is `s` (ASCII case-insensitive).
    pub fn parse(s: &str) -> Option<IndicatorId> {
        let s = s.trim();
        IndicatorId::ALL
            .into_iter()
            .find(|i| i.as_str().eq_ignore_ascii_case(s))
    }

    /// Position in [`IndicatorId::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Its catalogue entry.
    pub fn def(self) -> &'static Indicator {
        // CATALOGUE lists the indicators in `ALL` order (pinned by a test); the fallback is
        // never taken.
        CATALOGUE.get(self.index()).unwrap_or(&CATALOGUE[0])
    }
}

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a cell's value comes from the sums the cube keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A count of persons or events: the sum of `value`.
    Count,
    /// An amount: the sum of `value`.
    Amount,
    /// `scale × Σ value / Σ denominator` (means of per-unit ratios have denominator 1 per unit).
    Ratio { scale: u32 },
    /// `scale × Σ value of numerator / input`, where the input (GDP, population) is not in the
    /// records and is given with the query for each period; not computable without it.
    PerInput {
        numerator: IndicatorId,
        input: &'static str,
        scale: u32,
    },
}

/// How months add up to quarters and years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeAggregation {
    /// Flows: the sum over the months of the period.
    Sum,
    /// Stocks: the value at the latest reference month of the period that has data.
    EndOfPeriod,
}

/// SDMX `UNIT_MEASURE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `PS`, persons.
    Persons,
    /// `USD`, US dollars.
    Usd,
    /// `PT`, percent.
    Percent,
}

impl Unit {
    pub fn code(self) -> &'static str {
        match self {
            Unit::Persons => "PS",
            Unit::Usd => "USD",
            Unit::Percent => "PT",
        }
    }
}

/// The dominance rule for amounts: a cell is sensitive when its `n` largest contributors make
/// more than `k_percent` of its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dominance {
    pub n: u8,
    pub k_percent: u8,
}

/// What the disclosure module applies to the indicator's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// A published cell must rest on at least this many contributing units (persons, records,
    /// incidents); 1 means no frequency rule.
    pub min_frequency: u32,
    /// The dominance rule, for amounts.
    pub dominance: Option<Dominance>,
    /// Built from a sensitive record kind (trafficking): never below the threshold, and
    /// secondary suppression even of totals that would reveal a suppressed cell.
    pub sensitive: bool,
    /// The cell key method's largest perturbation of a count, in the tables asked for freely
    /// (API, explorer, portal: see `marsad-figures`' tables); 0 publishes counts unperturbed
    /// (with no frequency rule: public aggregates such as IOM's dead and missing).
    pub perturbation: u32,
}

const PERSONS: Disclosure = Disclosure {
    min_frequency: 5,
    dominance: None,
    sensitive: false,
    perturbation: 2,
};

/// One indicator's documented definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indicator {
    pub id: IndicatorId,
    pub label: Text,
    pub description: Text,
    /// The statistical concept (English, the language of the UN Recommendations).
    pub concept: &'static str,
    /// The administrative or statistical source, and the standard it follows.
    pub source: &'static str,
    pub record_kinds: &'static [RecordKind],
    /// What is counted or summed, in words, and what counts once.
    pub formula: &'static str,
    pub measure: Measure,
    /// The allowed disaggregations, besides `TIME_PERIOD` (always there).
    pub dims: &'static [Dim],
    pub unit: Unit,
    /// SDMX `UNIT_MULT` (power of ten).
    pub unit_mult: u8,
    /// The finest frequency; coarser periods are rolled up by `time_aggregation`.
    pub freq: Freq,
    pub time_aggregation: TimeAggregation,
    /// Objectives of the Global Compact for Safe, Orderly and Regular Migration (1–23).
    pub gcm: &'static [u8],
    /// SDG indicator (or target) the indicator serves.
    pub sdg: Option<&'static str>,
    pub disclosure: Disclosure,
}

impl Indicator {
    /// True when `dim` is an allowed disaggregation.
    pub fn allows(&self, dim: Dim) -> bool {
        self.dims.contains(&dim)
    }

    /// The position of `dim` in `dims`.
    pub fn position(&self, dim: Dim) -> Option<usize> {
        self.dims.iter().position(|&d| d == dim)
    }

    /// The indicator whose cube holds this indicator's sums (itself, or the numerator of a
    /// [`Measure::PerInput`]).
    pub fn cube_of(&self) -> IndicatorId {
        match self.measure {
            Measure::PerInput { numerator, .. } => numerator,
            _ => self.id,
        }
    }
}

/// The whole catalogue, in [`IndicatorId::ALL`] order.
pub fn catalogue() -> &'static [Indicator] {
    &CATALOGUE
}

/// The indicator whose id is `s`.
pub fn find(s: &str) -> Option<&'static Indicator> {
    IndicatorId::parse(s).map(IndicatorId::def)
}

const fn t(ar: &'static str, fr: &'static str, en: &'static str) -> Text {
    Text { ar, fr, en }
}

use Dim::{
    Age, Cause, Citizenship, CounterpartArea, CountryBirth, Exploitation, Flow, Governorate,
    Occupation, Residence, Route, Sex,
};
use RecordKind as K;

const PERSON_FLOW_DIMS: &[Dim] = &[Sex, Age, Citizenship, CounterpartArea];
const LT_CONCEPT: &str = "Long-term migration (UN Recommendations Rev.1, 1998, paras 32-37; 2021 \
    conceptual framework): a change of country of usual residence for at least 12 months. \
    Outcomes-based: the duration is observed afterwards from the person's linked border \
    crossings by the 12/16-month rule (a person who arrives or leaves and then stays in, or out \
    of, the country for at least 12 of the 16 months that follow), as Statistics New Zealand and \
    the UK ONS do.";
const ST_CONCEPT: &str = "Short-term migration (UN Recommendations Rev.1, 1998, para 36): a \
    change of country of usual residence for at least 3 but less than 12 months, excluding \
    recreation, holidays, visits to friends and relatives, business, medical treatment and \
    religious pilgrimage (the crossing's declared purpose) and transit.";
const LT_SOURCE: &str = "Border police entry/exit records linked to unified person numbers; \
    outcomes-based migration statistics method (Stats NZ 12/16-month rule).";

static CATALOGUE: [Indicator; 21] = [
    Indicator {
        id: IndicatorId::ImmigrantStock,
        label: t(
            "رصيد المهاجرين الوافدين (المولودون في الخارج)",
            "Stock d'immigrants (personnes nées à l'étranger)",
            "Immigrant stock (foreign-born population)",
        ),
        description: t(
            "عدد المقيمين عادةً في البلد المولودين في بلد آخر، في التاريخ المرجعي للتعداد أو المسح.",
            "Nombre de résidents habituels du pays nés dans un autre pays, à la date de référence du recensement ou de l'enquête.",
            "Number of usual residents of the country who were born in another country, at the reference date of the census or survey.",
        ),
        concept: "International migrant stock (UN Recommendations Rev.1, paras 185-190): usual \
            residents born abroad, the country of birth being the preferred criterion; by \
            citizenship as a second classification (foreign-born citizens are returning or \
            naturalised migrants).",
        source: "Population census, household international migration survey (HIMS) or labour \
            force survey (P&R for Population and Housing Censuses Rev.3 core topics).",
        record_kinds: &[K::CensusPerson],
        formula: "Sum of the weights of census or survey persons whose country_of_birth is known \
            and is not the reporting country; a person enumerated twice in the same census \
            counts once. Age is the recorded age (else from the birth date at the reference \
            date). Sample surveys give estimates (OBS_STATUS E).",
        measure: Measure::Count,
        dims: &[Sex, Age, CountryBirth, Citizenship, Governorate],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::A,
        time_aggregation: TimeAggregation::EndOfPeriod,
        gcm: &[1],
        sdg: Some("17.18.1"),
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::ForeignPopulation,
        label: t(
            "السكان الأجانب",
            "Population étrangère",
            "Foreign population",
        ),
        description: t(
            "عدد المقيمين عادةً في البلد الذين لا يحملون جنسيته، في التاريخ المرجعي للتعداد أو المسح.",
            "Nombre de résidents habituels du pays qui n'en ont pas la nationalité, à la date de référence du recensement ou de l'enquête.",
            "Number of usual residents of the country who are not its citizens, at the reference date of the census or survey.",
        ),
        concept: "Foreign population by citizenship (UN Recommendations Rev.1, paras 185-190): \
            used where country of birth is not available, and together with it to separate \
            foreign-born from native-born foreigners.",
        source: "Population census, HIMS or labour force survey.",
        record_kinds: &[K::CensusPerson],
        formula: "Sum of the weights of census or survey persons whose citizenship is known and \
            is not the reporting country (stateless XXA and refugees XXB/XXC included); a person \
            enumerated twice counts once.",
        measure: Measure::Count,
        dims: &[Sex, Age, Citizenship, CountryBirth, Governorate],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::A,
        time_aggregation: TimeAggregation::EndOfPeriod,
        gcm: &[1],
        sdg: Some("17.18.1"),
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::EmigrantStock,
        label: t(
            "رصيد المهاجرين المغتربين المسجلين لدى القنصليات",
            "Stock d'émigrés immatriculés dans les consulats",
            "Emigrant stock registered with consulates",
        ),
        description: t(
            "عدد المواطنين المقيمين في الخارج الذين لديهم تسجيل قنصلي ساري المفعول في نهاية السنة، حسب بلد الإقامة.",
            "Nombre de ressortissants résidant à l'étranger ayant une immatriculation consulaire en cours de validité en fin d'année, par pays de résidence.",
            "Number of nationals living abroad with a valid consular registration at the end of the year, by country of residence.",
        ),
        concept: "Stock of emigrants (UN Recommendations Rev.1, para 190): nationals whose \
            country of usual residence is abroad, at a reference date (31 December). A \
            consular register covers only those who register: it is a lower bound, to be read \
            with partner countries' censuses (UN DESA International Migrant Stock).",
        source: "Consular registers of the ministry of foreign affairs.",
        record_kinds: &[K::ConsularRegistration],
        formula: "Distinct persons (unified numbers) whose latest consular registration on or \
            before 31 December of the year is less than the validity period old (a parameter, \
            5 years by default); the country of residence is that of the latest registration. \
            Only years whose 31 December is not after the data end are given.",
        measure: Measure::Count,
        dims: &[Sex, Age, CounterpartArea],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::A,
        time_aggregation: TimeAggregation::EndOfPeriod,
        gcm: &[1, 14, 19],
        sdg: Some("17.18.1"),
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::ImmigrationLt,
        label: t(
            "الهجرة الوافدة طويلة الأجل",
            "Immigration de long terme",
            "Long-term immigration",
        ),
        description: t(
            "عدد الأشخاص غير المقيمين الذين دخلوا البلد وبقوا فيه 12 شهرًا على الأقل من الأشهر الستة عشر التالية، حسب شهر الدخول.",
            "Nombre de non-résidents entrés dans le pays et qui y sont restés au moins 12 des 16 mois suivants, par mois d'entrée.",
            "Number of non-residents who entered the country and stayed at least 12 of the following 16 months, by month of arrival.",
        ),
        concept: LT_CONCEPT,
        source: LT_SOURCE,
        record_kinds: &[K::BorderCrossing, K::Person],
        formula: "For each linked person, crossings in time order; an arrival of a non-resident \
            after which the person is in the country for at least 12 of the next 16 months is \
            one long-term immigration, counted in the month of arrival. Provisional (OBS_STATUS \
            P) while the 16-month window is not complete at the data end.",
        measure: Measure::Count,
        dims: PERSON_FLOW_DIMS,
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[1],
        sdg: Some("17.18.1"),
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::EmigrationLt,
        label: t(
            "الهجرة المغادرة طويلة الأجل",
            "Émigration de long terme",
            "Long-term emigration",
        ),
        description: t(
            "عدد المقيمين الذين غادروا البلد وبقوا خارجه 12 شهرًا على الأقل من الأشهر الستة عشر التالية، حسب شهر المغادرة.",
            "Nombre de résidents sortis du pays et restés à l'étranger au moins 12 des 16 mois suivants, par mois de sortie.",
            "Number of residents who left the country and stayed abroad at least 12 of the following 16 months, by month of departure.",
        ),
        concept: LT_CONCEPT,
        source: LT_SOURCE,
        record_kinds: &[K::BorderCrossing, K::Person],
        formula: "For each linked person, a departure of a resident after which the person is \
            out of the country for at least 12 of the next 16 months is one long-term \
            emigration, counted in the month of departure. Provisional while the window is not \
            complete at the data end.",
        measure: Measure::Count,
        dims: PERSON_FLOW_DIMS,
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[1],
        sdg: Some("17.18.1"),
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::ImmigrationSt,
        label: t(
            "الهجرة الوافدة قصيرة الأجل",
            "Immigration de court terme",
            "Short-term immigration",
        ),
        description: t(
            "عدد غير المقيمين الذين دخلوا البلد لغرض غير السياحة والزيارة والأعمال والعلاج والحج وبقوا فيه بين 3 و12 شهرًا.",
            "Nombre de non-résidents entrés dans le pays pour un motif autre que tourisme, visite, affaires, soins ou pèlerinage, et restés entre 3 et 12 mois.",
            "Number of non-residents who entered the country for a purpose other than tourism, visits, business, medical care or pilgrimage and stayed between 3 and 12 months.",
        ),
        concept: ST_CONCEPT,
        source: LT_SOURCE,
        record_kinds: &[K::BorderCrossing, K::Person],
        formula: "An arrival of a non-resident that is not long-term, whose uninterrupted stay \
            lasts at least 3 months, and whose declared purpose is not tourism, family visit, \
            business, medical, religious or transit; counted in the month of arrival.",
        measure: Measure::Count,
        dims: PERSON_FLOW_DIMS,
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[1],
        sdg: None,
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::EmigrationSt,
        label: t(
            "الهجرة المغادرة قصيرة الأجل",
            "Émigration de court terme",
            "Short-term emigration",
        ),
        description: t(
            "عدد المقيمين الذين غادروا البلد لغرض غير السياحة والزيارة والأعمال والعلاج والحج وبقوا خارجه بين 3 و12 شهرًا.",
            "Nombre de résidents sortis du pays pour un motif autre que tourisme, visite, affaires, soins ou pèlerinage, et restés à l'étranger entre 3 et 12 mois.",
            "Number of residents who left the country for a purpose other than tourism, visits, business, medical care or pilgrimage and stayed abroad between 3 and 12 months.",
        ),
        concept: ST_CONCEPT,
        source: LT_SOURCE,
        record_kinds: &[K::BorderCrossing, K::Person],
        formula: "A departure of a resident that is not long-term, whose uninterrupted absence \
            lasts at least 3 months, and whose declared purpose is not tourism, family visit, \
            business, medical, religious or transit; counted in the month of departure.",
        measure: Measure::Count,
        dims: PERSON_FLOW_DIMS,
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[1],
        sdg: None,
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::BorderCrossings,
        label: t(
            "عمليات عبور الحدود",
            "Passages aux frontières",
            "Border crossings",
        ),
        description: t(
            "عدد عمليات الدخول والخروج المسجلة في المراكز الحدودية، حسب الاتجاه ووضع الإقامة.",
            "Nombre d'entrées et de sorties enregistrées aux postes frontières, par sens et statut de résidence.",
            "Number of entries and exits recorded at border posts, by direction and residence status.",
        ),
        concept: "Arrivals and departures of travellers (UN Recommendations Rev.1, chapter on \
            border statistics): every crossing, of residents and non-residents, a flow of \
            movements and not of migrants. Residence before the crossing is the usual residence \
            the linked crossing history shows (see the flows method), citizenship as a proxy \
            for a first crossing.",
        source: "Border police entry/exit records.",
        record_kinds: &[K::BorderCrossing, K::Person],
        formula: "Number of crossings; the same crossing (same person, direction and minute) \
            recorded by two sources counts once. FLOW = IMM for entries, EMI for exits.",
        measure: Measure::Count,
        dims: &[Flow, Residence, Sex, Age, Citizenship, CounterpartArea],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[1, 11],
        sdg: None,
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::WorkersPlaced,
        label: t(
            "العمال الموظفون بالخارج",
            "Travailleurs placés à l'étranger",
            "Workers placed abroad",
        ),
        description: t(
            "عدد عقود العمل بالخارج التي أبرمت عبر وكالات التوظيف، حسب بلد المقصد والمهنة وشهر بداية العقد.",
            "Nombre de contrats de travail à l'étranger conclus par les agences de placement, par pays de destination, profession et mois de début du contrat.",
            "Number of employment contracts abroad concluded through placement agencies, by country of destination, occupation and month of contract start.",
        ),
        concept: "Labour emigration through regular channels (ILO International Labour Migration \
            Statistics guidelines, ICLS 2018): nationals placed in employment abroad. A flow of \
            placements: a worker placed twice counts twice.",
        source: "National employment agency and licensed private placement agencies.",
        record_kinds: &[K::LabourPlacement, K::Person],
        formula: "Number of placements; the same placement (same person, destination and \
            contract start) reported by two agencies counts once. Age at contract start; \
            occupation as the ISCO-08 major group.",
        measure: Measure::Count,
        dims: &[Sex, Age, CounterpartArea, Occupation],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[5, 6],
        sdg: None,
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::RecruitmentCost,
        label: t(
            "تكلفة التوظيف كنسبة من الدخل الشهري",
            "Coût de recrutement en proportion du revenu mensuel",
            "Recruitment cost as a share of monthly earnings",
        ),
        description: t(
            "متوسط تكلفة التوظيف التي يتحملها العامل كنسبة مئوية من دخله الشهري في بلد المقصد.",
            "Coût moyen de recrutement supporté par le travailleur, en pourcentage de son revenu mensuel dans le pays de destination.",
            "Average recruitment cost borne by the worker, as a percentage of monthly earnings in the country of destination.",
        ),
        concept: "SDG indicator 10.7.1 (ILO and World Bank KNOMAD method): recruitment cost borne \
            by the employee as a proportion of monthly income earned in the country of \
            destination, the mean over workers of each worker's ratio.",
        source: "Labour placement records with the recruitment cost and the contract wage.",
        record_kinds: &[K::LabourPlacement, K::Person],
        formula: "For each placement with a recruitment cost and a monthly wage above zero: 100 × \
            cost / wage, both converted to US dollars at the given rates when their currencies \
            differ. The indicator is the sum of these ratios over the sum of placements (a mean \
            of ratios, recomputed from the sums at every level, never an average of averages).",
        measure: Measure::Ratio { scale: 1 },
        dims: &[Sex, CounterpartArea, Occupation],
        unit: Unit::Percent,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[6],
        sdg: Some("10.7.1"),
        disclosure: Disclosure {
            min_frequency: 5,
            dominance: None,
            sensitive: false,
            perturbation: 2,
        },
    },
    Indicator {
        id: IndicatorId::RemittancesIn,
        label: t(
            "التحويلات المالية الواردة",
            "Envois de fonds reçus",
            "Remittances received",
        ),
        description: t(
            "مجموع التحويلات الشخصية الواردة من الخارج بالدولار الأمريكي، حسب بلد المصدر.",
            "Montant des transferts personnels reçus de l'étranger, en dollars des États-Unis, par pays d'origine.",
            "Amount of personal transfers received from abroad, in US dollars, by country of origin.",
        ),
        concept: "Personal transfers, inward (IMF BPM6, para 12.21): current transfers in cash or \
            in kind received by resident households from non-resident households.",
        source: "Central bank compilation of bank, money transfer operator and post data.",
        record_kinds: &[K::RemittanceFlow],
        formula: "Sum of amounts of inward flows, each converted to US dollars at the rate given \
            for its currency; a flow in a currency without a rate is left out and reported.",
        measure: Measure::Amount,
        dims: &[CounterpartArea],
        unit: Unit::Usd,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[20],
        sdg: None,
        disclosure: Disclosure {
            min_frequency: 3,
            dominance: Some(Dominance { n: 2, k_percent: 85 }),
            sensitive: false,
            perturbation: 0,
        },
    },
    Indicator {
        id: IndicatorId::RemittancesOut,
        label: t(
            "التحويلات المالية الصادرة",
            "Envois de fonds émis",
            "Remittances sent",
        ),
        description: t(
            "مجموع التحويلات الشخصية المرسلة إلى الخارج بالدولار الأمريكي، حسب بلد المقصد.",
            "Montant des transferts personnels envoyés à l'étranger, en dollars des États-Unis, par pays de destination.",
            "Amount of personal transfers sent abroad, in US dollars, by country of destination.",
        ),
        concept: "Personal transfers, outward (IMF BPM6, para 12.21).",
        source: "Central bank compilation of bank, money transfer operator and post data.",
        record_kinds: &[K::RemittanceFlow],
        formula: "Sum of amounts of outward flows converted to US dollars at the given rates.",
        measure: Measure::Amount,
        dims: &[CounterpartArea],
        unit: Unit::Usd,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[20],
        sdg: None,
        disclosure: Disclosure {
            min_frequency: 3,
            dominance: Some(Dominance { n: 2, k_percent: 85 }),
            sensitive: false,
            perturbation: 0,
        },
    },
    Indicator {
        id: IndicatorId::RemittanceCost,
        label: t(
            "تكلفة التحويلات المالية",
            "Coût des envois de fonds",
            "Remittance costs",
        ),
        description: t(
            "متوسط التكلفة الإجمالية لإرسال 200 دولار أمريكي، كنسبة مئوية من المبلغ المرسل.",
            "Coût total moyen de l'envoi de 200 dollars des États-Unis, en pourcentage du montant envoyé.",
            "Average total cost of sending 200 US dollars, as a percentage of the amount sent.",
        ),
        concept: "SDG indicator 10.c.1 (World Bank Remittance Prices Worldwide): remittance costs \
            as a proportion of the amount remitted, for the 200 USD reference transfer; the \
            simple average over corridors and channels, as RPW publishes it.",
        source: "Central bank or World Bank RPW survey of corridor prices.",
        record_kinds: &[K::RemittanceFlow],
        formula: "Sum of avg_cost_pct_200usd over the flow records that give it, over their \
            number.",
        measure: Measure::Ratio { scale: 1 },
        dims: &[CounterpartArea],
        unit: Unit::Percent,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[20],
        sdg: Some("10.c.1"),
        disclosure: Disclosure {
            min_frequency: 1,
            dominance: None,
            sensitive: false,
            perturbation: 0,
        },
    },
    Indicator {
        id: IndicatorId::RemittancesGdp,
        label: t(
            "التحويلات المالية الواردة كنسبة من الناتج المحلي الإجمالي",
            "Envois de fonds reçus en proportion du PIB",
            "Remittances received as a share of GDP",
        ),
        description: t(
            "حجم التحويلات الشخصية الواردة بالدولار الأمريكي كنسبة مئوية من الناتج المحلي الإجمالي.",
            "Volume des envois de fonds reçus en dollars des États-Unis, en pourcentage du PIB.",
            "Volume of remittances received in US dollars as a percentage of GDP.",
        ),
        concept: "SDG indicator 17.3.2: volume of remittances (in US dollars) as a proportion of \
            total GDP.",
        source: "REMITTANCES_IN; GDP in current US dollars (national accounts, or World Bank \
            WDI NY.GDP.MKTP.CD), not in the records: given per year by the observatory \
            (`marsad stats input GDP_USD`, `PUT /api/v1/statistics/inputs/GDP_USD/{year}`).",
        record_kinds: &[K::RemittanceFlow],
        formula: "100 × REMITTANCES_IN of the period / GDP of the period (the input `GDP_USD`); \
            not computable without GDP.",
        measure: Measure::PerInput {
            numerator: IndicatorId::RemittancesIn,
            input: "GDP_USD",
            scale: 100,
        },
        dims: &[CounterpartArea],
        unit: Unit::Percent,
        unit_mult: 0,
        freq: Freq::A,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[20],
        sdg: Some("17.3.2"),
        disclosure: Disclosure {
            min_frequency: 3,
            dominance: Some(Dominance { n: 2, k_percent: 85 }),
            sensitive: false,
            perturbation: 0,
        },
    },
    Indicator {
        id: IndicatorId::TraffickingVictims,
        label: t(
            "ضحايا الاتجار بالبشر المحددون",
            "Victimes de la traite des personnes identifiées",
            "Identified victims of trafficking in persons",
        ),
        description: t(
            "عدد الضحايا (المفترضين) للاتجار بالبشر الذين تم تحديدهم لأول مرة، حسب شكل الاستغلال.",
            "Nombre de victimes (présumées) de la traite identifiées pour la première fois, par forme d'exploitation.",
            "Number of (presumed) victims of trafficking in persons identified for the first time, by form of exploitation.",
        ),
        concept: "Victims of trafficking in persons (Palermo Protocol art. 3; UNODC Global Report \
            on Trafficking in Persons); SDG indicator 16.2.2 numerator, by sex, age and form of \
            exploitation.",
        source: "National anti-trafficking authority and its referral mechanism.",
        record_kinds: &[K::TraffickingCase, K::Person],
        formula: "Distinct persons, counted in the month of their first identification (later \
            cases of the same person are not new victims); form of exploitation and country of \
            exploitation of that first case. Sensitive: threshold 10 and secondary suppression.",
        measure: Measure::Count,
        dims: &[Sex, Age, Citizenship, Exploitation, CounterpartArea],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[10],
        sdg: Some("16.2.2"),
        disclosure: Disclosure {
            min_frequency: 10,
            dominance: None,
            sensitive: true,
            perturbation: 5,
        },
    },
    Indicator {
        id: IndicatorId::DeadMigrants,
        label: t(
            "المهاجرون المتوفون",
            "Migrants décédés",
            "Dead migrants",
        ),
        description: t(
            "عدد الأشخاص الذين توفوا أثناء الهجرة (الجثث التي تم انتشالها)، حسب الطريق وسبب الوفاة.",
            "Nombre de personnes décédées au cours de la migration (corps retrouvés), par route et cause du décès.",
            "Number of people who died in the process of migration (bodies recovered), by route and cause of death.",
        ),
        concept: "SDG indicator 10.7.3 (IOM Missing Migrants Project): people who died in the \
            process of migration towards an international destination.",
        source: "Incident records (authorities, NGOs, media) in the Missing Migrants Project \
            format.",
        record_kinds: &[K::MissingMigrantIncident],
        formula: "Sum of `dead` over incidents, in the month of the incident.",
        measure: Measure::Count,
        dims: &[Route, Cause, CounterpartArea],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[8],
        sdg: Some("10.7.3"),
        disclosure: Disclosure {
            min_frequency: 1,
            dominance: None,
            sensitive: false,
            perturbation: 0,
        },
    },
    Indicator {
        id: IndicatorId::MissingMigrants,
        label: t(
            "المهاجرون المفقودون",
            "Migrants disparus",
            "Missing migrants",
        ),
        description: t(
            "عدد الأشخاص المفقودين والمفترض وفاتهم أثناء الهجرة، حسب الطريق وسبب الوفاة.",
            "Nombre de personnes disparues, présumées mortes, au cours de la migration, par route et cause du décès.",
            "Number of people missing, presumed dead, in the process of migration, by route and cause of death.",
        ),
        concept: "SDG indicator 10.7.3 (IOM Missing Migrants Project): people who disappeared in \
            the process of migration and are presumed dead.",
        source: "Incident records in the Missing Migrants Project format.",
        record_kinds: &[K::MissingMigrantIncident],
        formula: "Sum of `missing` over incidents, in the month of the incident.",
        measure: Measure::Count,
        dims: &[Route, Cause, CounterpartArea],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[8],
        sdg: Some("10.7.3"),
        disclosure: Disclosure {
            min_frequency: 1,
            dominance: None,
            sensitive: false,
            perturbation: 0,
        },
    },
    Indicator {
        id: IndicatorId::Returns,
        label: t(
            "المهاجرون العائدون",
            "Migrants de retour",
            "Returning migrants",
        ),
        description: t(
            "عدد المواطنين العائدين إلى البلد (عودة طوعية أو بمساعدة أو قسرية)، حسب البلد الذي عادوا منه.",
            "Nombre de ressortissants revenus au pays (retour volontaire, aidé ou forcé), par pays de provenance.",
            "Number of nationals who came back to the country (voluntary, assisted or forced return), by country returned from.",
        ),
        concept: "Returning migrants (UN Recommendations Rev.1, para 37: citizens returning after \
            having been international migrants abroad); IOM return and reintegration terms.",
        source: "Records of returns and reintegration assistance (IOM, ministries).",
        record_kinds: &[K::Return, K::Person],
        formula: "Number of returns; the same return (same person, month and country) reported \
            by two institutions counts once.",
        measure: Measure::Count,
        dims: &[Sex, Age, CounterpartArea],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[21],
        sdg: None,
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::ConsularRegistrations,
        label: t(
            "التسجيلات القنصلية",
            "Immatriculations consulaires",
            "Consular registrations",
        ),
        description: t(
            "عدد التسجيلات الجديدة للمواطنين لدى القنصليات والسفارات في الخارج، حسب بلد الإقامة.",
            "Nombre de nouvelles immatriculations de ressortissants auprès des consulats et ambassades, par pays de résidence.",
            "Number of new registrations of nationals with consulates and embassies abroad, by country of residence.",
        ),
        concept: "Registration of nationals abroad, a flow of registrations (GCM objective 14: \
            consular protection; objective 19: diaspora engagement).",
        source: "Consular registers of the ministry of foreign affairs.",
        record_kinds: &[K::ConsularRegistration, K::Person],
        formula: "Number of registrations; the same person registered in the same country in the \
            same month by two consulates counts once.",
        measure: Measure::Count,
        dims: &[Sex, Age, CounterpartArea],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[14, 19],
        sdg: None,
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::ResidencePermits,
        label: t(
            "تصاريح الإقامة والعمل الممنوحة",
            "Titres de séjour et permis de travail délivrés",
            "Residence and work permits issued",
        ),
        description: t(
            "عدد تصاريح الإقامة والعمل الممنوحة للأجانب، حسب الجنسية وشهر الإصدار.",
            "Nombre de titres de séjour et de permis de travail délivrés aux étrangers, par nationalité et mois de délivrance.",
            "Number of residence and work permits issued to foreigners, by citizenship and month of issue.",
        ),
        concept: "Admissions of foreigners by permit (UN Recommendations Rev.1, paras 120-160, \
            statistics from residence and work permits): a flow of permits, a proxy for \
            regular immigration; visas and refugee status are not included.",
        source: "Ministry of the interior (residence) and ministry of employment (work permits).",
        record_kinds: &[K::ResidencePermit, K::Person],
        formula: "Number of permits of type residence_permit or work_permit; the same permit \
            (same person, type and month of issue) recorded twice counts once.",
        measure: Measure::Count,
        dims: &[Sex, Age, Citizenship],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[5],
        sdg: None,
        disclosure: PERSONS,
    },
    Indicator {
        id: IndicatorId::RefugeesRecognised,
        label: t(
            "اللاجئون المعترف بهم",
            "Réfugiés reconnus",
            "Recognised refugees",
        ),
        description: t(
            "عدد الأشخاص الذين مُنحوا صفة اللاجئ لأول مرة، حسب بلد الجنسية.",
            "Nombre de personnes ayant obtenu le statut de réfugié pour la première fois, par pays de nationalité.",
            "Number of persons granted refugee status for the first time, by country of citizenship.",
        ),
        concept: "Refugees (1951 Convention and 1967 Protocol; International Recommendations on \
            Refugee Statistics, 2018): the national contribution to SDG indicator 10.7.4 \
            (proportion of the population who are refugees, by country of origin), whose \
            denominator is the origin country's population.",
        source: "Residence permits of type refugee_status (national asylum authority, UNHCR).",
        record_kinds: &[K::ResidencePermit, K::Person],
        formula: "Distinct persons, in the month of their first refugee_status permit; \
            citizenship from the permit, else from the person.",
        measure: Measure::Count,
        dims: &[Sex, Age, Citizenship],
        unit: Unit::Persons,
        unit_mult: 0,
        freq: Freq::M,
        time_aggregation: TimeAggregation::Sum,
        gcm: &[],
        sdg: Some("10.7.4"),
        disclosure: Disclosure {
            min_frequency: 5,
            dominance: None,
            sensitive: true,
            perturbation: 5,
        },
    },
];

/// `docs/indicators.md`'s generated part: a summary table, then one section per indicator.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("| id | indicator | unit | frequency | disaggregations | GCM | SDG |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for ind in catalogue() {
        out.push_str(&format!(
            "| [`{id}`](#{anchor}) | {label} | {unit} | {freq} | {dims} | {gcm} | {sdg} |\n",
            id = ind.id,
            anchor = ind.id.as_str().to_ascii_lowercase(),
            label = ind.label.en,
            unit = ind.unit.code(),
            freq = ind.freq.code(),
            dims = dims_list(ind),
            gcm = gcm_list(ind),
            sdg = ind.sdg.unwrap_or(""),
        ));
    }
    for ind in catalogue() {
        out.push_str(&format!("\n### {}\n\n", ind.id));
        out.push_str(&format!(
            "- **en** {}: {}\n",
            ind.label.en, ind.description.en
        ));
        out.push_str(&format!(
            "- **fr** {} : {}\n",
            ind.label.fr, ind.description.fr
        ));
        out.push_str(&format!(
            "- **ar** {}: {}\n\n",
            ind.label.ar, ind.description.ar
        ));
        let kinds: Vec<String> = ind
            .record_kinds
            .iter()
            .map(|k| format!("`{}`", k.as_str()))
            .collect();
        let d = ind.disclosure;
        let mut disclosure = format!("at least {} contributing units per cell", d.min_frequency);
        if let Some(dom) = d.dominance {
            disclosure.push_str(&format!(
                "; dominance ({}, {}%): a cell whose {} largest records make more than {}% of it \
                 is withheld",
                dom.n, dom.k_percent, dom.n, dom.k_percent
            ));
        }
        if d.sensitive {
            disclosure.push_str("; sensitive");
        }
        if d.perturbation > 0 {
            disclosure.push_str(&format!(
                "; counts of tables asked freely perturbed by the cell key method, up to ±{}",
                d.perturbation
            ));
        }
        let rows = [
            ("concept", one_line(ind.concept)),
            ("source", one_line(ind.source)),
            ("record kinds", kinds.join(", ")),
            ("formula", one_line(ind.formula)),
            ("measure", measure_text(ind.measure)),
            ("disaggregations", dims_list(ind)),
            (
                "unit",
                format!("{} (UNIT_MULT {})", ind.unit.code(), ind.unit_mult),
            ),
            (
                "frequency",
                format!(
                    "{} ({})",
                    ind.freq.code(),
                    match ind.time_aggregation {
                        TimeAggregation::Sum => "periods add up months",
                        TimeAggregation::EndOfPeriod =>
                            "stock: a period shows its latest reference month",
                    }
                ),
            ),
            ("GCM objectives", gcm_list(ind)),
            ("SDG", ind.sdg.unwrap_or("").to_string()),
            ("disclosure", disclosure),
        ];
        out.push_str("| | |\n| --- | --- |\n");
        for (k, v) in rows {
            out.push_str(&format!("| {k} | {v} |\n"));
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn dims_list(ind: &Indicator) -> String {
    let mut v = vec!["TIME_PERIOD".to_string()];
    v.extend(ind.dims.iter().map(|d| d.id().to_string()));
    v.join(", ")
}

fn gcm_list(ind: &Indicator) -> String {
    ind.gcm
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn measure_text(m: Measure) -> String {
    match m {
        Measure::Count => "count (sum of contributions)".to_string(),
        Measure::Amount => "amount (sum)".to_string(),
        Measure::Ratio { scale } => {
            format!("ratio: {scale} × Σ numerator / Σ denominator")
        }
        Measure::PerInput {
            numerator,
            input,
            scale,
        } => format!("{scale} × {numerator} / {input} (input given per period)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_in_id_order_and_complete() {
        assert_eq!(CATALOGUE.len(), IndicatorId::ALL.len());
        for (i, ind) in CATALOGUE.iter().enumerate() {
            assert_eq!(ind.id.index(), i, "{}", ind.id);
            assert_eq!(IndicatorId::parse(ind.id.as_str()), Some(ind.id));
            assert!(ind.dims.len() <= crate::cube::MAX_DIMS, "{}", ind.id);
            let mut dims = ind.dims.to_vec();
            dims.sort();
            dims.dedup();
            assert_eq!(dims.len(), ind.dims.len(), "{} repeats a dimension", ind.id);
            assert!(ind.gcm.iter().all(|g| (1..=23).contains(g)), "{}", ind.id);
            for text in [ind.label, ind.description] {
                for lang in Lang::ALL {
                    assert!(!text.get(lang).trim().is_empty(), "{} {lang:?}", ind.id);
                }
                assert_ne!(text.ar, text.en);
                assert_ne!(text.fr, text.en);
                assert!(
                    text.ar
                        .chars()
                        .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                    "{}: Arabic text is not in Arabic",
                    ind.id
                );
            }
            assert!(!ind.record_kinds.is_empty());
            assert!(ind.disclosure.min_frequency >= 1);
            if let Measure::PerInput { numerator, .. } = ind.measure {
                let num = numerator.def();
                assert!(ind.dims.iter().all(|d| num.allows(*d)), "{}", ind.id);
            }
        }
    }
}
