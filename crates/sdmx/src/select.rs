//! Answers parsed queries from structures and data sets: which dataflow a flowRef names, which
//! series and observations a data query selects (key, period overlap, first/last N, detail),
//! which artefacts a structure query returns with their references, and the actual content
//! constraint an availability query asks for.

use std::collections::BTreeSet;

use crate::dataset::Dataset;
use crate::error::SdmxError;
use crate::model::{
    ArtefactRef, Class, ContentConstraint, DataStructure, Dataflow, Names, Structures, TIME_PERIOD,
};
use crate::period::TimePeriod;
use crate::query::{
    AvailabilityMode, AvailabilityQuery, DataDetail, DataQuery, DimensionAtObservation, FlowRef,
    KeyPattern, References, StructureDetail, StructureQuery, VersionSelector,
};

/// Compares dotted versions numerically (`1.10` > `1.9`).
fn version_key(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// The dataflow a flowRef names (latest version when none is given) and its DSD.
pub fn find_dataflow<'a>(
    structures: &'a Structures,
    flow: &FlowRef,
) -> Result<(&'a Dataflow, &'a DataStructure), SdmxError> {
    let found = structures
        .dataflows
        .iter()
        .filter(|f| {
            f.artefact.id == flow.id
                && flow.agency.as_ref().is_none_or(|a| *a == f.artefact.agency)
                && flow
                    .version
                    .as_ref()
                    .is_none_or(|v| *v == f.artefact.version)
        })
        .max_by_key(|f| version_key(&f.artefact.version));
    let Some(df) = found else {
        let known: Vec<&str> = structures
            .dataflows
            .iter()
            .map(|f| f.artefact.id.as_str())
            .collect();
        return Err(SdmxError::NoResults(format!(
            "no dataflow '{}'{}{}; known: {}",
            flow.id,
            flow.agency
                .as_ref()
                .map(|a| format!(" of agency {a}"))
                .unwrap_or_default(),
            flow.version
                .as_ref()
                .map(|v| format!(" version {v}"))
                .unwrap_or_default(),
            known.join(", ")
        )));
    };
    let dsd = structures.data_structure(&df.structure).ok_or_else(|| {
        SdmxError::NoResults(format!(
            "the structure {} of dataflow {} is missing",
            df.structure, df.artefact
        ))
    })?;
    Ok((df, dsd))
}

fn check_key(dsd: &DataStructure, key: &KeyPattern) -> Result<(), SdmxError> {
    if let KeyPattern::Dimensions(parts) = key {
        if parts.len() != dsd.dimensions.len() {
            return Err(SdmxError::Syntax(format!(
                "the key has {} parts but {} has {} dimensions: {}",
                parts.len(),
                dsd.artefact.id,
                dsd.dimensions.len(),
                dsd.key_template()
            )));
        }
    }
    Ok(())
}

fn in_periods(p: TimePeriod, start: Option<TimePeriod>, end: Option<TimePeriod>) -> bool {
    start.is_none_or(|s| p.end() >= s.start()) && end.is_none_or(|e| p.start() <= e.end())
}

/// The part of `dataset` (the data of the query's dataflow) the data query selects, with its
/// detail applied: `dataonly` drops attributes, `serieskeysonly` keeps only the keys, `nodata`
/// keeps series and their attributes without observations. Empty → 100 No results.
pub fn select_data(
    dataset: &Dataset,
    dsd: &DataStructure,
    query: &DataQuery,
) -> Result<Dataset, SdmxError> {
    check_key(dsd, &query.key)?;
    if let DimensionAtObservation::Dimension(d) = &query.dimension_at_observation {
        if dsd.dimension_index(d).is_none() {
            return Err(SdmxError::Semantic(format!(
                "dimensionAtObservation='{d}' is not a dimension of {} ({}, TIME_PERIOD, AllDimensions)",
                dsd.artefact.id,
                dsd.dimensions.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let mut out = Dataset {
        flow: dataset.flow.clone(),
        structure: dataset.structure.clone(),
        attributes: dataset.attributes.clone(),
        series: Vec::new(),
    };
    for s in dataset.series.iter().filter(|s| query.key.matches(&s.key)) {
        let mut obs: Vec<_> = s
            .observations
            .iter()
            .filter(|o| in_periods(o.period, query.start_period, query.end_period))
            .cloned()
            .collect();
        if obs.is_empty() {
            continue;
        }
        if let Some(n) = query.first_n_observations {
            obs.truncate(n);
        }
        if let Some(n) = query.last_n_observations {
            let skip = obs.len().saturating_sub(n);
            obs.drain(..skip);
        }
        let mut series = s.clone();
        series.observations = obs;
        out.series.push(series);
    }
    if out.series.is_empty() {
        return Err(SdmxError::NoResults(format!(
            "no data in {} for key {}{}",
            dataset.flow,
            match &query.key {
                KeyPattern::All => "all".to_owned(),
                KeyPattern::Dimensions(p) =>
                    p.iter().map(|a| a.join("+")).collect::<Vec<_>>().join("."),
            },
            match (query.start_period, query.end_period) {
                (None, None) => String::new(),
                (s, e) => format!(
                    " between {} and {}",
                    s.map_or("the start".into(), |p| p.to_string()),
                    e.map_or("the end".into(), |p| p.to_string())
                ),
            }
        )));
    }
    match query.detail {
        DataDetail::Full => {}
        DataDetail::DataOnly => {
            out.attributes.clear();
            for s in &mut out.series {
                s.attributes.clear();
                for o in &mut s.observations {
                    o.attributes.clear();
                }
            }
        }
        DataDetail::SeriesKeysOnly => {
            out.attributes.clear();
            for s in &mut out.series {
                s.attributes.clear();
                s.observations.clear();
            }
        }
        DataDetail::NoData => {
            for s in &mut out.series {
                s.observations.clear();
            }
        }
    }
    Ok(out)
}

/// A structure message's content: the artefacts and which of them are written as stubs
/// (identity and names only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StructureSelection {
    pub structures: Structures,
    pub stubs: BTreeSet<(Class, ArtefactRef)>,
}

impl StructureSelection {
    /// Everything written in full (for `marsad export sdmx`).
    pub fn full(structures: Structures) -> StructureSelection {
        StructureSelection {
            structures,
            stubs: BTreeSet::new(),
        }
    }

    pub fn is_stub(&self, class: Class, r: &ArtefactRef) -> bool {
        self.stubs.contains(&(class, r.clone()))
    }
}

type Key = (Class, ArtefactRef);

fn all_keys(s: &Structures) -> Vec<Key> {
    let mut out = Vec::new();
    out.extend(
        s.dataflows
            .iter()
            .map(|x| (Class::Dataflow, x.artefact.clone())),
    );
    out.extend(
        s.data_structures
            .iter()
            .map(|x| (Class::DataStructure, x.artefact.clone())),
    );
    out.extend(
        s.codelists
            .iter()
            .map(|x| (Class::Codelist, x.artefact.clone())),
    );
    out.extend(
        s.concept_schemes
            .iter()
            .map(|x| (Class::ConceptScheme, x.artefact.clone())),
    );
    out.extend(
        s.constraints
            .iter()
            .map(|x| (Class::ContentConstraint, x.artefact.clone())),
    );
    out
}

/// The artefacts `key` refers to directly.
fn children(s: &Structures, key: &Key) -> Vec<Key> {
    let (class, r) = key;
    match class {
        Class::Dataflow => s
            .dataflow(r)
            .map(|f| vec![(Class::DataStructure, f.structure.clone())])
            .unwrap_or_default(),
        Class::DataStructure => s
            .data_structure(r)
            .map(|d| {
                let mut v = vec![(Class::ConceptScheme, d.concept_scheme.clone())];
                v.extend(
                    d.codelist_refs()
                        .into_iter()
                        .map(|c| (Class::Codelist, c.clone())),
                );
                v
            })
            .unwrap_or_default(),
        Class::ContentConstraint => s
            .constraints
            .iter()
            .filter(|c| &c.artefact == r)
            .map(|c| (Class::Dataflow, c.attachment.clone()))
            .collect(),
        Class::Codelist | Class::ConceptScheme => Vec::new(),
    }
}

fn parents(s: &Structures, key: &Key) -> Vec<Key> {
    all_keys(s)
        .into_iter()
        .filter(|k| children(s, k).contains(key))
        .collect()
}

fn descendants(s: &Structures, key: &Key, out: &mut BTreeSet<Key>) {
    for c in children(s, key) {
        if out.insert(c.clone()) {
            descendants(s, &c, out);
        }
    }
}

/// The artefacts a structure query returns, with the references it asks for; nothing matched →
/// 100 No results.
pub fn select_structures(
    structures: &Structures,
    query: &StructureQuery,
) -> Result<StructureSelection, SdmxError> {
    let candidates: Vec<Key> = all_keys(structures)
        .into_iter()
        .filter(|(c, r)| {
            *c == query.resource && query.agency.matches(&r.agency) && query.id.matches(&r.id)
        })
        .collect();
    let matched: Vec<Key> = match &query.version {
        VersionSelector::All => candidates,
        VersionSelector::AnyOf(vs) => candidates
            .into_iter()
            .filter(|(_, r)| vs.contains(&r.version))
            .collect(),
        VersionSelector::Latest => {
            let mut best: Vec<Key> = Vec::new();
            for k in candidates {
                match best
                    .iter_mut()
                    .find(|b| b.1.agency == k.1.agency && b.1.id == k.1.id)
                {
                    Some(b) if version_key(&k.1.version) > version_key(&b.1.version) => *b = k,
                    Some(_) => {}
                    None => best.push(k),
                }
            }
            best
        }
    };
    if matched.is_empty() {
        return Err(SdmxError::NoResults(format!(
            "no {} matches agency {}, id {}, version {}",
            query.resource.name(),
            selector_text(&query.agency),
            selector_text(&query.id),
            match &query.version {
                VersionSelector::All => "all".to_owned(),
                VersionSelector::Latest => "latest".to_owned(),
                VersionSelector::AnyOf(v) => v.join("+"),
            }
        )));
    }
    let mut refs: BTreeSet<Key> = BTreeSet::new();
    for k in &matched {
        let mut desc = BTreeSet::new();
        descendants(structures, k, &mut desc);
        match query.references {
            References::None => {}
            References::Children => refs.extend(children(structures, k)),
            References::Descendants => refs.extend(desc),
            References::Parents => refs.extend(parents(structures, k)),
            References::ParentsAndSiblings => {
                for p in parents(structures, k) {
                    refs.extend(children(structures, &p));
                    refs.insert(p);
                }
            }
            References::All => {
                for p in parents(structures, k) {
                    refs.extend(children(structures, &p));
                    refs.insert(p);
                }
                refs.extend(desc);
            }
            References::Only(class) => {
                let mut near: BTreeSet<Key> = desc;
                near.extend(parents(structures, k));
                refs.extend(near.into_iter().filter(|(c, _)| *c == class));
            }
        }
    }
    for k in &matched {
        refs.remove(k);
    }
    let stubs: BTreeSet<Key> = match query.detail {
        StructureDetail::Full | StructureDetail::ReferencePartial => BTreeSet::new(),
        StructureDetail::AllStubs | StructureDetail::AllCompleteStubs => {
            matched.iter().chain(&refs).cloned().collect()
        }
        StructureDetail::ReferenceStubs | StructureDetail::ReferenceCompleteStubs => refs.clone(),
    };
    let wanted: BTreeSet<Key> = matched.into_iter().chain(refs).collect();
    let keep = |c: Class, r: &ArtefactRef| wanted.contains(&(c, r.clone()));
    let s = structures;
    Ok(StructureSelection {
        structures: Structures {
            dataflows: s
                .dataflows
                .iter()
                .filter(|x| keep(Class::Dataflow, &x.artefact))
                .cloned()
                .collect(),
            codelists: s
                .codelists
                .iter()
                .filter(|x| keep(Class::Codelist, &x.artefact))
                .cloned()
                .collect(),
            concept_schemes: s
                .concept_schemes
                .iter()
                .filter(|x| keep(Class::ConceptScheme, &x.artefact))
                .cloned()
                .collect(),
            data_structures: s
                .data_structures
                .iter()
                .filter(|x| keep(Class::DataStructure, &x.artefact))
                .cloned()
                .collect(),
            constraints: s
                .constraints
                .iter()
                .filter(|x| keep(Class::ContentConstraint, &x.artefact))
                .cloned()
                .collect(),
        },
        stubs,
    })
}

fn selector_text(s: &crate::query::Selector) -> String {
    match s {
        crate::query::Selector::All => "all".to_owned(),
        crate::query::Selector::AnyOf(v) => v.join("+"),
    }
}

/// The actual content constraint of `dataset` for an availability query: per dimension, the
/// codes present in codelist order, the time range and the observation count. With
/// `mode=available` a dimension's own selection is ignored when listing its codes.
pub fn availability(
    structures: &Structures,
    dataset: &Dataset,
    query: &AvailabilityQuery,
) -> Result<ContentConstraint, SdmxError> {
    let (flow, dsd) = find_dataflow(structures, &query.flow)?;
    check_key(dsd, &query.key)?;
    if let Some(c) = &query.component {
        if c != TIME_PERIOD && dsd.dimension_index(c).is_none() {
            return Err(SdmxError::Semantic(format!(
                "componentID '{c}' is not a dimension of {} ({}, TIME_PERIOD)",
                dsd.artefact.id,
                dsd.dimensions
                    .iter()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let in_time = |p: TimePeriod| in_periods(p, query.start_period, query.end_period);
    let pattern: Vec<Vec<String>> = match &query.key {
        KeyPattern::All => vec![Vec::new(); dsd.dimensions.len()],
        KeyPattern::Dimensions(p) => p.clone(),
    };
    // A series matches when every dimension but `skip` matches the pattern.
    let matches_except = |key: &[String], skip: Option<usize>| {
        pattern
            .iter()
            .zip(key)
            .enumerate()
            .all(|(i, (alts, code))| Some(i) == skip || alts.is_empty() || alts.contains(code))
    };
    let has_obs = |s: &crate::dataset::Series| s.observations.iter().any(|o| in_time(o.period));

    let mut cube = Vec::new();
    for (i, dim) in dsd.dimensions.iter().enumerate() {
        if query.component.as_ref().is_some_and(|c| c != &dim.id) {
            continue;
        }
        let skip = (query.mode == AvailabilityMode::Available).then_some(i);
        let present: BTreeSet<&str> = dataset
            .series
            .iter()
            .filter(|s| matches_except(&s.key, skip) && has_obs(s))
            .filter_map(|s| s.key.get(i).map(String::as_str))
            .collect();
        let ordered: Vec<String> = match structures.codelist(&dim.codelist) {
            Some(cl) => cl
                .codes
                .iter()
                .filter(|c| present.contains(c.id.as_str()))
                .map(|c| c.id.clone())
                .collect(),
            None => present.iter().map(|c| (*c).to_owned()).collect(),
        };
        cube.push((dim.id.clone(), ordered));
    }
    let mut count = 0;
    let mut range: Option<(TimePeriod, TimePeriod)> = None;
    for s in dataset
        .series
        .iter()
        .filter(|s| matches_except(&s.key, None))
    {
        for o in s.observations.iter().filter(|o| in_time(o.period)) {
            count += 1;
            range = Some(match range {
                None => (o.period, o.period),
                Some((lo, hi)) => (
                    if o.period.start() < lo.start() {
                        o.period
                    } else {
                        lo
                    },
                    if o.period.end() > hi.end() {
                        o.period
                    } else {
                        hi
                    },
                ),
            });
        }
    }
    if count == 0 {
        return Err(SdmxError::NoResults(format!(
            "no data in {} for this selection",
            flow.artefact
        )));
    }
    let time_wanted = query.component.as_deref().is_none_or(|c| c == TIME_PERIOD);
    Ok(ContentConstraint {
        artefact: ArtefactRef::new(
            flow.artefact.agency.clone(),
            format!("CC_{}", flow.artefact.id),
            flow.artefact.version.clone(),
        ),
        names: Names::new("البيانات المتاحة", "Données disponibles", "Available data"),
        attachment: flow.artefact.clone(),
        cube,
        time_range: if time_wanted { range } else { None },
        obs_count: Some(count),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Request;
    use crate::sample;

    fn data_query(path: &str, params: &[(&str, &str)]) -> DataQuery {
        match Request::parse(path, params).unwrap() {
            Request::Data(q) => q,
            other => panic!("{other:?}"),
        }
    }

    /// Runs a data query on the sample: `key period=value[conf] …` per series, or the error.
    fn check_data(path: &str, params: &[(&str, &str)], expected: &str) {
        let (s, data) = sample::sample().unwrap();
        let q = data_query(path, params);
        let got = find_dataflow(&s, &q.flow).and_then(|(flow, dsd)| {
            let ds = data.iter().find(|d| d.flow == flow.artefact).unwrap();
            select_data(ds, dsd, &q)
        });
        let got = match got {
            Ok(ds) => {
                let mut lines = Vec::new();
                for series in &ds.series {
                    let mut line = series.key.join(".");
                    if !series.attributes.is_empty() {
                        line.push_str(&format!(" [{}]", series.attributes.len()));
                    }
                    for o in &series.observations {
                        let v = o.value.map_or("-".to_owned(), |v| v.to_string());
                        line.push_str(&format!(" {}={}", o.period, v));
                        if !o.attributes.is_empty() {
                            line.push_str(&format!("/{}", o.attributes.len()));
                        }
                    }
                    lines.push(line);
                }
                lines.join("\n")
            }
            Err(e) => format!("{} {e}", e.code()),
        };
        assert_eq!(got, expected, "{path} {params:?}");
    }

    #[test]
    fn data_selection() {
        check_data(
            "data/WORKERS_PLACED/A.TUN.F+M.FRA",
            &[],
            "A.TUN.F.FRA [2] 2022=1520/2 2023=1710/2\nA.TUN.M.FRA [2] 2022=4210/2 2023=4388/2",
        );
        check_data(
            "data/MARSAD,WORKERS_PLACED,1.0/..F.QAT",
            &[],
            "A.TUN.F.QAT [2] 2022=-/2 2023=12/2",
        );
        check_data(
            "data/WORKERS_PLACED/...QAT",
            &[("startPeriod", "2023-Q2")],
            "A.TUN.F.QAT [2] 2023=12/2\nA.TUN.M.QAT [2] 2023=2101.5/2",
        );
        check_data(
            "data/WORKERS_PLACED/.._T.",
            &[("endPeriod", "2022-01-01")],
            "A.TUN._T.FRA [2] 2022=5730/2",
        );
        check_data(
            "data/WORKERS_PLACED/.._T.",
            &[("lastNObservations", "1"), ("detail", "dataonly")],
            "A.TUN._T.FRA 2023=6098",
        );
        check_data(
            "data/WORKERS_PLACED/.._T.",
            &[("firstNObservations", "1")],
            "A.TUN._T.FRA [2] 2022=5730/2",
        );
        check_data(
            "data/WORKERS_PLACED/..M.",
            &[("detail", "serieskeysonly")],
            "A.TUN.M.FRA\nA.TUN.M.QAT",
        );
        check_data(
            "data/WORKERS_PLACED/..M.",
            &[("detail", "nodata")],
            "A.TUN.M.FRA [2]\nA.TUN.M.QAT [2]",
        );
        check_data(
            "data/IMMIGRANT_STOCK/Q.TUN.TN12...",
            &[("startPeriod", "2023-05"), ("endPeriod", "2023-05")],
            "Q.TUN.TN12._T._T._T [1] 2023-Q2=9305/2",
        );
        check_data(
            "data/WORKERS_PLACED/A.TUN.F.DZA",
            &[],
            "100 No results found: no data in MARSAD:WORKERS_PLACED(1.0) for key A.TUN.F.DZA",
        );
        check_data(
            "data/WORKERS_PLACED",
            &[("startPeriod", "2030")],
            "100 No results found: no data in MARSAD:WORKERS_PLACED(1.0) for key all between 2030 and the end",
        );
        check_data(
            "data/WORKERS_PLACED/A.TUN",
            &[],
            "140 Syntax error: the key has 2 parts but DSD_WORKERS_PLACED has 4 dimensions: FREQ.REF_AREA.SEX.COUNTERPART_AREA",
        );
        check_data(
            "data/WORKERS_PLACED",
            &[("dimensionAtObservation", "AGE")],
            "150 Semantic error: dimensionAtObservation='AGE' is not a dimension of DSD_WORKERS_PLACED (FREQ, REF_AREA, SEX, COUNTERPART_AREA, TIME_PERIOD, AllDimensions)",
        );
        check_data(
            "data/OTHER,WORKERS_PLACED",
            &[],
            "100 No results found: no dataflow 'WORKERS_PLACED' of agency OTHER; known: WORKERS_PLACED, IMMIGRANT_STOCK",
        );
        check_data(
            "data/MARSAD,WORKERS_PLACED,2.0",
            &[],
            "100 No results found: no dataflow 'WORKERS_PLACED' of agency MARSAD version 2.0; known: WORKERS_PLACED, IMMIGRANT_STOCK",
        );
    }

    /// Runs a structure query on the sample: the artefacts returned (`*` for stubs).
    fn check_structures(path: &str, params: &[(&str, &str)], expected: &str) {
        let (s, _) = sample::sample().unwrap();
        let q = match Request::parse(path, params).unwrap() {
            Request::Structure(q) => q,
            other => panic!("{other:?}"),
        };
        let got = match select_structures(&s, &q) {
            Ok(sel) => {
                let mut out: Vec<String> = Vec::new();
                let mut add = |c: Class, r: &ArtefactRef| {
                    let star = if sel.is_stub(c, r) { "*" } else { "" };
                    out.push(format!("{}{star}", r.id));
                };
                let st = &sel.structures;
                st.dataflows
                    .iter()
                    .for_each(|x| add(Class::Dataflow, &x.artefact));
                st.data_structures
                    .iter()
                    .for_each(|x| add(Class::DataStructure, &x.artefact));
                st.concept_schemes
                    .iter()
                    .for_each(|x| add(Class::ConceptScheme, &x.artefact));
                st.codelists
                    .iter()
                    .for_each(|x| add(Class::Codelist, &x.artefact));
                out.join(" ")
            }
            Err(e) => format!("{} {e}", e.code()),
        };
        assert_eq!(got, expected, "{path} {params:?}");
    }

    #[test]
    fn structure_selection() {
        check_structures("dataflow", &[], "WORKERS_PLACED IMMIGRANT_STOCK");
        check_structures(
            "dataflow/MARSAD/WORKERS_PLACED/latest",
            &[("references", "children")],
            "WORKERS_PLACED DSD_WORKERS_PLACED",
        );
        check_structures(
            "dataflow/MARSAD/WORKERS_PLACED",
            &[("references", "all")],
            "WORKERS_PLACED DSD_WORKERS_PLACED CS_MARSAD CL_FREQ CL_AREA CL_SEX CL_UNIT_MEASURE CL_UNIT_MULT CL_OBS_STATUS CL_CONF_STATUS",
        );
        check_structures(
            "dataflow/all/WORKERS_PLACED",
            &[("references", "descendants"), ("detail", "referencestubs")],
            "WORKERS_PLACED DSD_WORKERS_PLACED* CS_MARSAD* CL_FREQ* CL_AREA* CL_SEX* CL_UNIT_MEASURE* CL_UNIT_MULT* CL_OBS_STATUS* CL_CONF_STATUS*",
        );
        check_structures(
            "codelist/MARSAD/CL_AGE",
            &[("references", "parents")],
            "DSD_IMMIGRANT_STOCK CL_AGE",
        );
        check_structures(
            "codelist/MARSAD/CL_AGE",
            &[("references", "parentsandsiblings")],
            "DSD_IMMIGRANT_STOCK CS_MARSAD CL_FREQ CL_AREA CL_SEX CL_UNIT_MEASURE CL_UNIT_MULT CL_OBS_STATUS CL_CONF_STATUS CL_GOVERNORATE CL_AGE",
        );
        check_structures("datastructure/MARSAD/DSD_IMMIGRANT_STOCK", &[("references", "codelist")], "DSD_IMMIGRANT_STOCK CL_FREQ CL_AREA CL_SEX CL_UNIT_MEASURE CL_UNIT_MULT CL_OBS_STATUS CL_CONF_STATUS CL_GOVERNORATE CL_AGE");
        check_structures(
            "datastructure/MARSAD/DSD_IMMIGRANT_STOCK",
            &[("references", "dataflow")],
            "IMMIGRANT_STOCK DSD_IMMIGRANT_STOCK",
        );
        check_structures(
            "codelist/all/CL_SEX+CL_FREQ/1.0",
            &[("detail", "allstubs")],
            "CL_FREQ* CL_SEX*",
        );
        check_structures(
            "codelist/MARSAD/CL_SEX/2.0",
            &[],
            "100 No results found: no Codelist matches agency MARSAD, id CL_SEX, version 2.0",
        );
        check_structures(
            "conceptscheme/OTHER",
            &[],
            "100 No results found: no ConceptScheme matches agency OTHER, id all, version latest",
        );
    }

    #[test]
    fn latest_version_wins() {
        let (mut s, _) = sample::sample().unwrap();
        let mut newer = s.codelists[0].clone();
        newer.artefact.version = "1.10".into();
        let mut older = s.codelists[0].clone();
        older.artefact.version = "1.9".into();
        s.codelists.push(newer);
        s.codelists.push(older);
        let q =
            |v: &str| match Request::parse(&format!("codelist/MARSAD/CL_FREQ/{v}"), &[]).unwrap() {
                Request::Structure(q) => q,
                other => panic!("{other:?}"),
            };
        let versions = |v: &str| -> Vec<String> {
            select_structures(&s, &q(v))
                .unwrap()
                .structures
                .codelists
                .iter()
                .map(|c| c.artefact.version.clone())
                .collect()
        };
        assert_eq!(versions("latest"), ["1.10"]);
        assert_eq!(versions("all"), ["1.0", "1.10", "1.9"]);
        assert_eq!(versions("1.9+1.0"), ["1.0", "1.9"]);
    }

    fn check_availability(path: &str, params: &[(&str, &str)], expected: &str) {
        let (s, data) = sample::sample().unwrap();
        let q = match Request::parse(path, params).unwrap() {
            Request::Availability(q) => q,
            other => panic!("{other:?}"),
        };
        let ds = data.iter().find(|d| d.flow.id == q.flow.id).unwrap();
        let got = match availability(&s, ds, &q) {
            Ok(c) => {
                let mut parts: Vec<String> = c
                    .cube
                    .iter()
                    .map(|(d, codes)| format!("{d}={}", codes.join("+")))
                    .collect();
                if let Some((lo, hi)) = c.time_range {
                    parts.push(format!("TIME_PERIOD={lo}..{hi}"));
                }
                parts.push(format!("n={}", c.obs_count.unwrap_or(0)));
                parts.join(" ")
            }
            Err(e) => format!("{} {e}", e.code()),
        };
        assert_eq!(got, expected, "{path} {params:?}");
    }

    #[test]
    fn availability_cases() {
        check_availability(
            "availableconstraint/WORKERS_PLACED",
            &[],
            "FREQ=A REF_AREA=TUN SEX=_T+F+M COUNTERPART_AREA=FRA+QAT TIME_PERIOD=2022..2023 n=9",
        );
        check_availability(
            "availableconstraint/WORKERS_PLACED/...QAT",
            &[],
            "FREQ=A REF_AREA=TUN SEX=F+M COUNTERPART_AREA=QAT TIME_PERIOD=2022..2023 n=3",
        );
        // mode=available: QAT is selected, but the other destinations stay listed.
        check_availability(
            "availableconstraint/WORKERS_PLACED/...QAT",
            &[("mode", "available")],
            "FREQ=A REF_AREA=TUN SEX=F+M COUNTERPART_AREA=FRA+QAT TIME_PERIOD=2022..2023 n=3",
        );
        check_availability(
            "availableconstraint/WORKERS_PLACED/...QAT/all/SEX",
            &[("startPeriod", "2023")],
            "SEX=F+M n=2",
        );
        check_availability(
            "availableconstraint/WORKERS_PLACED/all/all/COLOUR",
            &[],
            "150 Semantic error: componentID 'COLOUR' is not a dimension of DSD_WORKERS_PLACED (FREQ, REF_AREA, SEX, COUNTERPART_AREA, TIME_PERIOD)",
        );
        check_availability(
            "availableconstraint/WORKERS_PLACED/..M.QAT",
            &[("endPeriod", "2022")],
            "100 No results found: no data in MARSAD:WORKERS_PLACED(1.0) for this selection",
        );
    }
}
