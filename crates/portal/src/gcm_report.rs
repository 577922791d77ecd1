//! The GCM progress report (issue 9): the national implementation plan of the Global Compact
//! for Migration as its review report for one year, per objective — actions and their status,
//! the six implementation steps, budgets, indicator trends with a chart each, evaluations —
//! in Arabic, French or English.
//!
//! [`report_body`] draws the report's content (the portal's page puts it in its layout);
//! [`report_document`] makes it a self-contained HTML file (style inside, no script, nothing
//! fetched) that prints to PDF as it shows. The input is the plan as `marsad-gcm` models it;
//! reading it from the store is the caller's job.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use marsad_gcm::catalogue::Step;
use marsad_gcm::plan::{progress, Action, Direction, Indicator, Plan, Status, Trend};
use marsad_model::Lang;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::format::Locale;
use crate::i18n::{catalog, Arg, Tr};

/// What a report is about.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    /// The reporting year: measurements, evaluations and evidence after its end are left out.
    pub year: i32,
    /// The country or observatory the report is from (as the user typed it).
    pub country: &'a str,
    /// When the report was made.
    pub made: NaiveDate,
}

/// The report as a self-contained HTML document.
pub fn report_document(locale: Locale, input: &ReportInput<'_>) -> Markup {
    let tr = catalog().tr(locale.lang);
    let title = title(&tr, locale, input);
    html! {
        (DOCTYPE)
        html lang=(locale.lang.as_str()) dir=(locale.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(REPORT_CSS)) }
            }
            body {
                main {
                    h1 { (title) }
                    (report_body(locale, input))
                }
            }
        }
    }
}

/// The report's title: "Progress report … — 2026".
pub fn title(tr: &Tr<'_>, locale: Locale, input: &ReportInput<'_>) -> String {
    tr.t_with(
        "gcm-report-title",
        &[
            ("year", Arg::Str(&locale.year(input.year))),
            ("country", Arg::Str(input.country)),
        ],
    )
}

/// The style of the standalone report (the portal page uses the portal's stylesheet).
const REPORT_CSS: &str = "body{font-family:system-ui,'Noto Sans','Noto Sans Arabic',Tahoma,sans-serif;color:#1b1b1b;line-height:1.5;margin:0}\
main{max-width:60rem;margin:0 auto;padding:1rem}\
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-block-start:2rem;border-block-end:2px solid #0b5394}h3{font-size:1rem}\
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}\
th,td{border:1px solid #c9c9c9;padding:.2rem .5rem;text-align:start;vertical-align:top}td.n,th.n{text-align:end}\
.muted{color:#4a4a4a}.gap{color:#8a4b00;font-weight:600}\
figure{margin:.5rem 0;break-inside:avoid}figcaption{color:#4a4a4a;font-size:.9rem}\
section{break-inside:avoid-page}\
@media print{main{max-width:none}h2{break-after:avoid}}";

/// The report's content: summary, the six steps, objectives at a glance, one section per
/// objective.
pub fn report_body(locale: Locale, input: &ReportInput<'_>) -> Markup {
    let tr = catalog().tr(locale.lang);
    let lang = locale.lang;
    let until = NaiveDate::from_ymd_opt(input.year, 12, 31).unwrap_or(input.made);
    let progress = progress(input.plan, until);
    let actions = &input.plan.actions;
    let mut by_status: BTreeMap<Status, usize> = BTreeMap::new();
    let mut by_step: BTreeMap<Step, usize> = BTreeMap::new();
    let mut budget: BTreeMap<&str, u64> = BTreeMap::new();
    for a in actions {
        *by_status.entry(a.status).or_default() += 1;
        *by_step.entry(a.step).or_default() += 1;
        if let Some(b) = a.budget {
            let t = budget.entry(b.currency).or_default();
            *t = t.saturating_add(b.amount);
        }
    }
    let with_actions = progress.iter().filter(|p| p.actions() > 0).count();
    let count = |n: usize| locale.integer(i64::try_from(n).unwrap_or(i64::MAX));
    html! {
        p.muted {
            (tr.t_with("gcm-report-made", &[("date", Arg::Str(&locale.date(input.made)))]))
        }
        section {
            h2 { (tr.t("gcm-report-summary")) }
            p {
                (tr.t_with("gcm-report-summary-text", &[
                    ("actions", Arg::Num(i64::try_from(actions.len()).unwrap_or(i64::MAX))),
                    ("objectives", Arg::Num(i64::try_from(with_actions).unwrap_or(i64::MAX))),
                ]))
            }
            table {
                caption { (tr.t("gcm-report-by-status")) }
                thead { tr { th scope="col" { (tr.t("gcm-report-status")) } th.n scope="col" { (tr.t("gcm-report-actions")) } } }
                tbody {
                    @for s in Status::ALL {
                        tr { th scope="row" { (s.label().get(lang)) } td.n { (count(by_status.get(&s).copied().unwrap_or(0))) } }
                    }
                }
            }
            @if !budget.is_empty() {
                table {
                    caption { (tr.t("gcm-report-budget")) }
                    tbody {
                        @for (currency, amount) in &budget {
                            tr { th scope="row" { (currency) } td.n { (locale.integer(i64::try_from(*amount).unwrap_or(i64::MAX))) } }
                        }
                    }
                }
            }
        }
        section {
            h2 { (tr.t("gcm-report-steps")) }
            table {
                thead { tr {
                    th scope="col" { (tr.t("gcm-report-step")) }
                    th scope="col" { (tr.t("gcm-report-deliverable")) }
                    th.n scope="col" { (tr.t("gcm-report-actions")) }
                } }
                tbody {
                    @for step in Step::ALL {
                        tr {
                            th scope="row" { (locale.integer(i64::from(step.number()))) ". " (step.name().get(lang)) }
                            td { (tr.t(&format!("gcm-deliverable-{}", step.code()))) }
                            td.n { (count(by_step.get(&step).copied().unwrap_or(0))) }
                        }
                    }
                }
            }
        }
        section {
            h2 { (tr.t("gcm-report-glance")) }
            table {
                thead { tr {
                    th scope="col" { (tr.t("gcm-report-objective")) }
                    th.n scope="col" { (tr.t("gcm-report-actions")) }
                    th.n scope="col" { (Status::Completed.label().get(lang)) }
                    th.n scope="col" { (tr.t("gcm-report-indicators")) }
                    th.n scope="col" { (Trend::Improving.label().get(lang)) }
                    th.n scope="col" { (Trend::Worsening.label().get(lang)) }
                } }
                tbody {
                    @for p in &progress {
                        @let trends = |t: Trend| p.indicators.iter().filter(|i| i.trend == Some(t)).count();
                        tr {
                            th scope="row" { a href=(format!("#objective-{}", p.objective.number())) { (locale.integer(i64::from(p.objective.number()))) ". " (p.objective.objective().title.get(lang)) } }
                            td.n { (count(p.actions())) }
                            td.n { (count(p.by_status.get(&Status::Completed).copied().unwrap_or(0))) }
                            td.n { (count(p.indicators.len())) }
                            td.n { (count(trends(Trend::Improving))) }
                            td.n { (count(trends(Trend::Worsening))) }
                        }
                    }
                }
            }
        }
        @for p in &progress {
            @let objective = p.objective;
            @let served: Vec<&Action> = actions.iter().filter(|a| a.objectives.contains(&objective)).collect();
            section id=(format!("objective-{}", objective.number())) {
                h2 { (tr.t_with("gcm-report-objective-n", &[("n", Arg::Str(&locale.integer(i64::from(objective.number()))))])) " — " (objective.objective().title.get(lang)) }
                @if served.is_empty() {
                    p.gap { (tr.t("gcm-report-no-action")) }
                } @else {
                    (actions_table(&tr, locale, &served))
                    (indicators(&tr, locale, input.plan, &served, until))
                    (evaluations(&tr, locale, input.plan, &served, until))
                }
            }
        }
    }
}

fn actions_table(tr: &Tr<'_>, locale: Locale, actions: &[&Action]) -> Markup {
    let lang = locale.lang;
    html! {
        table {
            caption { (tr.t("gcm-report-actions")) }
            thead { tr {
                th scope="col" { (tr.t("gcm-report-action")) }
                th scope="col" { (tr.t("gcm-report-owner")) }
                th scope="col" { (tr.t("gcm-report-status")) }
                th scope="col" { (tr.t("gcm-report-step")) }
                th scope="col" { (tr.t("gcm-report-dates")) }
                th.n scope="col" { (tr.t("gcm-report-budget")) }
            } }
            tbody {
                @for a in actions {
                    tr {
                        td { span.muted { bdi { (a.id) } } " " bdi { (a.title) } }
                        td { bdi { (a.owner) } @if !a.partners.is_empty() { br; span.muted { bdi { (a.partners.join(", ")) } } } }
                        td { (a.status.label().get(lang)) }
                        td { (a.step.name().get(lang)) }
                        td { (locale.date(a.start)) @if let Some(end) = a.end { " – " (locale.date(end)) } }
                        td.n { @if let Some(b) = a.budget { (locale.integer(i64::try_from(b.amount).unwrap_or(i64::MAX))) " " (b.currency) } }
                    }
                }
            }
        }
    }
}

fn indicators(
    tr: &Tr<'_>,
    locale: Locale,
    plan: &Plan,
    actions: &[&Action],
    until: NaiveDate,
) -> Markup {
    let lang = locale.lang;
    let list: Vec<&Indicator> = plan
        .indicators
        .iter()
        .filter(|i| actions.iter().any(|a| a.id == i.action))
        .collect();
    if list.is_empty() {
        return html! { p.gap { (tr.t("gcm-report-no-indicator")) } };
    }
    html! {
        h3 { (tr.t("gcm-report-indicators")) }
        @for i in list {
            @let upto = Indicator {
                measurements: i.measurements.iter().filter(|m| m.period.end <= until).cloned().collect(),
                ..i.clone()
            };
            @let direction = upto.validate().ok();
            @let trend = direction.map(|d| upto.trend(d));
            @let series = upto.series();
            figure {
                (trend_chart(tr, locale, &upto, direction))
                figcaption {
                    strong { bdi { (i.code) } } " (" bdi { (i.action) } ") · "
                    (tr.t("gcm-report-baseline")) " " (locale.decimal(i.baseline.value, 1)) " (" (i.baseline.period.to_string()) ") · "
                    (tr.t("gcm-report-target")) " " (locale.decimal(i.target.value, 1)) " (" (i.target.period.to_string()) ") · "
                    (tr.t("gcm-report-trend")) " " (trend.unwrap_or(Trend::NoData).label().get(lang))
                    @if direction.is_some_and(|d| upto.achieved(d)) { " · " strong { (tr.t("gcm-report-achieved")) } }
                }
            }
            @if !series.is_empty() {
                table {
                    thead { tr { th scope="col" { (tr.t("gcm-report-period")) } th.n scope="col" { (tr.t("gcm-report-value")) } th scope="col" { (tr.t("gcm-report-source")) } } }
                    tbody {
                        @for m in &series {
                            tr { td { bdi { (m.period.to_string()) } } td.n { (locale.decimal(m.value, 1)) } td { bdi { (m.source) } } }
                        }
                    }
                }
            }
        }
    }
}

fn evaluations(
    tr: &Tr<'_>,
    locale: Locale,
    plan: &Plan,
    actions: &[&Action],
    until: NaiveDate,
) -> Markup {
    let mut list: Vec<_> = plan
        .evaluations
        .iter()
        .filter(|e| e.date <= until && actions.iter().any(|a| a.id == e.action))
        .collect();
    list.sort_by_key(|e| e.date);
    if list.is_empty() {
        return html! {};
    }
    html! {
        h3 { (tr.t("gcm-report-evaluations")) }
        @for e in list {
            article {
                p { strong { (locale.date(e.date)) } " · " bdi { (e.action) } " · " bdi { (e.author) } }
                p { (tr.t("gcm-report-learned")) " " bdi { (e.learned) } }
                @if !e.obstacles.is_empty() {
                    p { (tr.t("gcm-report-obstacles")) }
                    ul { @for o in &e.obstacles { li { bdi { (o) } } } }
                }
            }
        }
    }
}

/// Width and height of a trend chart, in SVG units.
const W: f64 = 360.0;
const H: f64 = 140.0;
const PAD: f64 = 34.0;

/// An indicator's measured values over time as a line, with its baseline (dashed) and target
/// (dotted) as horizontal lines; time runs right to left in Arabic.
pub fn trend_chart(
    tr: &Tr<'_>,
    locale: Locale,
    indicator: &Indicator,
    direction: Option<Direction>,
) -> Markup {
    let series = indicator.series();
    let mut points: Vec<(NaiveDate, f64)> =
        vec![(indicator.baseline.period.end, indicator.baseline.value)];
    points.extend(series.iter().map(|m| (m.period.end, m.value)));
    let values = points
        .iter()
        .map(|p| p.1)
        .chain([indicator.target.value])
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let first = points
        .iter()
        .map(|p| p.0)
        .chain([indicator.target.period.end])
        .min()
        .unwrap_or_default();
    let last = points
        .iter()
        .map(|p| p.0)
        .chain([indicator.target.period.end])
        .max()
        .unwrap_or_default();
    let span = (last - first).num_days().max(1) as f64;
    let rtl = locale.lang == Lang::Ar;
    let x = |d: NaiveDate| {
        let t = (d - first).num_days() as f64 / span;
        let t = if rtl { 1.0 - t } else { t };
        PAD + t * (W - 2.0 * PAD)
    };
    let y = |v: f64| H - PAD + -(v - lo) / (hi - lo) * (H - 2.0 * PAD);
    let path: String = points
        .iter()
        .enumerate()
        .map(|(i, (d, v))| {
            format!(
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                x(*d),
                y(*v)
            )
        })
        .collect();
    let (left_date, right_date) = if rtl { (last, first) } else { (first, last) };
    let alt = tr.t_with(
        "gcm-report-chart-alt",
        &[
            ("code", Arg::Str(&indicator.code)),
            (
                "baseline",
                Arg::Str(&locale.decimal(indicator.baseline.value, 1)),
            ),
            (
                "target",
                Arg::Str(&locale.decimal(indicator.target.value, 1)),
            ),
            (
                "latest",
                Arg::Str(
                    &series
                        .last()
                        .map(|m| locale.decimal(m.value, 1))
                        .unwrap_or_else(|| "—".into()),
                ),
            ),
            (
                "direction",
                Arg::Str(&match direction {
                    Some(Direction::Increase) => tr.t("gcm-report-should-rise"),
                    Some(Direction::Decrease) => tr.t("gcm-report-should-fall"),
                    None => String::new(),
                }),
            ),
        ],
    );
    let anchor_start = if rtl { "end" } else { "start" };
    let anchor_end = if rtl { "start" } else { "end" };
    let value_x = if rtl { W - 4.0 } else { 4.0 };
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {W} {H}")) width=(W) height=(H) role="img" aria-label=(alt) direction=(locale.dir()) {
            title { (alt) }
            line x1=(PAD) x2=(W - PAD) y1=(format!("{:.1}", y(indicator.baseline.value))) y2=(format!("{:.1}", y(indicator.baseline.value))) stroke="#767676" stroke-dasharray="6 4" {}
            line x1=(PAD) x2=(W - PAD) y1=(format!("{:.1}", y(indicator.target.value))) y2=(format!("{:.1}", y(indicator.target.value))) stroke="#1e6b30" stroke-dasharray="2 3" stroke-width="2" {}
            path d=(path) fill="none" stroke="#0b5394" stroke-width="2.5" {}
            @for (d, v) in &points {
                circle cx=(format!("{:.1}", x(*d))) cy=(format!("{:.1}", y(*v))) r="3" fill="#0b5394" {}
            }
            text x=(value_x) y=(format!("{:.1}", y(indicator.target.value) - 3.0)) font-size="10" fill="#1e6b30" text-anchor="start" { (tr.t("gcm-report-target")) " " (locale.decimal(indicator.target.value, 1)) }
            text x=(value_x) y=(format!("{:.1}", y(indicator.baseline.value) + 11.0)) font-size="10" fill="#4a4a4a" text-anchor="start" { (tr.t("gcm-report-baseline")) " " (locale.decimal(indicator.baseline.value, 1)) }
            text x=(PAD) y=(H - 6.0) font-size="10" fill="#4a4a4a" text-anchor=(anchor_start) { (locale.year(chrono::Datelike::year(&left_date))) }
            text x=(W - PAD) y=(H - 6.0) font-size="10" fill="#4a4a4a" text-anchor=(anchor_end) { (locale.year(chrono::Datelike::year(&right_date))) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Digits;
    use marsad_gcm::catalogue::ObjectiveId;
    use marsad_gcm::plan::{Budget, Evaluation, Measurement, Period};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn action(id: &str, objectives: &[u64], status: Status, step: Step) -> Action {
        Action {
            id: id.into(),
            title: format!("Title of {id} <b>"),
            objectives: objectives
                .iter()
                .map(|n| ObjectiveId::new(*n).unwrap())
                .collect(),
            owner: "labour-agency".into(),
            partners: vec!["iom".into()],
            budget: Some(Budget {
                amount: 250_000,
                currency: "TND",
            }),
            start: d(2024, 1, 1),
            end: Some(d(2026, 12, 31)),
            status,
            step,
        }
    }

    fn m(year: i32, value: f64) -> Measurement {
        Measurement {
            period: Period::year(year).unwrap(),
            value,
            source: "observatory".into(),
        }
    }

    fn plan() -> Plan {
        Plan {
            actions: vec![
                action("A1", &[1, 17], Status::Ongoing, Step::Implementation),
                action("A2", &[6], Status::Completed, Step::Reporting),
            ],
            indicators: vec![Indicator {
                code: "10.7.1".into(),
                action: "A2".into(),
                baseline: m(2022, 30.0),
                target: m(2026, 10.0),
                direction: None,
                // The 2027 value is after the reporting year: left out.
                measurements: vec![m(2023, 25.0), m(2024, 18.0), m(2027, 999.0)],
            }],
            evaluations: vec![Evaluation {
                id: "E1".into(),
                action: "A1".into(),
                date: d(2025, 6, 1),
                author: "committee".into(),
                learned: "Consulates need the data monthly".into(),
                obstacles: vec!["no budget line".into()],
            }],
            evidence: vec![],
        }
    }

    fn render(lang: Lang, digits: Digits) -> String {
        let plan = plan();
        let input = ReportInput {
            plan: &plan,
            year: 2025,
            country: "Tunisie",
            made: d(2026, 1, 15),
        };
        // Without Fluent's direction isolates around arguments, to compare with plain text.
        report_document(Locale::new(lang).with_digits(digits), &input)
            .into_string()
            .replace(['\u{2068}', '\u{2069}'], "")
    }

    #[test]
    fn the_report_covers_every_objective_in_each_language() {
        for lang in Lang::ALL {
            let html = render(lang, Digits::Latin);
            assert!(
                html.contains(&format!(
                    "<html lang=\"{}\" dir=\"{}\">",
                    lang.as_str(),
                    Locale::new(lang).dir()
                )),
                "{lang:?}"
            );
            for n in 1..=23 {
                assert!(
                    html.contains(&format!("id=\"objective-{n}\"")),
                    "{lang:?} objective {n}"
                );
            }
            // 20 objectives without an action are named as gaps.
            let gap = catalog().tr(lang).t("gcm-report-no-action");
            assert_eq!(html.matches(&gap).count(), 20, "{lang:?}");
            assert!(!html.contains("[gcm-"), "{lang:?}: a missing message");
            // Text from the plan is escaped.
            assert!(html.contains("<bdi>Title of A1 &lt;b&gt;</bdi>") && !html.contains("A1 <b>"));
            // One chart per indicator; the value measured after the year is not shown.
            assert_eq!(html.matches("<svg").count(), 1, "{lang:?}");
            assert!(!html.contains("999"), "{lang:?}");
            assert!(html.contains("Consulates need the data monthly"));
        }
        let en = render(Lang::En, Digits::Latin);
        assert!(
            en.contains("The national plan has 2 actions, serving 3 of the 23 objectives."),
            "{en}"
        );
        assert!(en.contains("250,000 TND") || en.contains("250,000"), "{en}");
        assert!(
            en.contains("Improving"),
            "the indicator falls as it should: {en}"
        );
        let fr = render(Lang::Fr, Digits::Latin);
        assert!(fr.contains("250\u{202f}000"), "{fr}");
        assert!(fr.contains("15 janvier 2026"), "{fr}");
    }

    #[test]
    fn arabic_reports_use_arabic_plurals_digits_and_mirrored_time() {
        let ar = render(Lang::Ar, Digits::Arabic);
        assert!(ar.contains("إجراءين"), "dual form for two actions: {ar}");
        assert!(ar.contains("٢٥٠٬٠٠٠"), "{ar}");
        assert!(ar.contains("١٥ يناير ٢٠٢٦"), "{ar}");
        // The line starts (baseline, the earliest point) on the right.
        let path = ar.split("<path d=\"M").nth(1).unwrap();
        let first_x: f64 = path.split(',').next().unwrap().parse().unwrap();
        let en = render(Lang::En, Digits::Latin);
        let path_en = en.split("<path d=\"M").nth(1).unwrap();
        let first_x_en: f64 = path_en.split(',').next().unwrap().parse().unwrap();
        assert!(
            first_x > W / 2.0 && first_x_en < W / 2.0,
            "{first_x} {first_x_en}"
        );
    }
}
