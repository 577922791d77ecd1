//! SDMX 2.1 for marsad, pure: no I/O, no clock, no HTTP framework types. This crate owns the
//! information model ([`model`], [`dataset`]), the standard concepts and codelists of marsad's
//! dimensions ([`standard`]), the parsing of SDMX 2.1 REST paths and parameters ([`query`]),
//! answering them from structures and data ([`select`]), content negotiation ([`negotiate`]),
//! the SDMX-ML 2.1, SDMX-JSON 1.0 and SDMX-CSV 1.0 writers ([`write`]), and one REST exchange
//! as a pure function ([`service::respond`]).
//!
//! It does **not** compute statistics (the `stats` crate maps its tables to [`Cell`]s and its
//! catalogue to [`standard::FlowSpec`]s), serve HTTP (the server maps [`SdmxError`] to a status
//! with [`SdmxError::http_status`] and sets `Content-Type` from [`Format::media_type`]), or
//! write files (`marsad export sdmx` writes the strings this crate returns).
//!
//! Invariants: every code in a [`Dataset`] built by [`Dataset::from_cells`] is in its codelist;
//! a cell whose `CONF_STATUS` is not `F` has no value; the same input gives byte-identical
//! messages (the preparation time is [`write::Header::prepared`]).

pub mod dataset;
pub mod error;
pub mod model;
pub mod negotiate;
pub mod period;
pub mod query;
pub mod sample;
pub mod select;
pub mod service;
pub mod standard;
pub mod write;
mod xml;

pub use dataset::{Cell, Dataset, Observation, Series};
pub use error::{BuildError, SdmxError};
pub use model::{
    ArtefactRef, AttachmentLevel, Attribute, Class, Code, Codelist, Concept, ConceptScheme,
    ContentConstraint, DataStructure, Dataflow, Dimension, Names, Structures, OBS_VALUE,
    TIME_PERIOD,
};
pub use negotiate::{negotiate, Answer, Format};
pub use period::TimePeriod;
pub use query::{DataQuery, Request, StructureQuery};
pub use select::{availability, find_dataflow, select_data, select_structures, StructureSelection};
pub use service::{respond, Response, Service};
pub use write::{write_data, write_error, DataMessage, Header};

#[cfg(test)]
mod tidy {
    /// Every module opens with `//!` docs saying what it owns.
    #[test]
    fn every_module_has_docs() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 10);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(text.starts_with("//!"), "{} lacks //! docs", f.display());
        }
    }
}
