//! The GCM progress report of a year as one self-contained HTML page (no external asset: styles
//! inline, charts as inline SVG), in Arabic (right to left), French or English: for each of the
//! 23 objectives, its actions (owner, status, step), budgets, each indicator's trend with a
//! sparkline of its measured values against baseline and target, and the evaluations of the
//! year. The input is a [`Plan`]; [`crate::plan::progress`] does the counting. Pure: the CLI
//! writes the page (and prints it to PDF).

use std::fmt::Write as _;

use chrono::NaiveDate;
use marsad_model::Lang;

use crate::catalogue::ObjectiveId;
use crate::plan::{progress, Indicator, Plan, Status};

/// The fixed words of the report.
struct Words {
    title: &'static str,
    period: &'static str,
    generated: &'static str,
    actions: &'static str,
    no_action: &'static str,
    owner: &'static str,
    status: &'static str,
    step: &'static str,
    budget: &'static str,
    indicators: &'static str,
    baseline: &'static str,
    target: &'static str,
    latest: &'static str,
    trend: &'static str,
    evaluations: &'static str,
    obstacles: &'static str,
    summary: &'static str,
    objective: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Ar => Words {
            title: "تقرير التقدم في تنفيذ الميثاق العالمي من أجل الهجرة",
            period: "الفترة",
            generated: "تاريخ الإعداد",
            actions: "الإجراءات",
            no_action: "لا يوجد إجراء في الخطة لهذا الهدف.",
            owner: "الجهة المسؤولة",
            status: "الحالة",
            step: "المرحلة",
            budget: "الميزانية",
            indicators: "المؤشرات",
            baseline: "خط الأساس",
            target: "الهدف",
            latest: "آخر قيمة",
            trend: "الاتجاه",
            evaluations: "التقييمات",
            obstacles: "العقبات",
            summary: "ملخص",
            objective: "الهدف",
        },
        Lang::Fr => Words {
            title: "Rapport d'avancement de la mise en œuvre du Pacte mondial sur les migrations",
            period: "Période",
            generated: "Établi le",
            actions: "Actions",
            no_action: "Aucune action du plan ne sert cet objectif.",
            owner: "Responsable",
            status: "État",
            step: "Étape",
            budget: "Budget",
            indicators: "Indicateurs",
            baseline: "Référence",
            target: "Cible",
            latest: "Dernière valeur",
            trend: "Tendance",
            evaluations: "Évaluations",
            obstacles: "Obstacles",
            summary: "Synthèse",
            objective: "Objectif",
        },
        Lang::En => Words {
            title: "Progress report on the implementation of the Global Compact for Migration",
            period: "Period",
            generated: "Prepared on",
            actions: "Actions",
            no_action: "No action of the plan serves this objective.",
            owner: "Owner",
            status: "Status",
            step: "Step",
            budget: "Budget",
            indicators: "Indicators",
            baseline: "Baseline",
            target: "Target",
            latest: "Latest value",
            trend: "Trend",
            evaluations: "Evaluations",
            obstacles: "Obstacles",
            summary: "Summary",
            objective: "Objective",
        },
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// User text isolated from its surroundings (a French title in an Arabic page keeps its order).
fn bdi(text: &str) -> String {
    format!("<bdi>{}</bdi>", escape(text))
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// An inline SVG sparkline of the indicator's measured values up to `until` (dots joined by a
/// line), with the baseline (grey) and the target (green, dashed) as horizontal lines. Always
/// left to right (time runs that way in charts in every language of the report).
pub fn sparkline(indicator: &Indicator, until: NaiveDate) -> String {
    const W: f64 = 160.0;
    const H: f64 = 40.0;
    const PAD: f64 = 4.0;
    let series: Vec<f64> = indicator
        .series()
        .into_iter()
        .filter(|m| m.period.end <= until && m.value.is_finite())
        .map(|m| m.value)
        .collect();
    let (b, t) = (indicator.baseline.value, indicator.target.value);
    let lo = series.iter().copied().fold(b.min(t), f64::min);
    let hi = series.iter().copied().fold(b.max(t), f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let y = |v: f64| PAD + (H - 2.0 * PAD) * (1.0 - (v - lo) / span);
    let x = |i: usize| {
        if series.len() <= 1 {
            W / 2.0
        } else {
            PAD + (W - 2.0 * PAD) * i as f64 / (series.len() - 1) as f64
        }
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spark\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" dir=\"ltr\" role=\"img\">"
    );
    let _ = write!(
        svg,
        "<line x1=\"0\" x2=\"{W}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-width=\"1\"/>",
        y(b),
        y(b)
    );
    let _ = write!(
        svg,
        "<line x1=\"0\" x2=\"{W}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#2a7\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>",
        y(t),
        y(t)
    );
    if series.len() > 1 {
        let points: Vec<String> = series
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    for (i, v) in series.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"#1f4e79\"/>",
            x(i),
            y(*v)
        );
    }
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = "body{font-family:'Noto Sans','Noto Naskh Arabic','DejaVu Sans',sans-serif;margin:2em;color:#222}\
h1{color:#1f4e79;font-size:1.6em}h2{color:#1f4e79;border-bottom:2px solid #1f4e79;padding-bottom:.2em;margin-top:1.6em;font-size:1.2em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:start;vertical-align:top}\
th{background:#eef3f8}.muted{color:#777}.gap{color:#a33}section{page-break-inside:avoid}\
.spark{vertical-align:middle}.id{white-space:nowrap}";

/// The report of year `period` in `lang`, prepared on `generated`.
pub fn render_html(plan: &Plan, period: i32, lang: Lang, generated: NaiveDate) -> String {
    let w = words(lang);
    let until = NaiveDate::from_ymd_opt(period, 12, 31).unwrap_or(generated);
    let from = NaiveDate::from_ymd_opt(period, 1, 1).unwrap_or(generated);
    let dir = if lang == Lang::Ar { "rtl" } else { "ltr" };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{} — {period}</title><style>{STYLE}</style></head><body>",
        lang.as_str(),
        escape(w.title)
    );
    let _ = write!(
        h,
        "<h1>{}</h1><p>{}: {period} · {}: {generated}</p>",
        escape(w.title),
        w.period,
        w.generated
    );
    let all = progress(plan, until);
    // Summary: actions per objective and status.
    let _ = write!(
        h,
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th>",
        w.summary, w.objective, w.actions
    );
    for s in Status::ALL {
        let _ = write!(h, "<th>{}</th>", escape(s.label().get(lang)));
    }
    h.push_str("</tr>");
    for p in &all {
        let _ = write!(
            h,
            "<tr><td>{}. {}</td><td>{}</td>",
            p.objective.number(),
            escape(p.objective.objective().title.get(lang)),
            p.actions()
        );
        for s in Status::ALL {
            let _ = write!(h, "<td>{}</td>", p.by_status.get(&s).copied().unwrap_or(0));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
    for p in &all {
        objective_section(&mut h, plan, p, &w, lang, from, until);
    }
    h.push_str("</body></html>\n");
    h
}

fn objective_section(
    h: &mut String,
    plan: &Plan,
    p: &crate::plan::ObjectiveProgress,
    w: &Words,
    lang: Lang,
    from: NaiveDate,
    until: NaiveDate,
) {
    let o: ObjectiveId = p.objective;
    let _ = write!(
        h,
        "<section id=\"o{n}\"><h2>{} {n}. {}</h2>",
        w.objective,
        escape(o.objective().title.get(lang)),
        n = o.number()
    );
    let actions: Vec<_> = plan
        .actions
        .iter()
        .filter(|a| a.objectives.contains(&o))
        .collect();
    if actions.is_empty() {
        let _ = write!(h, "<p class=\"gap\">{}</p></section>", w.no_action);
        return;
    }
    let _ = write!(
        h,
        "<h3>{}</h3><table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        w.actions, w.actions, w.owner, w.status, w.step, w.budget
    );
    for a in &actions {
        let budget = a
            .budget
            .map(|b| format!("{} {}", b.amount, b.currency))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<tr><td class=\"id\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            bdi(&a.id),
            bdi(&a.title),
            bdi(&a.owner),
            escape(a.status.label().get(lang)),
            escape(a.step.name().get(lang)),
            bdi(&budget)
        );
    }
    h.push_str("</table>");
    let indicators: Vec<&Indicator> = plan
        .indicators
        .iter()
        .filter(|i| actions.iter().any(|a| a.id == i.action))
        .collect();
    if !indicators.is_empty() {
        let _ = write!(
            h,
            "<h3>{}</h3><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
            w.indicators, w.indicators, w.baseline, w.target, w.latest, w.trend
        );
        for (i, ip) in indicators.iter().zip(p.indicators.iter().filter(|ip| {
            indicators
                .iter()
                .any(|i| i.code == ip.code && i.action == ip.action)
        })) {
            let trend = ip.trend.map(|t| t.label().get(lang)).unwrap_or("—");
            let _ = write!(
                h,
                "<tr><td class=\"id\">{} ({})</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                bdi(&i.code),
                bdi(&i.action),
                number(ip.baseline),
                number(ip.target),
                ip.latest.map(number).unwrap_or_else(|| "—".into()),
                escape(trend),
                sparkline(i, until)
            );
        }
        h.push_str("</table>");
    }
    let evaluations: Vec<_> = plan
        .evaluations
        .iter()
        .filter(|e| actions.iter().any(|a| a.id == e.action) && e.date >= from && e.date <= until)
        .collect();
    if !evaluations.is_empty() {
        let _ = write!(h, "<h3>{}</h3><ul>", w.evaluations);
        for e in evaluations {
            let _ = write!(
                h,
                "<li><strong>{}</strong> ({}, {}): {}",
                bdi(&e.action),
                bdi(&e.author),
                e.date,
                bdi(&e.learned)
            );
            if !e.obstacles.is_empty() {
                let obstacles: Vec<String> = e.obstacles.iter().map(|o| bdi(o)).collect();
                let _ = write!(h, " — {}: {}", w.obstacles, obstacles.join("; "));
            }
            h.push_str("</li>");
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Step;
    use crate::plan::{Action, Evaluation, Measurement, Period};

    fn plan() -> Plan {
        let action = Action {
            id: "A-7".into(),
            title: "Former <les> agents & \"consuls\"".into(),
            objectives: vec![ObjectiveId::new(7).unwrap()],
            owner: "observatoire".into(),
            partners: vec![],
            budget: None,
            start: NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
            end: None,
            status: Status::Ongoing,
            step: Step::Implementation,
        };
        let m = |y: i32, v: f64| Measurement {
            period: Period::year(y).unwrap(),
            value: v,
            source: "INS".into(),
        };
        Plan {
            actions: vec![action],
            indicators: vec![Indicator {
                code: "10.7.2".into(),
                action: "A-7".into(),
                baseline: m(2022, 10.0),
                target: m(2027, 40.0),
                direction: None,
                measurements: vec![m(2023, 15.0), m(2024, 22.0), m(2025, 30.0)],
            }],
            evaluations: vec![Evaluation {
                id: "E1".into(),
                action: "A-7".into(),
                date: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
                author: "Comité".into(),
                learned: "Les ateliers régionaux marchent".into(),
                obstacles: vec!["budget tardif".into()],
            }],
            evidence: vec![],
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 2, 1).unwrap()
    }

    #[test]
    fn three_languages_arabic_right_to_left() {
        let ar = render_html(&plan(), 2024, Lang::Ar, today());
        assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(ar.contains("الهدف 7."), "objective heading in Arabic");
        let fr = render_html(&plan(), 2024, Lang::Fr, today());
        assert!(fr.contains("dir=\"ltr\"") && fr.contains("En cours"));
        let en = render_html(&plan(), 2024, Lang::En, today());
        assert!(en.contains("Ongoing") && en.contains("Improving"));
        for page in [&ar, &fr, &en] {
            assert_eq!(page.matches("<section").count(), 23, "every objective");
            for external in [" src=", "<link", "url(", "<script", "@import"] {
                assert!(!page.contains(external), "no external asset: {external}");
            }
        }
    }

    #[test]
    fn text_is_escaped_and_the_year_bounds_the_data() {
        let en = render_html(&plan(), 2024, Lang::En, today());
        assert!(en.contains("<bdi>Former &lt;les&gt; agents &amp; &quot;consuls&quot;</bdi>"));
        assert!(!en.contains("<les>"));
        // Measured up to 2024: the latest value is 22, not 30.
        assert!(en.contains("<td>22</td>"), "{en}");
        assert!(en.contains("budget tardif"), "the 2024 evaluation");
        let later = render_html(&plan(), 2025, Lang::En, today());
        assert!(later.contains("<td>30</td>"));
        assert!(
            !later.contains("budget tardif"),
            "an evaluation of another year"
        );
    }

    #[test]
    fn sparkline_plots_the_series_between_baseline_and_target() {
        let p = plan();
        let until = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        let svg = sparkline(&p.indicators[0], until);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("<circle").count(), 2, "2023 and 2024");
        assert!(svg.contains("<polyline"));
        // The baseline (10) is the lowest value: drawn at the bottom; the target at the top.
        assert!(
            svg.contains("y1=\"36.0\" y2=\"36.0\" stroke=\"#999\""),
            "{svg}"
        );
        assert!(
            svg.contains("y1=\"4.0\" y2=\"4.0\" stroke=\"#2a7\""),
            "{svg}"
        );
        let empty = sparkline(
            &p.indicators[0],
            NaiveDate::from_ymd_opt(2022, 12, 31).unwrap(),
        );
        assert_eq!(empty.matches("<circle").count(), 0);
    }
}
