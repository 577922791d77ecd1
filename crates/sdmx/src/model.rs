//! The part of the SDMX 2.1 information model marsad publishes: codelists, concept schemes, data
//! structure definitions (dimensions in order, then `TIME_PERIOD`, the `OBS_VALUE` measure and
//! attributes with their attachment level), dataflows, content constraints, and data sets of
//! series and observations.
//!
//! Invariant: the types are plain data; [`crate::standard`] builds consistent structures and
//! [`Dataset::from_cells`] builds data sets whose every code is in its codelist.

use std::fmt;

use marsad_model::Lang;

/// The id of the time dimension, always the last dimension.
pub const TIME_PERIOD: &str = "TIME_PERIOD";
/// The id of the primary measure.
pub const OBS_VALUE: &str = "OBS_VALUE";

/// A name in Arabic, French and English; empty strings are left out of messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Names {
    pub ar: String,
    pub fr: String,
    pub en: String,
}

impl Names {
    pub fn new(ar: impl Into<String>, fr: impl Into<String>, en: impl Into<String>) -> Names {
        Names {
            ar: ar.into(),
            fr: fr.into(),
            en: en.into(),
        }
    }

    /// The name in `lang`, or the first non-empty one in English, French, Arabic.
    pub fn get(&self, lang: Lang) -> &str {
        let exact = match lang {
            Lang::Ar => &self.ar,
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        };
        if !exact.is_empty() {
            return exact;
        }
        self.iter().next().map_or("", |(_, s)| s)
    }

    /// The non-empty names, English first (the `xml:lang` order of the messages).
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        [
            (Lang::En, self.en.as_str()),
            (Lang::Fr, self.fr.as_str()),
            (Lang::Ar, self.ar.as_str()),
        ]
        .into_iter()
        .filter(|(_, s)| !s.is_empty())
    }
}

/// True for an SDMX `IDType`: `[A-Za-z0-9_@$-]+`.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'$' | b'-'))
}

/// The kind of a maintainable artefact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Codelist,
    ConceptScheme,
    DataStructure,
    Dataflow,
    ContentConstraint,
}

impl Class {
    /// The `package` of a reference (`codelist`, `conceptscheme`, `datastructure`, `registry`).
    pub fn package(self) -> &'static str {
        match self {
            Class::Codelist => "codelist",
            Class::ConceptScheme => "conceptscheme",
            Class::DataStructure | Class::Dataflow => "datastructure",
            Class::ContentConstraint => "registry",
        }
    }

    /// The `class` of a reference and in URNs.
    pub fn name(self) -> &'static str {
        match self {
            Class::Codelist => "Codelist",
            Class::ConceptScheme => "ConceptScheme",
            Class::DataStructure => "DataStructure",
            Class::Dataflow => "Dataflow",
            Class::ContentConstraint => "ContentConstraint",
        }
    }
}

/// The identity of a maintainable artefact: agency, id, version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArtefactRef {
    pub agency: String,
    pub id: String,
    pub version: String,
}

impl ArtefactRef {
    pub fn new(
        agency: impl Into<String>,
        id: impl Into<String>,
        version: impl Into<String>,
    ) -> ArtefactRef {
        ArtefactRef {
            agency: agency.into(),
            id: id.into(),
            version: version.into(),
        }
    }

    /// `urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MARSAD:CL_SEX(1.0)`.
    pub fn urn(&self, class: Class) -> String {
        format!(
            "urn:sdmx:org.sdmx.infomodel.{}.{}={}",
            class.package(),
            class.name(),
            self
        )
    }

    /// `MARSAD_WORKERS_PLACED_1_0`, the `structureID` of a data message.
    pub fn flat_id(&self) -> String {
        format!(
            "{}_{}_{}",
            self.agency,
            self.id,
            self.version.replace('.', "_")
        )
    }
}

impl fmt::Display for ArtefactRef {
    /// `MARSAD:CL_SEX(1.0)`, as in URNs and the `DATAFLOW` column of SDMX-CSV.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}({})", self.agency, self.id, self.version)
    }
}

/// One code of a codelist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub id: String,
    pub names: Names,
    /// The id of the parent code in the same codelist (`Y0T4` → `Y_LT15`).
    pub parent: Option<String>,
}

impl Code {
    pub fn new(id: impl Into<String>, names: Names) -> Code {
        Code {
            id: id.into(),
            names,
            parent: None,
        }
    }

    pub fn with_parent(mut self, parent: impl Into<String>) -> Code {
        self.parent = Some(parent.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codelist {
    pub artefact: ArtefactRef,
    pub names: Names,
    pub codes: Vec<Code>,
}

impl Codelist {
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    pub id: String,
    pub names: Names,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConceptScheme {
    pub artefact: ArtefactRef,
    pub names: Names,
    pub concepts: Vec<Concept>,
}

/// A coded dimension; its concept has the same id in the DSD's concept scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    pub id: String,
    pub codelist: ArtefactRef,
}

/// Where an attribute's value is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachmentLevel {
    /// Once for the whole data set.
    DataSet,
    /// Once per series (related to every dimension but `TIME_PERIOD`).
    Series,
    /// On each observation (related to the primary measure).
    Observation,
}

impl AttachmentLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentLevel::DataSet => "data set",
            AttachmentLevel::Series => "series",
            AttachmentLevel::Observation => "observation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub id: String,
    /// `None` for a free-text attribute.
    pub codelist: Option<ArtefactRef>,
    pub level: AttachmentLevel,
    pub mandatory: bool,
}

/// A data structure definition: coded dimensions in key order, then `TIME_PERIOD`, the
/// `OBS_VALUE` measure, and the attributes. Every component's concept is the concept of the
/// same id in `concept_scheme`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataStructure {
    pub artefact: ArtefactRef,
    pub names: Names,
    pub concept_scheme: ArtefactRef,
    /// The dimensions of the series key, without `TIME_PERIOD` (which always comes last).
    pub dimensions: Vec<Dimension>,
    pub attributes: Vec<Attribute>,
}

impl DataStructure {
    pub fn dimension_index(&self, id: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d.id == id)
    }

    pub fn attribute(&self, id: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// `FREQ.REF_AREA.SEX`, for messages.
    pub fn key_template(&self) -> String {
        let ids: Vec<&str> = self.dimensions.iter().map(|d| d.id.as_str()).collect();
        ids.join(".")
    }

    /// The codelists the structure refers to, in first-use order, without repeats.
    pub fn codelist_refs(&self) -> Vec<&ArtefactRef> {
        let mut out: Vec<&ArtefactRef> = Vec::new();
        let all = self
            .dimensions
            .iter()
            .map(|d| &d.codelist)
            .chain(self.attributes.iter().filter_map(|a| a.codelist.as_ref()));
        for r in all {
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataflow {
    pub artefact: ArtefactRef,
    pub names: Names,
    pub structure: ArtefactRef,
    /// Tables the publisher left out of this dataflow's data (e.g. too large to protect
    /// jointly), one line each; written as the annotation [`OMITTED_ANNOTATION`] so a partner's
    /// client can tell an absent series from a zero.
    pub omitted: Vec<String>,
}

/// The `AnnotationType` of a dataflow's list of tables left out of its data.
pub const OMITTED_ANNOTATION: &str = "MARSAD_OMITTED_TABLES";

/// An actual content constraint: which codes of each dimension have data, the time range and
/// the number of observations (as the `obs_count` annotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentConstraint {
    pub artefact: ArtefactRef,
    pub names: Names,
    /// The dataflow constrained.
    pub attachment: ArtefactRef,
    /// Dimension id → the codes present, in codelist order.
    pub cube: Vec<(String, Vec<String>)>,
    /// Earliest and latest periods present (written as the first day of the one and the last day
    /// of the other).
    pub time_range: Option<(crate::TimePeriod, crate::TimePeriod)>,
    pub obs_count: Option<usize>,
}

/// A set of structural metadata: what a structure message carries and what queries resolve
/// against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Structures {
    pub dataflows: Vec<Dataflow>,
    pub codelists: Vec<Codelist>,
    pub concept_schemes: Vec<ConceptScheme>,
    pub data_structures: Vec<DataStructure>,
    pub constraints: Vec<ContentConstraint>,
}

impl Structures {
    pub fn codelist(&self, r: &ArtefactRef) -> Option<&Codelist> {
        self.codelists.iter().find(|c| &c.artefact == r)
    }

    pub fn concept_scheme(&self, r: &ArtefactRef) -> Option<&ConceptScheme> {
        self.concept_schemes.iter().find(|c| &c.artefact == r)
    }

    pub fn data_structure(&self, r: &ArtefactRef) -> Option<&DataStructure> {
        self.data_structures.iter().find(|c| &c.artefact == r)
    }

    pub fn dataflow(&self, r: &ArtefactRef) -> Option<&Dataflow> {
        self.dataflows.iter().find(|c| &c.artefact == r)
    }

    /// Adds the artefacts of `other` not already present (same class and identity).
    pub fn merge(&mut self, other: Structures) {
        fn add<T>(into: &mut Vec<T>, from: Vec<T>, key: impl Fn(&T) -> &ArtefactRef) {
            for item in from {
                if !into.iter().any(|x| key(x) == key(&item)) {
                    into.push(item);
                }
            }
        }
        add(&mut self.dataflows, other.dataflows, |x| &x.artefact);
        add(&mut self.codelists, other.codelists, |x| &x.artefact);
        add(&mut self.concept_schemes, other.concept_schemes, |x| {
            &x.artefact
        });
        add(&mut self.data_structures, other.data_structures, |x| {
            &x.artefact
        });
        add(&mut self.constraints, other.constraints, |x| &x.artefact);
    }

    pub fn is_empty(&self) -> bool {
        self.dataflows.is_empty()
            && self.codelists.is_empty()
            && self.concept_schemes.is_empty()
            && self.data_structures.is_empty()
            && self.constraints.is_empty()
    }
}
