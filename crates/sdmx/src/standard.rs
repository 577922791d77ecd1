//! marsad's standard concepts and codelists, and the data structures built from them.
//!
//! Agreed ids: dimensions `FREQ`, `REF_AREA`, `SEX`, `AGE`, `CITIZENSHIP`, `COUNTRY_BIRTH`,
//! `COUNTERPART_AREA`, `GOVERNORATE`, `OCCUPATION`, `ROUTE`, `CAUSE`, `EXPLOITATION`, `FLOW`,
//! `RESIDENCE`, then `TIME_PERIOD`; measure `OBS_VALUE`; attributes `UNIT_MEASURE`, `UNIT_MULT`
//! (series), `OBS_STATUS`, `CONF_STATUS` (observation). `_T` is the total and `_U` unknown in
//! every disaggregation list. Countries come from `marsad_model`'s ISO 3166-1 table (alpha-3,
//! plus the ICAO codes XXA/XXB/XXC/XXX) with its Arabic, French and English names; ROUTE, CAUSE
//! and EXPLOITATION codes are the model's codes upper-cased ([`sdmx_code`]).
//!
//! [`structures`] turns a list of [`FlowSpec`]s (the indicator catalogue) into dataflows, one
//! DSD each, the codelists they use and the concept scheme.

use marsad_model::codes::{
    countries, AgeGroup, Codelist as ModelCodelist, CAUSE_OF_DEATH, EXPLOITATION_FORM,
    ISCO08_MAJOR, ROUTE,
};
use marsad_model::Lang;

use crate::error::BuildError;
use crate::model::{
    is_valid_id, ArtefactRef, AttachmentLevel, Attribute, Code, Codelist, Concept, ConceptScheme,
    DataStructure, Dataflow, Dimension, Names, Structures, OBS_VALUE, TIME_PERIOD,
};

/// The default maintenance agency.
pub const AGENCY: &str = "MARSAD";
/// The version of every artefact built here.
pub const VERSION: &str = "1.0";
/// The id of the concept scheme.
pub const CONCEPT_SCHEME: &str = "CS_MARSAD";

/// Standard dimension id → its codelist id, in the recommended key order.
pub const DIMENSIONS: &[(&str, &str)] = &[
    ("FREQ", "CL_FREQ"),
    ("REF_AREA", "CL_AREA"),
    ("FLOW", "CL_FLOW"),
    ("RESIDENCE", "CL_RESIDENCE"),
    ("GOVERNORATE", "CL_GOVERNORATE"),
    ("COUNTERPART_AREA", "CL_AREA"),
    ("SEX", "CL_SEX"),
    ("AGE", "CL_AGE"),
    ("CITIZENSHIP", "CL_AREA"),
    ("COUNTRY_BIRTH", "CL_AREA"),
    ("OCCUPATION", "CL_OCCUPATION"),
    ("ROUTE", "CL_ROUTE"),
    ("CAUSE", "CL_CAUSE"),
    ("EXPLOITATION", "CL_EXPLOITATION"),
];

/// Standard attribute id, codelist id, level, mandatory.
pub const ATTRIBUTES: &[(&str, &str, AttachmentLevel, bool)] = &[
    (
        "UNIT_MEASURE",
        "CL_UNIT_MEASURE",
        AttachmentLevel::Series,
        true,
    ),
    ("UNIT_MULT", "CL_UNIT_MULT", AttachmentLevel::Series, false),
    (
        "OBS_STATUS",
        "CL_OBS_STATUS",
        AttachmentLevel::Observation,
        true,
    ),
    (
        "CONF_STATUS",
        "CL_CONF_STATUS",
        AttachmentLevel::Observation,
        false,
    ),
];

/// How artefacts are identified, and the national lists the standard cannot know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub agency: String,
    pub version: String,
    /// The subnational codes of `GOVERNORATE` (besides `_T` and `_U`), with their names.
    pub governorates: Vec<Code>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            agency: AGENCY.to_owned(),
            version: VERSION.to_owned(),
            governorates: Vec::new(),
        }
    }
}

impl Options {
    fn artefact(&self, id: &str) -> ArtefactRef {
        ArtefactRef::new(&self.agency, id, &self.version)
    }
}

/// One dataflow of the catalogue: the indicator id, its names and its dimensions (standard
/// ids, in key order, without `TIME_PERIOD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSpec {
    pub id: String,
    pub names: Names,
    pub dimensions: Vec<String>,
}

/// The codelist id of a standard dimension.
pub fn dimension_codelist(dimension: &str) -> Option<&'static str> {
    DIMENSIONS
        .iter()
        .find(|(d, _)| *d == dimension)
        .map(|(_, cl)| *cl)
}

/// A model code as an SDMX code: `central_mediterranean` → `CENTRAL_MEDITERRANEAN`.
pub fn sdmx_code(model_code: &str) -> String {
    model_code.to_ascii_uppercase()
}

/// The `OCCUPATION` code of an ISCO-08 major group digit: `2` → `OC2`.
pub fn occupation_code(isco_major: &str) -> String {
    format!("OC{isco_major}")
}

/// Dataflows (one DSD `DSD_<id>` each), the codelists they use and the concept scheme.
pub fn structures(opts: &Options, flows: &[FlowSpec]) -> Result<Structures, BuildError> {
    for id in [&opts.agency, &opts.version] {
        if !is_valid_id(&id.replace('.', "_")) {
            return Err(BuildError::InvalidId(id.clone()));
        }
    }
    let cs = opts.artefact(CONCEPT_SCHEME);
    let mut out = Structures {
        concept_schemes: vec![concept_scheme(opts)],
        ..Structures::default()
    };
    for flow in flows {
        if !is_valid_id(&flow.id) {
            return Err(BuildError::InvalidId(flow.id.clone()));
        }
        let mut dimensions: Vec<Dimension> = Vec::new();
        for d in &flow.dimensions {
            let cl =
                dimension_codelist(d).ok_or_else(|| BuildError::UnknownDimension(d.clone()))?;
            if dimensions.iter().any(|x| &x.id == d) {
                return Err(BuildError::DuplicateComponent {
                    structure: flow.id.clone(),
                    component: d.clone(),
                });
            }
            dimensions.push(Dimension {
                id: d.clone(),
                codelist: opts.artefact(cl),
            });
        }
        let attributes = ATTRIBUTES
            .iter()
            .map(|(id, cl, level, mandatory)| Attribute {
                id: (*id).to_owned(),
                codelist: Some(opts.artefact(cl)),
                level: *level,
                mandatory: *mandatory,
            })
            .collect();
        let dsd = DataStructure {
            artefact: opts.artefact(&format!("DSD_{}", flow.id)),
            names: flow.names.clone(),
            concept_scheme: cs.clone(),
            dimensions,
            attributes,
        };
        for r in dsd.codelist_refs() {
            if out.codelist(r).is_none() {
                let list = codelist(opts, &r.id)
                    .ok_or_else(|| BuildError::UnknownCodelist(r.to_string()))?;
                out.codelists.push(list);
            }
        }
        out.dataflows.push(Dataflow {
            artefact: opts.artefact(&flow.id),
            names: flow.names.clone(),
            structure: dsd.artefact.clone(),
            omitted: Vec::new(),
        });
        out.data_structures.push(dsd);
    }
    Ok(out)
}

fn n(ar: &str, fr: &str, en: &str) -> Names {
    Names::new(ar, fr, en)
}

/// The concept scheme `CS_MARSAD`: every standard dimension, `TIME_PERIOD`, `OBS_VALUE` and the
/// attributes.
pub fn concept_scheme(opts: &Options) -> ConceptScheme {
    let concepts = [
        ("FREQ", n("التواتر", "Fréquence", "Frequency")),
        (
            "REF_AREA",
            n("المنطقة المرجعية", "Zone de référence", "Reference area"),
        ),
        ("FLOW", n("اتجاه التدفق", "Sens du flux", "Flow direction")),
        (
            "RESIDENCE",
            n("وضع الإقامة", "Statut de résidence", "Residence status"),
        ),
        ("GOVERNORATE", n("الولاية", "Gouvernorat", "Governorate")),
        (
            "COUNTERPART_AREA",
            n(
                "بلد الوجهة أو المنشأ",
                "Pays de destination ou d'origine",
                "Country of destination or origin",
            ),
        ),
        ("SEX", n("الجنس", "Sexe", "Sex")),
        ("AGE", n("العمر", "Âge", "Age")),
        ("CITIZENSHIP", n("الجنسية", "Nationalité", "Citizenship")),
        (
            "COUNTRY_BIRTH",
            n("بلد الميلاد", "Pays de naissance", "Country of birth"),
        ),
        ("OCCUPATION", n("المهنة", "Profession", "Occupation")),
        (
            "ROUTE",
            n("مسار الهجرة", "Route migratoire", "Migration route"),
        ),
        ("CAUSE", n("سبب الوفاة", "Cause du décès", "Cause of death")),
        (
            "EXPLOITATION",
            n(
                "شكل الاستغلال",
                "Forme d'exploitation",
                "Form of exploitation",
            ),
        ),
        (TIME_PERIOD, n("الفترة الزمنية", "Période", "Time period")),
        (
            OBS_VALUE,
            n(
                "قيمة المشاهدة",
                "Valeur de l'observation",
                "Observation value",
            ),
        ),
        (
            "UNIT_MEASURE",
            n("وحدة القياس", "Unité de mesure", "Unit of measure"),
        ),
        (
            "UNIT_MULT",
            n("مضاعف الوحدة", "Multiplicateur d'unité", "Unit multiplier"),
        ),
        (
            "OBS_STATUS",
            n(
                "حالة المشاهدة",
                "Statut de l'observation",
                "Observation status",
            ),
        ),
        (
            "CONF_STATUS",
            n(
                "حالة السرية",
                "Statut de confidentialité",
                "Confidentiality status",
            ),
        ),
    ];
    ConceptScheme {
        artefact: opts.artefact(CONCEPT_SCHEME),
        names: n("مفاهيم مرصد", "Concepts de marsad", "marsad concepts"),
        concepts: concepts
            .into_iter()
            .map(|(id, names)| Concept {
                id: id.to_owned(),
                names,
            })
            .collect(),
    }
}

/// Every standard codelist id.
pub const CODELISTS: &[&str] = &[
    "CL_FREQ",
    "CL_AREA",
    "CL_FLOW",
    "CL_RESIDENCE",
    "CL_GOVERNORATE",
    "CL_SEX",
    "CL_AGE",
    "CL_OCCUPATION",
    "CL_ROUTE",
    "CL_CAUSE",
    "CL_EXPLOITATION",
    "CL_UNIT_MEASURE",
    "CL_UNIT_MULT",
    "CL_OBS_STATUS",
    "CL_CONF_STATUS",
];

fn total() -> Code {
    Code::new("_T", n("المجموع", "Total", "Total"))
}

fn unknown() -> Code {
    Code::new("_U", n("غير معروف", "Inconnu", "Unknown"))
}

fn coded(list: &[(&str, &str, &str, &str)]) -> Vec<Code> {
    list.iter()
        .map(|(id, ar, fr, en)| Code::new(*id, n(ar, fr, en)))
        .collect()
}

fn from_model(list: &ModelCodelist, id: impl Fn(&str) -> String) -> Vec<Code> {
    let mut codes = vec![total()];
    codes.extend(
        list.codes
            .iter()
            .map(|c| Code::new(id(c.code), n(c.ar, c.fr, c.en)).with_parent("_T")),
    );
    codes.push(unknown());
    codes
}

fn age_codes() -> Vec<Code> {
    let mut codes = vec![
        total(),
        Code::new(
            "Y_LT15",
            n("أقل من 15 سنة", "Moins de 15 ans", "Under 15 years"),
        )
        .with_parent("_T"),
        Code::new(
            "Y15T64",
            n("من 15 إلى 64 سنة", "15 à 64 ans", "15 to 64 years"),
        )
        .with_parent("_T"),
        Code::new(
            "Y_GE65",
            n("65 سنة فأكثر", "65 ans ou plus", "65 years or over"),
        )
        .with_parent("_T"),
    ];
    for g in AgeGroup::all() {
        let lo = g.lower();
        let names = match g.upper() {
            Some(hi) => n(
                // Arabic counts 3 to 10 take the plural سنوات, larger ones the singular سنة.
                &format!(
                    "من {lo} إلى {hi} {}",
                    if hi <= 10 { "سنوات" } else { "سنة" }
                ),
                &format!("{lo} à {hi} ans"),
                &format!("{lo} to {hi} years"),
            ),
            None => n(
                &format!("{lo} سنة فأكثر"),
                &format!("{lo} ans ou plus"),
                &format!("{lo} years or over"),
            ),
        };
        let parent = match lo {
            0..=14 => "Y_LT15",
            15..=64 => "Y15T64",
            _ => "Y_GE65",
        };
        codes.push(Code::new(g.sdmx_code(), names).with_parent(parent));
    }
    codes.push(unknown());
    codes
}

fn area_codes() -> Vec<Code> {
    let mut codes: Vec<Code> = countries()
        .map(|c| {
            Code::new(
                c.alpha3(),
                n(c.name(Lang::Ar), c.name(Lang::Fr), c.name(Lang::En)),
            )
        })
        .collect();
    codes.push(total());
    codes.push(unknown());
    codes
}

/// The standard codelist `id` (one of [`CODELISTS`]), or `None`.
pub fn codelist(opts: &Options, id: &str) -> Option<Codelist> {
    let (names, codes) = match id {
        "CL_FREQ" => (
            n("التواتر", "Fréquence", "Frequency"),
            coded(&[
                ("A", "سنوي", "Annuel", "Annual"),
                ("Q", "فصلي", "Trimestriel", "Quarterly"),
                ("M", "شهري", "Mensuel", "Monthly"),
            ]),
        ),
        "CL_AREA" => (
            n("البلدان والمناطق", "Pays et zones", "Countries and areas"),
            area_codes(),
        ),
        "CL_FLOW" => (
            n("اتجاه التدفق", "Sens du flux", "Flow direction"),
            coded(&[
                ("IMM", "الهجرة الوافدة", "Immigration", "Immigration"),
                ("EMI", "الهجرة المغادرة", "Émigration", "Emigration"),
            ]),
        ),
        "CL_RESIDENCE" => (
            n("وضع الإقامة", "Statut de résidence", "Residence status"),
            coded(&[
                ("RES", "مقيم", "Résident", "Resident"),
                ("NRES", "غير مقيم", "Non-résident", "Non-resident"),
            ]),
        ),
        "CL_GOVERNORATE" => {
            let mut codes = vec![total()];
            codes.extend(opts.governorates.iter().cloned());
            codes.push(unknown());
            (n("الولايات", "Gouvernorats", "Governorates"), codes)
        }
        "CL_SEX" => (
            n("الجنس", "Sexe", "Sex"),
            vec![
                total(),
                Code::new("F", n("أنثى", "Féminin", "Female")).with_parent("_T"),
                Code::new("M", n("ذكر", "Masculin", "Male")).with_parent("_T"),
                unknown(),
            ],
        ),
        "CL_AGE" => (
            n("الفئات العمرية", "Groupes d'âge", "Age groups"),
            age_codes(),
        ),
        "CL_OCCUPATION" => (
            n(
                "المجموعات الرئيسية للتصنيف الدولي الموحد للمهن 2008",
                "Grands groupes de la CITP-08",
                "ISCO-08 major groups",
            ),
            from_model(&ISCO08_MAJOR, occupation_code),
        ),
        "CL_ROUTE" => (
            n("مسارات الهجرة", "Routes migratoires", "Migration routes"),
            from_model(&ROUTE, sdmx_code),
        ),
        "CL_CAUSE" => (
            n("أسباب الوفاة", "Causes de décès", "Causes of death"),
            from_model(&CAUSE_OF_DEATH, sdmx_code),
        ),
        "CL_EXPLOITATION" => (
            n(
                "أشكال الاستغلال",
                "Formes d'exploitation",
                "Forms of exploitation",
            ),
            from_model(&EXPLOITATION_FORM, sdmx_code),
        ),
        "CL_UNIT_MEASURE" => (
            n("وحدات القياس", "Unités de mesure", "Units of measure"),
            coded(&[
                ("PS", "أشخاص", "Personnes", "Persons"),
                ("HH", "أسر", "Ménages", "Households"),
                ("PT", "نسبة مئوية", "Pourcentage", "Percent"),
                ("USD", "دولار أمريكي", "Dollar des États-Unis", "US dollar"),
                ("EUR", "يورو", "Euro", "Euro"),
                (
                    "XDC",
                    "العملة الوطنية",
                    "Monnaie nationale",
                    "Domestic currency",
                ),
            ]),
        ),
        "CL_UNIT_MULT" => (
            n("مضاعف الوحدة", "Multiplicateur d'unité", "Unit multiplier"),
            coded(&[
                ("0", "وحدات", "Unités", "Units"),
                ("3", "آلاف", "Milliers", "Thousands"),
                ("6", "ملايين", "Millions", "Millions"),
                ("9", "مليارات", "Milliards", "Billions"),
            ]),
        ),
        // SDMX cross-domain code list CL_OBS_STATUS (v2.2), the codes marsad uses.
        "CL_OBS_STATUS" => (
            n(
                "حالة المشاهدة",
                "Statut de l'observation",
                "Observation status",
            ),
            coded(&[
                ("A", "قيمة عادية", "Valeur normale", "Normal value"),
                (
                    "B",
                    "انقطاع في السلسلة الزمنية",
                    "Rupture de série",
                    "Time series break",
                ),
                (
                    "D",
                    "التعريف مختلف",
                    "Définition différente",
                    "Definition differs",
                ),
                ("E", "قيمة تقديرية", "Valeur estimée", "Estimated value"),
                ("F", "قيمة متوقعة", "Valeur prévue", "Forecast value"),
                ("I", "قيمة مستكملة", "Valeur imputée", "Imputed value"),
                (
                    "L",
                    "قيمة مفقودة: البيانات موجودة ولم تجمع",
                    "Valeur manquante ; données existantes mais non collectées",
                    "Missing value; data exist but were not collected",
                ),
                (
                    "M",
                    "قيمة مفقودة: البيانات لا يمكن أن توجد",
                    "Valeur manquante ; données ne pouvant exister",
                    "Missing value; data cannot exist",
                ),
                ("O", "قيمة مفقودة", "Valeur manquante", "Missing value"),
                ("P", "قيمة مؤقتة", "Valeur provisoire", "Provisional value"),
                ("U", "موثوقية منخفضة", "Fiabilité faible", "Low reliability"),
                (
                    "V",
                    "قيمة غير مدققة",
                    "Valeur non validée",
                    "Unvalidated value",
                ),
            ]),
        ),
        // SDMX cross-domain code list CL_CONF_STATUS (v1.3), the codes marsad uses.
        "CL_CONF_STATUS" => (
            n(
                "حالة السرية",
                "Statut de confidentialité",
                "Confidentiality status",
            ),
            coded(&[
                ("F", "حر للنشر", "Libre pour publication", "Free"),
                (
                    "N",
                    "ليس للنشر، للاستخدام الداخلي فقط",
                    "Non publiable, usage interne uniquement",
                    "Not for publication, restricted for internal use only",
                ),
                (
                    "C",
                    "معلومة إحصائية سرية",
                    "Information statistique confidentielle",
                    "Confidential statistical information",
                ),
                (
                    "D",
                    "سرية ثانوية يحددها المرسل، ليست للنشر",
                    "Confidentialité secondaire fixée par l'émetteur, non publiable",
                    "Secondary confidentiality set by the sender, not for publication",
                ),
                (
                    "A",
                    "سرية أولية بسبب أعداد صغيرة",
                    "Confidentialité primaire due à de faibles effectifs",
                    "Primary confidentiality due to small counts",
                ),
            ]),
        ),
        _ => return None,
    };
    Some(Codelist {
        artefact: opts.artefact(id),
        names,
        codes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codelist_is_well_formed() {
        let opts = Options {
            governorates: vec![Code::new("TN11", n("تونس", "Tunis", "Tunis"))],
            ..Options::default()
        };
        for id in CODELISTS {
            let list = codelist(&opts, id).unwrap();
            let mut seen = std::collections::HashSet::new();
            assert!(!list.codes.is_empty(), "{id}");
            for c in &list.codes {
                assert!(is_valid_id(&c.id), "{id}: {}", c.id);
                // Parents come first: some readers (sdmx1) resolve them in document order.
                if let Some(p) = &c.parent {
                    assert!(
                        seen.contains(p),
                        "{id}: {} comes before its parent {p}",
                        c.id
                    );
                }
                assert!(seen.insert(c.id.clone()), "{id}: duplicate {}", c.id);
                for l in Lang::ALL {
                    assert!(!c.names.get(l).is_empty(), "{id}: {} lacks {l:?}", c.id);
                }
            }
        }
        for (_, cl) in DIMENSIONS {
            assert!(CODELISTS.contains(cl), "{cl}");
        }
        for (_, cl, _, _) in ATTRIBUTES {
            assert!(CODELISTS.contains(cl), "{cl}");
        }
    }

    #[test]
    fn agreed_codes_are_present() {
        let opts = Options::default();
        let has = |list: &str, code: &str| codelist(&opts, list).unwrap().code(code).is_some();
        for (list, code) in [
            ("CL_AREA", "TUN"),
            ("CL_AREA", "XXA"),
            ("CL_AREA", "XXX"),
            ("CL_AREA", "_T"),
            ("CL_AGE", "Y0T4"),
            ("CL_AGE", "Y80T84"),
            ("CL_AGE", "Y_GE85"),
            ("CL_AGE", "_U"),
            ("CL_SEX", "_T"),
            ("CL_OCCUPATION", "OC0"),
            ("CL_OCCUPATION", "OC9"),
            ("CL_ROUTE", "CENTRAL_MEDITERRANEAN"),
            ("CL_EXPLOITATION", "FORCED_LABOUR"),
            ("CL_CONF_STATUS", "C"),
            ("CL_OBS_STATUS", "P"),
        ] {
            assert!(has(list, code), "{list} lacks {code}");
        }
        assert!(!has("CL_SEX", "X"));
        let area = codelist(&opts, "CL_AREA").unwrap();
        let tun = area.code("TUN").unwrap();
        assert_eq!(
            (tun.names.fr.as_str(), tun.names.ar.as_str()),
            ("Tunisie", "تونس")
        );
    }

    #[test]
    fn structures_from_flows() {
        let flows = [FlowSpec {
            id: "WORKERS_PLACED".into(),
            names: n("العمال", "Travailleurs placés", "Workers placed"),
            dimensions: vec![
                "FREQ".into(),
                "REF_AREA".into(),
                "SEX".into(),
                "COUNTERPART_AREA".into(),
            ],
        }];
        let s = structures(&Options::default(), &flows).unwrap();
        let ids: Vec<&str> = s.codelists.iter().map(|c| c.artefact.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "CL_FREQ",
                "CL_AREA",
                "CL_SEX",
                "CL_UNIT_MEASURE",
                "CL_UNIT_MULT",
                "CL_OBS_STATUS",
                "CL_CONF_STATUS"
            ]
        );
        assert_eq!(
            s.data_structures[0].artefact.to_string(),
            "MARSAD:DSD_WORKERS_PLACED(1.0)"
        );
        assert_eq!(s.dataflows[0].structure, s.data_structures[0].artefact);

        let bad = |dims: &[&str]| {
            let f = FlowSpec {
                id: "X".into(),
                names: Names::default(),
                dimensions: dims.iter().map(|d| (*d).to_owned()).collect(),
            };
            structures(&Options::default(), &[f])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            bad(&["FREQ", "COLOUR"]),
            "unknown standard dimension 'COLOUR'"
        );
        assert_eq!(bad(&["SEX", "SEX"]), "X: SEX is given twice");
    }
}
