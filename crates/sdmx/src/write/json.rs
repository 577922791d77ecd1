//! SDMX-JSON 1.0 data messages (`application/vnd.sdmx.data+json;version=1.0.0`): `header`,
//! `structure` (dimension and attribute values by level, with names in one language) and
//! `dataSets` whose series and observations index into those values.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::{view, DataMessage};
use crate::error::SdmxError;
use crate::model::{Class, Names, TIME_PERIOD};
use crate::period::TimePeriod;

fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        // exact: |v| < 2^53
        json!(v as i64)
    } else {
        json!(v)
    }
}

/// Distinct values in the order they are met.
#[derive(Default)]
struct Values {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Values {
    fn index(&mut self, v: &str) -> usize {
        if let Some(&i) = self.index.get(v) {
            return i;
        }
        self.list.push(v.to_owned());
        self.index.insert(v.to_owned(), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// Records `c` as a value of dimension `i` the first time it is met.
fn note<'x>(seen: &mut [HashSet<&'x str>], lists: &mut [Vec<String>], i: usize, c: &'x str) {
    if let (Some(set), Some(list)) = (seen.get_mut(i), lists.get_mut(i)) {
        if set.insert(c) {
            list.push(c.to_owned());
        }
    }
}

/// A data set as SDMX-JSON 1.0.
pub fn write_json(msg: &DataMessage<'_>) -> String {
    let v = view(msg);
    let dims = msg.all_dimensions();
    let lang = msg.lang;

    // Each dimension's distinct values, then in codelist order (periods by time).
    let mut seen: Vec<HashSet<&str>> = vec![HashSet::new(); dims.len()];
    let mut dim_values: Vec<Vec<String>> = vec![Vec::new(); dims.len()];
    for s in &v.series {
        for (i, c) in v.series_dims.iter().zip(&s.key) {
            note(&mut seen, &mut dim_values, *i, c);
        }
        for o in &s.observations {
            for (i, c) in v.obs_dims.iter().zip(&o.key) {
                note(&mut seen, &mut dim_values, *i, c);
            }
        }
    }
    let codelist_of = |i: usize| {
        msg.dsd
            .dimensions
            .get(i)
            .and_then(|d| msg.structures.codelist(&d.codelist))
    };
    for (i, list) in dim_values.iter_mut().enumerate() {
        match codelist_of(i) {
            Some(cl) => {
                let order: HashMap<&str, usize> = cl
                    .codes
                    .iter()
                    .enumerate()
                    .map(|(n, c)| (c.id.as_str(), n))
                    .collect();
                list.sort_by_key(|c| order.get(c.as_str()).copied());
            }
            None => list.sort_by_key(|p| TimePeriod::parse(p).map(|p| p.sort_key())),
        }
    }
    let positions: Vec<HashMap<&str, usize>> = dim_values
        .iter()
        .map(|l| l.iter().enumerate().map(|(n, c)| (c.as_str(), n)).collect())
        .collect();
    let pos = |i: usize, code: &str| -> usize {
        positions
            .get(i)
            .and_then(|m| m.get(code).copied())
            .unwrap_or(0)
    };

    let concept_name = |id: &str| -> String {
        msg.structures
            .concept_scheme(&msg.dsd.concept_scheme)
            .and_then(|cs| cs.concepts.iter().find(|c| c.id == id))
            .map_or_else(|| id.to_owned(), |c| c.names.get(lang).to_owned())
    };
    let dim_json = |i: usize| -> Value {
        let id = dims.get(i).copied().unwrap_or("");
        let values: Vec<Value> = dim_values
            .get(i)
            .map(|l| {
                l.iter()
                    .map(|code| {
                        if id == TIME_PERIOD {
                            let p = TimePeriod::parse(code);
                            let mut o = Map::new();
                            o.insert("id".into(), json!(code));
                            o.insert("name".into(), json!(code));
                            if let Some(p) = p {
                                o.insert("start".into(), json!(format!("{}T00:00:00", p.start())));
                                o.insert("end".into(), json!(format!("{}T23:59:59", p.end())));
                            }
                            Value::Object(o)
                        } else {
                            let name = codelist_of(i)
                                .and_then(|cl| cl.code(code))
                                .map_or_else(|| code.clone(), |c| c.names.get(lang).to_owned());
                            json!({"id": code, "name": name})
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut o = Map::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(concept_name(id)));
        o.insert("keyPosition".into(), json!(i));
        if id == TIME_PERIOD {
            o.insert("role".into(), json!("time"));
        }
        o.insert("values".into(), Value::Array(values));
        Value::Object(o)
    };

    // Attributes by level, with their distinct values.
    let mut ds_attr_ids: Vec<&str> = Vec::new();
    let mut series_attr_ids: Vec<&str> = Vec::new();
    let mut obs_attr_ids: Vec<&str> = Vec::new();
    for (k, _) in &msg.dataset.attributes {
        ds_attr_ids.push(k);
    }
    for s in &v.series {
        for (k, _) in &s.attributes {
            if !series_attr_ids.contains(k) {
                series_attr_ids.push(k);
            }
        }
        for o in &s.observations {
            for (k, _) in &o.attributes {
                if !obs_attr_ids.contains(k) {
                    obs_attr_ids.push(k);
                }
            }
        }
    }
    let dsd_order = |ids: &mut Vec<&str>| {
        ids.sort_by_key(|id| msg.dsd.attributes.iter().position(|a| a.id == *id));
    };
    dsd_order(&mut series_attr_ids);
    dsd_order(&mut obs_attr_ids);
    let mut attr_values: HashMap<String, Values> = HashMap::new();
    let mut indices = |ids: &[&str], given: &[(&str, &str)]| -> Vec<Value> {
        ids.iter()
            .map(|id| match given.iter().find(|(k, _)| k == id) {
                Some((_, v)) => json!(attr_values.entry((*id).to_owned()).or_default().index(v)),
                None => Value::Null,
            })
            .collect()
    };

    let ds_given: Vec<(&str, &str)> = msg
        .dataset
        .attributes
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let ds_attr_idx = indices(&ds_attr_ids, &ds_given);
    let mut series_map = Map::new();
    let mut flat_obs = Map::new();
    let flat = v.series_dims.is_empty();
    for s in &v.series {
        let mut observations = Map::new();
        for o in &s.observations {
            let key: Vec<String> = v
                .obs_dims
                .iter()
                .zip(&o.key)
                .map(|(i, c)| pos(*i, c).to_string())
                .collect();
            let mut arr = vec![o.value.map_or(Value::Null, number)];
            arr.extend(indices(&obs_attr_ids, &o.attributes));
            observations.insert(key.join(":"), Value::Array(arr));
        }
        if flat {
            flat_obs.extend(observations);
        } else {
            let key: Vec<String> = v
                .series_dims
                .iter()
                .zip(&s.key)
                .map(|(i, c)| pos(*i, c).to_string())
                .collect();
            series_map.insert(
                key.join(":"),
                json!({
                    "attributes": indices(&series_attr_ids, &s.attributes),
                    "observations": observations,
                }),
            );
        }
    }

    let attr_json = |ids: &[&str]| -> Vec<Value> {
        ids.iter()
            .map(|id| {
                let cl = msg
                    .dsd
                    .attribute(id)
                    .and_then(|a| a.codelist.as_ref())
                    .and_then(|r| msg.structures.codelist(r));
                let values: Vec<Value> = attr_values
                    .get(*id)
                    .map(|vals| {
                        vals.list
                            .iter()
                            .map(|code| {
                                let name = cl
                                    .and_then(|cl| cl.code(code))
                                    .map_or_else(|| code.clone(), |c| c.names.get(lang).to_owned());
                                json!({"id": code, "name": name})
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                json!({"id": id, "name": concept_name(id), "values": values})
            })
            .collect()
    };

    let mut data_set = Map::new();
    data_set.insert("action".into(), json!("Information"));
    if !ds_attr_ids.is_empty() {
        data_set.insert("attributes".into(), Value::Array(ds_attr_idx));
    }
    if flat {
        data_set.insert("observations".into(), Value::Object(flat_obs));
    } else {
        data_set.insert("series".into(), Value::Object(series_map));
    }

    let names: &Names = &msg.flow.names;
    let doc = json!({
        "header": {
            "id": msg.header.id,
            "test": msg.header.test,
            "prepared": msg.header.prepared_text(),
            "sender": {"id": msg.header.sender},
        },
        "structure": {
            "links": [{"href": msg.flow.artefact.urn(Class::Dataflow), "rel": "dataflow"}],
            "name": names.get(lang),
            "dimensions": {
                "dataSet": [],
                "series": v.series_dims.iter().map(|i| dim_json(*i)).collect::<Vec<_>>(),
                "observation": v.obs_dims.iter().map(|i| dim_json(*i)).collect::<Vec<_>>(),
            },
            "attributes": {
                "dataSet": attr_json(&ds_attr_ids),
                "series": attr_json(&series_attr_ids),
                "observation": attr_json(&obs_attr_ids),
            },
        },
        "dataSets": [Value::Object(data_set)],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// An SDMX-JSON 1.0 error message.
pub fn write_error_json(error: &SdmxError) -> String {
    let title = match error {
        SdmxError::NoResults(_) => "No results found",
        SdmxError::Syntax(_) => "Syntax error",
        SdmxError::Semantic(_) => "Semantic error",
        SdmxError::NotAcceptable(_) => "Not acceptable",
        SdmxError::NotImplemented(_) => "Not implemented",
    };
    let doc = json!({"errors": [{"code": error.code(), "title": title, "detail": error.detail()}]});
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
