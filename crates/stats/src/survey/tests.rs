//! Checks against R `survey` 4.1.1 (fixtures made by `tests/data/survey/make_fixtures.R`).

use super::*;

const DATA: &str = include_str!("../../tests/data/survey/survey.csv");
const REFERENCE: &str = include_str!("../../tests/data/survey/reference.csv");

struct Survey {
    strata: Vec<String>,
    psus: Vec<String>,
    weights: Vec<f64>,
    columns: HashMap<String, Vec<String>>,
}

impl Survey {
    fn load() -> Survey {
        let mut lines = DATA.lines();
        let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        let mut columns: HashMap<String, Vec<String>> = HashMap::new();
        for line in lines {
            for (h, v) in header.iter().zip(line.split(',')) {
                columns.entry(h.clone()).or_default().push(v.to_string());
            }
        }
        Survey {
            strata: columns["stratum"].clone(),
            psus: columns["psu"].clone(),
            weights: columns["weight"]
                .iter()
                .map(|w| w.parse().unwrap())
                .collect(),
            columns,
        }
    }

    fn numeric(&self, name: &str) -> Vec<f64> {
        self.columns[name]
            .iter()
            .map(|v| v.parse().unwrap())
            .collect()
    }

    fn design(&self, lonely: LonelyPsu) -> Result<Design, SurveyError> {
        Design::new(&self.strata, &self.psus, &self.weights, lonely)
    }
}

fn close(what: &str, ours: f64, theirs: &str, tolerance: f64, floor: f64) {
    let theirs: f64 = match theirs {
        "NA" | "NaN" | "Inf" | "-Inf" => f64::NAN,
        t => t.parse().unwrap(),
    };
    let scale = theirs.abs().max(floor).max(1e-300);
    assert!(
        (ours - theirs).abs() <= tolerance * scale || (ours - theirs).abs() < 1e-15,
        "{what}: ours {ours}, R {theirs}, relative error {}",
        (ours - theirs).abs() / scale
    );
}

#[test]
fn matches_r_survey_totals_means_proportions_ratios_and_domains() {
    let s = Survey::load();
    let mut lines = REFERENCE.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut checked = 0;
    for line in lines {
        let row: HashMap<&str, &str> = header.iter().copied().zip(line.split(',')).collect();
        let lonely = match row["lonely"] {
            "adjust" => LonelyPsu::Adjust,
            "certainty" => LonelyPsu::Certainty,
            other => panic!("lonely {other}"),
        };
        let design = s.design(lonely).unwrap();
        let members: Vec<bool>;
        let domain = if row["domain_var"].is_empty() {
            None
        } else {
            members = s.columns[row["domain_var"]]
                .iter()
                .map(|v| v == row["domain_value"])
                .collect();
            Some(Domain {
                name: row["domain_value"],
                members: &members,
            })
        };
        let values = s.numeric(row["variable"]);
        let y = Variable {
            name: row["variable"],
            values: &values,
        };
        let est = match row["kind"] {
            "total" => design.total(y, domain),
            "mean" => design.mean(y, domain),
            "proportion_logit" | "proportion_kg" => design.proportion(y, domain),
            "ratio" => {
                let den = s.numeric(row["denominator"]);
                let x = Variable {
                    name: row["denominator"],
                    values: &den,
                };
                design.ratio(y, x, domain)
            }
            other => panic!("kind {other}"),
        }
        .unwrap();
        let what = line;
        // 1e-9 relative: both sides sum the same few hundred terms in double precision. R's
        // `svyciprop(method = "logit")` fits a quasi-binomial GLM by IRLS (glm's convergence
        // epsilon 1e-8), so its estimate and interval carry an iteration error of a few 1e-9:
        // 1e-7 there.
        let tol = if row["kind"] == "proportion_logit" {
            1e-7
        } else {
            1e-9
        };
        // Standard errors that are zero up to rounding (a domain with one contributing PSU) are
        // compared on the scale of the estimate.
        let floor = est.estimate.abs() * 1e-6;
        close(what, est.estimate, row["estimate"], tol, 0.0);
        close(what, est.se, row["se"], tol, floor);
        let (lo, hi) = match row["kind"] {
            "proportion_logit" => est.ci_logit.unwrap(),
            "proportion_kg" => est.ci_korn_graubard_95.unwrap(),
            _ => (est.ci_low, est.ci_high),
        };
        close(what, lo, row["ci_low"], tol, floor);
        close(what, hi, row["ci_high"], tol, floor);
        match row["deff"] {
            "NA" => assert!(matches!(
                row["kind"],
                "ratio" | "proportion_logit" | "proportion_kg"
            )),
            "NaN" | "Inf" => assert_eq!(est.deff, None, "{what}"),
            d => close(what, est.deff.unwrap(), d, 1e-9, 0.0),
        }
        assert_eq!(est.unweighted_n.to_string(), row["n"], "{what}");
        checked += 1;
    }
    assert_eq!(checked, 108);
}

#[test]
fn domains_of_a_categorical_variable_partition_the_total() {
    let s = Survey::load();
    let design = s.design(LonelyPsu::Adjust).unwrap();
    let amount = s.numeric("amount");
    let y = Variable {
        name: "amount",
        values: &amount,
    };
    let all = design.total(y, None).unwrap().estimate;
    let by = domains(&s.columns["age_group"]);
    assert_eq!(by.len(), 4);
    let sum: f64 = by
        .iter()
        .map(|(code, members)| {
            let d = Domain {
                name: code,
                members,
            };
            design.total(y, Some(d)).unwrap().estimate
        })
        .sum();
    assert!((sum - all).abs() < 1e-9 * all);
}

#[test]
fn lonely_psu_fail_names_the_stratum() {
    let s = Survey::load();
    let err = s.design(LonelyPsu::Fail).unwrap_err();
    assert_eq!(
        err,
        SurveyError::LonelyPsu {
            stratum: "S7".into(),
            psu: "S7-P01".into()
        }
    );
    assert!(err.to_string().contains("S7"));
}

#[test]
fn domain_estimation_is_not_subsetting_the_design() {
    // Subsetting rows drops PSUs without domain members, so the stratum's n_h and the spread of
    // PSU totals change; the correct domain SE keeps them with zero totals.
    let s = Survey::load();
    let design = s.design(LonelyPsu::Certainty).unwrap();
    // The estimated number of persons born in Sudan.
    let amount = vec![1.0; s.weights.len()];
    let members: Vec<bool> = s.columns["country_of_birth"]
        .iter()
        .map(|c| c == "SDN")
        .collect();
    let full = design
        .total(
            Variable {
                name: "amount",
                values: &amount,
            },
            Some(Domain {
                name: "SDN",
                members: &members,
            }),
        )
        .unwrap();
    let keep: Vec<usize> = (0..s.weights.len()).filter(|&i| members[i]).collect();
    let pick = |v: &[String]| keep.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
    let sub = Design::new(
        &pick(&s.strata),
        &pick(&s.psus),
        &keep.iter().map(|&i| s.weights[i]).collect::<Vec<_>>(),
        LonelyPsu::Certainty,
    )
    .unwrap();
    let sub_amount: Vec<f64> = keep.iter().map(|&i| amount[i]).collect();
    let naive = sub
        .total(
            Variable {
                name: "amount",
                values: &sub_amount,
            },
            None,
        )
        .unwrap();
    assert!((full.estimate - naive.estimate).abs() < 1e-6 * full.estimate);
    assert!(
        (full.se - naive.se).abs() > 1e-3 * full.se,
        "{} vs {}",
        full.se,
        naive.se
    );
}

#[test]
fn reliability_flags_follow_cv_thresholds() {
    let t = CvThresholds::default();
    for (cv, flag) in [
        (Some(0.05), Reliability::Reliable),
        (Some(0.166), Reliability::Reliable),
        (Some(0.2), Reliability::UseWithCaution),
        (Some(0.333), Reliability::UseWithCaution),
        (Some(0.34), Reliability::Suppress),
        (None, Reliability::Suppress),
    ] {
        assert_eq!(t.classify(cv), flag, "{cv:?}");
    }
    let s = Survey::load();
    let design = s.design(LonelyPsu::Adjust).unwrap();
    let remit = s.numeric("remit");
    let members: Vec<bool> = s.columns["age_group"]
        .iter()
        .map(|c| c == "Y_GE55")
        .collect();
    let d = Some(Domain {
        name: "Y_GE55",
        members: &members,
    });
    let y = Variable {
        name: "remit",
        values: &remit,
    };
    let est = design.total(y, d).unwrap();
    let strict = design
        .clone()
        .with_thresholds(CvThresholds {
            caution: 0.01,
            suppress: 0.02,
        })
        .total(y, d)
        .unwrap();
    assert!(est.cv.unwrap() > 0.02);
    assert_eq!(strict.reliability, Reliability::Suppress);
}

#[test]
fn errors_name_what_and_where() {
    let w = [1.0, 2.0, -3.0];
    let err =
        Design::new(&["a", "a", "b"], &["1", "2", "3"], &w, LonelyPsu::Certainty).unwrap_err();
    assert_eq!(
        err,
        SurveyError::BadWeight {
            row: 2,
            weight: -3.0
        }
    );
    let d = Design::new(
        &["a", "a", "b"],
        &["1", "2", "3"],
        &[1.0; 3],
        LonelyPsu::Certainty,
    )
    .unwrap();
    let y = [0.0, 0.5, 1.0];
    assert!(matches!(
        d.proportion(
            Variable {
                name: "remit",
                values: &y
            },
            None
        ),
        Err(SurveyError::NotIndicator { row: 1, .. })
    ));
    let bad = [0.0, f64::NAN, 1.0];
    assert!(matches!(
        d.mean(
            Variable {
                name: "amount",
                values: &bad
            },
            None
        ),
        Err(SurveyError::NotFinite { row: 1, .. })
    ));
    let none = [false; 3];
    assert_eq!(
        d.mean(
            Variable {
                name: "amount",
                values: &y
            },
            Some(Domain {
                name: "SEX=X",
                members: &none
            })
        ),
        Err(SurveyError::EmptyDomain {
            domain: "SEX=X".into()
        })
    );
    let zero = [0.0; 3];
    assert!(matches!(
        d.ratio(
            Variable {
                name: "amount",
                values: &y
            },
            Variable {
                name: "remit",
                values: &zero
            },
            None
        ),
        Err(SurveyError::ZeroDenominator { .. })
    ));
    assert!(d.clone().with_z(f64::NAN).is_err());
}
