//! Fixed reference tables of the demo country: countries with their spellings in the three
//! languages, governorates, border posts, consulates and cities abroad.
//!
//! Country spellings are copied from `crates/model/data/countries.csv` so they normalise.

/// A country the demo uses: ISO alpha-3, alpha-2, French, English and Arabic names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Country {
    pub alpha3: &'static str,
    pub alpha2: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
    pub ar: &'static str,
}

const fn c(
    alpha3: &'static str,
    alpha2: &'static str,
    fr: &'static str,
    en: &'static str,
    ar: &'static str,
) -> Country {
    Country {
        alpha3,
        alpha2,
        fr,
        en,
        ar,
    }
}

/// Index 0 is the home country.
pub(crate) const COUNTRIES: &[Country] = &[
    c("TUN", "TN", "Tunisie", "Tunisia", "تونس"),
    c("LBY", "LY", "Libye", "Libya", "ليبيا"),
    c("DZA", "DZ", "Algérie", "Algeria", "الجزائر"),
    c("MAR", "MA", "Maroc", "Morocco", "المغرب"),
    c("EGY", "EG", "Égypte", "Egypt", "مصر"),
    c("SYR", "SY", "Syrie", "Syria", "الجمهوريّة العربيّة السّوريّة"),
    c("SDN", "SD", "Soudan", "Sudan", "السّودان"),
    c("CIV", "CI", "Côte d'Ivoire", "Côte d'Ivoire", "ساحل العاج"),
    c("SEN", "SN", "Sénégal", "Senegal", "السّنغال"),
    c("MLI", "ML", "Mali", "Mali", "مالي"),
    c("GIN", "GN", "Guinée", "Guinea", "غينيا"),
    c("CMR", "CM", "Cameroun", "Cameroon", "الكاميرون"),
    c("NGA", "NG", "Nigeria", "Nigeria", "نيجيريا"),
    c("TCD", "TD", "Tchad", "Chad", "تشاد"),
    c("NER", "NE", "Niger", "Niger", "النّيجر"),
    c("BFA", "BF", "Burkina Faso", "Burkina Faso", "بوركينا فاصو"),
    c("GMB", "GM", "Gambie", "Gambia", "غامبيا"),
    c("ERI", "ER", "Érythrée", "Eritrea", "إريتريا"),
    c("SOM", "SO", "Somalie", "Somalia", "الصّومال"),
    c("ETH", "ET", "Éthiopie", "Ethiopia", "إثيوبيا"),
    c("FRA", "FR", "France", "France", "فرنسا"),
    c("ITA", "IT", "Italie", "Italy", "إيطاليا"),
    c("DEU", "DE", "Allemagne", "Germany", "ألمانيا"),
    c("BEL", "BE", "Belgique", "Belgium", "بلجيكا"),
    c("CHE", "CH", "Suisse", "Switzerland", "سويسرا"),
    c("ESP", "ES", "Espagne", "Spain", "إسبانيا"),
    c("NLD", "NL", "Pays-Bas", "Netherlands", "هولندا"),
    c(
        "GBR",
        "GB",
        "Royaume-Uni",
        "United Kingdom",
        "المملكة المتّحدة",
    ),
    c("CAN", "CA", "Canada", "Canada", "كندا"),
    c(
        "USA",
        "US",
        "États-Unis",
        "United States",
        "الولايات المتّحدة",
    ),
    c("SAU", "SA", "Arabie saoudite", "Saudi Arabia", "السّعوديّة"),
    c(
        "ARE",
        "AE",
        "Émirats arabes unis",
        "United Arab Emirates",
        "الإمارات العربيّة المتحدّة",
    ),
    c("QAT", "QA", "Qatar", "Qatar", "قطر"),
    c("KWT", "KW", "Koweït", "Kuwait", "الكويت"),
    c("OMN", "OM", "Oman", "Oman", "عمان"),
    c("BHR", "BH", "Bahreïn", "Bahrain", "البحرين"),
    c("TUR", "TR", "Turquie", "Türkiye", "Türkiye"),
    c("MLT", "MT", "Malte", "Malta", "مالطة"),
    c("GRC", "GR", "Grèce", "Greece", "اليونان"),
    c("JOR", "JO", "Jordanie", "Jordan", "الأردن"),
    c("LBN", "LB", "Liban", "Lebanon", "لبنان"),
    c("IRQ", "IQ", "Irak", "Iraq", "العراق"),
    c(
        "PSE",
        "PS",
        "Palestine, État de",
        "Palestine, State of",
        "دولة فلسطين",
    ),
    c("MRT", "MR", "Mauritanie", "Mauritania", "موريتانيا"),
];

/// Index of a country in [`COUNTRIES`] by alpha-3 code (0, the home country, if unknown).
pub(crate) fn country(alpha3: &str) -> usize {
    COUNTRIES
        .iter()
        .position(|c| c.alpha3 == alpha3)
        .unwrap_or(0)
}

/// Spellings that no codelist knows, as real exports carry them (old names, typos, free text).
pub(crate) const UNKNOWN_COUNTRIES: &[&str] = &[
    "Yougoslavie",
    "Tchécoslovaquie",
    "Atlantide",
    "Pays inconnu ??",
    "ZZZ",
    "Bilad al-Sudan",
];

/// Where nationals emigrate to, with weights.
pub(crate) const EMIGRATION: &[(&str, u32)] = &[
    ("FRA", 340),
    ("ITA", 110),
    ("DEU", 90),
    ("LBY", 70),
    ("SAU", 45),
    ("QAT", 40),
    ("ARE", 40),
    ("CAN", 40),
    ("BEL", 30),
    ("CHE", 25),
    ("USA", 20),
    ("OMN", 12),
    ("KWT", 12),
    ("NLD", 10),
    ("GBR", 10),
    ("ESP", 8),
    ("DZA", 12),
    ("BHR", 6),
    ("TUR", 8),
];

/// Where immigrants and transit migrants come from, with weights.
pub(crate) const IMMIGRATION: &[(&str, u32)] = &[
    ("CIV", 170),
    ("GIN", 90),
    ("MLI", 70),
    ("SEN", 50),
    ("CMR", 60),
    ("NGA", 40),
    ("BFA", 30),
    ("SDN", 60),
    ("TCD", 25),
    ("NER", 20),
    ("GMB", 20),
    ("ERI", 25),
    ("SOM", 15),
    ("ETH", 15),
    ("SYR", 90),
    ("LBY", 110),
    ("EGY", 50),
    ("DZA", 60),
    ("MAR", 40),
    ("PSE", 10),
    ("IRQ", 10),
];

/// Countries whose nationals carry Arabic names.
pub(crate) fn arabic_naming(alpha3: &str) -> bool {
    matches!(
        alpha3,
        "TUN"
            | "LBY"
            | "DZA"
            | "MAR"
            | "EGY"
            | "SYR"
            | "SDN"
            | "PSE"
            | "IRQ"
            | "JOR"
            | "LBN"
            | "MRT"
    )
}

/// A governorate: ISO 3166-2 code, French and Arabic names, weight by population.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Governorate {
    pub code: &'static str,
    pub fr: &'static str,
    pub ar: &'static str,
    pub weight: u32,
}

const fn g(code: &'static str, fr: &'static str, ar: &'static str, weight: u32) -> Governorate {
    Governorate {
        code,
        fr,
        ar,
        weight,
    }
}

pub(crate) const GOVERNORATES: &[Governorate] = &[
    g("TN-11", "Tunis", "تونس", 106),
    g("TN-12", "Ariana", "أريانة", 65),
    g("TN-13", "Ben Arous", "بن عروس", 70),
    g("TN-14", "Manouba", "منوبة", 41),
    g("TN-21", "Nabeul", "نابل", 83),
    g("TN-22", "Zaghouan", "زغوان", 18),
    g("TN-23", "Bizerte", "بنزرت", 58),
    g("TN-31", "Béja", "باجة", 31),
    g("TN-32", "Jendouba", "جندوبة", 41),
    g("TN-33", "Le Kef", "الكاف", 25),
    g("TN-34", "Siliana", "سليانة", 23),
    g("TN-41", "Kairouan", "القيروان", 58),
    g("TN-42", "Kasserine", "القصرين", 45),
    g("TN-43", "Sidi Bouzid", "سيدي بوزيد", 44),
    g("TN-51", "Sousse", "سوسة", 73),
    g("TN-52", "Monastir", "المنستير", 57),
    g("TN-53", "Mahdia", "المهدية", 42),
    g("TN-61", "Sfax", "صفاقس", 99),
    g("TN-71", "Gafsa", "قفصة", 34),
    g("TN-72", "Tozeur", "توزر", 11),
    g("TN-73", "Kébili", "قبلي", 16),
    g("TN-81", "Gabès", "قابس", 38),
    g("TN-82", "Médenine", "مدنين", 48),
    g("TN-83", "Tataouine", "تطاوين", 15),
];

/// Kind of border post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostType {
    Air,
    Land,
    Sea,
}

/// A border post and the foreign country on the other side (for land posts).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Post {
    pub name: &'static str,
    pub kind: PostType,
    pub neighbour: &'static str,
    pub weight: u32,
}

const fn p(name: &'static str, kind: PostType, neighbour: &'static str, weight: u32) -> Post {
    Post {
        name,
        kind,
        neighbour,
        weight,
    }
}

pub(crate) const POSTS: &[Post] = &[
    p("AEROPORT TUNIS-CARTHAGE", PostType::Air, "", 400),
    p("AEROPORT ENFIDHA-HAMMAMET", PostType::Air, "", 90),
    p("AEROPORT MONASTIR HABIB BOURGUIBA", PostType::Air, "", 80),
    p("AEROPORT DJERBA-ZARZIS", PostType::Air, "", 70),
    p("AEROPORT SFAX-THYNA", PostType::Air, "", 20),
    p("AEROPORT TOZEUR-NEFTA", PostType::Air, "", 5),
    p("PORT DE LA GOULETTE", PostType::Sea, "", 110),
    p("PORT DE ZARZIS", PostType::Sea, "", 8),
    p("PORT DE SFAX", PostType::Sea, "", 6),
    p("RAS JEDIR", PostType::Land, "LBY", 120),
    p("DEHIBA-WAZEN", PostType::Land, "LBY", 30),
    p("MELLOULA", PostType::Land, "DZA", 30),
    p("BABOUCH", PostType::Land, "DZA", 25),
    p("HAZOUA", PostType::Land, "DZA", 12),
    p("SAKIET SIDI YOUSSEF", PostType::Land, "DZA", 12),
    p("BOUCHEBKA", PostType::Land, "DZA", 15),
];

/// Consulates of the home country abroad, per residence country, with main cities.
pub(crate) const CONSULATES: &[(&str, &str, &[&str])] = &[
    (
        "FRA",
        "Consulate General in Paris",
        &["Paris", "Créteil", "Saint-Denis", "Nanterre"],
    ),
    (
        "FRA",
        "Consulate General in Marseille",
        &["Marseille", "Nice", "Toulon", "Montpellier"],
    ),
    (
        "FRA",
        "Consulate General in Lyon",
        &["Lyon", "Grenoble", "Saint-Étienne"],
    ),
    ("FRA", "Consulate in Toulouse", &["Toulouse", "Bordeaux"]),
    (
        "ITA",
        "Consulate General in Palermo",
        &["Palermo", "Mazara del Vallo", "Catania"],
    ),
    (
        "ITA",
        "Consulate General in Milan",
        &["Milan", "Turin", "Bologna", "Genoa"],
    ),
    (
        "ITA",
        "Embassy in Rome (consular section)",
        &["Rome", "Naples"],
    ),
    (
        "DEU",
        "Consulate General in Bonn",
        &["Bonn", "Cologne", "Düsseldorf"],
    ),
    (
        "DEU",
        "Consulate in Munich",
        &["Munich", "Stuttgart", "Frankfurt"],
    ),
    (
        "DEU",
        "Embassy in Berlin (consular section)",
        &["Berlin", "Hamburg"],
    ),
    (
        "LBY",
        "Consulate General in Tripoli",
        &["Tripoli", "Zawiya", "Misrata"],
    ),
    ("LBY", "Consulate in Benghazi", &["Benghazi"]),
    ("SAU", "Consulate General in Jeddah", &["Jeddah", "Mecca"]),
    (
        "SAU",
        "Embassy in Riyadh (consular section)",
        &["Riyadh", "Dammam"],
    ),
    (
        "QAT",
        "Embassy in Doha (consular section)",
        &["Doha", "Al Wakrah"],
    ),
    ("ARE", "Consulate General in Dubai", &["Dubai", "Sharjah"]),
    (
        "ARE",
        "Embassy in Abu Dhabi (consular section)",
        &["Abu Dhabi", "Al Ain"],
    ),
    (
        "CAN",
        "Consulate General in Montreal",
        &["Montreal", "Laval", "Quebec City"],
    ),
    (
        "CAN",
        "Embassy in Ottawa (consular section)",
        &["Ottawa", "Toronto"],
    ),
    (
        "BEL",
        "Embassy in Brussels (consular section)",
        &["Brussels", "Liège", "Antwerp"],
    ),
    (
        "CHE",
        "Embassy in Bern (consular section)",
        &["Geneva", "Lausanne", "Zurich", "Bern"],
    ),
    (
        "USA",
        "Embassy in Washington (consular section)",
        &["Washington", "New York", "Houston"],
    ),
    ("OMN", "Embassy in Muscat (consular section)", &["Muscat"]),
    (
        "KWT",
        "Embassy in Kuwait (consular section)",
        &["Kuwait City"],
    ),
    (
        "NLD",
        "Embassy in The Hague (consular section)",
        &["The Hague", "Rotterdam", "Amsterdam"],
    ),
    (
        "GBR",
        "Embassy in London (consular section)",
        &["London", "Manchester"],
    ),
    (
        "ESP",
        "Embassy in Madrid (consular section)",
        &["Madrid", "Barcelona"],
    ),
    (
        "DZA",
        "Consulate General in Algiers",
        &["Algiers", "Annaba", "Tébessa"],
    ),
    ("BHR", "Embassy in Manama (consular section)", &["Manama"]),
    (
        "TUR",
        "Consulate General in Istanbul",
        &["Istanbul", "Ankara"],
    ),
];
