//! The static codelists, with Arabic, French and English labels.

use super::{Code, Codelist};

const fn c(code: &'static str, ar: &'static str, fr: &'static str, en: &'static str) -> Code {
    Code { code, ar, fr, en }
}

/// Sex (M, F, X as in ICAO Doc 9303); the typed form is [`super::Sex`].
pub static SEX: Codelist = Codelist {
    id: "sex",
    title: "sex",
    codes: &[
        c("M", "ذكر", "Masculin", "Male"),
        c("F", "أنثى", "Féminin", "Female"),
        c("X", "غير محدد", "Non précisé", "Unspecified"),
    ],
};

/// ISCO-08 major groups (ILO, International Standard Classification of Occupations 2008).
pub static ISCO08_MAJOR: Codelist = Codelist {
    id: "isco08_major",
    title: "ISCO-08 major group",
    codes: &[
        c("0", "مهن القوات المسلحة", "Professions militaires", "Armed forces occupations"),
        c("1", "المديرون", "Directeurs, cadres de direction et gérants", "Managers"),
        c("2", "الاختصاصيون", "Professions intellectuelles et scientifiques", "Professionals"),
        c("3", "الفنيون والاختصاصيون المساعدون", "Professions intermédiaires", "Technicians and associate professionals"),
        c("4", "العاملون في الدعم المكتبي", "Employés de type administratif", "Clerical support workers"),
        c("5", "العاملون في الخدمات والمبيعات", "Personnel des services directs aux particuliers, commerçants et vendeurs", "Service and sales workers"),
        c("6", "العاملون المهرة في الزراعة والحراجة وصيد الأسماك", "Agriculteurs et ouvriers qualifiés de l'agriculture, de la sylviculture et de la pêche", "Skilled agricultural, forestry and fishery workers"),
        c("7", "العاملون في الحرف وما يتصل بها", "Métiers qualifiés de l'industrie et de l'artisanat", "Craft and related trades workers"),
        c("8", "مشغلو المصانع والآلات وعمال التجميع", "Conducteurs d'installations et de machines, et ouvriers de l'assemblage", "Plant and machine operators, and assemblers"),
        c("9", "المهن الأولية", "Professions élémentaires", "Elementary occupations"),
    ],
};

/// ISIC Rev.4 sections (UN, International Standard Industrial Classification, Revision 4).
pub static ISIC4_SECTION: Codelist = Codelist {
    id: "isic4_section",
    title: "ISIC Rev.4 section",
    codes: &[
        c(
            "A",
            "الزراعة والحراجة وصيد الأسماك",
            "Agriculture, sylviculture et pêche",
            "Agriculture, forestry and fishing",
        ),
        c(
            "B",
            "التعدين واستغلال المحاجر",
            "Activités extractives",
            "Mining and quarrying",
        ),
        c(
            "C",
            "الصناعة التحويلية",
            "Activités de fabrication",
            "Manufacturing",
        ),
        c(
            "D",
            "إمدادات الكهرباء والغاز والبخار وتكييف الهواء",
            "Production et distribution d'électricité, de gaz, de vapeur et climatisation",
            "Electricity, gas, steam and air conditioning supply",
        ),
        c(
            "E",
            "إمدادات المياه وأنشطة الصرف الصحي وإدارة النفايات ومعالجتها",
            "Distribution d'eau; assainissement, gestion des déchets et remise en état",
            "Water supply; sewerage, waste management and remediation activities",
        ),
        c("F", "التشييد", "Construction", "Construction"),
        c(
            "G",
            "تجارة الجملة والتجزئة وإصلاح المركبات ذات المحركات والدراجات النارية",
            "Commerce de gros et de détail; réparation de véhicules automobiles et de motocycles",
            "Wholesale and retail trade; repair of motor vehicles and motorcycles",
        ),
        c(
            "H",
            "النقل والتخزين",
            "Transport et entreposage",
            "Transportation and storage",
        ),
        c(
            "I",
            "أنشطة خدمات الإقامة والطعام",
            "Activités d'hébergement et de restauration",
            "Accommodation and food service activities",
        ),
        c(
            "J",
            "المعلومات والاتصالات",
            "Information et communication",
            "Information and communication",
        ),
        c(
            "K",
            "الأنشطة المالية وأنشطة التأمين",
            "Activités financières et d'assurance",
            "Financial and insurance activities",
        ),
        c(
            "L",
            "الأنشطة العقارية",
            "Activités immobilières",
            "Real estate activities",
        ),
        c(
            "M",
            "الأنشطة المهنية والعلمية والتقنية",
            "Activités spécialisées, scientifiques et techniques",
            "Professional, scientific and technical activities",
        ),
        c(
            "N",
            "أنشطة الخدمات الإدارية وخدمات الدعم",
            "Activités de services administratifs et de soutien",
            "Administrative and support service activities",
        ),
        c(
            "O",
            "الإدارة العامة والدفاع والضمان الاجتماعي الإلزامي",
            "Administration publique et défense; sécurité sociale obligatoire",
            "Public administration and defence; compulsory social security",
        ),
        c("P", "التعليم", "Enseignement", "Education"),
        c(
            "Q",
            "أنشطة صحة الإنسان والعمل الاجتماعي",
            "Santé humaine et action sociale",
            "Human health and social work activities",
        ),
        c(
            "R",
            "الفنون والترفيه والتسلية",
            "Arts, spectacles et activités récréatives",
            "Arts, entertainment and recreation",
        ),
        c(
            "S",
            "أنشطة الخدمات الأخرى",
            "Autres activités de services",
            "Other service activities",
        ),
        c(
            "T",
            "أنشطة الأسر المعيشية كأصحاب عمل",
            "Activités des ménages en tant qu'employeurs",
            "Activities of households as employers",
        ),
        c(
            "U",
            "أنشطة المنظمات والهيئات غير الخاضعة لولاية وطنية",
            "Activités des organisations et organismes extraterritoriaux",
            "Activities of extraterritorial organizations and bodies",
        ),
    ],
};

/// The ISIC Rev.4 section of a two-digit division (`01`–`99`).
pub fn isic_section_of_division(division: u8) -> Option<&'static Code> {
    let letter = match division {
        1..=3 => "A",
        5..=9 => "B",
        10..=33 => "C",
        35 => "D",
        36..=39 => "E",
        41..=43 => "F",
        45..=47 => "G",
        49..=53 => "H",
        55..=56 => "I",
        58..=63 => "J",
        64..=66 => "K",
        68 => "L",
        69..=75 => "M",
        77..=82 => "N",
        84 => "O",
        85 => "P",
        86..=88 => "Q",
        90..=93 => "R",
        94..=96 => "S",
        97..=98 => "T",
        99 => "U",
        _ => return None,
    };
    ISIC4_SECTION.get(letter)
}

/// A practical subset of ISO 4217: the currencies of the Arab region, of the main destination and
/// origin countries of its migrants, and the reserve currencies.
pub static CURRENCY: Codelist = Codelist {
    id: "currency",
    title: "ISO 4217 currency",
    codes: &[
        c(
            "AED",
            "درهم إماراتي",
            "Dirham des Émirats arabes unis",
            "UAE dirham",
        ),
        c("AFN", "أفغاني", "Afghani", "Afghani"),
        c(
            "AUD",
            "دولار أسترالي",
            "Dollar australien",
            "Australian dollar",
        ),
        c("BDT", "تاكا بنغلاديشي", "Taka", "Taka"),
        c("BHD", "دينار بحريني", "Dinar bahreïnien", "Bahraini dinar"),
        c("CAD", "دولار كندي", "Dollar canadien", "Canadian dollar"),
        c("CHF", "فرنك سويسري", "Franc suisse", "Swiss franc"),
        c("CNY", "يوان صيني", "Yuan renminbi", "Yuan renminbi"),
        c("DJF", "فرنك جيبوتي", "Franc de Djibouti", "Djibouti franc"),
        c("DKK", "كرونة دنماركية", "Couronne danoise", "Danish krone"),
        c("DZD", "دينار جزائري", "Dinar algérien", "Algerian dinar"),
        c("EGP", "جنيه مصري", "Livre égyptienne", "Egyptian pound"),
        c("ERN", "ناكفا", "Nakfa", "Nakfa"),
        c("ETB", "بير إثيوبي", "Birr éthiopien", "Ethiopian birr"),
        c("EUR", "يورو", "Euro", "Euro"),
        c("GBP", "جنيه إسترليني", "Livre sterling", "Pound sterling"),
        c("GNF", "فرنك غيني", "Franc guinéen", "Guinean franc"),
        c("IDR", "روبية إندونيسية", "Roupie indonésienne", "Rupiah"),
        c("ILS", "شيكل", "Nouveau shekel", "New Israeli sheqel"),
        c("INR", "روبية هندية", "Roupie indienne", "Indian rupee"),
        c("IQD", "دينار عراقي", "Dinar irakien", "Iraqi dinar"),
        c("IRR", "ريال إيراني", "Rial iranien", "Iranian rial"),
        c("JOD", "دينار أردني", "Dinar jordanien", "Jordanian dinar"),
        c("JPY", "ين ياباني", "Yen", "Yen"),
        c("KMF", "فرنك قمري", "Franc comorien", "Comorian franc"),
        c("KWD", "دينار كويتي", "Dinar koweïtien", "Kuwaiti dinar"),
        c("LBP", "ليرة لبنانية", "Livre libanaise", "Lebanese pound"),
        c(
            "LKR",
            "روبية سريلانكية",
            "Roupie de Sri Lanka",
            "Sri Lanka rupee",
        ),
        c("LYD", "دينار ليبي", "Dinar libyen", "Libyan dinar"),
        c("MAD", "درهم مغربي", "Dirham marocain", "Moroccan dirham"),
        c("MRU", "أوقية موريتانية", "Ouguiya", "Ouguiya"),
        c("NGN", "نيرة نيجيرية", "Naira", "Naira"),
        c(
            "NOK",
            "كرونة نرويجية",
            "Couronne norvégienne",
            "Norwegian krone",
        ),
        c("NPR", "روبية نيبالية", "Roupie népalaise", "Nepalese rupee"),
        c("OMR", "ريال عماني", "Rial omanais", "Rial Omani"),
        c("PHP", "بيزو فلبيني", "Peso philippin", "Philippine peso"),
        c(
            "PKR",
            "روبية باكستانية",
            "Roupie pakistanaise",
            "Pakistan rupee",
        ),
        c("QAR", "ريال قطري", "Riyal qatarien", "Qatari rial"),
        c("SAR", "ريال سعودي", "Riyal saoudien", "Saudi riyal"),
        c("SDG", "جنيه سوداني", "Livre soudanaise", "Sudanese pound"),
        c("SEK", "كرونة سويدية", "Couronne suédoise", "Swedish krona"),
        c("SOS", "شلن صومالي", "Shilling somalien", "Somali shilling"),
        c(
            "SSP",
            "جنيه جنوب سوداني",
            "Livre sud-soudanaise",
            "South Sudanese pound",
        ),
        c("SYP", "ليرة سورية", "Livre syrienne", "Syrian pound"),
        c("TND", "دينار تونسي", "Dinar tunisien", "Tunisian dinar"),
        c("TRY", "ليرة تركية", "Livre turque", "Turkish lira"),
        c("USD", "دولار أمريكي", "Dollar des États-Unis", "US dollar"),
        c(
            "XAF",
            "فرنك وسط أفريقي",
            "Franc CFA (BEAC)",
            "CFA franc BEAC",
        ),
        c(
            "XOF",
            "فرنك غرب أفريقي",
            "Franc CFA (BCEAO)",
            "CFA franc BCEAO",
        ),
        c("YER", "ريال يمني", "Rial yéménite", "Yemeni rial"),
    ],
};

/// Currency symbols and abbreviations seen in institution files, normalised (see
/// [`super::normalize`]; symbols are matched as typed).
pub(crate) static CURRENCY_ALIASES: &[(&str, &str)] = &[
    ("$", "USD"),
    ("us$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("dt", "TND"),
    ("د ت", "TND"),
    ("dh", "MAD"),
    ("dhs", "MAD"),
    ("د م", "MAD"),
    ("da", "DZD"),
    ("د ج", "DZD"),
    ("le", "EGP"),
    ("ج م", "EGP"),
    ("sr", "SAR"),
    ("ر س", "SAR"),
    ("د ا", "AED"),
    ("ld", "LYD"),
    ("د ل", "LYD"),
    ("um", "MRU"),
    ("tl", "TRY"),
    ("fcfa", "XOF"),
];

/// Border crossing direction.
pub static DIRECTION: Codelist = Codelist {
    id: "direction",
    title: "border crossing direction",
    codes: &[
        c("in", "دخول", "Entrée", "Entry"),
        c("out", "خروج", "Sortie", "Exit"),
    ],
};

/// Type of border post.
pub static POST_TYPE: Codelist = Codelist {
    id: "post_type",
    title: "border post type",
    codes: &[
        c("land", "بري", "Terrestre", "Land"),
        c("air", "جوي", "Aérien", "Air"),
        c("sea", "بحري", "Maritime", "Sea"),
    ],
};

/// Declared purpose of travel.
pub static PURPOSE: Codelist = Codelist {
    id: "purpose",
    title: "purpose of travel",
    codes: &[
        c("tourism", "سياحة", "Tourisme", "Tourism"),
        c("work", "عمل", "Travail", "Work"),
        c("study", "دراسة", "Études", "Study"),
        c("family", "أسرة", "Famille", "Family"),
        c("business", "أعمال", "Affaires", "Business"),
        c("transit", "عبور", "Transit", "Transit"),
        c("medical", "علاج", "Soins médicaux", "Medical"),
        c("religious", "ديني", "Religieux", "Religious"),
        c("return", "عودة", "Retour", "Return"),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Type of document granted to a foreign national.
pub static PERMIT_TYPE: Codelist = Codelist {
    id: "permit_type",
    title: "permit type",
    codes: &[
        c("visa", "تأشيرة", "Visa", "Visa"),
        c(
            "residence_permit",
            "بطاقة إقامة",
            "Titre de séjour",
            "Residence permit",
        ),
        c(
            "work_permit",
            "رخصة عمل",
            "Autorisation de travail",
            "Work permit",
        ),
        c(
            "refugee_status",
            "صفة لاجئ",
            "Statut de réfugié",
            "Refugee status",
        ),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Reason for which a permit was granted (UN Recommendations 1998, categories of admission).
pub static PERMIT_CATEGORY: Codelist = Codelist {
    id: "permit_category",
    title: "permit category",
    codes: &[
        c("work", "عمل", "Travail", "Work"),
        c("family", "لم شمل الأسرة", "Famille", "Family"),
        c("study", "دراسة", "Études", "Study"),
        c("humanitarian", "إنساني", "Humanitaire", "Humanitarian"),
        c("investment", "استثمار", "Investissement", "Investment"),
        c("retirement", "تقاعد", "Retraite", "Retirement"),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Type of return to the country of origin.
pub static RETURN_TYPE: Codelist = Codelist {
    id: "return_type",
    title: "return type",
    codes: &[
        c(
            "voluntary",
            "عودة طوعية",
            "Retour volontaire",
            "Voluntary return",
        ),
        c(
            "assisted_voluntary",
            "عودة طوعية مدعومة",
            "Retour volontaire assisté",
            "Assisted voluntary return",
        ),
        c("forced", "عودة قسرية", "Retour forcé", "Forced return"),
    ],
};

/// Reintegration assistance received (a list field).
pub static ASSISTANCE: Codelist = Codelist {
    id: "assistance",
    title: "reintegration assistance",
    codes: &[
        c("none", "لا شيء", "Aucune", "None"),
        c("cash", "مساعدة نقدية", "Aide en espèces", "Cash"),
        c("business", "مشروع", "Micro-entreprise", "Business support"),
        c("training", "تدريب", "Formation", "Training"),
        c("housing", "سكن", "Logement", "Housing"),
        c("medical", "رعاية طبية", "Soins médicaux", "Medical"),
        c(
            "psychosocial",
            "دعم نفسي اجتماعي",
            "Soutien psychosocial",
            "Psychosocial",
        ),
        c("education", "تعليم", "Éducation", "Education"),
        c("legal", "مساعدة قانونية", "Aide juridique", "Legal"),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Stage of a returnee's reintegration.
pub static REINTEGRATION_STATUS: Codelist = Codelist {
    id: "reintegration_status",
    title: "reintegration status",
    codes: &[
        c("planned", "مخطط", "Prévue", "Planned"),
        c("in_progress", "جارية", "En cours", "In progress"),
        c("completed", "مكتملة", "Achevée", "Completed"),
        c("abandoned", "متوقفة", "Abandonnée", "Abandoned"),
    ],
};

/// Direction of a remittance flow, seen from the reporting country.
pub static REMITTANCE_DIRECTION: Codelist = Codelist {
    id: "remittance_direction",
    title: "remittance direction",
    codes: &[
        c("inward", "واردة", "Entrants", "Inward"),
        c("outward", "صادرة", "Sortants", "Outward"),
    ],
};

/// Channel through which money was sent.
pub static REMITTANCE_CHANNEL: Codelist = Codelist {
    id: "remittance_channel",
    title: "remittance channel",
    codes: &[
        c("bank", "مصرف", "Banque", "Bank"),
        c(
            "money_transfer_operator",
            "شركة تحويل أموال",
            "Opérateur de transfert d'argent",
            "Money transfer operator",
        ),
        c("post", "بريد", "Poste", "Post office"),
        c("mobile", "هاتف محمول", "Mobile", "Mobile money"),
        c("informal", "غير رسمي", "Informel", "Informal"),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Form of exploitation (Palermo Protocol, art. 3; UNODC Global Report categories).
pub static EXPLOITATION_FORM: Codelist = Codelist {
    id: "exploitation_form",
    title: "form of exploitation",
    codes: &[
        c(
            "sexual",
            "استغلال جنسي",
            "Exploitation sexuelle",
            "Sexual exploitation",
        ),
        c(
            "forced_labour",
            "عمل قسري",
            "Travail forcé",
            "Forced labour",
        ),
        c(
            "domestic_servitude",
            "عبودية منزلية",
            "Servitude domestique",
            "Domestic servitude",
        ),
        c(
            "forced_begging",
            "تسول قسري",
            "Mendicité forcée",
            "Forced begging",
        ),
        c(
            "forced_criminality",
            "إجرام قسري",
            "Criminalité forcée",
            "Forced criminality",
        ),
        c(
            "organ_removal",
            "نزع الأعضاء",
            "Prélèvement d'organes",
            "Organ removal",
        ),
        c(
            "forced_marriage",
            "زواج قسري",
            "Mariage forcé",
            "Forced marriage",
        ),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Stage of a trafficking case in the national referral mechanism.
pub static REFERRAL_STATUS: Codelist = Codelist {
    id: "referral_status",
    title: "referral status",
    codes: &[
        c("identified", "تم التعرف", "Identifiée", "Identified"),
        c("referred", "تمت الإحالة", "Orientée", "Referred"),
        c("assisted", "تمت المساعدة", "Assistée", "Assisted"),
        c("closed", "مغلقة", "Clôturée", "Closed"),
    ],
};

/// Migration route (IOM Missing Migrants Project).
pub static ROUTE: Codelist = Codelist {
    id: "route",
    title: "migration route",
    codes: &[
        c(
            "central_mediterranean",
            "وسط البحر المتوسط",
            "Méditerranée centrale",
            "Central Mediterranean",
        ),
        c(
            "western_mediterranean",
            "غرب البحر المتوسط",
            "Méditerranée occidentale",
            "Western Mediterranean",
        ),
        c(
            "eastern_mediterranean",
            "شرق البحر المتوسط",
            "Méditerranée orientale",
            "Eastern Mediterranean",
        ),
        c(
            "atlantic_canaries",
            "الأطلسي نحو جزر الكناري",
            "Atlantique vers les Canaries",
            "Atlantic route to the Canary Islands",
        ),
        c(
            "sahara_crossing",
            "عبور الصحراء",
            "Traversée du Sahara",
            "Sahara Desert crossing",
        ),
        c(
            "horn_of_africa_yemen",
            "القرن الأفريقي - اليمن",
            "Corne de l'Afrique - Yémen",
            "Horn of Africa to Yemen",
        ),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Cause of death (IOM Missing Migrants Project categories).
pub static CAUSE_OF_DEATH: Codelist = Codelist {
    id: "cause_of_death",
    title: "cause of death",
    codes: &[
        c("drowning", "غرق", "Noyade", "Drowning"),
        c(
            "vehicle_accident",
            "حادث مركبة",
            "Accident de véhicule",
            "Vehicle accident",
        ),
        c("violence", "عنف", "Violence", "Violence"),
        c(
            "harsh_conditions",
            "ظروف قاسية",
            "Conditions environnementales difficiles",
            "Harsh environmental conditions",
        ),
        c("sickness", "مرض", "Maladie", "Sickness"),
        c("accidental", "حادث عرضي", "Accident", "Accidental death"),
        c(
            "mixed_or_unknown",
            "مختلط أو غير معروف",
            "Mixte ou inconnu",
            "Mixed or unknown",
        ),
    ],
};

/// Data collection behind a `census_person` record.
pub static SURVEY: Codelist = Codelist {
    id: "survey",
    title: "survey",
    codes: &[
        c("census", "تعداد", "Recensement", "Population census"),
        c(
            "hims",
            "مسح الهجرة الدولية للأسر",
            "Enquête ménages sur la migration internationale",
            "Household international migration survey",
        ),
        c(
            "lfs",
            "مسح القوى العاملة",
            "Enquête emploi",
            "Labour force survey",
        ),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Main reason for the last migration (census topic, P&R Rev.3).
pub static MIGRATION_REASON: Codelist = Codelist {
    id: "migration_reason",
    title: "reason for migration",
    codes: &[
        c("work", "عمل", "Travail", "Work"),
        c("family", "أسرة", "Famille", "Family"),
        c("study", "دراسة", "Études", "Study"),
        c("asylum", "لجوء", "Asile", "Asylum"),
        c("return", "عودة", "Retour", "Return"),
        c("other", "أخرى", "Autre", "Other"),
    ],
};

/// Every static codelist, for SDMX export and documentation.
pub static ALL_CODELISTS: &[&Codelist] = &[
    &SEX,
    &ISCO08_MAJOR,
    &ISIC4_SECTION,
    &CURRENCY,
    &DIRECTION,
    &POST_TYPE,
    &PURPOSE,
    &PERMIT_TYPE,
    &PERMIT_CATEGORY,
    &RETURN_TYPE,
    &ASSISTANCE,
    &REINTEGRATION_STATUS,
    &REMITTANCE_DIRECTION,
    &REMITTANCE_CHANNEL,
    &EXPLOITATION_FORM,
    &REFERRAL_STATUS,
    &ROUTE,
    &CAUSE_OF_DEATH,
    &SURVEY,
    &MIGRATION_REASON,
];
