//! Frequent names whose Latin spellings the letter rules cannot bring to the key of the
//! Arabic form, mostly because Latin writes short vowels the Arabic script does not:
//! English `Muhammad` (u short) and `Yusuf` (second u short), `Khalid`, `Fatima`, `Tariq`
//! (i short); French `Mounir`, `Houcine`, `Moustapha` (ou short); and a few other habits
//! (`Brahim` for Ibrahim, the Egyptian g of `Gamal`, the Tunisian attached article of
//! `Laabidi`).
//!
//! Each entry is the Arabic form and Latin spellings (lower case, no accents, no
//! apostrophes). A listed spelling gets the key of the Arabic form; any other spelling goes
//! through the rules. Spellings shared by two different Arabic names (`Hamid`: حميد or حامد;
//! `Rashid`: رشيد or راشد; `Kamel`: كمال or كامل) are deliberately not listed: the rules
//! decide and the linker's similarity does the rest. The list also serves as the set of
//! "known names" for keyboard-layout recovery, so it lists common spellings that the rules
//! already handle, too.

use std::collections::HashMap;
use std::sync::OnceLock;

const ENTRIES: &[(&str, &[&str])] = &[
    // Given names, men.
    (
        "محمد",
        &[
            "mohamed",
            "mohammed",
            "mohammad",
            "mohamad",
            "muhammad",
            "muhammed",
            "muhamad",
            "muhamed",
            "mouhamed",
            "mouhammed",
            "mouhamad",
            "mohamet",
            "mehmed",
            "med",
            "mhd",
            "mohd",
            "mohammod",
        ],
    ),
    ("احمد", &["ahmed", "ahmad", "ahmet", "hmed", "ahmid"]),
    (
        "محمود",
        &["mahmoud", "mahmud", "mahmood", "mahmod", "mehmoud"],
    ),
    (
        "مصطفى",
        &[
            "mustapha",
            "mustafa",
            "moustapha",
            "moustafa",
            "mostafa",
            "mostapha",
            "mustefa",
            "mestapha",
        ],
    ),
    ("قادر", &["qadir", "kadir", "qader", "kader", "gader"]),
    ("رحيم", &["rahim", "raheem"]),
    ("علي", &["ali", "aly", "alee"]),
    ("عمر", &["omar", "omer", "amor", "umar"]),
    ("عمرو", &["amro", "amrou", "amru"]),
    (
        "عثمان",
        &[
            "othman", "othmane", "osman", "uthman", "athmane", "otmane", "outhmane",
        ],
    ),
    (
        "يوسف",
        &[
            "youssef", "yousef", "youcef", "yusuf", "yousuf", "yussuf", "yusef", "yousif",
            "youssouf",
        ],
    ),
    (
        "ابراهيم",
        &["ibrahim", "brahim", "ebrahim", "ibraheem", "brahem"],
    ),
    (
        "اسماعيل",
        &["ismail", "smail", "esmail", "ismael", "ismaeel", "ismaiel"],
    ),
    ("هادي", &["hedi", "hadi", "hady", "elhedi", "elhadi"]),
    ("حبيب", &["habib", "hbib", "habeeb", "lahbib"]),
    (
        "حسين",
        &[
            "hussein", "hocine", "houcine", "hussain", "husain", "husein", "hossein", "houssine",
            "hossine", "houssein", "hosseyn", "hussien",
        ],
    ),
    ("حسن", &["hassen", "hassan", "hasan", "hacene", "hassene"]),
    (
        "حسام",
        &["houssem", "hossam", "hussam", "houssam", "hosam", "houcem"],
    ),
    ("لطفي", &["lotfi", "lutfi", "lotfy", "lutfy"]),
    ("منصف", &["moncef", "munsif", "monsef", "moncif", "munsef"]),
    ("منير", &["mounir", "munir", "monir", "mouneer", "muneer"]),
    ("نزار", &["nizar", "nezar", "nizzar"]),
    ("رضا", &["ridha", "rida", "reda", "redha", "ridah"]),
    (
        "سفيان",
        &[
            "sofiene", "soufiene", "sofiane", "soufiane", "sufyan", "sufian", "sofian", "soufyane",
            "sofyan",
        ],
    ),
    ("طارق", &["tarek", "tariq", "tarik", "tareq", "tarak"]),
    (
        "زبير",
        &[
            "zoubeir", "zubair", "zubeir", "zoubair", "zobeir", "zoubir", "zubayr",
        ],
    ),
    ("بلال", &["bilel", "bilal", "belal", "bellal"]),
    (
        "شكري",
        &["chokri", "shukri", "choukri", "shoukri", "chukri", "shokri"],
    ),
    ("هشام", &["hichem", "hisham", "hicham", "hesham", "hishem"]),
    ("مختار", &["mokhtar", "mukhtar", "moukhtar"]),
    ("مراد", &["mourad", "murad", "morad"]),
    (
        "رضوان",
        &[
            "radhouane",
            "ridwan",
            "redouane",
            "radwan",
            "ridouane",
            "rezouane",
        ],
    ),
    ("صادق", &["sadok", "sadiq", "sadek", "sadik", "saddek"]),
    (
        "اسكندر",
        &["skander", "iskandar", "skandar", "iskander", "eskandar"],
    ),
    (
        "يونس",
        &[
            "younes", "yunus", "younis", "younus", "yunis", "younness", "younnes", "younous",
        ],
    ),
    (
        "زهير",
        &[
            "zouhair", "zuhair", "zouhaier", "zohair", "zouheir", "zuheir",
        ],
    ),
    ("محسن", &["mohsen", "muhsin", "mohcen", "mouhsen"]),
    ("قيس", &["kais", "qais", "qays", "kays", "kaies"]),
    ("سلطان", &["sultan", "soltan", "soultane", "soltane"]),
    ("قصي", &["qusay", "qusai", "koussai", "kossai", "qusayy"]),
    ("وائل", &["wael", "wail", "wa'il", "ouael"]),
    ("رائد", &["raed", "rayed", "raid"]),
    ("فارس", &["fares", "faris", "farés"]),
    ("خالد", &["khaled", "khalid", "khaleed"]),
    (
        "قاسم",
        &[
            "kacem", "qasim", "kassem", "gacem", "qassem", "kasim", "kacim", "qacem",
        ],
    ),
    ("صالح", &["salih", "saleh"]),
    (
        "جمال",
        &["jamel", "djamel", "jamal", "gamal", "gamel", "jemal"],
    ),
    ("جميل", &["gamil", "gameel", "jamil", "djamil"]),
    ("نجيب", &["nejib", "najib", "naguib", "nagib", "najeeb"]),
    ("مجدي", &["mejdi", "majdi", "magdi", "magdy", "majdy"]),
    ("رجب", &["ragab", "rajab", "rejeb"]),
    (
        "جمعة",
        &["gomaa", "jomaa", "jumaa", "jemaa", "juma", "jomaa"],
    ),
    ("طه", &["taha", "toha"]),
    ("عبده", &["abdou", "abdo", "abduh", "abdu"]),
    (
        "ناصر",
        &["nasser", "nacer", "naser", "nasir", "nassir", "nacir"],
    ),
    (
        "توفيق",
        &["taoufik", "tawfiq", "toufik", "tewfik", "tawfik", "taoufiq"],
    ),
    ("مهدي", &["mehdi", "mahdi", "mehdy", "mahdy"]),
    ("نبيل", &["nabil", "nabeel"]),
    ("كريم", &["karim", "kerim", "krim", "kareem"]),
    ("سليم", &["slim", "salim", "selim", "saleem"]),
    ("سامي", &["sami", "samy", "sammy"]),
    ("وليد", &["walid", "oualid", "waleed", "ouelid"]),
    ("زياد", &["zied", "ziad", "ziyad", "ziyed"]),
    ("رياض", &["riadh", "riad", "riyad", "ryad", "riyadh"]),
    ("راشد", &["rached", "rashed"]),
    ("انيس", &["anis", "anees", "aniss"]),
    ("ايمن", &["aymen", "ayman", "aimen"]),
    ("امين", &["amine", "amin", "ameen", "lamine", "lamin"]),
    (
        "ياسين",
        &["yassine", "yacine", "yasin", "yassin", "yasine", "yaseen"],
    ),
    (
        "سيف الدين",
        &[
            "seifeddine",
            "saifeddine",
            "saif eddine",
            "seif eddine",
            "saifuddin",
            "seifeddin",
        ],
    ),
    (
        "نور الدين",
        &[
            "noureddine",
            "nureddin",
            "nouredine",
            "nour eddine",
            "nuruddin",
            "noreddine",
        ],
    ),
    (
        "عز الدين",
        &[
            "ezzeddine",
            "izzeddine",
            "ezzedine",
            "izz al-din",
            "izzuddin",
        ],
    ),
    (
        "ابو بكر",
        &["abou bakr", "abu bakr", "aboubakr", "abubakar", "abu bakar"],
    ),
    ("بوبكر", &["boubaker", "boubakr", "boubakar"]),
    (
        "الشاذلي",
        &[
            "chedly", "chadli", "shadhli", "shadhili", "chedli", "chadly", "shazli",
        ],
    ),
    ("الطيب", &["tayeb", "taieb", "tayyib", "tayib", "tayyeb"]),
    (
        "البشير",
        &["bechir", "bashir", "bachir", "béchir", "bachyr", "basheer"],
    ),
    ("الصحبي", &["sahbi", "sahby"]),
    (
        "الهاشمي",
        &["hechmi", "hachemi", "hashimi", "hashemi", "hachmi"],
    ),
    ("الازهر", &["lazhar", "azhar", "el azhar"]),
    ("الاخضر", &["lakhdar", "akhdar"]),
    ("الاسعد", &["lassaad", "assaad", "asaad", "lasaad"]),
    ("سعد", &["saad", "saâd", "sa'ad"]),
    ("الطاهر", &["taher", "tahar", "tahir", "ettaher"]),
    ("الناصر", &["naceur"]),
    (
        "عبد الرحمن",
        &[
            "abderrahmane",
            "abdurrahman",
            "abdourahmane",
            "abdulrahman",
            "abderahmen",
            "abderrahman",
        ],
    ),
    (
        "عبد الرزاق",
        &[
            "abderrazek",
            "abderrazak",
            "abdulrazzaq",
            "abdelrazek",
            "abderrazzak",
        ],
    ),
    ("سعيد", &["said", "saied", "sayed", "saeed", "saiid"]),
    ("فيصل", &["faycal", "faisal", "faysal", "feisal", "fayssal"]),
    ("مروان", &["marouane", "marwan", "marouen", "merouane"]),
    (
        "اسامة",
        &["oussama", "osama", "usama", "ousama", "oussema", "usamah"],
    ),
    ("انس", &["anas", "annas"]),
    ("فوزي", &["faouzi", "fawzi", "fawzy", "fouzi", "faouzy"]),
    ("فتحي", &["fethi", "fathi", "fathy", "fethy"]),
    ("عماد", &["imed", "imad", "emad"]),
    ("جلال", &["jalel", "jalal", "djalal", "djalel"]),
    ("ماهر", &["maher"]),
    ("نادر", &["nader", "nadir"]),
    ("حافظ", &["hafedh", "hafidh", "hafiz", "hafez", "hafid"]),
    ("مالك", &["malek", "malik"]),
    ("حاتم", &["hatem", "hatim"]),
    ("حازم", &["hazem", "hazim"]),
    ("معز", &["moez", "muiz", "moez", "mouez", "muizz"]),
    ("منجي", &["mongi", "monji", "mungi", "munji"]),
    (
        "منتصر",
        &[
            "montassar",
            "montasser",
            "muntasir",
            "muntassir",
            "montaser",
        ],
    ),
    (
        "عبد اللطيف",
        &["abdellatif", "abdelatif", "abdullatif", "abdul latif"],
    ),
    ("الفقيه", &["fekih", "fakih", "faqih", "fkih", "feqih"]),
    ("حمزة", &["hamza", "hamzah"]),
    ("حلمي", &["helmi", "hilmi", "helmy"]),
    ("جوهر", &["jawher", "jaouher", "jouhar"]),
    ("خليل", &["khalil", "khaleel"]),
    ("وسيم", &["wassim", "ouassim", "waseem", "wasim"]),
    ("يحيى", &["yahia", "yahya", "yehia", "yahiya"]),
    (
        "زكرياء",
        &["zakaria", "zakariya", "zakariyya", "zakarya", "zacharia"],
    ),
    ("بسام", &["bassem", "bassam"]),
    ("غسان", &["ghassen", "ghassan"]),
    ("ليث", &["laith", "leith", "layth"]),
    ("عادل", &["adel", "adil"]),
    ("عزيز", &["aziz", "azeez"]),
    ("صابر", &["saber", "sabir"]),
    ("رامي", &["rami", "ramy"]),
    ("سمير", &["samir", "sameer"]),
    ("منذر", &["mondher", "munthir", "monther", "mundhir"]),
    ("هيثم", &["haythem", "haitham", "haithem", "haytham"]),
    // Given names, women.
    (
        "فاطمة",
        &["fatma", "fatima", "fatmah", "fatimah", "fatema", "fatimah"],
    ),
    (
        "عائشة",
        &[
            "aicha", "aisha", "aicha", "aysha", "aichah", "aishah", "ayesha",
        ],
    ),
    ("امل", &["amel", "amal", "emel"]),
    ("اسماء", &["asma", "asmaa", "esma"]),
    ("هالة", &["hela", "hala", "hella"]),
    ("ايناس", &["ines", "inas", "enas", "iness"]),
    (
        "خديجة",
        &["khadija", "khadidja", "khedija", "khadeeja", "khadijah"],
    ),
    ("ليلى", &["leila", "layla", "laila", "leyla", "lila"]),
    (
        "مريم",
        &[
            "mariem", "maryam", "meriem", "mariam", "myriam", "meryem", "mariyam",
        ],
    ),
    ("منية", &["monia", "mounia", "munia", "monya"]),
    ("نادية", &["nadia", "nadya"]),
    ("نعيمة", &["naima", "naeema", "naema"]),
    ("الفة", &["olfa", "ulfa", "olfat"]),
    ("ريم", &["rim", "reem", "rym"]),
    ("سلمى", &["salma", "selma", "salmah"]),
    ("سامية", &["samia", "samiya", "samiyah"]),
    ("سناء", &["sana", "sanaa", "sanae"]),
    ("سنية", &["sonia", "sounia", "sonya"]),
    ("وفاء", &["wafa", "wafaa", "ouafa"]),
    (
        "زينب",
        &["zeineb", "zaynab", "zainab", "zineb", "zeinab", "zenab"],
    ),
    ("حياة", &["hayet", "hayat", "hayette"]),
    ("نجاة", &["najet", "najat", "nejat", "najete"]),
    ("هدى", &["houda", "huda", "hoda", "houdah"]),
    ("منى", &["mouna", "mona", "muna", "mounah"]),
    ("سهام", &["sihem", "siham", "seham"]),
    ("سعاد", &["souad", "suad", "soad"]),
    ("يسرى", &["yosra", "yusra", "yousra", "yesra"]),
    ("وداد", &["wided", "widad", "wedad", "ouidad"]),
    ("سوار", &["siwar", "swar"]),
    ("نسرين", &["nesrine", "nisrine", "nesrin", "nisreen"]),
    ("هند", &["hend", "hind"]),
    ("دنيا", &["dounia", "donia", "dunya", "dunia", "douniya"]),
    ("عيسى", &["issa", "isa", "eissa", "aissa", "aïssa"]),
    ("ايهاب", &["ihab", "ehab", "iheb"]),
    ("هبة", &["heba", "hiba", "hibah", "hebba"]),
    (
        "شيماء",
        &["chaima", "shaima", "chayma", "shaimaa", "chaimaa"],
    ),
    (
        "كوثر",
        &["kaouther", "kawthar", "kaoutar", "kawther", "kouther"],
    ),
    ("ايمان", &["imen", "iman", "eman", "imene", "imane"]),
    ("امنة", &["emna", "amna", "amnah"]),
    ("حنان", &["hanen", "hanane", "hanan"]),
    ("لمياء", &["lamia", "lamya", "lamiaa"]),
    ("سارة", &["sarra", "sara", "sarah"]),
    ("سوسن", &["sawsen", "sawsan", "saoussen", "sawssen"]),
    ("زهرة", &["zohra", "zahra", "zahrah", "zohrah"]),
    ("لطيفة", &["latifa", "latefa", "lateefa"]),
    ("جميلة", &["jamila", "djamila", "gamila", "jamilah"]),
    ("بسمة", &["basma", "besma", "bassma"]),
    ("عايدة", &["aida", "aïda", "ayda"]),
    ("سعيدة", &["saida", "saeeda"]),
    ("سعادة", &["saada"]),
    ("امينة", &["amina", "aminah", "ameena"]),
    ("حليمة", &["halima", "haleema"]),
    ("عواطف", &["aouatef", "awatef", "awatif"]),
    ("هاجر", &["hajer", "hager", "hajar", "hagar"]),
    ("ابتسام", &["ibtissem", "ibtisam", "ebtissem", "ibtissam"]),
    ("اكرام", &["ikram", "ekram"]),
    ("مفيدة", &["moufida", "mufida", "mofida"]),
    (
        "سمية",
        &["soumaya", "sumaya", "soumaia", "somaya", "sumayya"],
    ),
    ("بثينة", &["bouthaina", "buthaina", "bothaina", "bouthayna"]),
    ("خلود", &["kholoud", "khouloud", "khulud", "kholood"]),
    ("لبنى", &["loubna", "lubna", "lobna"]),
    ("زبيدة", &["zoubeida", "zubaida", "zoubaida"]),
    // Family names.
    (
        "الطرابلسي",
        &[
            "trabelsi",
            "tarabulsi",
            "trabulsi",
            "tarabolsi",
            "trablsi",
            "trabelssi",
        ],
    ),
    ("العبيدي", &["laabidi", "abidi", "labidi", "el abidi"]),
    ("العروسي", &["laroussi", "aroussi", "arousi"]),
    ("العياري", &["ayari", "layari", "aiari"]),
    ("الاسود", &["lassoued", "assouad"]),
    ("الاحمر", &["lahmar", "ahmar"]),
    ("القاسمي", &["guesmi", "gasmi", "kasmi", "qasimi", "gassmi"]),
    (
        "المرزوقي",
        &["marzouki", "marzougui", "marzuki", "marzouqi"],
    ),
    (
        "الغنوشي",
        &["ghannouchi", "ghanouchi", "ghannushi", "ghannoushi"],
    ),
    ("المصمودي", &["masmoudi", "masmudi"]),
    ("القروي", &["karoui", "karaoui", "qarawi", "garoui"]),
    ("الحمامي", &["hammami", "hamami", "hamamy"]),
    ("الجبالي", &["jebali", "djebali", "jabali", "jbali"]),
    ("البوعزيزي", &["bouazizi", "bou azizi", "buazizi"]),
    // Places (birth places and localities are keyed like names): the governorates of Tunisia
    // whose French spelling the rules do not bring to the Arabic key (`Sfax` writes ق+س as
    // x; `Tunis`, `Sousse`, `Tozeur` write short vowels; `Bizerte` drops the n of بنزرت).
    ("تونس", &["tunis"]),
    ("نابل", &["nabeul"]),
    ("بنزرت", &["bizerte"]),
    ("الكاف", &["kef"]),
    ("سليانة", &["siliana"]),
    ("سوسة", &["sousse"]),
    ("صفاقس", &["sfax"]),
    ("توزر", &["tozeur"]),
    ("قبلي", &["kebili"]),
    ("تطاوين", &["tataouine"]),
];

/// Frequent spellings shared by two Arabic names: not in the key table, but known names for
/// keyboard-layout recovery.
const AMBIGUOUS: &[&str] = &[
    "salah", "hamid", "rachid", "rashid", "kamel", "kamal", "kamil", "hamed", "majid", "majed",
    "zaid", "zayd", "zeid", "amr", "ben", "bin", "ibn", "bent", "bint", "ould", "abd", "abdel",
    "abdul", "abou", "abu", "el", "al",
];

fn map() -> &'static HashMap<&'static str, String> {
    static MAP: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = HashMap::new();
        for &(arabic, spellings) in ENTRIES {
            let key = crate::name_key(arabic).into_string();
            for &s in spellings {
                if s.is_ascii() && !s.contains([' ', '\'']) {
                    m.insert(s, key.clone());
                }
            }
        }
        m
    })
}

/// The key of a frequent spelling (one word, folded), if listed.
pub(crate) fn lookup(word: &str) -> Option<&'static str> {
    map().get(word).map(String::as_str)
}

/// True when every word of `text` (lower case) is a listed spelling.
pub(crate) fn is_known(text: &str) -> bool {
    let mut any = false;
    for w in text.split(' ').filter(|w| !w.is_empty()) {
        if !map().contains_key(w) && !AMBIGUOUS.contains(&w) {
            return false;
        }
        any = true;
    }
    any
}

/// Every entry, for tests: the Arabic form and its listed spellings.
#[cfg(test)]
pub(crate) fn entries() -> &'static [(&'static str, &'static [&'static str])] {
    ENTRIES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_spelling_gets_the_key_of_its_arabic_form() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        let mut failures = Vec::new();
        for &(arabic, spellings) in entries() {
            let want = crate::name_key(arabic);
            assert!(!want.is_empty(), "{arabic}");
            for &s in spellings {
                let got = crate::name_key(s);
                if got != want {
                    failures.push(format!("{s} → {got}, {arabic} → {want}"));
                }
                let folded = crate::normalize_latin(s);
                if let Some(other) = seen.insert(folded.clone(), arabic) {
                    if crate::name_key(other) != want {
                        failures.push(format!("{folded} listed for {other} and {arabic}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// A listed spelling that is also the key of another name would make `name_key` read
    /// that key back as a different name (`amr`, the key of عمر, listed for عمرو).
    #[test]
    fn no_listed_spelling_is_another_names_key() {
        for &(arabic, _) in entries() {
            let key = crate::name_key(arabic);
            for part in key.parts() {
                if let Some(k) = lookup(part) {
                    assert_eq!(k, part, "{arabic}: its key part {part} is listed as {k}");
                }
            }
        }
    }

    #[test]
    fn known_names() {
        assert!(is_known("mohamed"));
        assert!(is_known("mohamed ali"));
        assert!(!is_known("mohamed xyzzy"));
        assert!(!is_known(""));
    }
}
