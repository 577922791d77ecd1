//! Snapshot tests of every message for the sample (`src/write/snapshots/`); refresh with
//! `UPDATE_EXPECT=1 cargo test -p marsad-sdmx`.

use chrono::{TimeZone, Utc};
use expect_test::{expect, expect_file};
use marsad_model::Lang;

use super::*;
use crate::query::DimensionAtObservation;
use crate::select::StructureSelection;

fn header() -> Header {
    Header {
        id: "TEST_1".into(),
        test: true,
        prepared: Utc.with_ymd_and_hms(2026, 3, 1, 12, 30, 0).unwrap(),
        sender: "MARSAD".into(),
    }
}

/// The sample with CL_AREA cut to the codes it uses, so snapshots stay readable.
fn small() -> (Structures, Vec<Dataset>) {
    let (mut s, data) = crate::sample::sample().unwrap();
    for cl in &mut s.codelists {
        if cl.artefact.id == "CL_AREA" {
            cl.codes.retain(|c| {
                ["TUN", "FRA", "QAT", "CIV", "XXA", "_T", "_U"].contains(&c.id.as_str())
            });
        }
    }
    (s, data)
}

#[test]
fn structure_message() {
    let (mut s, data) = small();
    // Only the first flow's structures, and its availability.
    s.dataflows.truncate(1);
    // A table left out of the data is said in an annotation, before the names.
    s.dataflows[0].omitted = vec![
        "2024: SEX × CITIZENSHIP by month".into(),
        "2025: SEX × CITIZENSHIP by month".into(),
    ];
    s.data_structures.truncate(1);
    s.codelists
        .retain(|c| !["CL_GOVERNORATE", "CL_AGE"].contains(&c.artefact.id.as_str()));
    let q = crate::query::Request::parse("availableconstraint/WORKERS_PLACED", &[]).unwrap();
    let crate::query::Request::Availability(q) = q else {
        panic!()
    };
    s.constraints
        .push(crate::select::availability(&s, &data[0], &q).unwrap());
    let xml = write_structure(&header(), &StructureSelection::full(s));
    expect_file!["snapshots/structure.xml"].assert_eq(&xml);
}

#[test]
fn structure_stubs() {
    let (s, _) = small();
    let q = match crate::query::Request::parse(
        "dataflow/MARSAD/WORKERS_PLACED",
        &[("references", "children"), ("detail", "referencestubs")],
    )
    .unwrap()
    {
        crate::query::Request::Structure(q) => q,
        _ => panic!(),
    };
    let sel = crate::select::select_structures(&s, &q).unwrap();
    let xml = write_structure(&header(), &sel);
    expect_file!["snapshots/structure_stubs.xml"].assert_eq(&xml);
}

fn data(fmt: Format, which: usize, at: DimensionAtObservation) -> String {
    let (s, data) = small();
    let h = header();
    let msg = DataMessage::new(&h, &s, &data[which], &at, Lang::Fr).unwrap();
    write_data(fmt, &msg).unwrap()
}

#[test]
fn data_messages() {
    let t = || DimensionAtObservation::Time;
    expect_file!["snapshots/workers.ss.xml"].assert_eq(&data(
        Format::StructureSpecificData,
        0,
        t(),
    ));
    expect_file!["snapshots/workers.generic.xml"].assert_eq(&data(Format::GenericData, 0, t()));
    expect_file!["snapshots/workers.json"].assert_eq(&data(Format::DataJson, 0, t()));
    // SDMX-CSV lines end in CRLF (RFC 4180); the snapshot file is compared with LF.
    let csv = data(Format::DataCsv, 0, t());
    assert!(csv.ends_with("\r\n") && !csv.replace("\r\n", "").contains('\n'));
    expect_file!["snapshots/workers.csv"].assert_eq(&csv.replace("\r\n", "\n"));
    expect_file!["snapshots/stock.ss.xml"].assert_eq(&data(Format::StructureSpecificData, 1, t()));
}

#[test]
fn other_dimensions_at_observation() {
    let all = || DimensionAtObservation::All;
    let sex = || DimensionAtObservation::Dimension("SEX".into());
    expect_file!["snapshots/workers.flat.ss.xml"].assert_eq(&data(
        Format::StructureSpecificData,
        0,
        all(),
    ));
    expect_file!["snapshots/workers.flat.generic.xml"].assert_eq(&data(
        Format::GenericData,
        0,
        all(),
    ));
    expect_file!["snapshots/workers.flat.json"].assert_eq(&data(Format::DataJson, 0, all()));
    expect_file!["snapshots/workers.by_sex.generic.xml"].assert_eq(&data(
        Format::GenericData,
        0,
        sex(),
    ));
    expect_file!["snapshots/workers.by_sex.json"].assert_eq(&data(Format::DataJson, 0, sex()));
}

#[test]
fn bad_dimension_at_observation_is_semantic() {
    let (s, data) = small();
    let h = header();
    let at = DimensionAtObservation::Dimension("AGE".into());
    let e = DataMessage::new(&h, &s, &data[0], &at, Lang::En).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Semantic error: dimensionAtObservation='AGE' is not a dimension of DSD_WORKERS_PLACED"
    );
}

#[test]
fn errors() {
    let e = SdmxError::NoResults("no dataflow 'X' & <Y>".into());
    expect![[r#"
        <?xml version="1.0" encoding="UTF-8"?>
        <mes:Error xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
          <mes:ErrorMessage code="100">
            <com:Text xml:lang="en">No results found: no dataflow 'X' &amp; &lt;Y&gt;</com:Text>
          </mes:ErrorMessage>
        </mes:Error>
    "#]]
    .assert_eq(&write_error(Format::GenericData, &e).1);
    expect![[r#"
        {
          "errors": [
            {
              "code": 100,
              "title": "No results found",
              "detail": "no dataflow 'X' & <Y>"
            }
          ]
        }
    "#]]
    .assert_eq(&write_error(Format::DataJson, &e).1);
    assert_eq!(
        write_error(Format::DataCsv, &e).1,
        "100 No results found: no dataflow 'X' & <Y>\n"
    );
}

#[test]
fn values() {
    for (v, s) in [
        (12.0, "12"),
        (-3.0, "-3"),
        (2101.5, "2101.5"),
        (0.1, "0.1"),
        (1e20, "100000000000000000000"),
        (1e-7, "0.0000001"),
    ] {
        assert_eq!(format_value(v), s, "{v}");
    }
}

#[test]
fn export_layout() {
    let (s, data) = small();
    let files = export_files(&header(), &s, &data).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "structure.xml",
            "data/WORKERS_PLACED.ss.xml",
            "data/WORKERS_PLACED.generic.xml",
            "data/WORKERS_PLACED.json",
            "data/WORKERS_PLACED.csv",
            "data/IMMIGRANT_STOCK.ss.xml",
            "data/IMMIGRANT_STOCK.generic.xml",
            "data/IMMIGRANT_STOCK.json",
            "data/IMMIGRANT_STOCK.csv",
        ]
    );
    assert!(files[0]
        .1
        .contains("<str:ContentConstraint id=\"CC_IMMIGRANT_STOCK\""));
    assert_eq!(
        files,
        export_files(&header(), &s, &data).unwrap(),
        "deterministic"
    );
}
