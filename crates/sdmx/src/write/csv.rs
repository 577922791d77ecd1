//! SDMX-CSV 1.0 (`application/vnd.sdmx.data+csv;version=1.0.0`): a `DATAFLOW` column
//! (`AGENCY:ID(VERSION)`), every dimension with `TIME_PERIOD` last, `OBS_VALUE`, then every
//! attribute of the structure; one row per observation, a series without observations as one row
//! with empty period and value. Fields are quoted when they hold a comma, quote or line break.

use super::{format_value, DataMessage};
use crate::model::{OBS_VALUE, TIME_PERIOD};

fn field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f);
    }
    out.push_str("\r\n");
}

/// A data set as SDMX-CSV 1.0 (independent of the dimension at observation level).
pub fn write_csv(msg: &DataMessage<'_>) -> String {
    let mut out = String::new();
    let attrs: Vec<&str> = msg.dsd.attributes.iter().map(|a| a.id.as_str()).collect();
    let mut head: Vec<&str> = vec!["DATAFLOW"];
    head.extend(msg.dsd.dimensions.iter().map(|d| d.id.as_str()));
    head.push(TIME_PERIOD);
    head.push(OBS_VALUE);
    head.extend(&attrs);
    row(&mut out, head);
    let flow = msg.flow.artefact.to_string();
    let ds = msg.dataset;
    let lookup = |lists: &[&[(String, String)]], id: &str| -> String {
        lists
            .iter()
            .flat_map(|l| l.iter())
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    for s in &ds.series {
        let mut write_obs = |period: String, value: String, obs_attrs: &[(String, String)]| {
            let mut fields: Vec<String> = vec![flow.clone()];
            fields.extend(s.key.iter().cloned());
            fields.push(period);
            fields.push(value);
            for a in &attrs {
                fields.push(lookup(&[&ds.attributes, &s.attributes, obs_attrs], a));
            }
            row(&mut out, fields.iter().map(String::as_str));
        };
        if s.observations.is_empty() {
            write_obs(String::new(), String::new(), &[]);
        }
        for o in &s.observations {
            write_obs(
                o.period.to_string(),
                o.value.map(format_value).unwrap_or_default(),
                &o.attributes,
            );
        }
    }
    out
}
