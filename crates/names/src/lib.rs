//! Person names in Arabic and Latin script: normalisation, a canonical phonetic key that the
//! Arabic form and the French-style, English-style and MRZ spellings of one name share, name
//! chains, and the string similarities the linker compares keys with.
//!
//! What this crate owns: [`normalize_arabic`], [`normalize_latin`], [`normalize_name`];
//! [`name_key`] / [`NameKey`] and the blocking key [`coarse_key`]; [`split_chain`] /
//! [`NameChain`] and part-by-part comparison ([`compare_chains`]); [`jaro_winkler`],
//! [`jaro`], [`levenshtein`], [`levenshtein_bounded`]; [`detect_script`] and
//! [`recover_arabic_layout`] (Latin typed on the Arabic keyboard layout by mistake).
//!
//! What it does **not** do: no I/O, no allocation beyond the strings it returns and a few
//! small buffers, no global state except the lexicon built once on first use, no clock, no
//! randomness; and no matching decisions — whether two records are one person is the `link`
//! crate's business, which weighs these keys and similarities with everything else. Names
//! stay free text: nothing here rejects a name or forces a first/last split (a chain's parts
//! are all optional).
//!
//! # Normalisation
//! [`normalize_arabic`] and [`normalize_latin`] list their rules; [`normalize_name`] applies
//! both to a field that may hold either script or both.
//!
//! # The phonetic key
//! [`name_key`] turns a name into lower-case ASCII symbols, one space between name parts:
//!
//! | symbol | Arabic | Latin spellings |
//! | --- | --- | --- |
//! | `b` | ب پ | b, p |
//! | `t` | ت ط | t |
//! | `th` | ث | th |
//! | `j` | ج چ | j, dj, g before e/i/y, and the Egyptian g of listed names (Gamal) |
//! | `h` | ح ه (not final) | h (not final) |
//! | `kh` | خ | kh |
//! | `d` | د ذ ض ظ | d, dh |
//! | `r` `z` `f` `l` `m` `n` | ر ز ف ل م ن (ڤ → f) | r, z, f/v/ph, l, m, n |
//! | `s` | س ص | s, c before e/i/y, ç |
//! | `x` | ش | ch, sh, sch, x (the ISO 233 ش; no Maghreb or Mashreq name has the x of Alexandre) |
//! | `gh` | غ | gh |
//! | `k` | ق ك گ | k, q, ck, cc, c (hard), g (hard, the Maghreb g of ق: Gacem), gu before e/i |
//! | `w` | و ؤ | w, ou, oo, u (a glide or a long u) |
//! | `y` | ي ئ ى (not final) | y, i, ee, ei, ai, ie… (a glide or a long i) |
//! | `a` first | initial ا أ إ آ ع | initial vowel |
//! | `a` last | final ا ى ة ه ح (اء) | final a, final h (ah, eh, ih, and h after a consonant) |
//!
//! Rules, in order:
//! 1. **Tokens.** Latin is folded first (case, accents; `š` `ḫ` `ṯ` `ḏ` of scholarly
//!    romanisation read as sh kh th dh; `ç` as s); runs of one script are words; `<` (MRZ),
//!    spaces, hyphens, dots and other punctuation separate words.
//! 2. **Articles.** `al`, `el` and their assimilated forms (`er`, `es`, `et`, `ed`, `en`,
//!    `ez`, `ech`…) standing alone are dropped (`Al-Trabelsi` = `Trabelsi`), and so is an
//!    apostrophe-attached one (`al'Amin`); an attached ال is dropped from an Arabic word
//!    (`الطرابلسي`), except in names that begin with a hamza alef (`إلهام`, `إلياس`, `ألفة`,
//!    also written without the hamza). Other attached Latin articles are not guessed (`Essid`,
//!    `Echebbi` stay as written: `Essam` would be cut too); the frequent Tunisian `L`-forms
//!    (`Laabidi`, `Lahbib`, `Lassaad`) are in the lexicon.
//! 3. **Particles.** `ben`/`bin`/`ibn`/`b`/بن/ابن (`bn`), `bent`/`bint`/بنت (`bnt`),
//!    `ould`/ولد (`wld`) and `bel` (`bl`) are glued to the following word, which loses its
//!    initial-vowel mark: `Ben Ali` = `Benali` = بن علي = `bnly`, `Bel Haj` = `Belhaj`. The
//!    chain splitter keeps them apart.
//! 4. **Compounds** are one part: `abd`/`abdel`/`abdul`/`abder`…/عبد + name
//!    (`Abd al-Rahman` = `Abdul Rahman` = `Abderrahmane` = `Abd-er-Rahman` = `Abdelrahman` =
//!    عبد الرحمن = عبدالرحمن = `abdrhmn`: after `abd`, the vowels, an article `l` after them
//!    and one letter of a doubled (assimilated) sun letter are skipped, so sun-letter
//!    assimilation needs no table); `abou`/`abu`/`bou`/أبو/بو + name (`bw`); name +
//!    `eddine`/`uddin`/`al-din`/الدين (`dyn`: `Nour Eddine` = `Noureddine` = `Nureddin` =
//!    نور الدين); name + `allah`/الله (`la`). Gluing drops the first word's final a-vowel
//!    (`Salaheddine` = صلاح الدين = `sldyn`). Hyphenated given names keep their words
//!    (`Mohamed-Amine` = `Mohamed Amine`).
//! 5. **Lexicon.** A folded Latin word listed with a frequent Arabic name gets that name's
//!    key (see below).
//! 6. **Letters** as in the table. Short vowels are dropped (the Arabic script does not write
//!    them): Latin `a`, `e`, `o` leave nothing. Latin `i`/`y`/`ee`/`ei`/`ai` and `u`/`ou`/`oo`
//!    are read as the long vowels or glides ي and و, which Arabic does write (`Karim` =
//!    كريم = `krym`, `Mahmoud` = محمود = `mhmwd` ≠ `Mohamed` = محمد = `mhmd`). A glide
//!    followed by another vowel is consonantal (`Oualid` = `Walid`, `Samia` = سامية = `smya`).
//!    ا and ع inside a word leave nothing.
//! 7. **Word start.** A word starting with a vowel (Latin) or with ا/أ/إ/آ/ع (Arabic) gets the
//!    mark `a`, so `Ahmed` (`ahmd`) ≠ `Hamed` (`hmd`), `Omar` (`amr`) ≠ `Amir` (`amyr`). In
//!    Latin, a glide after the first vowel is written (`Aicha` = عائشة = `ayxa`, `Aymen` =
//!    أيمن = `aymn`, `Ayari` = عياري = `ayry`); a leading `i`/`ou` is the vowel itself and
//!    leaves nothing but the mark (`Oussama` = أسامة = `asma`, `Ibrahim` = `abrhym`).
//! 8. **Word end.** A final a-vowel (`ة`, `ا`, `ى`, `اء`; Latin `a`, `ah`) and a final ح/ه
//!    (Latin `h`, `eh`, `ih`) are the same symbol `a`: `Salah` = `Saleh` = `Salih` = `Salh` =
//!    صالح = `sla`, `Fatma` = `Fatmah` = فاطمة = `ftma`. A final `e` or `o` is silent
//!    (`Amine`), a final `i`/`y` is `y`, a final `u`/`ou` is `w`. The key reads ى and ة before
//!    [`normalize_arabic`] would fold them (مصطفى ends in `a`, مصطفي in `y`).
//! 9. **Doubles.** The same symbol twice in a row is written once (`Mohammed` = `Mohamed`);
//!    with a vowel between, it is written twice with an `a` between (`Hammami` = الحمامي =
//!    `hmamy`, `Haddad` = حداد = `hdad`). `h` right after `s`, `d` or `k` is written `ah`
//!    (`Sahbi` = الصحبي = `sahby`) so that the key never contains an `sh`, `dh` or `kh` the
//!    Latin rules would read as one letter.
//!
//! **Decisions** (pairs that are ambiguous and what the key does):
//! - `Salah` is both صالح (Maghreb French: `Ben Salah`) and صلاح: all share `sla`; `Saleh`
//!   and `Salih` too. `Salha` (صالحة) is `slha`, different.
//! - `Ali` = `Aly` (Egyptian spelling of علي).
//! - `Kamel` writes both كمال and كامل, `Hamid` both حميد and حامد, `Rachid` both رشيد and
//!   راشد: these spellings are not in the lexicon and the key follows their letters (`Kamel`
//!   and كمال and كامل are all `kml`; `Hamid` is `hmyd` = حميد, not حامد `hmd`).
//! - `Amr` (عمرو, silent final و) is `amr`, the key of عمر (`Omar`); `Amrou` is `amrw`.
//! - Collisions the Arabic script itself forces, because long ā is dropped: زيد / زياد
//!   (`zyd`), أسامة / أسماء (`asma`), أيمن / إيمان (`aymn`). The linker separates these with
//!   sex and the other fields.
//! - `Fekih` (فقيه, long ī before a final ه) needs the lexicon, because `Salih` (short i
//!   before a final ح) decides the rule for a final `ih`.
//! - `ث` is `th`, so `Othman` = عثمان; the Tunisian `Tabet` for ثابت does not match `Thabet`.
//! - `ڤ` is `f` (the Mashreq /v/) even though Tunisian and Algerian spelling uses it for /g/.
//!
//! **The lexicon** (`lexicon.rs`) lists frequent names whose Latin spellings write short
//! vowels the Arabic script does not, so no letter rule can bring them to the Arabic key:
//! English `Muhammad`, `Yusuf`, `Khalid`, `Fatima`, `Tariq`, `Hussein`; French `Mounir`,
//! `Houcine`, `Moustapha`; `Brahim` for Ibrahim; the Egyptian g (`Gamal`, `Magdi`); the
//! Tunisian attached article (`Laabidi`). Unlisted spellings go through the rules and land
//! close to the key (one or two symbols off), which the similarity on keys recovers.
//!
//! Idempotence: `name_key(name_key(x).as_str()) == name_key(x)` for every key of a Latin
//! spelling (the symbols are chosen so that the Latin rules read them back unchanged).
//!
//! # Blocking key
//! [`coarse_key`]: per part, the first four consonant classes of the key, vowels and glides
//! removed (except the first symbol), `x`/`kh`/`gh`/`th` reduced to `s`/`k`/`g`/`t`, repeats
//! collapsed. It is for recall: `Muhammad`, `Mohamed` and also `Mahmoud` share `mhmd`;
//! `Aymen` and `Amine` share `amn`.
//!
//! # Name chains
//! [`split_chain`] documents how a full name is split into given name, father, grandfather
//! and family name.
//!
//! # Similarity
//! Compare keys, not raw names, with [`jaro_winkler`] (prefix scale 0.1, up to 4 characters,
//! boost above 0.7) and [`levenshtein_bounded`] (stops once the bound is passed).
//!
//! # Keyboard layout
//! [`recover_arabic_layout`] maps Arabic letters back to the QWERTY or AZERTY keys that typed
//! them and accepts the result when it is a pronounceable Latin name and the Arabic was not
//! plausible Arabic (or the recovered words are frequent names).

mod arabic;
mod chain;
mod key;
mod latin;
mod lexicon;
mod script;
mod similarity;

pub use arabic::normalize_arabic;
pub use chain::{
    compare_chains, key_similarity, part_similarity, split_chain, ChainComparison, NameChain,
    NamePart,
};
pub use key::{coarse_key, name_key, NameKey, Particle};
pub use latin::normalize_latin;
pub use script::{detect_script, recover_arabic_layout, Keyboard, LayoutRecovery, Script};
pub use similarity::{jaro, jaro_winkler, levenshtein, levenshtein_bounded};

/// Normalises a name in either script, or both: Arabic letters by [`normalize_arabic`], the
/// rest by [`normalize_latin`], whitespace collapsed once more.
pub fn normalize_name(s: &str) -> String {
    let a = normalize_arabic(s);
    normalize_latin(&a)
}
