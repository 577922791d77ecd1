//! The cube: incremental refresh equals recomputation, margins add up, time rolls up, rows
//! round-trip.

use std::collections::BTreeMap;

use marsad_stats::catalogue::IndicatorId;
use marsad_stats::cube::{delta_rows, CubeError, Cubes, Fact, ObsStatus, Query, Sums, SCALE};
use marsad_stats::dims::{Dim, Month, Period};

use crate::rng::Rng;

const SEXES: &[&str] = &["F", "M", "_U"];
const AGES: &[&str] = &["Y15T19", "Y20T24", "Y25T29", "Y30T34", "_U"];
const COUNTRIES: &[&str] = &["FRA", "ITA", "DEU", "QAT", "LBY", "_U"];
const OCCUPATIONS: &[&str] = &["OC5", "OC7", "OC9"];
const GOVERNORATES: &[&str] = &["Tunis", "Sfax", "صفاقس", "_U"];
const INDICATORS: &[IndicatorId] = &[
    IndicatorId::WorkersPlaced,
    IndicatorId::RecruitmentCost,
    IndicatorId::ImmigrantStock,
    IndicatorId::ImmigrationLt,
];

fn code(rng: &mut Rng, list: &[&'static str]) -> &'static str {
    list[rng.below(list.len())]
}

fn month(rng: &mut Rng) -> Month {
    Month::new(2022 + rng.below(3) as i32, 1 + rng.below(12) as u32).unwrap()
}

fn random_fact(rng: &mut Rng) -> Fact<'static> {
    let ind = *rng.pick(INDICATORS);
    let sums = match ind {
        IndicatorId::RecruitmentCost => Sums::ratio(rng.below(500_000) as i64, SCALE),
        IndicatorId::ImmigrantStock => {
            Sums::fixed(1 + rng.below(3_000_000) as i64).estimated(rng.below(2) == 0)
        }
        IndicatorId::ImmigrationLt => Sums::count(1).provisional(rng.below(3) == 0),
        _ => Sums::count(1),
    };
    Fact::new(ind, month(rng), sums)
        .with(Dim::Sex, code(rng, SEXES))
        .with(Dim::Age, code(rng, AGES))
        .with(Dim::CounterpartArea, code(rng, COUNTRIES))
        .with(Dim::CountryBirth, code(rng, COUNTRIES))
        .with(Dim::Citizenship, code(rng, COUNTRIES))
        .with(Dim::Occupation, code(rng, OCCUPATIONS))
        .with(Dim::Governorate, code(rng, GOVERNORATES))
}

fn random_record(rng: &mut Rng) -> Vec<Fact<'static>> {
    (0..1 + rng.below(3)).map(|_| random_fact(rng)).collect()
}

fn full(records: &BTreeMap<u32, Vec<Fact<'static>>>) -> Cubes {
    let all: Vec<Fact> = records.values().flatten().copied().collect();
    let mut cubes = Cubes::new();
    cubes.apply(&all, &[]).unwrap();
    cubes
}

#[test]
fn incremental_refresh_equals_recomputation_on_random_sequences() {
    for seed in 0..20 {
        let mut rng = Rng::new(seed);
        let mut records: BTreeMap<u32, Vec<Fact<'static>>> = BTreeMap::new();
        let mut cubes = Cubes::new();
        // What the store's table holds when it only ever adds delta rows.
        let mut table: BTreeMap<(String, String, String), Sums> = BTreeMap::new();
        let mut next_id = 0u32;
        for _step in 0..60 {
            // A batch: some new records, some replaced versions, some deletions.
            let mut added = Vec::new();
            let mut removed = Vec::new();
            for _ in 0..rng.below(8) {
                let op = rng.below(10);
                let existing: Vec<u32> = records.keys().copied().collect();
                if op < 5 || existing.is_empty() {
                    let facts = random_record(&mut rng);
                    added.extend(facts.iter().copied());
                    records.insert(next_id, facts);
                    next_id += 1;
                } else {
                    let id = *rng.pick(&existing);
                    let old = records.remove(&id).unwrap();
                    removed.extend(old);
                    if op < 9 {
                        let facts = random_record(&mut rng);
                        added.extend(facts.iter().copied());
                        records.insert(id, facts);
                    }
                }
            }
            let report = cubes.apply(&added, &removed).unwrap();
            assert_eq!(report.negative_cells, 0);
            for row in delta_rows(&added, &removed).unwrap() {
                assert!(!row.sums.is_zero());
                let k = (row.indicator, row.period, row.key);
                let cell = table.entry(k.clone()).or_default();
                cell.add(&row.sums, 1);
                if cell.is_zero() {
                    table.remove(&k);
                }
            }
        }
        let mut stored: Vec<(String, String, String, Sums)> = cubes
            .rows()
            .into_iter()
            .map(|r| (r.indicator, r.period, r.key, r.sums))
            .collect();
        stored.sort();
        let kept: Vec<(String, String, String, Sums)> = table
            .into_iter()
            .map(|((i, p, k), s)| (i, p, k, s))
            .collect();
        assert_eq!(kept, stored, "seed {seed}: delta rows");
        let expected = full(&records);
        assert_eq!(cubes.rows(), expected.rows(), "seed {seed}");
        // The serialised rows load back into the same cubes.
        let rows = cubes.rows();
        assert_eq!(Cubes::from_rows(&rows).unwrap().rows(), rows);
        // Removing everything leaves nothing.
        let all: Vec<Fact> = records.values().flatten().copied().collect();
        cubes.apply(&[], &all).unwrap();
        assert!(cubes.rows().is_empty(), "seed {seed}");
        for ind in INDICATORS {
            assert!(cubes.months(*ind).is_empty());
        }
    }
}

fn all_subsets(dims: &[Dim]) -> Vec<Vec<Dim>> {
    let mut out = Vec::new();
    for mask in 0u32..(1 << dims.len()) {
        for take in [2usize, 3] {
            let sub: Vec<Dim> = dims
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, d)| *d)
                .collect();
            if sub.len() <= take {
                out.push(sub);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every `_T` cell equals the sum of the cells that differ from it in exactly that position.
fn check_margins(cubes: &Cubes, q: &Query, facts: &[Fact]) {
    let table = cubes.query(q).unwrap();
    let cells: BTreeMap<(String, Vec<&str>), Sums> = table
        .cells
        .iter()
        .map(|c| ((c.period.code(), c.codes.clone()), c.sums))
        .collect();
    assert_eq!(cells.len(), table.cells.len(), "cells are unique");
    for ((period, codes), total) in &cells {
        for j in 0..codes.len() {
            if codes[j] != "_T" {
                continue;
            }
            let mut sum = Sums::default();
            let mut parts = 0;
            for ((p2, c2), s) in &cells {
                if p2 == period
                    && c2[j] != "_T"
                    && (0..codes.len()).all(|k| k == j || c2[k] == codes[k])
                {
                    sum.add(s, 1);
                    parts += 1;
                }
            }
            assert!(parts > 0, "{period} {codes:?} has no parts in position {j}");
            assert_eq!(&sum, total, "{:?} {period} {codes:?} position {j}", q.dims);
        }
    }
    // The grand total of each period is every fact of the period (flows add up months).
    for &p in &table.periods {
        let mut expected = Sums::default();
        for f in facts
            .iter()
            .filter(|f| f.indicator == q.indicator && p.contains(f.month))
        {
            expected.add(&f.sums, 1);
        }
        let all_t = vec!["_T"; q.dims.len()];
        let got = table.get(p, &all_t).map(|c| c.sums).unwrap_or_default();
        assert_eq!(got, expected, "grand total of {p}");
    }
}

#[test]
fn margins_add_up_for_every_subset_of_dimensions() {
    for seed in 100..104 {
        let mut rng = Rng::new(seed);
        let facts: Vec<Fact> = (0..400)
            .map(|_| random_fact(&mut rng))
            .filter(|f| f.indicator != IndicatorId::ImmigrantStock)
            .collect();
        let mut cubes = Cubes::new();
        cubes.apply(&facts, &[]).unwrap();
        let periods: Vec<Period> = ["2022", "2023-Q2", "2024-07", "2023", "2024"]
            .iter()
            .map(|s| Period::parse(s).unwrap())
            .collect();
        for ind in [
            IndicatorId::WorkersPlaced,
            IndicatorId::RecruitmentCost,
            IndicatorId::ImmigrationLt,
        ] {
            for dims in all_subsets(ind.def().dims) {
                check_margins(&cubes, &Query::new(ind, &dims, &periods), &facts);
            }
        }
    }
}

#[test]
fn months_roll_up_to_quarters_and_years() {
    let mut rng = Rng::new(7);
    let facts: Vec<Fact> = (0..500).map(|_| random_fact(&mut rng)).collect();
    let mut cubes = Cubes::new();
    cubes.apply(&facts, &[]).unwrap();
    let ind = IndicatorId::WorkersPlaced;
    let year = Period::Year(2023);
    let quarters: Vec<Period> = (1..=4).map(|q| Period::Quarter(2023, q)).collect();
    let months: Vec<Period> = (1..=12)
        .map(|m| Period::Month(Month::new(2023, m).unwrap()))
        .collect();
    let dims = [Dim::Sex, Dim::CounterpartArea];
    let total = |periods: &[Period]| {
        let t = cubes.query(&Query::new(ind, &dims, periods)).unwrap();
        let mut by_codes: BTreeMap<Vec<&str>, Sums> = BTreeMap::new();
        for c in &t.cells {
            by_codes.entry(c.codes.clone()).or_default().add(&c.sums, 1);
        }
        by_codes
    };
    assert_eq!(total(&[year]), total(&quarters));
    assert_eq!(total(&[year]), total(&months));

    // A stock shows its latest reference month: here the census of 2023-04, not a sum.
    let stock = IndicatorId::ImmigrantStock;
    let census = |m: u32, w: i64| {
        Fact::new(stock, Month::new(2023, m).unwrap(), Sums::fixed(w * SCALE)).with(Dim::Sex, "F")
    };
    let mut cubes = Cubes::new();
    cubes
        .apply(&[census(1, 100), census(4, 120), census(4, 5)], &[])
        .unwrap();
    let t = cubes
        .query(&Query::new(
            stock,
            &[Dim::Sex],
            &[year, Period::Quarter(2023, 1)],
        ))
        .unwrap();
    assert_eq!(t.get(year, &["F"]).unwrap().value, Some(125.0));
    assert_eq!(
        t.get(Period::Quarter(2023, 1), &["_T"]).unwrap().value,
        Some(100.0)
    );
    assert!(t.get(Period::Quarter(2023, 2), &["_T"]).is_none());
}

#[test]
fn ratios_are_computed_from_summed_numerators_and_denominators() {
    let ind = IndicatorId::RecruitmentCost;
    let m = Month::new(2024, 3).unwrap();
    // Two workers at 100 % and 200 % to FRA, one at 50 % to QAT: the mean is 116.67 %, not
    // the mean of the countries' means (125 %).
    let f = |pct: i64, c: &'static str| {
        Fact::new(ind, m, Sums::ratio(pct * SCALE, SCALE)).with(Dim::CounterpartArea, c)
    };
    let mut cubes = Cubes::new();
    cubes
        .apply(&[f(100, "FRA"), f(200, "FRA"), f(50, "QAT")], &[])
        .unwrap();
    let t = cubes
        .query(&Query::new(
            ind,
            &[Dim::CounterpartArea],
            &[Period::Year(2024)],
        ))
        .unwrap();
    let y = Period::Year(2024);
    assert_eq!(t.get(y, &["FRA"]).unwrap().value, Some(150.0));
    let all = t.get(y, &["_T"]).unwrap();
    assert!((all.value.unwrap() - 350.0 / 3.0).abs() < 1e-9);
    assert_eq!(all.sums.units, 3);
}

#[test]
fn cells_carry_units_and_status() {
    let m = Month::new(2024, 1).unwrap();
    let lt = IndicatorId::ImmigrationLt;
    let mut cubes = Cubes::new();
    cubes
        .apply(
            &[
                Fact::new(lt, m, Sums::count(1)).with(Dim::Sex, "F"),
                Fact::new(lt, m, Sums::count(1).provisional(true)).with(Dim::Sex, "M"),
            ],
            &[],
        )
        .unwrap();
    let t = cubes
        .query(&Query::new(lt, &[Dim::Sex], &[Period::Month(m)]))
        .unwrap();
    let p = Period::Month(m);
    assert_eq!(t.get(p, &["F"]).unwrap().status, ObsStatus::Normal);
    assert_eq!(t.get(p, &["M"]).unwrap().status, ObsStatus::Provisional);
    assert_eq!(t.get(p, &["_T"]).unwrap().status, ObsStatus::Provisional);
    assert_eq!(t.get(p, &["_T"]).unwrap().sums.units, 2);
    // Codes sort with the total first.
    let codes: Vec<&str> = t.cells.iter().map(|c| c.codes[0]).collect();
    assert_eq!(codes, ["_T", "F", "M"]);
}

#[test]
fn filters_keep_only_the_codes_asked_for() {
    let mut rng = Rng::new(11);
    let facts: Vec<Fact> = (0..600).map(|_| random_fact(&mut rng)).collect();
    let mut cubes = Cubes::new();
    cubes.apply(&facts, &[]).unwrap();
    let ind = IndicatorId::WorkersPlaced;
    let y = Period::Year(2023);
    let q = Query::new(ind, &[Dim::Sex], &[y]).filter(Dim::CounterpartArea, &["FRA", "ITA", "XYZ"]);
    let t = cubes.query(&q).unwrap();
    let expected: i64 = facts
        .iter()
        .filter(|f| f.indicator == ind && y.contains(f.month))
        .filter(|f| matches!(f.code(Dim::CounterpartArea), Some("FRA" | "ITA")))
        .filter(|f| f.code(Dim::Sex) == Some("F"))
        .map(|f| f.sums.units)
        .sum();
    assert!(expected > 0);
    assert_eq!(t.get(y, &["F"]).unwrap().sums.units, expected);
    // `_T` among the codes means no filter.
    let q = Query::new(ind, &[], &[y]).filter(Dim::Sex, &["_T"]);
    let all: i64 = facts
        .iter()
        .filter(|f| f.indicator == ind && y.contains(f.month))
        .map(|f| f.sums.units)
        .sum();
    assert_eq!(
        cubes.query(&q).unwrap().get(y, &[]).unwrap().sums.units,
        all
    );
}

#[test]
fn ratio_to_an_input_needs_the_input() {
    let m = Month::new(2024, 5).unwrap();
    let mut cubes = Cubes::new();
    cubes
        .apply(
            &[Fact::new(
                IndicatorId::RemittancesIn,
                m,
                Sums::fixed(2_000_000 * SCALE),
            )
            .with(Dim::CounterpartArea, "FRA")],
            &[],
        )
        .unwrap();
    let y = Period::Year(2024);
    let q = Query::new(IndicatorId::RemittancesGdp, &[Dim::CounterpartArea], &[y]);
    assert!(matches!(
        cubes.query(&q),
        Err(CubeError::MissingInput {
            input: "GDP_USD",
            ..
        })
    ));
    let t = cubes.query(&q.input(y, 40_000_000.0)).unwrap();
    assert_eq!(t.get(y, &["FRA"]).unwrap().value, Some(5.0));
}

#[test]
fn bad_queries_and_facts_are_refused_with_what_and_where() {
    let cubes = Cubes::new();
    let y = Period::Year(2024);
    let err = cubes
        .query(&Query::new(IndicatorId::RemittancesIn, &[Dim::Sex], &[y]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "query REMITTANCES_IN: SEX is not a disaggregation of this indicator (allowed: COUNTERPART_AREA)"
    );
    let err = cubes
        .query(&Query::new(
            IndicatorId::Returns,
            &[Dim::Sex, Dim::Sex],
            &[y],
        ))
        .unwrap_err();
    assert!(matches!(err, CubeError::RepeatedDimension { .. }));
    let err = cubes
        .query(&Query::new(IndicatorId::Returns, &[], &[]))
        .unwrap_err();
    assert!(matches!(err, CubeError::NoPeriod { .. }));
    // An empty cube answers an empty table.
    let t = cubes
        .query(&Query::new(IndicatorId::Returns, &[Dim::Sex], &[y]))
        .unwrap();
    assert!(t.cells.is_empty());

    let mut cubes = Cubes::new();
    let m = Month::new(2024, 1).unwrap();
    let err = cubes
        .apply(
            &[Fact::new(IndicatorId::Returns, m, Sums::count(1)).with(Dim::Sex, "_T")],
            &[],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "RETURNS fact for 2024-01: SEX is the total `_T`; facts are at the finest grain"
    );
    let err = cubes
        .apply(
            &[Fact::new(IndicatorId::RemittancesGdp, m, Sums::count(1))],
            &[],
        )
        .unwrap_err();
    assert!(matches!(err, CubeError::DerivedIndicator { .. }));
    assert!(cubes.rows().is_empty(), "a refused batch changes nothing");
}

#[test]
fn rows_name_their_dimensions() {
    let m = Month::new(2024, 2).unwrap();
    let f = Fact::new(IndicatorId::WorkersPlaced, m, Sums::count(1))
        .with(Dim::Sex, "F")
        .with(Dim::CounterpartArea, "QAT")
        .with(Dim::Occupation, "OC5");
    let row = f.to_row();
    assert_eq!(row.to_fact().unwrap(), f);
    assert_eq!(row.indicator, "WORKERS_PLACED");
    assert_eq!(row.period, "2024-02");
    assert_eq!(row.key, "SEX=F;AGE=_U;COUNTERPART_AREA=QAT;OCCUPATION=OC5");
    let mut cubes = Cubes::new();
    cubes.apply(&[f, f], &[]).unwrap();
    let rows = cubes.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].sums.units, 2);
    // A row missing a dimension loads it as unknown; a foreign dimension is refused.
    let mut old = row.clone();
    old.key = "SEX=F;COUNTERPART_AREA=QAT;OCCUPATION=OC5".to_string();
    assert_eq!(Cubes::from_rows([&old]).unwrap().rows()[0].key, row.key);
    old.key = "ROUTE=other".to_string();
    let err = Cubes::from_rows([&old]).unwrap_err();
    assert!(
        err.to_string()
            .contains("ROUTE is not a dimension of WORKERS_PLACED"),
        "{err}"
    );
}

#[test]
fn a_parallel_scan_gives_the_same_table() {
    let mut rng = Rng::new(5);
    let facts: Vec<Fact> = (0..3000).map(|_| random_fact(&mut rng)).collect();
    let mut cubes = Cubes::new();
    cubes.apply(&facts, &[]).unwrap();
    let periods = [Period::Year(2022), Period::Year(2023), Period::Year(2024)];
    for ind in INDICATORS {
        let dims = &ind.def().dims[..3];
        let mut q = Query::new(*ind, dims, &periods);
        q.threads = 1;
        let one = cubes.query(&q).unwrap();
        for threads in [2, 3, 7] {
            q.threads = threads;
            assert_eq!(
                cubes.query(&q).unwrap(),
                one,
                "{ind} with {threads} threads"
            );
        }
    }
}

#[test]
fn large_tables_aggregated_sparsely_match_small_ones_aggregated_densely() {
    // 60 countries in two dimensions and 19 ages over 12 months is beyond the dense array:
    // the whole year is aggregated in a hash map, each month alone in a dense array.
    let countries: Vec<String> = (0..60).map(|i| format!("C{i:02}")).collect();
    let ages = [
        "Y0T4", "Y5T9", "Y10T14", "Y15T19", "Y20T24", "Y25T29", "Y30T34", "Y35T39", "Y40T44",
        "Y45T49", "Y50T54", "Y55T59", "Y60T64", "Y65T69", "Y70T74", "Y75T79", "Y80T84", "Y_GE85",
    ];
    let mut rng = Rng::new(3);
    let ind = IndicatorId::BorderCrossings;
    let facts: Vec<Fact> = (0..3000)
        .map(|_| {
            Fact::new(
                ind,
                Month::new(2023, 1 + rng.below(12) as u32).unwrap(),
                Sums::count(1).provisional(rng.below(4) == 0),
            )
            .with(Dim::Citizenship, &countries[rng.below(60)])
            .with(Dim::CounterpartArea, &countries[rng.below(60)])
            .with(Dim::Age, ages[rng.below(ages.len())])
        })
        .collect();
    let mut cubes = Cubes::new();
    cubes.apply(&facts, &[]).unwrap();
    let dims = [Dim::Citizenship, Dim::CounterpartArea, Dim::Age];
    let months: Vec<Period> = (1..=12)
        .map(|m| Period::Month(Month::new(2023, m).unwrap()))
        .collect();
    let together = cubes.query(&Query::new(ind, &dims, &months)).unwrap();
    let mut one_by_one = Vec::new();
    for &m in &months {
        one_by_one.extend(cubes.query(&Query::new(ind, &dims, &[m])).unwrap().cells);
    }
    assert!(together.cells.len() > 10_000);
    assert_eq!(together.cells, one_by_one);
}
