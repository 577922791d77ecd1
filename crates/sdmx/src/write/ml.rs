//! SDMX-ML 2.1: Structure, StructureSpecificData, GenericData and Error messages.

use super::{format_value, view, DataMessage, Header};
use crate::error::SdmxError;
use crate::model::{ArtefactRef, AttachmentLevel, Class, Names, OBS_VALUE, TIME_PERIOD};
use crate::query::DimensionAtObservation;
use crate::select::StructureSelection;
use crate::xml::XmlWriter;

const NS_MES: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message";
const NS_STR: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure";
const NS_COM: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common";
const NS_SS: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific";
const NS_GEN: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn header(w: &mut XmlWriter, h: &Header) {
    w.text_element("mes:ID", &[], &h.id);
    w.text_element("mes:Test", &[], if h.test { "true" } else { "false" });
    w.text_element("mes:Prepared", &[], &h.prepared_text());
    w.empty("mes:Sender", &[("id", Some(&h.sender))]);
}

/// `<Ref agencyID id version package class/>` to a maintainable.
fn maintainable_ref(w: &mut XmlWriter, r: &ArtefactRef, class: Class) {
    w.empty(
        "Ref",
        &[
            ("id", Some(&r.id)),
            ("version", Some(&r.version)),
            ("agencyID", Some(&r.agency)),
            ("package", Some(class.package())),
            ("class", Some(class.name())),
        ],
    );
}

/// Starts a maintainable element and writes its names.
fn start_maintainable(
    w: &mut XmlWriter,
    name: &'static str,
    r: &ArtefactRef,
    class: Class,
    names: &Names,
    stub: bool,
    extra: &[(&str, Option<&str>)],
) {
    start_annotated(w, name, r, class, names, stub, extra, &[]);
}

/// [`start_maintainable`] with a list of tables left out (a dataflow's), when not a stub.
#[allow(clippy::too_many_arguments)]
fn start_annotated(
    w: &mut XmlWriter,
    name: &'static str,
    r: &ArtefactRef,
    class: Class,
    names: &Names,
    stub: bool,
    extra: &[(&str, Option<&str>)],
    omitted: &[String],
) {
    let urn = r.urn(class);
    let mut attrs: Vec<(&str, Option<&str>)> = vec![
        ("id", Some(&r.id)),
        ("urn", Some(&urn)),
        ("agencyID", Some(&r.agency)),
        ("version", Some(&r.version)),
        ("isFinal", Some("true")),
    ];
    if stub {
        attrs.push(("isExternalReference", Some("true")));
    }
    attrs.extend_from_slice(extra);
    w.start(name, &attrs);
    if !stub && !omitted.is_empty() {
        omitted_annotation(w, omitted);
    }
    w.names("com:Name", names);
}

/// A dataflow's tables left out of its data, as one annotation (before its names, as the
/// schema orders them).
fn omitted_annotation(w: &mut XmlWriter, omitted: &[String]) {
    w.start("com:Annotations", &[]);
    w.start("com:Annotation", &[("id", Some("omitted_tables"))]);
    w.text_element(
        "com:AnnotationTitle",
        &[],
        &format!("{} tables left out of the data", omitted.len()),
    );
    w.text_element("com:AnnotationType", &[], crate::model::OMITTED_ANNOTATION);
    w.text_element(
        "com:AnnotationText",
        &[("xml:lang", Some("en"))],
        &omitted.join("; "),
    );
    w.end();
    w.end();
}

fn concept_identity(w: &mut XmlWriter, scheme: &ArtefactRef, concept: &str) {
    w.start("str:ConceptIdentity", &[]);
    w.empty(
        "Ref",
        &[
            ("id", Some(concept)),
            ("maintainableParentID", Some(&scheme.id)),
            ("maintainableParentVersion", Some(&scheme.version)),
            ("agencyID", Some(&scheme.agency)),
            ("package", Some("conceptscheme")),
            ("class", Some("Concept")),
        ],
    );
    w.end();
}

fn enumeration(w: &mut XmlWriter, codelist: &ArtefactRef) {
    w.start("str:LocalRepresentation", &[]);
    w.start("str:Enumeration", &[]);
    maintainable_ref(w, codelist, Class::Codelist);
    w.end();
    w.end();
}

fn text_format(w: &mut XmlWriter, text_type: &str) {
    w.start("str:LocalRepresentation", &[]);
    w.empty("str:TextFormat", &[("textType", Some(text_type))]);
    w.end();
}

/// An SDMX-ML 2.1 Structure message: dataflows, codelists, concept schemes, data structures
/// and content constraints, in the order of the schema.
pub fn write_structure(h: &Header, sel: &StructureSelection) -> String {
    let s = &sel.structures;
    let mut w = XmlWriter::new();
    w.start(
        "mes:Structure",
        &[
            ("xmlns:mes", Some(NS_MES)),
            ("xmlns:str", Some(NS_STR)),
            ("xmlns:com", Some(NS_COM)),
        ],
    );
    w.start("mes:Header", &[]);
    header(&mut w, h);
    w.end();
    w.start("mes:Structures", &[]);

    if !s.dataflows.is_empty() {
        w.start("str:Dataflows", &[]);
        for f in &s.dataflows {
            let stub = sel.is_stub(Class::Dataflow, &f.artefact);
            start_annotated(
                &mut w,
                "str:Dataflow",
                &f.artefact,
                Class::Dataflow,
                &f.names,
                stub,
                &[],
                &f.omitted,
            );
            if !stub {
                w.start("str:Structure", &[]);
                maintainable_ref(&mut w, &f.structure, Class::DataStructure);
                w.end();
            }
            w.end();
        }
        w.end();
    }

    if !s.codelists.is_empty() {
        w.start("str:Codelists", &[]);
        for cl in &s.codelists {
            let stub = sel.is_stub(Class::Codelist, &cl.artefact);
            start_maintainable(
                &mut w,
                "str:Codelist",
                &cl.artefact,
                Class::Codelist,
                &cl.names,
                stub,
                &[],
            );
            if !stub {
                for c in &cl.codes {
                    let urn = format!(
                        "urn:sdmx:org.sdmx.infomodel.codelist.Code={}.{}",
                        cl.artefact, c.id
                    );
                    w.start("str:Code", &[("id", Some(&c.id)), ("urn", Some(&urn))]);
                    w.names("com:Name", &c.names);
                    if let Some(p) = &c.parent {
                        w.start("str:Parent", &[]);
                        w.empty("Ref", &[("id", Some(p))]);
                        w.end();
                    }
                    w.end();
                }
            }
            w.end();
        }
        w.end();
    }

    if !s.concept_schemes.is_empty() {
        w.start("str:Concepts", &[]);
        for cs in &s.concept_schemes {
            let stub = sel.is_stub(Class::ConceptScheme, &cs.artefact);
            start_maintainable(
                &mut w,
                "str:ConceptScheme",
                &cs.artefact,
                Class::ConceptScheme,
                &cs.names,
                stub,
                &[],
            );
            if !stub {
                for c in &cs.concepts {
                    let urn = format!(
                        "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept={}.{}",
                        cs.artefact, c.id
                    );
                    w.start("str:Concept", &[("id", Some(&c.id)), ("urn", Some(&urn))]);
                    w.names("com:Name", &c.names);
                    w.end();
                }
            }
            w.end();
        }
        w.end();
    }

    if !s.data_structures.is_empty() {
        w.start("str:DataStructures", &[]);
        for d in &s.data_structures {
            let stub = sel.is_stub(Class::DataStructure, &d.artefact);
            start_maintainable(
                &mut w,
                "str:DataStructure",
                &d.artefact,
                Class::DataStructure,
                &d.names,
                stub,
                &[],
            );
            if !stub {
                let comp_urn = |class: &str, id: &str| {
                    format!(
                        "urn:sdmx:org.sdmx.infomodel.datastructure.{class}={}.{id}",
                        d.artefact
                    )
                };
                w.start("str:DataStructureComponents", &[]);
                let urn = comp_urn("DimensionDescriptor", "DimensionDescriptor");
                w.start(
                    "str:DimensionList",
                    &[("id", Some("DimensionDescriptor")), ("urn", Some(&urn))],
                );
                for (i, dim) in d.dimensions.iter().enumerate() {
                    let pos = (i + 1).to_string();
                    let urn = comp_urn("Dimension", &dim.id);
                    w.start(
                        "str:Dimension",
                        &[
                            ("id", Some(&dim.id)),
                            ("urn", Some(&urn)),
                            ("position", Some(&pos)),
                        ],
                    );
                    concept_identity(&mut w, &d.concept_scheme, &dim.id);
                    enumeration(&mut w, &dim.codelist);
                    w.end();
                }
                let pos = (d.dimensions.len() + 1).to_string();
                let urn = comp_urn("TimeDimension", TIME_PERIOD);
                w.start(
                    "str:TimeDimension",
                    &[
                        ("id", Some(TIME_PERIOD)),
                        ("urn", Some(&urn)),
                        ("position", Some(&pos)),
                    ],
                );
                concept_identity(&mut w, &d.concept_scheme, TIME_PERIOD);
                text_format(&mut w, "ObservationalTimePeriod");
                w.end();
                w.end();
                if !d.attributes.is_empty() {
                    let urn = comp_urn("AttributeDescriptor", "AttributeDescriptor");
                    w.start(
                        "str:AttributeList",
                        &[("id", Some("AttributeDescriptor")), ("urn", Some(&urn))],
                    );
                    for a in &d.attributes {
                        let urn = comp_urn("DataAttribute", &a.id);
                        let status = if a.mandatory {
                            "Mandatory"
                        } else {
                            "Conditional"
                        };
                        w.start(
                            "str:Attribute",
                            &[
                                ("id", Some(&a.id)),
                                ("urn", Some(&urn)),
                                ("assignmentStatus", Some(status)),
                            ],
                        );
                        concept_identity(&mut w, &d.concept_scheme, &a.id);
                        match &a.codelist {
                            Some(cl) => enumeration(&mut w, cl),
                            None => text_format(&mut w, "String"),
                        }
                        w.start("str:AttributeRelationship", &[]);
                        match a.level {
                            AttachmentLevel::DataSet => w.empty("str:None", &[]),
                            AttachmentLevel::Series => {
                                for dim in &d.dimensions {
                                    w.start("str:Dimension", &[]);
                                    w.empty("Ref", &[("id", Some(&dim.id))]);
                                    w.end();
                                }
                            }
                            AttachmentLevel::Observation => {
                                w.start("str:PrimaryMeasure", &[]);
                                w.empty("Ref", &[("id", Some(OBS_VALUE))]);
                                w.end();
                            }
                        }
                        w.end();
                        w.end();
                    }
                    w.end();
                }
                let urn = comp_urn("MeasureDescriptor", "MeasureDescriptor");
                w.start(
                    "str:MeasureList",
                    &[("id", Some("MeasureDescriptor")), ("urn", Some(&urn))],
                );
                let urn = comp_urn("PrimaryMeasure", OBS_VALUE);
                w.start(
                    "str:PrimaryMeasure",
                    &[("id", Some(OBS_VALUE)), ("urn", Some(&urn))],
                );
                concept_identity(&mut w, &d.concept_scheme, OBS_VALUE);
                text_format(&mut w, "Double");
                w.end();
                w.end();
                w.end();
            }
            w.end();
        }
        w.end();
    }

    if !s.constraints.is_empty() {
        w.start("str:Constraints", &[]);
        for c in &s.constraints {
            let stub = sel.is_stub(Class::ContentConstraint, &c.artefact);
            let urn = c.artefact.urn(Class::ContentConstraint);
            let mut attrs: Vec<(&str, Option<&str>)> = vec![
                ("id", Some(&c.artefact.id)),
                ("urn", Some(&urn)),
                ("agencyID", Some(&c.artefact.agency)),
                ("version", Some(&c.artefact.version)),
                ("isFinal", Some("true")),
            ];
            if stub {
                attrs.push(("isExternalReference", Some("true")));
            }
            attrs.push(("type", Some("Actual")));
            w.start("str:ContentConstraint", &attrs);
            if let (Some(n), false) = (c.obs_count, stub) {
                w.start("com:Annotations", &[]);
                w.start("com:Annotation", &[("id", Some("obs_count"))]);
                w.text_element("com:AnnotationTitle", &[], &n.to_string());
                w.text_element("com:AnnotationType", &[], "sdmx_metrics");
                w.end();
                w.end();
            }
            w.names("com:Name", &c.names);
            if !stub {
                w.start("str:ConstraintAttachment", &[]);
                w.start("str:Dataflow", &[]);
                maintainable_ref(&mut w, &c.attachment, Class::Dataflow);
                w.end();
                w.end();
                w.start("str:CubeRegion", &[("include", Some("true"))]);
                for (dim, codes) in &c.cube {
                    w.start("com:KeyValue", &[("id", Some(dim))]);
                    for code in codes {
                        w.text_element("com:Value", &[], code);
                    }
                    w.end();
                }
                if let Some((lo, hi)) = c.time_range {
                    w.start("com:KeyValue", &[("id", Some(TIME_PERIOD))]);
                    w.start("com:TimeRange", &[]);
                    w.text_element(
                        "com:StartPeriod",
                        &[("isInclusive", Some("true"))],
                        &lo.start().to_string(),
                    );
                    w.text_element(
                        "com:EndPeriod",
                        &[("isInclusive", Some("true"))],
                        &hi.end().to_string(),
                    );
                    w.end();
                    w.end();
                }
                w.end();
            }
            w.end();
        }
        w.end();
    }
    w.finish()
}

/// `urn:sdmx:…DataStructure=MARSAD:DSD_X(1.0):ObsLevelDim:TIME_PERIOD`, the namespace of a
/// structure-specific data set.
fn ss_namespace(msg: &DataMessage<'_>) -> String {
    format!(
        "{}:ObsLevelDim:{}",
        msg.dsd.artefact.urn(Class::DataStructure),
        msg.dimension_at_observation.as_str()
    )
}

fn data_header(w: &mut XmlWriter, msg: &DataMessage<'_>, namespace: Option<&str>) {
    w.start("mes:Header", &[]);
    header(w, msg.header);
    let sid = msg.dsd.artefact.flat_id();
    w.start(
        "mes:Structure",
        &[
            ("structureID", Some(&sid)),
            ("namespace", namespace),
            (
                "dimensionAtObservation",
                Some(msg.dimension_at_observation.as_str()),
            ),
        ],
    );
    w.start("com:Structure", &[]);
    let r = &msg.dsd.artefact;
    w.empty(
        "Ref",
        &[
            ("agencyID", Some(&r.agency)),
            ("id", Some(&r.id)),
            ("version", Some(&r.version)),
        ],
    );
    w.end();
    w.end();
    w.text_element("mes:DataSetAction", &[], "Information");
    w.text_element("mes:DataSetID", &[], &msg.flow.artefact.id);
    w.end();
}

/// An SDMX-ML 2.1 StructureSpecificData message. A suppressed observation is written without
/// `OBS_VALUE`, with its `CONF_STATUS`.
pub fn write_structure_specific(msg: &DataMessage<'_>) -> String {
    let ns = ss_namespace(msg);
    let mut w = XmlWriter::new();
    w.start(
        "mes:StructureSpecificData",
        &[
            ("xmlns:mes", Some(NS_MES)),
            ("xmlns:ss", Some(NS_SS)),
            ("xmlns:com", Some(NS_COM)),
            ("xmlns:xsi", Some(NS_XSI)),
            ("xmlns:ns1", Some(&ns)),
        ],
    );
    data_header(&mut w, msg, Some(&ns));
    let sid = msg.dsd.artefact.flat_id();
    let mut ds_attrs: Vec<(&str, Option<&str>)> = vec![
        ("ss:structureRef", Some(&sid)),
        ("xsi:type", Some("ns1:DataSetType")),
        ("ss:dataScope", Some("DataStructure")),
        ("action", Some("Information")),
    ];
    ds_attrs.extend(
        msg.dataset
            .attributes
            .iter()
            .map(|(k, v)| (k.as_str(), Some(v.as_str()))),
    );
    w.start("mes:DataSet", &ds_attrs);
    let v = view(msg);
    let dims = msg.all_dimensions();
    let flat = matches!(msg.dimension_at_observation, DimensionAtObservation::All);
    for s in &v.series {
        if !flat {
            let mut attrs: Vec<(&str, Option<&str>)> = Vec::new();
            for (i, code) in v.series_dims.iter().zip(&s.key) {
                attrs.push((dims.get(*i).copied().unwrap_or(""), Some(code)));
            }
            attrs.extend(s.attributes.iter().map(|(k, v)| (*k, Some(*v))));
            w.start("Series", &attrs);
        }
        for o in &s.observations {
            let value = o.value.map(format_value);
            let mut attrs: Vec<(&str, Option<&str>)> = Vec::new();
            for (i, code) in v.obs_dims.iter().zip(&o.key) {
                attrs.push((dims.get(*i).copied().unwrap_or(""), Some(code)));
            }
            attrs.push((OBS_VALUE, value.as_deref()));
            attrs.extend(o.attributes.iter().map(|(k, v)| (*k, Some(*v))));
            w.empty("Obs", &attrs);
        }
        if !flat {
            w.end();
        }
    }
    w.finish()
}

fn gen_values(w: &mut XmlWriter, element: &'static str, values: &[(&str, &str)]) {
    if values.is_empty() {
        return;
    }
    w.start(element, &[]);
    for (id, value) in values {
        w.empty("gen:Value", &[("id", Some(id)), ("value", Some(value))]);
    }
    w.end();
}

/// An SDMX-ML 2.1 GenericData message. A suppressed observation has no `ObsValue`.
pub fn write_generic(msg: &DataMessage<'_>) -> String {
    let mut w = XmlWriter::new();
    w.start(
        "mes:GenericData",
        &[
            ("xmlns:mes", Some(NS_MES)),
            ("xmlns:gen", Some(NS_GEN)),
            ("xmlns:com", Some(NS_COM)),
        ],
    );
    data_header(&mut w, msg, None);
    let sid = msg.dsd.artefact.flat_id();
    w.start(
        "mes:DataSet",
        &[
            ("structureRef", Some(&sid)),
            ("action", Some("Information")),
        ],
    );
    let ds_attrs: Vec<(&str, &str)> = msg
        .dataset
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    gen_values(&mut w, "gen:Attributes", &ds_attrs);
    let v = view(msg);
    let dims = msg.all_dimensions();
    let flat = matches!(msg.dimension_at_observation, DimensionAtObservation::All);
    let keyed = |dim_idx: &[usize], codes: &[String]| -> Vec<(&str, String)> {
        dim_idx
            .iter()
            .zip(codes)
            .map(|(i, c)| (dims.get(*i).copied().unwrap_or(""), c.clone()))
            .collect()
    };
    for s in &v.series {
        if !flat {
            w.start("gen:Series", &[]);
            let key = keyed(&v.series_dims, &s.key);
            let key: Vec<(&str, &str)> = key.iter().map(|(a, b)| (*a, b.as_str())).collect();
            gen_values(&mut w, "gen:SeriesKey", &key);
            gen_values(&mut w, "gen:Attributes", &s.attributes);
        }
        for o in &s.observations {
            w.start("gen:Obs", &[]);
            if flat {
                let key = keyed(&v.obs_dims, &o.key);
                let key: Vec<(&str, &str)> = key.iter().map(|(a, b)| (*a, b.as_str())).collect();
                gen_values(&mut w, "gen:ObsKey", &key);
            } else {
                let (id, code) = keyed(&v.obs_dims, &o.key)
                    .into_iter()
                    .next()
                    .unwrap_or(("", String::new()));
                let id = if id == TIME_PERIOD { None } else { Some(id) };
                w.empty("gen:ObsDimension", &[("id", id), ("value", Some(&code))]);
            }
            if let Some(value) = o.value {
                w.empty("gen:ObsValue", &[("value", Some(&format_value(value)))]);
            }
            gen_values(&mut w, "gen:Attributes", &o.attributes);
            w.end();
        }
        if !flat {
            w.end();
        }
    }
    w.finish()
}

/// An SDMX-ML 2.1 Error message.
pub fn write_error_xml(error: &SdmxError) -> String {
    let mut w = XmlWriter::new();
    w.start(
        "mes:Error",
        &[("xmlns:mes", Some(NS_MES)), ("xmlns:com", Some(NS_COM))],
    );
    let code = error.code().to_string();
    w.start("mes:ErrorMessage", &[("code", Some(&code))]);
    w.text_element("com:Text", &[("xml:lang", Some("en"))], &error.to_string());
    w.finish()
}
