//! Error analysis of the linker against a truth file (a development tool for bench/link, not
//! part of the engine): runs [`marsad_link::link`] on canonical person CSVs and sorts the
//! false pairs (two people in one predicted person) and the missed pairs (one person split)
//! by cause, with a few examples of each.
//!
//! ```sh
//! cargo run --release -p marsad-link --example link_errors -- \
//!     --truth DIR/truth.csv [--config FILE] [--examples N] DIR/census.csv DIR/border.csv ...
//! ```
//!
//! False pairs are sorted by whether the two records were linked directly (score at or above
//! the link threshold) or only through other records (chaining), and by the levels of given,
//! family and father's name, date of birth and sources. Missed pairs are sorted by where they
//! were lost: never compared (no shared block, or only in blocks over the cap), scored below
//! the review threshold, in the review band, a link made a review because it was ambiguous,
//! or a link the clustering guard refused. With `RULES=1` in the environment it also counts,
//! per blocking rule, the true pairs the rule finds and those only it finds.

// A development tool: a missing argument or an unreadable file ends it with a message.
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use marsad_link::{
    compare, link, BlockRule, Comparison, LinkConfig, Model, PersonRow, Record, NULL,
};

/// Minimal RFC 4180 reader: fields separated by commas, optionally quoted, `""` inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn read_rows(path: &str) -> Vec<PersonRow> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut rows = parse_csv(&text).into_iter();
    let header = rows.next().unwrap_or_default();
    rows.filter(|r| r.len() > 1)
        .map(|r| {
            let mut row = PersonRow::default();
            for (h, v) in header.iter().zip(r) {
                if let Some(f) = row.field_mut(h.trim()) {
                    *f = v.trim().to_string();
                }
            }
            row
        })
        .collect()
}

fn short(c: Comparison, l: u8) -> String {
    if l == NULL {
        return "-".into();
    }
    match c {
        Comparison::Given | Comparison::Family | Comparison::Father | Comparison::Mother => {
            ["=", "~", "≈", "≠"][usize::from(l).min(3)].into()
        }
        Comparison::BirthDate => match l {
            0 => "=".into(),
            5 => "year(1 side)".into(),
            2 => "y+m".into(),
            7 => "±1y".into(),
            x => format!("L{x}"),
        },
        _ => l.to_string(),
    }
}

fn show(r: &Record, row: &PersonRow) -> String {
    fn k(n: &Option<marsad_link::Name>) -> &str {
        n.as_ref().map(|n| n.key.as_str()).unwrap_or("")
    }
    format!(
        "{}:{} [{} | {} | {}] «{} / {} / {}» {} {} doc={} place={} phone={}",
        row.source,
        row.record_id,
        k(&r.given),
        k(&r.father),
        k(&r.family),
        row.given_name,
        row.father_name,
        row.family_name,
        row.sex,
        row.birth_date,
        row.document_number,
        r.birth_place.as_deref().unwrap_or(""),
        r.phone.as_deref().unwrap_or("")
    )
}

fn explain(model: &Model, a: &Record, b: &Record) -> String {
    let e = model.explain(a, b);
    let mut s = format!("score {:.1} = prior {:.1}", e.score, e.prior);
    for t in &e.terms {
        if t.level.is_some() && t.weight != 0.0 {
            let _ = write!(
                s,
                " {}:{}={:+.1}",
                t.comparison.name(),
                t.level.unwrap_or(""),
                t.weight
            );
        }
    }
    s
}

/// What two records of different people have in common, from the most to the least alike.
fn cause(a: &Record, b: &Record) -> String {
    let key = |n: &Option<marsad_link::Name>| n.as_ref().map(|n| n.key.clone());
    let same = |x: Option<String>, y: Option<String>| x.is_some() && x == y;
    let given = same(key(&a.given), key(&b.given));
    let family = same(key(&a.family), key(&b.family));
    let father = same(key(&a.father), key(&b.father));
    let year_only = |r: &Record| r.birth.year.is_some() && r.birth.month.is_none();
    let kind = if given && family {
        let dates = if a.birth.is_full() && b.birth.is_full() && a.birth == b.birth {
            "the same full date of birth"
        } else if a.birth.year.is_some() && a.birth.year == b.birth.year {
            if year_only(a) || year_only(b) {
                "the same year of birth, one side year-only (census)"
            } else {
                "the same year of birth, other day"
            }
        } else {
            "other dates of birth"
        };
        format!("namesakes (same given and family name), {dates}")
    } else if family && father && !given {
        "siblings or twins (same family and father, other given name)".to_string()
    } else if given || family {
        "one name part the same, the other alike or missing".to_string()
    } else {
        "names differ".to_string()
    };
    let sources = if a.source == b.source {
        "same source"
    } else {
        "two sources"
    };
    format!("{kind}; {sources}")
}

struct Tally {
    counts: HashMap<String, u64>,
    examples: HashMap<String, Vec<(u32, u32)>>,
    max_examples: usize,
}

impl Tally {
    fn new(max_examples: usize) -> Tally {
        Tally {
            counts: HashMap::new(),
            examples: HashMap::new(),
            max_examples,
        }
    }

    fn add(&mut self, key: String, pair: (u32, u32), weight: u64) {
        *self.counts.entry(key.clone()).or_default() += weight;
        let e = self.examples.entry(key).or_default();
        if e.len() < self.max_examples {
            e.push(pair);
        }
    }

    fn print(&self, title: &str, top: usize, ctx: &Ctx) {
        let total: u64 = self.counts.values().sum();
        println!("\n## {title}: {total} pairs");
        let mut v: Vec<_> = self.counts.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (k, n) in v.iter().take(top) {
            println!(
                "{n:>9} {:5.1}%  {k}",
                **n as f64 * 100.0 / total.max(1) as f64
            );
            for &(a, b) in self.examples.get(*k).map(Vec::as_slice).unwrap_or(&[]) {
                let (ra, rb) = (&ctx.records[a as usize], &ctx.records[b as usize]);
                println!("      {}", show(ra, &ctx.rows[a as usize]));
                println!("      {}", show(rb, &ctx.rows[b as usize]));
                println!("        {}", explain(ctx.model, ra, rb));
            }
        }
    }
}

/// Prints each phase's time on stderr.
struct Timer(std::cell::RefCell<Option<(String, std::time::Instant)>>);

impl marsad_link::Progress for Timer {
    fn phase(&self, name: &str, _: u64) {
        let mut last = self.0.borrow_mut();
        if let Some((n, t)) = last.take() {
            eprintln!("  {n}: {:.2}s", t.elapsed().as_secs_f64());
        }
        *last = Some((name.to_string(), std::time::Instant::now()));
    }
    fn advance(&self, _: u64) {}
}

struct Ctx<'a> {
    rows: &'a [PersonRow],
    records: &'a [Record],
    model: &'a Model,
}

fn main() {
    let mut truth_path = None;
    let mut config_path = None;
    let mut examples = 2usize;
    let mut inputs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--truth" => truth_path = args.next(),
            "--config" => config_path = args.next(),
            "--examples" => examples = args.next().and_then(|n| n.parse().ok()).unwrap_or(2),
            _ => inputs.push(a),
        }
    }
    let truth_path = truth_path.expect("--truth TRUTH.csv");
    let config = match config_path {
        Some(p) => LinkConfig::from_toml(&std::fs::read_to_string(p).expect("config"))
            .expect("valid config"),
        None => LinkConfig::default(),
    };
    let mut rows = Vec::new();
    for p in &inputs {
        rows.extend(read_rows(p));
    }
    let truth_text = std::fs::read_to_string(&truth_path).expect("truth");
    let mut entity_of: HashMap<(String, String), String> = HashMap::new();
    for r in parse_csv(&truth_text).into_iter().skip(1) {
        if r.len() >= 3 {
            entity_of.insert((r[0].clone(), r[1].clone()), r[2].clone());
        }
    }
    let mut entity_ids: HashMap<String, u32> = HashMap::new();
    let entity: Vec<u32> = rows
        .iter()
        .map(|r| {
            let e = entity_of
                .get(&(r.source.clone(), r.record_id.clone()))
                .cloned()
                .unwrap_or_else(|| format!("missing-{}-{}", r.source, r.record_id));
            let n = entity_ids.len() as u32;
            *entity_ids.entry(e).or_insert(n)
        })
        .collect();
    drop(entity_of);
    let records: Vec<Record> = rows.iter().map(Record::from_row).collect();
    let t0 = std::time::Instant::now();
    let timer = Timer(std::cell::RefCell::new(None));
    let linkage = link(&records, &config, &timer);
    marsad_link::Progress::phase(&timer, "", 0);
    eprintln!("linked in {:.1}s", t0.elapsed().as_secs_f64());
    let model = &linkage.model;
    let ctx = Ctx {
        rows: &rows,
        records: &records,
        model,
    };
    println!(
        "# model: lambda {:.5} prior {:.2}",
        model.lambda,
        model.prior()
    );
    for c in Comparison::ALL {
        let i = c as usize;
        let ws: Vec<String> = c
            .levels()
            .iter()
            .enumerate()
            .map(|(l, n)| {
                format!(
                    "{n}: m={:.4} u={:.5} w={:+.1}",
                    model.m[i][l], model.u[i][l], model.weights[i][l]
                )
            })
            .collect();
        println!("  {}: {}", c.name(), ws.join("; "));
    }
    let s = &linkage.stats;
    println!(
        "# candidates {} links {} reviews {} clusters {} largest {} refused {}",
        s.candidate_pairs, s.links, s.reviews, s.clusters, s.largest_cluster, s.refused_merges
    );

    // Members of each predicted cluster and each entity.
    let n = records.len();
    let mut by_cluster: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut by_entity: HashMap<u32, Vec<u32>> = HashMap::new();
    for i in 0..n as u32 {
        by_cluster
            .entry(linkage.cluster_of[i as usize])
            .or_default()
            .push(i);
        by_entity.entry(entity[i as usize]).or_default().push(i);
    }
    let c2 = |k: usize| (k * k.saturating_sub(1) / 2) as u64;
    let pred: u64 = by_cluster.values().map(|v| c2(v.len())).sum();
    let truth: u64 = by_entity.values().map(|v| c2(v.len())).sum();
    let mut cells: HashMap<(u32, u32), usize> = HashMap::new();
    for (c, e) in linkage.cluster_of.iter().zip(&entity) {
        *cells.entry((*c, *e)).or_default() += 1;
    }
    let tp: u64 = cells.values().map(|&k| c2(k)).sum();
    let (p, r) = (
        tp as f64 / pred.max(1) as f64,
        tp as f64 / truth.max(1) as f64,
    );
    println!(
        "# pairs: true {truth} predicted {pred} correct {tp}: precision {p:.4} recall {r:.4} F1 {:.4}",
        2.0 * p * r / (p + r)
    );
    let largest_true = by_entity.values().map(Vec::len).max().unwrap_or(0);
    let mut sizes: Vec<usize> = by_cluster.values().map(Vec::len).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    println!(
        "# largest true {largest_true}; largest predicted {:?}",
        &sizes[..sizes.len().min(10)]
    );

    let direct: HashSet<(u32, u32)> = linkage
        .pairs
        .iter()
        .filter(|p| p.outcome == marsad_link::Outcome::Link)
        .map(|p| (p.a, p.b))
        .collect();
    let ambiguous: HashSet<(u32, u32)> = linkage
        .pairs
        .iter()
        .filter(|p| p.outcome == marsad_link::Outcome::Review && p.score >= config.link_threshold)
        .map(|p| (p.a, p.b))
        .collect();
    let sig = |a: u32, b: u32| -> String {
        let (ra, rb) = (&records[a as usize], &records[b as usize]);
        let l = compare(ra, rb);
        let l = model.read_levels(ra, rb, &l);
        let (sa, sb) = (&ra.source, &rb.source);
        let src = if sa == sb {
            format!("{sa}={sb}")
        } else if sa < sb {
            format!("{sa}/{sb}")
        } else {
            format!("{sb}/{sa}")
        };
        let g = |c: Comparison| short(c, l[c as usize]);
        format!(
            "given{} family{} father{} date:{} doc:{} sex:{} {src}",
            g(Comparison::Given),
            g(Comparison::Family),
            g(Comparison::Father),
            g(Comparison::BirthDate),
            g(Comparison::Document),
            g(Comparison::Sex),
        )
    };

    // False pairs, by the size of their cluster and by signature.
    let mut fp = Tally::new(examples);
    let mut fp_kind = Tally::new(0);
    let mut fp_cause = Tally::new(0);
    let mut fp_by_size: HashMap<usize, u64> = HashMap::new();
    for members in by_cluster.values() {
        if members.len() < 2 {
            continue;
        }
        let mut fp_here = 0u64;
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if entity[a as usize] == entity[b as usize] {
                    continue;
                }
                fp_here += 1;
                let (lo, hi) = (a.min(b), a.max(b));
                let how = if direct.contains(&(lo, hi)) {
                    "direct"
                } else {
                    "chained"
                };
                fp.add(format!("{how}: {}", sig(lo, hi)), (lo, hi), 1);
                let ra = &records[lo as usize];
                let rb = &records[hi as usize];
                let year_only = |r: &Record| r.birth.year.is_some() && r.birth.month.is_none();
                let dates = match (year_only(ra), year_only(rb)) {
                    (true, true) => "both year-only",
                    (true, false) | (false, true) => "one year-only",
                    _ => "both full",
                };
                fp_kind.add(format!("{how}, {dates}"), (lo, hi), 1);
                fp_cause.add(cause(ra, rb), (lo, hi), 1);
            }
        }
        let bucket = match members.len() {
            0..=6 => members.len(),
            7..=10 => 10,
            11..=20 => 20,
            21..=50 => 50,
            _ => 1000,
        };
        *fp_by_size.entry(bucket).or_default() += fp_here;
    }
    fp_kind.print("false pairs by link kind and date precision", 20, &ctx);
    fp_cause.print("false pairs by cause", 20, &ctx);
    let mut v: Vec<_> = fp_by_size.into_iter().collect();
    v.sort_unstable();
    println!("\n## false pairs by predicted cluster size (bucket ≤): {v:?}");
    fp.print("false pairs by signature", 25, &ctx);

    // Missed pairs.
    let cap_of = |rule: BlockRule| {
        if rule == BlockRule::GivenFamilyCoarse {
            config.max_name_block_size
        } else {
            config.max_block_size
        }
    };
    let mut block_sizes: Vec<HashMap<String, u32>> = Vec::new();
    for rule in BlockRule::ALL {
        let mut m: HashMap<String, u32> = HashMap::new();
        for r in &records {
            if r.is_usable() {
                for k in rule.keys(r) {
                    *m.entry(k).or_default() += 1;
                }
            }
        }
        block_sizes.push(m);
    }
    if std::env::var_os("RULES").is_some() {
        // For each true pair: the rules whose keys it shares (in blocks under the cap).
        let mut only: HashMap<&str, u64> = HashMap::new();
        let mut any: HashMap<&str, u64> = HashMap::new();
        let mut none = 0u64;
        let mut only_linked: HashMap<&str, u64> = HashMap::new();
        for members in by_entity.values() {
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    let (ra, rb) = (&records[a as usize], &records[b as usize]);
                    let hit: Vec<&str> = BlockRule::ALL
                        .iter()
                        .enumerate()
                        .filter(|(k, rule)| {
                            let kb = rule.keys(rb);
                            rule.keys(ra).iter().any(|x| {
                                kb.contains(x)
                                    && block_sizes[*k].get(x).copied().unwrap_or(0) as usize
                                        <= cap_of(**rule)
                            })
                        })
                        .map(|(_, r)| r.name())
                        .collect();
                    for h in &hit {
                        *any.entry(h).or_default() += 1;
                    }
                    let linked = linkage.cluster_of[a as usize] == linkage.cluster_of[b as usize];
                    match hit.as_slice() {
                        [] => none += 1,
                        [one] => {
                            *only.entry(one).or_default() += 1;
                            if linked {
                                *only_linked.entry(one).or_default() += 1;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        println!("\n## true pairs per rule (any / only this rule); none: {none}");
        for r in &linkage.stats.rules {
            let n = r.rule.name();
            println!(
                "  {n:<26} candidates {:>10}  true {:>8}  only {:>6} (linked {:>6})",
                r.pairs,
                any.get(n).copied().unwrap_or(0),
                only.get(n).copied().unwrap_or(0),
                only_linked.get(n).copied().unwrap_or(0)
            );
        }
    }
    let mut fnp = Tally::new(examples);
    let mut fn_where = Tally::new(0);
    for members in by_entity.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if linkage.cluster_of[a as usize] == linkage.cluster_of[b as usize] {
                    continue;
                }
                let (lo, hi) = (a.min(b), a.max(b));
                let (ra, rb) = (&records[lo as usize], &records[hi as usize]);
                let mut shared = false;
                let mut oversized = false;
                for (k, rule) in BlockRule::ALL.iter().enumerate() {
                    if !(ra.is_usable() && rb.is_usable()) {
                        break;
                    }
                    let kb = rule.keys(rb);
                    for x in rule.keys(ra).into_iter().filter(|x| kb.contains(x)) {
                        if block_sizes[k].get(&x).copied().unwrap_or(0) as usize > cap_of(*rule) {
                            oversized = true;
                        } else {
                            shared = true;
                        }
                    }
                }
                let score = model.score(ra, rb);
                let place = if !shared && oversized {
                    "not compared: oversized block".to_string()
                } else if !shared {
                    "not compared: no shared block".to_string()
                } else if score < config.review_threshold {
                    "scored no link".to_string()
                } else if score < config.link_threshold {
                    "scored review".to_string()
                } else if ambiguous.contains(&(lo, hi)) {
                    "link made a review: ambiguous".to_string()
                } else {
                    "link refused by the cluster guard".to_string()
                };
                fn_where.add(place.clone(), (lo, hi), 1);
                fnp.add(format!("{place}: {}", sig(lo, hi)), (lo, hi), 1);
            }
        }
    }
    fn_where.print("missed pairs by where they were lost", 10, &ctx);
    fnp.print("missed pairs by signature", 25, &ctx);
}
