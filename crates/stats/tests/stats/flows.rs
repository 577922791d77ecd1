//! The 12/16-month rule on hand-made crossing sequences.

use chrono::{NaiveDate, NaiveDateTime};
use marsad_stats::flows::{classify, Crossing, Direction, Flow, FlowRule, Residence};

use Flow::*;
use Residence::*;

fn at(s: &str) -> NaiveDateTime {
    if s.len() == 10 {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    } else {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }
}

/// `crossings`: "in 2021-03-01", "out 2022-03-01 tourism"; `expected`: one
/// (residence before, flow, provisional) per crossing kept, in time order.
fn check(
    initial: Residence,
    crossings: &[&str],
    data_end: &str,
    expected: &[(Residence, Option<Flow>, bool)],
) {
    let list: Vec<Crossing> = crossings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut parts = s.split(' ');
            let direction = match parts.next().unwrap() {
                "in" => Direction::In,
                "out" => Direction::Out,
                d => panic!("bad direction {d}"),
            };
            Crossing {
                at: at(parts.next().unwrap()),
                direction,
                purpose: parts.next(),
                source: i,
            }
        })
        .collect();
    let end = NaiveDate::parse_from_str(data_end, "%Y-%m-%d").unwrap();
    let got: Vec<(Residence, Option<Flow>, bool)> =
        classify(&list, initial, &FlowRule::default(), end)
            .iter()
            .map(|c| (c.residence_before, c.flow, c.provisional))
            .collect();
    assert_eq!(got, expected, "{crossings:?} (data end {data_end})");
}

const END: &str = "2030-12-31";

#[test]
fn exactly_twelve_of_sixteen_months_is_long_term() {
    // 2021-03-01 → 2022-03-01 is 365 days, exactly the 12 months that follow.
    check(
        NonResident,
        &["in 2021-03-01", "out 2022-03-01", "in 2022-03-20"],
        END,
        &[
            (NonResident, Some(ImmigrationLt), false),
            (Resident, None, false),
            (Resident, None, false),
        ],
    );
    // Leaving after that year with no return is in turn an emigration.
    check(
        NonResident,
        &["in 2021-03-01", "out 2022-03-01"],
        END,
        &[
            (NonResident, Some(ImmigrationLt), false),
            (Resident, Some(EmigrationLt), false),
        ],
    );
    check(
        Resident,
        &["out 2021-03-01", "in 2022-03-01 family", "out 2022-03-20"],
        END,
        &[
            (Resident, Some(EmigrationLt), false),
            (NonResident, None, false),
            (NonResident, None, false),
        ],
    );
}

#[test]
fn eleven_of_sixteen_months_is_short_term() {
    check(
        NonResident,
        &["in 2021-03-01", "out 2022-02-01"],
        END,
        &[
            (NonResident, Some(ImmigrationSt), false),
            (NonResident, None, false),
        ],
    );
    // One day short of 12 months, in a leap year (366 days needed from 2020-01-01).
    check(
        NonResident,
        &["in 2020-01-01", "out 2020-12-31"],
        END,
        &[
            (NonResident, Some(ImmigrationSt), false),
            (NonResident, None, false),
        ],
    );
    check(
        Resident,
        &["out 2021-03-01", "in 2022-02-28"],
        END,
        &[
            (Resident, Some(EmigrationSt), false),
            (Resident, None, false),
        ],
    );
}

#[test]
fn stays_under_three_months_and_excluded_purposes_are_no_migration() {
    check(
        NonResident,
        &["in 2021-03-01", "out 2021-05-31"],
        END,
        &[(NonResident, None, false), (NonResident, None, false)],
    );
    check(
        NonResident,
        &["in 2021-03-01 tourism", "out 2021-09-01"],
        END,
        &[(NonResident, None, false), (NonResident, None, false)],
    );
    check(
        NonResident,
        &["in 2021-03-01 work", "out 2021-09-01"],
        END,
        &[
            (NonResident, Some(ImmigrationSt), false),
            (NonResident, None, false),
        ],
    );
    // A long-term stay is long-term whatever the declared purpose.
    check(
        NonResident,
        &["in 2021-03-01 tourism"],
        END,
        &[(NonResident, Some(ImmigrationLt), false)],
    );
}

#[test]
fn several_trips_add_up_within_the_window() {
    // In 181 days, out 120, back for the 184 days left of the window (2022-05-01): 365 in.
    // The four months away (purpose not declared) are then a resident's short-term
    // emigration.
    check(
        NonResident,
        &["in 2021-01-01", "out 2021-07-01", "in 2021-10-29"],
        END,
        &[
            (NonResident, Some(ImmigrationLt), false),
            (Resident, Some(EmigrationSt), false),
            (Resident, None, false),
        ],
    );
    // Back three days later: 362 days in, not long-term; the second arrival then stays.
    check(
        NonResident,
        &["in 2021-01-01", "out 2021-07-01", "in 2021-11-01"],
        END,
        &[
            (NonResident, Some(ImmigrationSt), false),
            (NonResident, None, false),
            (NonResident, Some(ImmigrationLt), false),
        ],
    );
    // A resident's short holidays never make an emigration.
    check(
        Resident,
        &[
            "out 2021-06-01 tourism",
            "in 2021-06-15",
            "out 2021-12-20",
            "in 2022-01-05",
        ],
        END,
        &[
            (Resident, None, false),
            (Resident, None, false),
            (Resident, None, false),
            (Resident, None, false),
        ],
    );
}

#[test]
fn emigration_then_return_is_two_migrations() {
    check(
        Resident,
        &[
            "out 2019-01-10",
            "in 2022-03-01",
            "out 2022-04-01",
            "in 2022-04-20",
        ],
        END,
        &[
            (Resident, Some(EmigrationLt), false),
            (NonResident, Some(ImmigrationLt), false),
            (Resident, None, false),
            (Resident, None, false),
        ],
    );
}

#[test]
fn missing_exit_or_entry_is_read_as_a_stay_until_the_next_crossing() {
    // Two arrivals: the person is taken to have stayed from the first to the second.
    check(
        NonResident,
        &["in 2021-01-01", "in 2021-06-01"],
        END,
        &[
            (NonResident, Some(ImmigrationLt), false),
            (Resident, None, false),
        ],
    );
    // Two departures of a resident: out from the first.
    check(
        Resident,
        &["out 2021-01-01", "out 2021-03-01", "in 2021-03-20"],
        END,
        &[
            (Resident, None, false),
            (Resident, None, false),
            (Resident, None, false),
        ],
    );
}

#[test]
fn overlapping_and_duplicate_crossings_count_once() {
    // The same crossing recorded by two sources (same minute), and a day trip.
    check(
        NonResident,
        &[
            "in 2021-01-01T08:30",
            "in 2021-01-01T08:30",
            "out 2021-01-01T18:00",
        ],
        END,
        &[(NonResident, None, false), (NonResident, None, false)],
    );
    // Entries a few minutes apart are two crossings (the second read as a missing exit).
    check(
        NonResident,
        &["in 2021-01-01T08:30", "in 2021-01-01T08:45"],
        END,
        &[
            (NonResident, Some(ImmigrationLt), false),
            (Resident, None, false),
        ],
    );
}

#[test]
fn an_incomplete_window_is_provisional() {
    // Still in at the data end: projected to stay, long-term, provisional.
    check(
        NonResident,
        &["in 2024-01-01"],
        "2024-06-30",
        &[(NonResident, Some(ImmigrationLt), true)],
    );
    // Left before the data end after two months: no migration (provisionally).
    check(
        NonResident,
        &["in 2024-01-01", "out 2024-03-01"],
        "2024-06-30",
        &[(NonResident, None, true), (NonResident, None, true)],
    );
    // The window [2023-01-01, 2024-05-01) is complete when the data reach 2024-04-30.
    check(
        NonResident,
        &["in 2023-01-01"],
        "2024-04-30",
        &[(NonResident, Some(ImmigrationLt), false)],
    );
    check(
        NonResident,
        &["in 2023-01-01"],
        "2024-04-29",
        &[(NonResident, Some(ImmigrationLt), true)],
    );
    // Crossings after the data end are not seen.
    check(
        NonResident,
        &["in 2023-01-01", "out 2023-02-01"],
        "2023-01-15",
        &[(NonResident, Some(ImmigrationLt), true)],
    );
}

#[test]
fn order_of_input_does_not_matter() {
    let a = ["in 2021-01-01", "out 2021-07-01 family", "in 2021-10-29"];
    let b = ["in 2021-10-29", "in 2021-01-01", "out 2021-07-01 family"];
    let expected = [
        (NonResident, Some(ImmigrationLt), false),
        (Resident, None, false),
        (Resident, None, false),
    ];
    check(NonResident, &a, END, &expected);
    check(NonResident, &b, END, &expected);
}
