//! The demo's GCM monitoring data, seeded and pure (issue 9): a national implementation plan with
//! actions across all 23 objectives at every step and status, indicators with baselines, targets
//! and yearly measurements, evaluations; missing-migrant incidents on the region's routes, some
//! reported by two sources (the register links them); identified trafficking victims with
//! referrals at every stage of the mechanism (some late); complaints in the three languages at
//! every status. Everything is synthetic; the same seed, `today` and `now` give the same data.
//!
//! The values are `marsad-gcm`'s own types, valid by construction (the tests check it); the CLI
//! loads them through the same functions the API uses.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use marsad_gcm::catalogue::{ObjectiveId, Step};
use marsad_gcm::incidents::{Coordinates, Incident, Reliability, Source};
use marsad_gcm::plan::{
    ActionForm, BudgetForm, Direction, Evaluation, Indicator, Measurement, Period, Plan, Status,
};
use marsad_gcm::referral::ReferralKind;
use marsad_model::codes::{country, CAUSE_OF_DEATH, ROUTE};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::DemoInstitution;

/// Institutions the mechanism needs besides the importing ones: a health ministry and a shelter
/// run by an association.
pub fn extra_institutions() -> Vec<DemoInstitution> {
    [
        (
            "sante",
            "Ministère de la santé · وزارة الصحة",
            "health_ministry",
        ),
        (
            "foyer_amal",
            "Association Amal — centre d'hébergement · جمعية أمل",
            "civil_society",
        ),
    ]
    .into_iter()
    .map(|(name, title, kind)| DemoInstitution {
        name: name.into(),
        title: title.into(),
        kind: kind.into(),
    })
    .collect()
}

/// An incident report and the institution that recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoIncident {
    pub institution: String,
    pub incident: Incident,
}

/// One scripted move of a referral: the move's code (`accept`, `decline`...), who makes it
/// (the referring or receiving side), the reason, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMove {
    pub action: &'static str,
    pub by_receiving: bool,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// A referral of a case and its moves so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReferral {
    pub kind: ReferralKind,
    pub referring: String,
    pub receiving: String,
    pub proposed_at: DateTime<Utc>,
    pub moves: Vec<DemoMove>,
}

/// An identified trafficking victim and the referrals of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCase {
    pub institution: String,
    pub identified_at: DateTime<Utc>,
    pub sex: &'static str,
    pub age_group: &'static str,
    pub nationality: &'static str,
    pub exploitation: &'static str,
    pub referrals: Vec<DemoReferral>,
}

/// A complaint and the statuses it went through (codes, oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoComplaint {
    pub lang: &'static str,
    pub category: &'static str,
    pub channel: &'static str,
    pub text: &'static str,
    pub handler: String,
    pub received_at: DateTime<Utc>,
    pub moves: Vec<(&'static str, DateTime<Utc>)>,
}

/// Everything of the GCM demo.
#[derive(Debug, Clone, PartialEq)]
pub struct GcmDemo {
    pub plan: Plan,
    /// Every action's form (the plan's actions parsed from them), in order.
    pub forms: Vec<ActionForm>,
    pub incidents: Vec<DemoIncident>,
    pub cases: Vec<DemoCase>,
    pub complaints: Vec<DemoComplaint>,
}

/// Owners of actions by theme of objective.
const OWNERS: [&str; 8] = [
    "observatoire",
    "ins",
    "police_frontieres",
    "agence_placement",
    "consulats",
    "instance_traite",
    "affaires_sociales",
    "banque_centrale",
];

/// A short title per objective (French, as the committee writes them).
const TITLES: [&str; 23] = [
    "Système national d'information sur la migration",
    "Programmes de développement dans les régions de départ",
    "Guichet d'information pour les candidats au départ",
    "Délivrance d'une preuve d'identité aux nationaux à l'étranger",
    "Accords bilatéraux de migration de travail",
    "Charte de recrutement équitable des agences privées",
    "Réduction des vulnérabilités des migrants en transit",
    "Coordination du sauvetage en mer",
    "Lutte contre le trafic de migrants",
    "Mécanisme national d'orientation des victimes de traite",
    "Gestion intégrée des frontières",
    "Procédures de détermination du statut harmonisées",
    "Alternatives à la rétention administrative",
    "Protection consulaire renforcée",
    "Accès des migrants aux services de santé",
    "Inclusion et cohésion sociale",
    "Lutte contre les discours discriminatoires",
    "Reconnaissance des compétences et qualifications",
    "Mobilisation de la diaspora pour le développement",
    "Réduction du coût des transferts de fonds",
    "Retour et réintégration durables",
    "Portabilité des droits de sécurité sociale",
    "Coopération régionale et partenariats",
];

/// A valid action form for objective `n` (1-based) number `k`.
fn form(rng: &mut ChaCha8Rng, n: u8, k: usize, first_year: i32) -> ActionForm {
    let steps = Step::ALL;
    let step = steps[(usize::from(n) + k) % steps.len()];
    let status = match step {
        Step::Initiation | Step::NeedsAssessment => Status::Completed,
        Step::Design => [Status::Draft, Status::Planned][k % 2],
        Step::Implementation => [Status::Ongoing, Status::Suspended, Status::Ongoing][k % 3],
        Step::MonitoringAndEvaluation => Status::Ongoing,
        Step::Reporting => [Status::Ongoing, Status::Completed][k % 2],
    };
    let start = NaiveDate::from_ymd_opt(
        first_year + rng.gen_range(0..3),
        1 + rng.gen_range(0..12),
        1,
    )
    .unwrap_or_default();
    let end = (status == Status::Completed || rng.gen_bool(0.7))
        .then(|| NaiveDate::from_ymd_opt(start.year() + rng.gen_range(1..4), 12, 31))
        .flatten();
    let owner = OWNERS[(usize::from(n) * 3 + k) % OWNERS.len()].to_string();
    let mut objectives = vec![n.to_string()];
    if k == 1 {
        objectives.push(((n % 23) + 1).to_string());
    }
    ActionForm {
        id: format!("A-{n:02}-{}", k + 1),
        title: if k == 0 {
            TITLES[usize::from(n) - 1].to_string()
        } else {
            format!("{} — phase {}", TITLES[usize::from(n) - 1], k + 1)
        },
        objectives,
        partners: ["OIM", "HCR", "OIT", "observatoire"]
            .into_iter()
            .filter(|p| *p != owner)
            .take(1 + k % 2)
            .map(str::to_string)
            .collect(),
        owner,
        budget: (k % 3 != 2).then(|| BudgetForm {
            amount: rng.gen_range(50..2_000) * 1_000,
            currency: if n.is_multiple_of(4) { "EUR" } else { "TND" }.into(),
        }),
        start,
        end,
        status,
        step,
    }
}

fn year(y: i32) -> Period {
    Period::year(y).unwrap_or(Period {
        start: NaiveDate::default(),
        end: NaiveDate::default(),
    })
}

/// The national plan: one to three actions per objective, an indicator on most, measured
/// yearly, and evaluations of the older ones.
fn plan(rng: &mut ChaCha8Rng, today: NaiveDate) -> (Plan, Vec<ActionForm>) {
    let first = today.year() - 4;
    let mut forms = Vec::new();
    for o in ObjectiveId::all() {
        let n = o.number();
        for k in 0..(1 + usize::from(n) % 3) {
            forms.push(form(rng, n, k, first));
        }
    }
    let actions: Vec<_> = forms.iter().filter_map(|f| f.parse().ok()).collect();
    let codes = [
        ("10.7.2", "INS"),
        ("10.c.1", "Banque centrale"),
        ("8.8.2", "Inspection du travail"),
        ("GCM-NAT-01", "Observatoire"),
    ];
    let mut indicators = Vec::new();
    let mut evaluations = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        if i % 4 == 3 {
            continue;
        }
        let (code, source) = codes[i % codes.len()];
        let baseline = rng.gen_range(10.0..60.0f64).round();
        let decrease = code == "10.c.1";
        let target = if decrease {
            (baseline * 0.5).round()
        } else {
            (baseline * 1.8).round()
        };
        let base_year = a.start.year().max(first) - 1;
        let measurements = (base_year + 1..today.year())
            .map(|y| {
                let progress = f64::from(y - base_year) / 5.0;
                let noise = rng.gen_range(-0.08..0.08);
                let value = baseline + (target - baseline) * (progress + noise);
                Measurement {
                    period: year(y),
                    value: (value * 10.0).round() / 10.0,
                    source: source.into(),
                }
            })
            .collect();
        indicators.push(Indicator {
            code: code.into(),
            action: a.id.clone(),
            baseline: Measurement {
                period: year(base_year),
                value: baseline,
                source: source.into(),
            },
            target: Measurement {
                period: year(base_year + 5),
                value: target,
                source: "Plan national".into(),
            },
            direction: Some(if decrease {
                Direction::Decrease
            } else {
                Direction::Increase
            }),
            measurements,
        });
        if a.start.year() < today.year() - 1 && i.is_multiple_of(3) {
            evaluations.push(Evaluation {
                id: format!("E{}", evaluations.len() + 1),
                action: a.id.clone(),
                date: NaiveDate::from_ymd_opt(today.year() - 1, 11, 30).unwrap_or(today),
                author: "Comité national de coordination".into(),
                learned: [
                    "Les ateliers régionaux ont touché trois fois plus d'agents que prévu.",
                    "La collecte trimestrielle des données est tenue par tous les partenaires.",
                    "Le guichet unique a réduit les délais de traitement de moitié.",
                ][i % 3]
                    .into(),
                obstacles: vec![[
                    "Budget débloqué tardivement",
                    "Rotation du personnel formé",
                    "Données administratives incomplètes",
                ][i % 3]
                    .into()],
            });
        }
    }
    (
        Plan {
            actions,
            indicators,
            evaluations,
            evidence: Vec::new(),
        },
        forms,
    )
}

/// Where incidents happen on each route: a centre and how far around it.
const ROUTE_PLACES: [(&str, &str, &str, f64, f64, f64); 6] = [
    (
        "central_mediterranean",
        "Mediterranean",
        "TUN",
        35.2,
        11.8,
        1.2,
    ),
    (
        "central_mediterranean",
        "Mediterranean",
        "LBY",
        33.1,
        12.9,
        1.0,
    ),
    (
        "western_mediterranean",
        "Mediterranean",
        "MAR",
        35.8,
        -4.5,
        0.8,
    ),
    (
        "eastern_mediterranean",
        "Mediterranean",
        "GRC",
        36.9,
        26.5,
        1.0,
    ),
    ("sahara_crossing", "Northern Africa", "NER", 19.5, 9.5, 3.0),
    (
        "horn_of_africa_yemen",
        "Middle East",
        "YEM",
        13.2,
        43.8,
        0.8,
    ),
];

const SOURCES: [(&str, Reliability); 6] = [
    ("Garde nationale", Reliability::Official),
    ("Protection civile", Reliability::Official),
    ("OIM — Missing Migrants Project", Reliability::Verified),
    ("Croissant-Rouge", Reliability::Corroborated),
    ("Presse régionale", Reliability::Unverified),
    ("Alarm Phone", Reliability::Corroborated),
];

fn incidents(rng: &mut ChaCha8Rng, today: NaiveDate) -> Vec<DemoIncident> {
    let mut out = Vec::new();
    let first = NaiveDate::from_ymd_opt(today.year() - 3, 1, 1).unwrap_or(today);
    let days = (today - first).num_days().max(1);
    for i in 0..90 {
        let (route, region, iso, lat, lon, spread) = ROUTE_PLACES[i % ROUTE_PLACES.len()];
        let date = first + Duration::days(rng.gen_range(0..days));
        let dead = rng.gen_range(0..25u32);
        let missing = if dead == 0 {
            rng.gen_range(1..40)
        } else {
            rng.gen_range(0..30)
        };
        let total = dead + missing;
        let females = rng.gen_range(0..=total / 3);
        let males = rng.gen_range(0..=(total - females) / 2);
        let children = rng.gen_range(0..=total / 5);
        let cause = if route == "sahara_crossing" {
            ["harsh_conditions", "vehicle_accident", "sickness"][i % 3]
        } else {
            ["drowning", "drowning", "mixed_or_unknown"][i % 3]
        };
        let source = SOURCES[i % SOURCES.len()];
        let place = Coordinates {
            lat: lat + rng.gen_range(-spread..spread),
            lon: lon + rng.gen_range(-spread..spread),
        };
        let incident = Incident {
            id: format!("I{i}"),
            date,
            location: Some(place),
            route: ROUTE.get(route),
            region: Some(region.into()),
            country: country(iso).ok(),
            dead,
            missing,
            survivors: Some(rng.gen_range(0..60)),
            females: Some(females),
            males: Some(males),
            children: Some(children),
            cause: CAUSE_OF_DEATH.get(cause),
            sources: vec![Source {
                name: source.0.into(),
                reliability: source.1,
            }],
        };
        // One in four is reported again by another source: a day later, a few km off, with
        // slightly revised counts.
        let again = (i % 4 == 1).then(|| {
            let other = SOURCES[(i + 2) % SOURCES.len()];
            Incident {
                id: format!("I{i}b"),
                date: (date + Duration::days(1)).min(today),
                location: Some(Coordinates {
                    lat: place.lat + 0.05,
                    lon: place.lon - 0.04,
                }),
                dead: dead + u32::from(dead > 0),
                survivors: None,
                females: None,
                males: None,
                sources: vec![Source {
                    name: other.0.into(),
                    reliability: other.1,
                }],
                ..incident.clone()
            }
        });
        let institution = if i.is_multiple_of(3) {
            "instance_traite"
        } else {
            "observatoire"
        };
        out.push(DemoIncident {
            institution: institution.into(),
            incident,
        });
        if let Some(again) = again {
            out.push(DemoIncident {
                institution: "observatoire".into(),
                incident: again,
            });
        }
    }
    out
}

const NATIONALITIES: [&str; 8] = ["CIV", "NGA", "CMR", "GIN", "TUN", "SYR", "BGD", "PHL"];
const EXPLOITATION: [&str; 6] = [
    "domestic_servitude",
    "forced_labour",
    "sexual",
    "forced_begging",
    "forced_criminality",
    "forced_marriage",
];
const AGES: [&str; 5] = ["Y_LT18", "Y18T24", "Y25T34", "Y35T49", "Y_GE50"];

/// The stage a scripted referral reaches: the moves from the proposal, by side.
const STAGES: [&[(&str, bool)]; 8] = [
    &[],
    &[("accept", true)],
    &[("accept", true), ("start", true)],
    &[("accept", true), ("start", true), ("complete", true)],
    &[("decline", true)],
    &[("accept", true), ("start", true), ("interrupt", false)],
    &[("cancel", false)],
    &[("accept", true), ("cancel", false)],
];

fn reason(action: &str) -> Option<String> {
    match action {
        "decline" => Some("Capacité d'accueil atteinte".into()),
        "interrupt" => Some("La personne a quitté le centre".into()),
        "cancel" => Some("Besoin couvert par une autre structure".into()),
        _ => None,
    }
}

fn cases(rng: &mut ChaCha8Rng, now: DateTime<Utc>) -> Vec<DemoCase> {
    let receivers = [
        (ReferralKind::Shelter, "foyer_amal"),
        (ReferralKind::Health, "sante"),
        (ReferralKind::Psychosocial, "foyer_amal"),
        (ReferralKind::LegalAid, "affaires_sociales"),
        (ReferralKind::Return, "affaires_sociales"),
        (ReferralKind::Integration, "affaires_sociales"),
    ];
    (0..64)
        .map(|i| {
            let identified_at = now - Duration::days(rng.gen_range(2..700));
            let mut referrals = Vec::new();
            for (j, (kind, receiving)) in receivers.iter().enumerate() {
                if (i + j) % 3 == 2 {
                    continue;
                }
                // Recent cases wait for answers (some late); older ones went further.
                let proposed_at = (identified_at + Duration::hours(rng.gen_range(2..72)))
                    .min(now - Duration::hours(1));
                let stage = STAGES[(i * 5 + j * 3) % STAGES.len()];
                let mut at = proposed_at;
                let moves = stage
                    .iter()
                    .map(|(action, by_receiving)| {
                        at += Duration::hours(rng.gen_range(4..120));
                        DemoMove {
                            action,
                            by_receiving: *by_receiving,
                            reason: reason(action),
                            at,
                        }
                    })
                    .filter(|m| m.at <= now)
                    .collect();
                referrals.push(DemoReferral {
                    kind: *kind,
                    referring: "instance_traite".into(),
                    receiving: (*receiving).into(),
                    proposed_at,
                    moves,
                });
            }
            DemoCase {
                institution: "instance_traite".into(),
                identified_at,
                sex: ["F", "F", "M", "F", "M", "X"][i % 6],
                age_group: AGES[(i * 7) % AGES.len()],
                nationality: NATIONALITIES[(i * 3) % NATIONALITIES.len()],
                exploitation: EXPLOITATION[i % EXPLOITATION.len()],
                referrals,
            }
        })
        .collect()
}

const COMPLAINTS: [(&str, &str, &str); 6] = [
    (
        "ar",
        "recruitment_fees",
        "طلب مني مكتب التوظيف دفع رسوم كبيرة قبل السفر ولم أحصل على عقد.",
    ),
    (
        "fr",
        "document_retention",
        "Mon employeur garde mon passeport depuis mon arrivée et refuse de me le rendre.",
    ),
    (
        "en",
        "labour_rights",
        "I have not been paid for three months and work more than twelve hours a day.",
    ),
    (
        "ar",
        "service_access",
        "رفض المستشفى استقبال ابني لأنني لا أملك بطاقة إقامة.",
    ),
    (
        "fr",
        "discrimination",
        "On m'a refusé la location d'un logement à cause de ma nationalité.",
    ),
    (
        "en",
        "other",
        "The hotline number on the consulate website does not answer.",
    ),
];

const COMPLAINT_PATHS: [&[&str]; 6] = [
    &[],
    &["under_review"],
    &["under_review", "referred"],
    &["under_review", "answered"],
    &["under_review", "referred", "answered", "closed"],
    &["closed"],
];

fn complaints(rng: &mut ChaCha8Rng, now: DateTime<Utc>) -> Vec<DemoComplaint> {
    (0..30)
        .map(|i| {
            let (lang, category, text) = COMPLAINTS[i % COMPLAINTS.len()];
            let received_at = now - Duration::days(rng.gen_range(1..300));
            let mut at = received_at;
            let moves = COMPLAINT_PATHS[(i * 5) % COMPLAINT_PATHS.len()]
                .iter()
                .map(|to| {
                    at += Duration::hours(rng.gen_range(6..240));
                    (*to, at.min(now))
                })
                .collect();
            DemoComplaint {
                lang,
                category,
                channel: ["form", "hotline", "api"][i % 3],
                text,
                handler: if category == "labour_rights" || category == "recruitment_fees" {
                    "affaires_sociales"
                } else {
                    "observatoire"
                }
                .into(),
                received_at,
                moves,
            }
        })
        .collect()
}

/// The GCM demo for a data set whose exports are made on `today`, loaded at `now`.
pub fn generate(seed: u64, today: NaiveDate, now: DateTime<Utc>) -> GcmDemo {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6763_6d5f_6465_6d6f);
    let (plan, forms) = plan(&mut rng, today);
    let incidents = incidents(&mut rng, today);
    let cases = cases(&mut rng, now);
    let complaints = complaints(&mut rng, now);
    GcmDemo {
        plan,
        forms,
        incidents,
        cases,
        complaints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marsad_gcm::incidents::{deduplicate, DedupRules};
    use marsad_gcm::referral::{Action, Referral, ReferralState};

    fn demo() -> GcmDemo {
        let today = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        let now = DateTime::parse_from_rfc3339("2025-06-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        generate(7, today, now)
    }

    #[test]
    fn deterministic_and_valid() {
        let d = demo();
        assert_eq!(d, demo());
        assert_eq!(
            d.forms.len(),
            d.plan.actions.len(),
            "every form is a valid action"
        );
        d.plan.validate().unwrap();
        for o in ObjectiveId::all() {
            assert!(
                d.plan.actions.iter().any(|a| a.objectives.contains(&o)),
                "objective {o} has no action"
            );
        }
        for s in Step::ALL {
            assert!(d.plan.actions.iter().any(|a| a.step == s), "{s:?}");
        }
        let today = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        for i in &d.incidents {
            i.incident.validate(today).unwrap();
        }
    }

    #[test]
    fn incidents_on_every_route_some_reported_twice() {
        let d = demo();
        for route in [
            "central_mediterranean",
            "western_mediterranean",
            "eastern_mediterranean",
            "sahara_crossing",
            "horn_of_africa_yemen",
        ] {
            assert!(d
                .incidents
                .iter()
                .any(|i| i.incident.route.map(|r| r.code) == Some(route)));
        }
        let reports: Vec<Incident> = d.incidents.iter().map(|i| i.incident.clone()).collect();
        let merged = deduplicate(&reports, &DedupRules::default());
        let twice = merged.iter().filter(|m| m.reports.len() >= 2).count();
        assert!(twice >= 15, "{twice} incidents reported twice");
        assert!(merged.len() < reports.len());
    }

    #[test]
    fn referrals_reach_every_state_through_the_state_machine() {
        let d = demo();
        let mut states = std::collections::BTreeSet::new();
        for (c, case) in d.cases.iter().enumerate() {
            for (j, r) in case.referrals.iter().enumerate() {
                let mut referral = Referral::propose(
                    &format!("{c}-{j}"),
                    &c.to_string(),
                    r.kind,
                    &r.referring,
                    &r.receiving,
                    r.proposed_at,
                )
                .unwrap();
                for m in &r.moves {
                    let who = if m.by_receiving {
                        &r.receiving
                    } else {
                        &r.referring
                    };
                    let reason = m.reason.clone().unwrap_or_default();
                    let action = match m.action {
                        "accept" => Action::Accept,
                        "decline" => Action::Decline { reason },
                        "start" => Action::Start,
                        "complete" => Action::Complete,
                        "interrupt" => Action::Interrupt { reason },
                        _ => Action::Cancel { reason },
                    };
                    referral.apply(who, action, m.at).unwrap();
                }
                states.insert(referral.state());
            }
        }
        assert_eq!(states.len(), ReferralState::ALL.len(), "{states:?}");
    }

    #[test]
    fn complaints_in_three_languages_at_every_status() {
        let d = demo();
        for lang in ["ar", "fr", "en"] {
            assert!(d.complaints.iter().any(|c| c.lang == lang));
        }
        let last: std::collections::BTreeSet<&str> = d
            .complaints
            .iter()
            .map(|c| c.moves.last().map_or("received", |m| m.0))
            .collect();
        assert_eq!(last.len(), 5, "{last:?}");
    }
}
