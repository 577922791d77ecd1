//! A small sample for tests, the example writer and the client check: two dataflows
//! (`WORKERS_PLACED`, annual; `IMMIGRANT_STOCK`, quarterly by governorate, sex, age and
//! citizenship) with provisional values and suppressed cells (`CONF_STATUS` C and D, no value).

use crate::dataset::{Cell, Dataset};
use crate::error::BuildError;
use crate::model::{ArtefactRef, Code, Names, Structures};
use crate::period::TimePeriod;
use crate::standard::{self, FlowSpec, Options};

/// The options of the sample: agency `MARSAD`, two Tunisian governorates.
pub fn options() -> Options {
    Options {
        governorates: vec![
            Code::new("TN11", Names::new("تونس", "Tunis", "Tunis")).with_parent("_T"),
            Code::new("TN12", Names::new("أريانة", "Ariana", "Ariana")).with_parent("_T"),
        ],
        ..Options::default()
    }
}

/// The two dataflows of the sample.
pub fn flows() -> Vec<FlowSpec> {
    let dims = |d: &[&str]| d.iter().map(|s| (*s).to_owned()).collect();
    vec![
        FlowSpec {
            id: "WORKERS_PLACED".into(),
            names: Names::new(
                "العمال الموظفون في الخارج",
                "Travailleurs placés à l'étranger",
                "Workers placed abroad",
            ),
            dimensions: dims(&["FREQ", "REF_AREA", "SEX", "COUNTERPART_AREA"]),
        },
        FlowSpec {
            id: "IMMIGRANT_STOCK".into(),
            names: Names::new(
                "المهاجرون المقيمون",
                "Immigrés résidents (stock)",
                "Resident immigrants (stock) & <residents>",
            ),
            dimensions: dims(&[
                "FREQ",
                "REF_AREA",
                "GOVERNORATE",
                "SEX",
                "AGE",
                "CITIZENSHIP",
            ]),
        },
    ]
}

fn period(s: &str) -> TimePeriod {
    // The sample's periods are literals below; a typo falls back to a fixed year.
    TimePeriod::parse(s).unwrap_or(TimePeriod::Year(2000))
}

/// The sample's structures and one data set per dataflow.
pub fn sample() -> Result<(Structures, Vec<Dataset>), BuildError> {
    let opts = options();
    let structures = standard::structures(&opts, &flows())?;
    let flow = |id: &str| ArtefactRef::new(&opts.agency, id, &opts.version);

    let mut workers = Vec::new();
    for (sex, dest, year, value, status) in [
        ("F", "FRA", "2022", Some(1520.0), "A"),
        ("F", "FRA", "2023", Some(1710.0), "P"),
        ("M", "FRA", "2022", Some(4210.0), "A"),
        ("M", "FRA", "2023", Some(4388.0), "P"),
        ("_T", "FRA", "2022", Some(5730.0), "A"),
        ("_T", "FRA", "2023", Some(6098.0), "P"),
        ("F", "QAT", "2022", None, "A"),
        ("F", "QAT", "2023", Some(12.0), "P"),
        ("M", "QAT", "2023", Some(2101.5), "E"),
    ] {
        let mut cell = Cell::new(period(year), value)
            .dim("FREQ", "A")
            .dim("REF_AREA", "TUN")
            .dim("SEX", sex)
            .dim("COUNTERPART_AREA", dest)
            .attr("UNIT_MEASURE", "PS")
            .attr("UNIT_MULT", "0")
            .attr("OBS_STATUS", status);
        cell = cell.attr("CONF_STATUS", if value.is_some() { "F" } else { "C" });
        workers.push(cell);
    }

    let mut stock = Vec::new();
    for (gov, sex, age, cit, q, value, conf) in [
        ("TN11", "F", "Y25T29", "CIV", "2023-Q1", Some(340.0), "F"),
        ("TN11", "F", "Y25T29", "CIV", "2023-Q2", Some(355.0), "F"),
        ("TN11", "M", "Y25T29", "CIV", "2023-Q1", Some(512.0), "F"),
        ("TN11", "M", "Y25T29", "CIV", "2023-Q2", None, "D"),
        ("TN12", "F", "Y_GE85", "XXA", "2023-Q1", None, "C"),
        ("TN12", "_T", "_T", "_T", "2023-Q1", Some(9120.0), "F"),
        ("TN12", "_T", "_T", "_T", "2023-Q2", Some(9305.0), "F"),
        ("_U", "_U", "_U", "_U", "2023-Q2", Some(3.0), "F"),
    ] {
        stock.push(
            Cell::new(period(q), value)
                .dim("FREQ", "Q")
                .dim("REF_AREA", "TUN")
                .dim("GOVERNORATE", gov)
                .dim("SEX", sex)
                .dim("AGE", age)
                .dim("CITIZENSHIP", cit)
                .attr("UNIT_MEASURE", "PS")
                .attr("OBS_STATUS", "A")
                .attr("CONF_STATUS", conf),
        );
    }
    let data = vec![
        Dataset::from_cells(&structures, &flow("WORKERS_PLACED"), workers)?,
        Dataset::from_cells(&structures, &flow("IMMIGRANT_STOCK"), stock)?,
    ];
    Ok((structures, data))
}
