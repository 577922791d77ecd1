//! The name functions, table-driven: one `check` per feature and many one-line cases. The
//! variant pairs and the non-matches are data files under `tests/data/`.

use marsad_names::*;

const VARIANTS: &str = include_str!("data/variants.tsv");
const NON_MATCHES: &str = include_str!("data/nonmatches.tsv");

fn rows(data: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    data.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').map(str::trim).collect()))
}

fn key(s: &str) -> String {
    name_key(s).into_string()
}

#[test]
fn variant_pairs_share_a_key() {
    let mut failures = Vec::new();
    let mut pairs = 0;
    for (line, cols) in rows(VARIANTS) {
        let expected = key(cols[0]);
        assert!(
            !expected.is_empty(),
            "line {line}: empty key for {}",
            cols[0]
        );
        for other in &cols[1..] {
            pairs += 1;
            let got = key(other);
            if got != expected {
                failures.push(format!(
                    "line {line}: {} → {expected:?} but {other} → {got:?}",
                    cols[0]
                ));
            }
        }
    }
    assert!(pairs >= 300, "only {pairs} pairs");
    assert!(
        failures.is_empty(),
        "{} of {pairs} pairs differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn non_matches_get_different_keys() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (line, cols) in rows(NON_MATCHES) {
        count += 1;
        let (a, b) = (key(cols[0]), key(cols[1]));
        if a == b {
            failures.push(format!(
                "line {line}: {} and {} both → {a:?}",
                cols[0], cols[1]
            ));
        }
    }
    assert!(count >= 100, "only {count} non-matches");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn keys() {
    let check = |name: &str, expected: &str| assert_eq!(key(name), expected, "{name:?}");
    // The letter rules.
    check("Mohamed", "mhmd");
    check("محمد", "mhmd");
    check("Mahmoud", "mhmwd");
    check("محمود", "mhmwd");
    check("Karim", "krym");
    check("Karima", "kryma");
    check("Ahmed", "ahmd");
    check("Hamed", "hmd");
    check("Omar", "amr");
    check("Amir", "amyr");
    check("Salah", "sla");
    check("Salh", "sla");
    check("Fatma", "ftma");
    check("Aicha", "ayxa");
    check("عائشة", "ayxa");
    check("Aymen", "aymn");
    check("Imen", "aymn");
    check("Chedly", "xdly");
    check("Gharbi", "ghrby");
    check("Khaled", "khld");
    check("Othman", "athmn");
    check("Oualid", "wlyd");
    check("Samia", "smya");
    check("Ayari", "ayry");
    check("Hammami", "hmamy");
    check("Mohammed", "mhmd");
    check("Guesmi", "ksmy");
    check("Gacem", "ksm");
    check("Djamel", "jml");
    check("Georges", "jrjs");
    check("Youcef", "ywsf");
    check("Moustapha", "mstfa");
    check("Jouini", "jwyny");
    check("Zouaoui", "zwawy");
    check("Sassi", "sasy");
    check("Haddad", "hdad");
    check("Xavier", "xfyr");
    // Particles, articles, compounds.
    check("Ben Youssef", "bnywsf");
    check("Benyoussef", "bnywsf");
    check("Ben Ali", "bnly");
    check("Bent Ali", "bntly");
    check("Ould Ahmed", "wldhmd");
    check("Al-Trabelsi", "trblsy");
    check("El Trabelsi", "trblsy");
    check("الطرابلسي", "trblsy");
    check("Abderrahmane", "abdrhmn");
    check("Abd al-Rahman", "abdrhmn");
    check("عبدالرحمن", "abdrhmn");
    check("Abdallah", "abdla");
    check("Noureddine", "nwrdyn");
    check("نور الدين", "nwrdyn");
    check("Abou Bakr", "bwbkr");
    check("أبو بكر", "bwbkr");
    check("Fathallah", "fthla");
    // Full names.
    check("Mohamed Ben Salah Trabelsi", "mhmd bnsla trblsy");
    check("MOHAMED<BEN<SALAH<TRABELSI", "mhmd bnsla trblsy");
    check("Mohammed bin Salih Trabelsi", "mhmd bnsla trblsy");
    check("محمد بن صالح الطرابلسي", "mhmd bnsla trblsy");
    check("Mohamed-Amine", "mhmd amyn");
    check("Mohamed Amine", "mhmd amyn");
    // Nothing to key.
    check("", "");
    check("   ", "");
    check("123", "");
    check("--<<--", "");
    check("ـــ", "");
    check("el", "al");
    check("Ben", "bn");
    check("Abd", "abd");
}

/// The documented decisions on ambiguous names (crate docs, "Decisions").
#[test]
fn decisions() {
    let check = |name: &str, expected: &str| assert_eq!(key(name), expected, "{name:?}");
    for salah in ["Salah", "Saleh", "Salih", "Salh", "صالح", "صلاح"] {
        check(salah, "sla");
    }
    check("Salha", "slha");
    check("صالحة", "slha");
    check("Aly", "aly");
    for kamel in ["Kamel", "Kamal", "كمال", "كامل"] {
        check(kamel, "kml");
    }
    check("Hamid", "hmyd");
    check("حميد", "hmyd");
    check("حامد", "hmd");
    check("Amr", "amr");
    check("Amrou", "amrw");
    check("عمرو", "amrw");
    check("زيد", "zyd");
    check("زياد", "zyd");
    check("أسامة", "asma");
    check("أسماء", "asma");
    check("أيمن", "aymn");
    check("إيمان", "aymn");
    check("Fekih", "fkya");
    check("Thabet", "thbt");
    check("Tabet", "tbt");
    check("ڤ", "f");
    check("Sahbi", "sahby");
    check("Haddad", "hdad");
    check("Salaheddine", "sldyn");
    check("صلاح الدين", "sldyn");
    check("مصطفى", "mstfa");
    check("مصطفي", "mstfy");
    check("Essid", "asyd");
    check("السيد", "syd");
}

#[test]
fn keys_never_differ_by_case_accents_or_separators() {
    let check = |a: &str, b: &str| assert_eq!(key(a), key(b), "{a:?} vs {b:?}");
    check("Hédi", "HEDI");
    check("Béchir", "bechir");
    check("Ismaïl", "ISMAIL");
    check("Fayçal", "Faysal");
    check("Saïda", "saida");
    check("Ḥasan", "Hasan");
    check("Šādhilī", "Shadhili");
    check("Ṭāriq", "Tariq");
    check("Maʿmūn", "Mamoun");
    check("Ma'moun", "Mamoun");
    check("Ma’moun", "Mamoun");
    check("MOHAMED<<", "Mohamed");
    check("  mohamed   ben   ali ", "Mohamed Ben Ali");
    check("Mohamed\u{200B}", "Mohamed");
    check("Mohamed.Ben.Ali", "Mohamed Ben Ali");
    check("Mohamed_Ben_Ali", "Mohamed Ben Ali");
    check("Moh\u{0065}\u{0301}d", "mohed");
    check("مُحَمَّد", "محمد");
    check("مـحـمـد", "محمد");
    check("\u{200F}محمد\u{200E}", "محمد");
    check("ﻣﺤﻤﺪ", "محمد");
    check("أحمد", "احمد");
    check("إبراهيم", "ابراهيم");
    check("فاطمة", "فاطمه");
    // The key reads ى before normalisation folds it: final ى is the a-vowel, final ي is y.
    assert_ne!(key("مصطفى"), key("مصطفي"));
    check("عبد ﷲ", "عبد الله");
    check("پوسف", "بوسف");
    check("ڤاطمة", "فاطمة");
    check("کریم", "كريم");
}

#[test]
fn key_idempotence_on_latin_keys() {
    let mut checked = 0;
    for (line, cols) in rows(VARIANTS) {
        for name in &cols {
            let k = name_key(name);
            let again = name_key(k.as_str());
            assert_eq!(again, k, "line {line}: {name} → {k} → {again}");
            checked += 1;
        }
    }
    for (_, cols) in rows(NON_MATCHES) {
        for name in &cols[..2] {
            let k = name_key(name);
            assert_eq!(name_key(k.as_str()), k, "{name} → {k}");
        }
    }
    assert!(checked > 900);
}

/// A deterministic generator of awkward strings: every character class the functions
/// branch on, combined at random (xorshift, fixed seed).
fn awkward_strings() -> Vec<String> {
    const POOL: &[char] = &[
        'a', 'e', 'i', 'o', 'u', 'y', 'h', 'c', 'g', 'q', 'x', 'd', 'j', 's', 't', 'k', 'l', 'n',
        'A', 'Z', 'é', 'ç', 'ß', 'Œ', 'ḥ', 'š', '\'', '’', 'ʿ', '-', '<', ' ', ',', '.', '0', '9',
        'ا', 'أ', 'إ', 'آ', 'ٱ', 'ء', 'ؤ', 'ئ', 'ى', 'ة', 'ع', 'و', 'ي', 'ه', 'ح', 'ل', 'ب', 'ن',
        'د', 'ش', 'ـ', '\u{064E}', '\u{0651}', '\u{0670}', '\u{200B}', '\u{200F}', '\u{FEFF}', '٣',
        '۴', 'پ', 'گ', 'ڤ', 'ی', 'ﻻ', 'ﻣ', 'ﷲ', '\u{0301}', 'Д', '中', '😀', '\u{0000}',
        '\u{FFFD}', '\t', '\n',
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::new();
    for _ in 0..4000 {
        let len = (next() % 24) as usize;
        let s: String = (0..len)
            .map(|_| POOL[(next() % POOL.len() as u64) as usize])
            .collect();
        out.push(s);
    }
    for w in [
        "abd",
        "abdel",
        "ben",
        "eddine",
        "الدين",
        "عبد",
        "ال",
        "بن",
        "allah",
        "الله",
    ] {
        out.push(w.to_string());
        out.push(format!("{w} {w}"));
        out.push(format!("x {w}"));
        out.push(format!("{w}-{w}<<{w}"));
    }
    out
}

#[test]
fn nothing_panics_and_normalisation_is_idempotent() {
    for s in awkward_strings() {
        let a = normalize_arabic(&s);
        assert_eq!(normalize_arabic(&a), a, "arabic {s:?}");
        let l = normalize_latin(&s);
        assert_eq!(normalize_latin(&l), l, "latin {s:?}");
        let n = normalize_name(&s);
        assert_eq!(normalize_name(&n), n, "name {s:?}");
        assert!(!a.starts_with(' ') && !a.ends_with(' ') && !a.contains("  "));
        assert!(!l.starts_with(' ') && !l.ends_with(' ') && !l.contains("  "));
        let k = name_key(&s);
        assert!(
            k.as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b' '),
            "{s:?} → {k}"
        );
        assert!(!k.as_str().contains("  "));
        let _ = coarse_key(&s);
        let _ = split_chain(&s);
        let _ = detect_script(&s);
        let _ = recover_arabic_layout(&s);
        let _ = jaro_winkler(&s, "mohamed");
        let _ = levenshtein_bounded(&s, "mohamed", 2);
    }
}

#[test]
fn arabic_normalisation() {
    let check = |input: &str, expected: &str| {
        assert_eq!(normalize_arabic(input), expected, "{input:?}");
    };
    check("مُحَمَّدٌ", "محمد");
    check("عَبْدُ الرَّحْمٰنِ", "عبد الرحمن");
    check("مـــحـــمـــد", "محمد");
    check("أحمد", "احمد");
    check("إبراهيم", "ابراهيم");
    check("آمنة", "امنه");
    check("ٱلله", "الله");
    check("ليلى", "ليلي");
    check("فاطمة", "فاطمه");
    // The key reads ى before normalisation folds it: final ى is the a-vowel, final ي is y.
    assert_ne!(key("مصطفى"), key("مصطفي"));
    check("مؤمن", "مومن");
    check("عائشة", "عايشه");
    check("وفاء", "وفا");
    check("سماء", "سما");
    check("ء", "");
    check("پرویز", "برويز");
    check("چلبي", "جلبي");
    check("ژاله", "زاله");
    check("گمال", "كمال");
    check("کریم", "كريم");
    check("یوسف", "يوسف");
    check("ڤاطمة", "فاطمه");
    check("ڨاسم", "قاسم");
    check("ۀ", "ه");
    check("ہ", "ه");
    check("ھ", "ه");
    check("١٢٣٤", "1234");
    check("۱۲۳۴", "1234");
    check("محمد\u{200B}\u{200F}علي", "محمدعلي");
    check("  محمد   بن   علي  ", "محمد بن علي");
    check("محمد، علي؛ حسن", "محمد علي حسن");
    check("ﻣﺤﻤﺪ", "محمد");
    check("ﻋﺒﺪ ﷲ", "عبد الله");
    check("ﻻ", "لا");
    check("Mohamed محمد", "Mohamed محمد");
    check("", "");
    check("\u{FEFF}محمد", "محمد");
    check("قُرْآن", "قران");
}

#[test]
fn latin_normalisation() {
    let check = |input: &str, expected: &str| {
        assert_eq!(normalize_latin(input), expected, "{input:?}");
    };
    check("Mohamed", "mohamed");
    check("MOHAMED<BEN<SALAH<TRABELSI", "mohamed ben salah trabelsi");
    check("TRABELSI<<MOHAMED<<<<<<", "trabelsi mohamed");
    check("Hédi", "hedi");
    check("Béchir", "bechir");
    check("Fayçal", "faycal");
    check("Ismaïl", "ismail");
    check("Aïcha", "aicha");
    check("Ma'moun", "mamoun");
    check("Ma’moun", "mamoun");
    check("Saʿīd", "said");
    check("Al-Trabelsi", "al trabelsi");
    check("Abd-er-Rahman", "abd er rahman");
    check("M. Ben Ali", "m ben ali");
    check("Groß", "gross");
    check("Œuvre", "oeuvre");
    check("Ḥusayn", "husayn");
    check("Mohamed\u{0301}", "mohamed");
    check("  Mohamed   Ali  ", "mohamed ali");
    check("Mohamed\tAli\nBen", "mohamed ali ben");
    check("Mohamed\u{200B}Ali", "mohamedali");
    check("Ben_Ali", "ben ali");
    check("O'Neill", "oneill");
    check("Łukasz", "lukasz");
    check("Ørsted", "orsted");
    check("2e", "2e");
    check("", "");
    check("<<<", "");
    check("Дмитрий", "дмитрий");
}

#[test]
fn names_in_both_scripts() {
    let check = |input: &str, expected: &str| {
        assert_eq!(normalize_name(input), expected, "{input:?}");
    };
    check("محمد Ben Ali", "محمد ben ali");
    check("MOHAMED مُحَمَّد", "mohamed محمد");
    check("أحمد-Ahmed", "احمد ahmed");
}

#[test]
fn coarse_keys() {
    let check = |input: &str, expected: &str| {
        assert_eq!(coarse_key(input), expected, "{input:?}");
    };
    check("Mohamed", "mhmd");
    check("Muhammad", "mhmd");
    check("Mahmoud", "mhmd");
    check("محمد", "mhmd");
    check("Abderrahmane", "abdr");
    check("Chedly", "sdl");
    check("Khaled", "kld");
    check("Youssef", "ysf");
    check("Mohamed Ben Salah Trabelsi", "mhmd bnsl trbl");
    check("Aicha", "as");
    check("Aymen", "amn");
    check("Ali", "al");
    check("", "");
}

#[test]
fn name_key_parts() {
    let k = name_key("Mohamed Ben Salah Trabelsi");
    assert_eq!(k.parts().collect::<Vec<_>>(), ["mhmd", "bnsla", "trblsy"]);
    assert_eq!(k.to_string(), "mhmd bnsla trblsy");
    assert_eq!(k.coarse(), "mhmd bnsl trbl");
    assert!(name_key("").is_empty());
    assert_eq!(name_key("").parts().count(), 0);
}

type Expected<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn chain_keys(
    c: &NameChain,
) -> (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
) {
    let k = |p: &Option<NamePart>| p.as_ref().map(|p| p.key.as_str().to_string());
    (k(&c.given), k(&c.father), k(&c.grandfather), k(&c.family))
}

#[test]
fn chains() {
    // (input, (given, father, grandfather, family)) as keys.
    let check = |input: &str, (g, f, gf, fam): Expected| {
        let c = split_chain(input);
        let got = chain_keys(&c);
        let want = (
            g.map(String::from),
            f.map(String::from),
            gf.map(String::from),
            fam.map(String::from),
        );
        assert_eq!(got, want, "{input:?} → {c:#?}");
    };
    let s = Some;
    // Tunisian chains, Latin.
    check(
        "Mohamed Ben Salah Trabelsi",
        (s("mhmd"), s("sla"), None, s("trblsy")),
    );
    check(
        "MOHAMED<BEN<SALAH<TRABELSI",
        (s("mhmd"), s("sla"), None, s("trblsy")),
    );
    check(
        "Mohammed bin Salih Trabelsi",
        (s("mhmd"), s("sla"), None, s("trblsy")),
    );
    check(
        "Mohamed Ben Salah Ben Youssef Trabelsi",
        (s("mhmd"), s("sla"), s("ywsf"), s("trblsy")),
    );
    check(
        "Mohamed Ben Salah Ben Youssef Al-Trabelsi",
        (s("mhmd"), s("sla"), s("ywsf"), s("trblsy")),
    );
    check("Ahmed Ben Youssef", (s("ahmd"), None, None, s("bnywsf")));
    check(
        "Ahmed Ben Ali Ben Youssef",
        (s("ahmd"), s("aly"), None, s("bnywsf")),
    );
    check("Mohamed Ben Salh", (s("mhmd"), None, None, s("bnsla")));
    check(
        "Fatma Bent Mohamed Gharbi",
        (s("ftma"), s("mhmd"), None, s("ghrby")),
    );
    check(
        "Fatma Bint Mohamed Ben Ali Gharbi",
        (s("ftma"), s("mhmd"), s("aly"), s("ghrby")),
    );
    check(
        "Mohamed Amine Ben Salah Jebali",
        (s("mhmd amyn"), s("sla"), None, s("jbly")),
    );
    check(
        "Mohamed-Amine Trabelsi",
        (s("mhmd amyn"), None, None, s("trblsy")),
    );
    check(
        "Abdelkader Ben Mohamed Hammami",
        (s("abdkdr"), s("mhmd"), None, s("hmamy")),
    );
    check(
        "Abd El Kader Ben Mohamed Hammami",
        (s("abdkdr"), s("mhmd"), None, s("hmamy")),
    );
    check(
        "Nour Eddine Ben Ali Zouari",
        (s("nwrdyn"), s("aly"), None, s("zwry")),
    );
    check(
        "Mohamed Ould Abdel Aziz",
        (s("mhmd"), None, None, s("wldbdzyz")),
    );
    check(
        "Mohamed Ould Ahmed Ould Sidi",
        (s("mhmd"), s("ahmd"), None, s("wldsydy")),
    );
    check(
        "Salah Ben Mohamed Ben Ali Ben Amor Mejri",
        (s("sla"), s("mhmd"), s("aly"), s("mjry")),
    );
    // Family name first.
    check(
        "TRABELSI<<MOHAMED<BEN<SALAH",
        (s("mhmd"), s("sla"), None, s("trblsy")),
    );
    check("BEN<YOUSSEF<<AHMED", (s("ahmd"), None, None, s("bnywsf")));
    check(
        "Trabelsi, Mohamed ben Salah",
        (s("mhmd"), s("sla"), None, s("trblsy")),
    );
    check(
        "TRABELSI<<MOHAMED<SALAH",
        (s("mhmd"), s("sla"), None, s("trblsy")),
    );
    // Tunisian chains, Arabic.
    check(
        "محمد بن صالح الطرابلسي",
        (s("mhmd"), s("sla"), None, s("trblsy")),
    );
    check(
        "محمد بن صالح بن يوسف الطرابلسي",
        (s("mhmd"), s("sla"), s("ywsf"), s("trblsy")),
    );
    check("أحمد بن يوسف", (s("ahmd"), None, None, s("bnywsf")));
    check(
        "فاطمة بنت محمد الغربي",
        (s("ftma"), s("mhmd"), None, s("ghrby")),
    );
    check(
        "عبد الرحمن بن علي الحمامي",
        (s("abdrhmn"), s("aly"), None, s("hmamy")),
    );
    check(
        "نور الدين بن عمر الزواري",
        (s("nwrdyn"), s("amr"), None, s("zwry")),
    );
    check(
        "محمد ولد عبد العزيز",
        (s("mhmd"), None, None, s("wldbdzyz")),
    );
    check(
        "عبدالله بن محمد بن علي العياري",
        (s("abdla"), s("mhmd"), s("aly"), s("ayry")),
    );
    // Mashreq chains (no particles).
    check(
        "Ahmad Mahmoud Hassan Khalil",
        (s("ahmd"), s("mhmwd"), s("hsn"), s("khlyl")),
    );
    check(
        "أحمد محمود حسن خليل",
        (s("ahmd"), s("mhmwd"), s("hsn"), s("khlyl")),
    );
    check(
        "Khaled Youssef Haddad",
        (s("khld"), s("ywsf"), None, s("hdad")),
    );
    check("خالد يوسف حداد", (s("khld"), s("ywsf"), None, s("hdad")));
    check("Omar Haddad", (s("amr"), None, None, s("hdad")));
    check("Omar", (s("amr"), None, None, None));
    check("عمر", (s("amr"), None, None, None));
    check(
        "Abdul Rahman Mohammed Ali Al-Hashimi",
        (s("abdrhmn"), s("mhmd"), s("aly"), s("hxmy")),
    );
    check(
        "عبد الرحمن محمد علي الهاشمي",
        (s("abdrhmn"), s("mhmd"), s("aly"), s("hxmy")),
    );
    // Missing and broken parts.
    check("", (None, None, None, None));
    check("Ben Salah", (None, None, None, s("bnsla")));
    check("<<MOHAMED", (s("mhmd"), None, None, None));
    check("Mohamed Ben", (s("mhmd"), None, None, s("bn")));
    check("ben", (s("bn"), None, None, None));
}

#[test]
fn chain_texts_particles_and_others() {
    let c = split_chain("Mohamed Ben Salah Ben Youssef Ben Ali Ben Amor Trabelsi");
    assert_eq!(c.particles, vec![Particle::Ben; 4]);
    assert_eq!(c.others.len(), 2);
    assert_eq!(c.others[0].key.as_str(), "aly");
    assert_eq!(c.others[1].key.as_str(), "amr");
    assert_eq!(c.parts().count(), 6);
    let c = split_chain("Fatma Bint Mohamed Gharbi");
    assert_eq!(c.particles, vec![Particle::Bint]);
    assert_eq!(c.father.as_ref().map(|p| p.text.as_str()), Some("mohamed"));
    let c = split_chain("Ahmed Ben Youssef");
    assert_eq!(
        c.family.as_ref().map(|p| p.text.as_str()),
        Some("ben youssef")
    );
    let c = split_chain("محمد بن صالح الطرابلسي");
    assert_eq!(c.given.as_ref().map(|p| p.text.as_str()), Some("محمد"));
    assert_eq!(c.father.as_ref().map(|p| p.text.as_str()), Some("صالح"));
    assert_eq!(
        c.family.as_ref().map(|p| p.text.as_str()),
        Some("الطرابلسي")
    );
    let c = split_chain("Mohamed Ould Ahmed");
    assert_eq!(c.particles, vec![Particle::Ould]);
    let c = split_chain("Ahmad Mahmoud Hassan Ali Khalil");
    assert_eq!(c.others.len(), 1);
    assert_eq!(c.family.as_ref().map(|p| p.key.as_str()), Some("khlyl"));
}

#[test]
fn chains_across_scripts_compare_equal() {
    let same = [
        ("محمد بن صالح الطرابلسي", "MOHAMED<BEN<SALAH<TRABELSI"),
        ("محمد بن صالح الطرابلسي", "Mohammed bin Salih Trabelsi"),
        ("محمد بن صالح الطرابلسي", "TRABELSI<<MOHAMED<BEN<SALAH"),
        ("عبد الرحمن بن علي الحمامي", "Abderrahmane Ben Ali Hammami"),
        ("أحمد محمود حسن خليل", "Ahmad Mahmoud Hassan Khalil"),
    ];
    for (a, b) in same {
        let cmp = compare_chains(&split_chain(a), &split_chain(b));
        assert_eq!(cmp.given, Some(1.0), "{a} / {b}");
        assert_eq!(cmp.family, Some(1.0), "{a} / {b}");
        assert!(cmp.father.is_none() || cmp.father == Some(1.0), "{a} / {b}");
    }
    let cmp = compare_chains(
        &split_chain("Mohamed Ben Salah Trabelsi"),
        &split_chain("Mohamed Ben Saleh Trabelski"),
    );
    assert_eq!(cmp.father, Some(1.0));
    assert!(cmp.family.is_some_and(|s| s > 0.9 && s < 1.0), "{cmp:?}");
    let cmp = compare_chains(
        &split_chain("Mohamed Trabelsi"),
        &split_chain("Fatma Zouari"),
    );
    assert!(cmp.given.is_some_and(|s| s < 0.6), "{cmp:?}");
    assert!(cmp.family.is_some_and(|s| s < 0.7), "{cmp:?}");
    assert_eq!(cmp.father, None);
}

#[test]
fn near_misses_are_close_on_keys() {
    // Unlisted spellings the rules do not bring to the same key still land close to it.
    let check = |a: &str, b: &str, min: f64| {
        let s = key_similarity(&name_key(a), &name_key(b));
        assert!(
            s >= min,
            "{a} / {b}: {} vs {} = {s}",
            name_key(a),
            name_key(b)
        );
    };
    check("Mouhammad", "محمد", 0.9);
    check("Trabelsy", "Trabelsi", 1.0);
    check("Trabelssi", "الطرابلسي", 1.0);
    check("Mohmed", "Mohamed", 1.0);
    check("Mohamad", "Mohammed", 1.0);
    check("Abdelkadir", "Abdelkader", 0.9);
    check("Khalifa", "Khelifa", 1.0);
    check("Bousaid", "Bou Said", 0.9);
}

/// Types Latin text on the Arabic (101) layout, as a clerk would with the wrong layout on:
/// the QWERTY key positions, or the AZERTY labels (A/Q, Z/W swapped, M on the `;` key).
fn type_on_arabic_layout(latin: &str, azerty: bool) -> String {
    const QWERTY: [(char, char); 26] = [
        ('a', 'ش'),
        ('b', 'ﻻ'),
        ('c', 'ؤ'),
        ('d', 'ي'),
        ('e', 'ث'),
        ('f', 'ب'),
        ('g', 'ل'),
        ('h', 'ا'),
        ('i', 'ه'),
        ('j', 'ت'),
        ('k', 'ن'),
        ('l', 'م'),
        ('m', 'ة'),
        ('n', 'ى'),
        ('o', 'خ'),
        ('p', 'ح'),
        ('q', 'ض'),
        ('r', 'ق'),
        ('s', 'س'),
        ('t', 'ف'),
        ('u', 'ع'),
        ('v', 'ر'),
        ('w', 'ص'),
        ('x', 'ء'),
        ('y', 'غ'),
        ('z', 'ئ'),
    ];
    latin
        .chars()
        .map(|c| {
            let pos = match (azerty, c) {
                (true, 'a') => 'q',
                (true, 'q') => 'a',
                (true, 'z') => 'w',
                (true, 'w') => 'z',
                (true, 'm') => return 'ك',
                (_, c) => c,
            };
            QWERTY
                .iter()
                .find(|(k, _)| *k == pos)
                .map_or(c, |(_, a)| *a)
        })
        .collect()
}

#[test]
fn keyboard_layout_recovery() {
    let check = |typed: &str, expected: Option<(&str, Keyboard)>| {
        let got = recover_arabic_layout(typed).map(|r| (r.text, r.keyboard));
        let want = expected.map(|(t, k)| (t.to_string(), k));
        assert_eq!(got, want, "{typed:?}");
    };
    use Keyboard::{Azerty, Qwerty};
    assert_eq!(type_on_arabic_layout("mohamed", false), "ةخاشةثي");
    assert_eq!(type_on_arabic_layout("mohamed", true), "كخاضكثي");
    for name in [
        "mohamed",
        "youssef",
        "trabelsi",
        "fatma",
        "khaled",
        "chedly",
        "salah",
        "mohamed ben ali",
        "ahmed",
        "nabil",
        "samia",
        "hamza",
        "mounir",
        "leila",
        "sonia",
        "imen",
        "houda",
    ] {
        for (azerty, kb) in [(false, Qwerty), (true, Azerty)] {
            let typed = type_on_arabic_layout(name, azerty);
            // Without a, q, w, z or m both keyboards type the same: QWERTY is reported.
            let layout_shows = name.contains(['a', 'q', 'w', 'z', 'm']);
            check(&typed, Some((name, if layout_shows { kb } else { Qwerty })));
        }
    }
    // Real Arabic stays Arabic.
    for arabic in [
        "محمد",
        "محمد بن علي",
        "فاطمة",
        "عبد الرحمن",
        "الطرابلسي",
        "يوسف",
        "خالد",
        "ليلى",
        "مصطفى",
        "عائشة",
        "سامية",
        "نور الدين",
        "حمزة",
        "شيماء",
        "وفاء",
    ] {
        check(arabic, None);
    }
    // Not Arabic letters at all, or Arabic that maps to no pronounceable Latin.
    check("Mohamed", None);
    check("", None);
    check("123", None);
    check("ضصثق", None);
    let r = recover_arabic_layout("ةخاشةثي");
    assert!(r.is_some_and(|r| r.known_name));
}

/// A rough cost per name, for the record (not a timed test: it asserts nothing about time).
/// `cargo test --release -p marsad-names --test names -- --ignored --nocapture cost`
#[test]
#[ignore]
fn cost_per_name() {
    let names: Vec<&str> = rows(VARIANTS).flat_map(|(_, cols)| cols).collect();
    let full = [
        "Mohamed Ben Salah Trabelsi",
        "محمد بن صالح الطرابلسي",
        "MOHAMED<BEN<SALAH<TRABELSI",
        "Abd al-Rahman bin Ali Al-Hashimi",
    ];
    let rounds = 200;
    let time = |label: &str, n: usize, f: &dyn Fn()| {
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            f();
        }
        let ns = start.elapsed().as_nanos() as f64 / (rounds * n) as f64;
        println!("{label}: {ns:.0} ns per name ({n} names × {rounds})");
    };
    let _ = name_key("warm up the lexicon");
    time("name_key (one name)", names.len(), &|| {
        for n in &names {
            std::hint::black_box(name_key(n));
        }
    });
    time("name_key (full chain)", full.len(), &|| {
        for n in &full {
            std::hint::black_box(name_key(n));
        }
    });
    time("split_chain (full chain)", full.len(), &|| {
        for n in &full {
            std::hint::black_box(split_chain(n));
        }
    });
    time("normalize_arabic", names.len(), &|| {
        for n in &names {
            std::hint::black_box(normalize_arabic(n));
        }
    });
    time("normalize_latin", names.len(), &|| {
        for n in &names {
            std::hint::black_box(normalize_latin(n));
        }
    });
    let keys: Vec<String> = names.iter().map(|n| name_key(n).into_string()).collect();
    time("jaro_winkler (key pair)", keys.len(), &|| {
        for w in keys.windows(2) {
            std::hint::black_box(jaro_winkler(&w[0], &w[1]));
        }
    });
    time("levenshtein_bounded 2 (key pair)", keys.len(), &|| {
        for w in keys.windows(2) {
            std::hint::black_box(levenshtein_bounded(&w[0], &w[1], 2));
        }
    });
}
