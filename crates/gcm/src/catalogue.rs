//! The Global Compact for Safe, Orderly and Regular Migration as reference data: its 23
//! objectives and 10 cross-cutting and interdependent guiding principles (UN General Assembly
//! resolution 73/195, paragraphs 15–16), each with its official short title in Arabic, French and
//! English; the SDG targets and indicators commonly associated with each objective; and the six
//! implementation steps named by the regional review (initiation, needs assessment, design,
//! implementation, monitoring and evaluation, reporting) with their deliverables.
//!
//! The English titles follow A/RES/73/195. The French titles of objectives 1–16 and of the
//! principles were compared with the UN Network on Migration's French pages and a Canadian
//! parliamentary report quoting the compact; the other French titles and all Arabic titles were
//! written as faithfully as possible but must still be checked against the official Arabic and
//! French versions of A/RES/73/195 (docs/gcm.md says so). [`markdown`] renders the whole
//! catalogue; `docs/gcm.md` carries its output and a test keeps the two in step.

use std::fmt;

use marsad_model::Lang;

/// The number of a GCM objective, 1 to 23. Once it exists it is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectiveId(u8);

/// Why a text or number is not a GCM objective.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectiveIdError {
    #[error("an objective number is required (1 to 23)")]
    Empty,
    #[error("'{0}' is not an objective number: write a number from 1 to 23")]
    NotANumber(String),
    #[error("there is no GCM objective {0}: the Global Compact has objectives 1 to 23")]
    OutOfRange(u64),
}

impl ObjectiveId {
    /// The first objective.
    pub const FIRST: ObjectiveId = ObjectiveId(1);
    /// The last objective.
    pub const LAST: ObjectiveId = ObjectiveId(23);

    /// The objective numbered `n`.
    pub fn new(n: u64) -> Result<ObjectiveId, ObjectiveIdError> {
        match u8::try_from(n) {
            Ok(n @ 1..=23) => Ok(ObjectiveId(n)),
            _ => Err(ObjectiveIdError::OutOfRange(n)),
        }
    }

    /// Parses `7`, ` 07 `, `O7`, `objective 7` (any case).
    pub fn parse(text: &str) -> Result<ObjectiveId, ObjectiveIdError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ObjectiveIdError::Empty);
        }
        let lower = t.to_ascii_lowercase();
        let digits = lower
            .strip_prefix("objective")
            .or_else(|| lower.strip_prefix('o'))
            .unwrap_or(&lower)
            .trim();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 9 {
            return Err(ObjectiveIdError::NotANumber(text.to_string()));
        }
        let n = digits
            .parse::<u64>()
            .map_err(|_| ObjectiveIdError::NotANumber(text.to_string()))?;
        ObjectiveId::new(n)
    }

    /// The number, 1 to 23.
    pub fn number(self) -> u8 {
        self.0
    }

    /// All 23 objectives in order.
    pub fn all() -> impl Iterator<Item = ObjectiveId> {
        (1..=23).map(ObjectiveId)
    }

    /// The catalogue entry of this objective.
    pub fn objective(self) -> &'static Objective {
        // OBJECTIVES has exactly 23 entries in order (a test checks it), and 1 <= self.0 <= 23.
        &OBJECTIVES[usize::from(self.0) - 1]
    }
}

impl fmt::Display for ObjectiveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A text in the three languages of marsad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trilingual {
    pub ar: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

impl Trilingual {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ar => self.ar,
            Lang::Fr => self.fr,
            Lang::En => self.en,
        }
    }
}

/// One GCM objective.
#[derive(Debug, PartialEq, Eq)]
pub struct Objective {
    pub number: u8,
    pub title: Trilingual,
    /// SDG targets (`8.8`) and indicators (`10.7.3`) commonly associated with the objective; empty
    /// where no association is clear.
    pub sdg: &'static [&'static str],
}

impl Objective {
    pub fn id(&self) -> ObjectiveId {
        ObjectiveId(self.number)
    }
}

const fn o(
    number: u8,
    en: &'static str,
    fr: &'static str,
    ar: &'static str,
    sdg: &'static [&'static str],
) -> Objective {
    Objective {
        number,
        title: Trilingual { ar, fr, en },
        sdg,
    }
}

/// The 23 objectives, in order (A/RES/73/195, para. 16).
pub static OBJECTIVES: [Objective; 23] = [
    o(1, "Collect and utilize accurate and disaggregated data as a basis for evidence-based policies",
      "Collecter et utiliser des données précises et ventilées qui serviront à l'élaboration de politiques fondées sur la connaissance des faits",
      "جمع واستخدام بيانات دقيقة ومصنفة كأساس لسياسات قائمة على الأدلة",
      &["17.18", "17.18.1"]),
    o(2, "Minimize the adverse drivers and structural factors that compel people to leave their country of origin",
      "Lutter contre les facteurs négatifs et les problèmes structurels qui poussent des personnes à quitter leur pays d'origine",
      "التقليل إلى أدنى حد من العوامل الدافعة والعوامل الهيكلية السلبية التي تجبر الناس على مغادرة بلدانهم الأصلية",
      &[]),
    o(3, "Provide accurate and timely information at all stages of migration",
      "Fournir dans les meilleurs délais des informations exactes à toutes les étapes de la migration",
      "توفير معلومات دقيقة وفي الوقت المناسب في جميع مراحل الهجرة",
      &[]),
    o(4, "Ensure that all migrants have proof of legal identity and adequate documentation",
      "Munir tous les migrants d'une preuve d'identité légale et de papiers adéquats",
      "ضمان حصول جميع المهاجرين على إثبات للهوية القانونية ووثائق كافية",
      &["16.9", "16.9.1"]),
    o(5, "Enhance availability and flexibility of pathways for regular migration",
      "Faire en sorte que les filières de migration régulière soient accessibles et plus souples",
      "تعزيز توافر مسارات الهجرة النظامية ومرونتها",
      &["10.7", "10.7.2"]),
    o(6, "Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work",
      "Favoriser des pratiques de recrutement justes et éthiques et assurer les conditions d'un travail décent",
      "تيسير التوظيف المنصف والأخلاقي وضمان الظروف التي تكفل العمل اللائق",
      &["8.8", "8.8.1", "8.8.2", "10.7.1"]),
    o(7, "Address and reduce vulnerabilities in migration",
      "S'attaquer aux facteurs de vulnérabilité liés aux migrations et les réduire",
      "معالجة أوجه الضعف في الهجرة والحد منها",
      &[]),
    o(8, "Save lives and establish coordinated international efforts on missing migrants",
      "Sauver des vies et mettre en place une action internationale coordonnée pour retrouver les migrants disparus",
      "إنقاذ الأرواح وتنسيق الجهود الدولية بشأن المهاجرين المفقودين",
      &["10.7.3"]),
    o(9, "Strengthen the transnational response to smuggling of migrants",
      "Renforcer l'action transnationale face au trafic de migrants",
      "تعزيز التصدي على الصعيد عبر الوطني لتهريب المهاجرين",
      &[]),
    o(10, "Prevent, combat and eradicate trafficking in persons in the context of international migration",
      "Prévenir, combattre et éliminer la traite de personnes dans le cadre des migrations internationales",
      "منع الاتجار بالأشخاص ومكافحته والقضاء عليه في سياق الهجرة الدولية",
      &["5.2", "8.7", "16.2", "16.2.2"]),
    o(11, "Manage borders in an integrated, secure and coordinated manner",
      "Gérer les frontières de manière intégrée, sûre et coordonnée",
      "إدارة الحدود بطريقة متكاملة وآمنة ومنسقة",
      &[]),
    o(12, "Strengthen certainty and predictability in migration procedures for appropriate screening, assessment and referral",
      "Veiller à l'invariabilité et à la prévisibilité des procédures migratoires pour assurer des contrôles, des évaluations et une orientation appropriés",
      "تعزيز اليقين وإمكانية التنبؤ في إجراءات الهجرة من أجل الفرز والتقييم والإحالة على النحو المناسب",
      &[]),
    o(13, "Use migration detention only as a measure of last resort and work towards alternatives",
      "Ne recourir au placement en rétention administrative des migrants qu'en dernier ressort et chercher des solutions de rechange",
      "عدم اللجوء إلى احتجاز المهاجرين إلا كتدبير أخير والعمل على إيجاد بدائل له",
      &[]),
    o(14, "Enhance consular protection, assistance and cooperation throughout the migration cycle",
      "Renforcer la protection, l'assistance et la coopération consulaires tout au long du cycle migratoire",
      "تعزيز الحماية والمساعدة والتعاون في المجال القنصلي طوال دورة الهجرة",
      &[]),
    o(15, "Provide access to basic services for migrants",
      "Assurer l'accès des migrants aux services de base",
      "توفير إمكانية حصول المهاجرين على الخدمات الأساسية",
      &[]),
    o(16, "Empower migrants and societies to realize full inclusion and social cohesion",
      "Donner aux migrants et aux sociétés des moyens en faveur de la pleine intégration et de la cohésion sociale",
      "تمكين المهاجرين والمجتمعات من تحقيق الإدماج الكامل والتماسك الاجتماعي",
      &[]),
    o(17, "Eliminate all forms of discrimination and promote evidence-based public discourse to shape perceptions of migration",
      "Éliminer toutes les formes de discrimination et encourager un débat public fondé sur l'analyse des faits afin de faire évoluer la manière dont les migrations sont perçues",
      "القضاء على جميع أشكال التمييز وتشجيع الخطاب العام المستند إلى الأدلة من أجل تشكيل تصورات الهجرة",
      &["10.3.1", "16.b.1"]),
    o(18, "Invest in skills development and facilitate mutual recognition of skills, qualifications and competences",
      "Investir dans le perfectionnement des compétences et faciliter la reconnaissance mutuelle des aptitudes, qualifications et compétences",
      "الاستثمار في تنمية المهارات وتيسير الاعتراف المتبادل بالمهارات والمؤهلات والكفاءات",
      &[]),
    o(19, "Create conditions for migrants and diasporas to fully contribute to sustainable development in all countries",
      "Créer les conditions permettant aux migrants et aux diasporas de contribuer pleinement au développement durable dans tous les pays",
      "تهيئة الظروف اللازمة للمهاجرين والمغتربين للمساهمة الكاملة في التنمية المستدامة في جميع البلدان",
      &[]),
    o(20, "Promote faster, safer and cheaper transfer of remittances and foster financial inclusion of migrants",
      "Promouvoir des transferts de fonds plus rapides, plus sûrs et moins coûteux et favoriser l'inclusion financière des migrants",
      "تعزيز تحويل المهاجرين للأموال بطرق أسرع وأكثر أمانا وأقل تكلفة وتيسير شمولهم المالي",
      &["10.c", "10.c.1", "17.3.2"]),
    o(21, "Cooperate in facilitating safe and dignified return and readmission, as well as sustainable reintegration",
      "Coopérer en vue de faciliter le retour et la réadmission des migrants en toute sécurité et dans la dignité, ainsi que leur réintégration durable",
      "التعاون في تيسير العودة وإعادة القبول في ظروف آمنة وكريمة، فضلا عن إعادة الإدماج المستدامة",
      &[]),
    o(22, "Establish mechanisms for the portability of social security entitlements and earned benefits",
      "Mettre en place des mécanismes de portabilité des droits de sécurité sociale et des avantages acquis",
      "إنشاء آليات لنقل استحقاقات الضمان الاجتماعي والمستحقات المكتسبة",
      &[]),
    o(23, "Strengthen international cooperation and global partnerships for safe, orderly and regular migration",
      "Renforcer la coopération internationale et les partenariats mondiaux pour des migrations sûres, ordonnées et régulières",
      "تعزيز التعاون الدولي والشراكات العالمية من أجل الهجرة الآمنة والمنظمة والنظامية",
      &["10.7.2", "17.16"]),
];

/// One of the ten cross-cutting and interdependent guiding principles (A/RES/73/195, para. 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Principle {
    PeopleCentred,
    InternationalCooperation,
    NationalSovereignty,
    RuleOfLawAndDueProcess,
    SustainableDevelopment,
    HumanRights,
    GenderResponsive,
    ChildSensitive,
    WholeOfGovernment,
    WholeOfSociety,
}

impl Principle {
    /// The ten principles in the order of paragraph 15.
    pub const ALL: [Principle; 10] = [
        Principle::PeopleCentred,
        Principle::InternationalCooperation,
        Principle::NationalSovereignty,
        Principle::RuleOfLawAndDueProcess,
        Principle::SustainableDevelopment,
        Principle::HumanRights,
        Principle::GenderResponsive,
        Principle::ChildSensitive,
        Principle::WholeOfGovernment,
        Principle::WholeOfSociety,
    ];

    /// Its position in paragraph 15, 1 to 10.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// A stable code for storage and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Principle::PeopleCentred => "people_centred",
            Principle::InternationalCooperation => "international_cooperation",
            Principle::NationalSovereignty => "national_sovereignty",
            Principle::RuleOfLawAndDueProcess => "rule_of_law",
            Principle::SustainableDevelopment => "sustainable_development",
            Principle::HumanRights => "human_rights",
            Principle::GenderResponsive => "gender_responsive",
            Principle::ChildSensitive => "child_sensitive",
            Principle::WholeOfGovernment => "whole_of_government",
            Principle::WholeOfSociety => "whole_of_society",
        }
    }

    /// Parses the code (see [`Principle::code`]).
    pub fn parse(code: &str) -> Option<Principle> {
        let code = code.trim();
        Principle::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn title(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            Principle::PeopleCentred => t(
                "People-centred",
                "Priorité à la dimension humaine",
                "محورية الإنسان",
            ),
            Principle::InternationalCooperation => t(
                "International cooperation",
                "Coopération internationale",
                "التعاون الدولي",
            ),
            Principle::NationalSovereignty => t(
                "National sovereignty",
                "Souveraineté nationale",
                "السيادة الوطنية",
            ),
            Principle::RuleOfLawAndDueProcess => t(
                "Rule of law and due process",
                "Primauté du droit et garanties d'une procédure régulière",
                "سيادة القانون وضمانات مراعاة الأصول القانونية",
            ),
            Principle::SustainableDevelopment => t(
                "Sustainable development",
                "Développement durable",
                "التنمية المستدامة",
            ),
            Principle::HumanRights => t("Human rights", "Droits de l'homme", "حقوق الإنسان"),
            Principle::GenderResponsive => t(
                "Gender-responsive",
                "Prise en compte de la problématique femmes-hommes",
                "مراعاة المنظور الجنساني",
            ),
            Principle::ChildSensitive => t(
                "Child-sensitive",
                "Adaptation aux besoins de l'enfant",
                "مراعاة مصالح الطفل",
            ),
            Principle::WholeOfGovernment => t(
                "Whole-of-government approach",
                "Approche mobilisant l'ensemble des pouvoirs publics",
                "نهج يشمل الحكومة بأسرها",
            ),
            Principle::WholeOfSociety => t(
                "Whole-of-society approach",
                "Approche mobilisant l'ensemble de la société",
                "نهج يشمل المجتمع بأسره",
            ),
        }
    }
}

/// The six steps of national GCM implementation (the regional review, para. 91; the UN Network
/// on Migration's GCM implementation guidance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Initiation,
    NeedsAssessment,
    Design,
    Implementation,
    MonitoringAndEvaluation,
    Reporting,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Initiation,
        Step::NeedsAssessment,
        Step::Design,
        Step::Implementation,
        Step::MonitoringAndEvaluation,
        Step::Reporting,
    ];

    /// 1 to 6.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// A stable code for storage and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Step::Initiation => "initiation",
            Step::NeedsAssessment => "needs_assessment",
            Step::Design => "design",
            Step::Implementation => "implementation",
            Step::MonitoringAndEvaluation => "monitoring_evaluation",
            Step::Reporting => "reporting",
        }
    }

    /// Parses the code (see [`Step::code`]).
    pub fn parse(code: &str) -> Option<Step> {
        let code = code.trim();
        Step::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            Step::Initiation => t("Initiation", "Lancement", "الإطلاق"),
            Step::NeedsAssessment => t(
                "Needs assessment",
                "Évaluation des besoins",
                "تقييم الاحتياجات",
            ),
            Step::Design => t("Design", "Conception", "التصميم"),
            Step::Implementation => t("Implementation", "Mise en œuvre", "التنفيذ"),
            Step::MonitoringAndEvaluation => t(
                "Monitoring and evaluation",
                "Suivi et évaluation",
                "الرصد والتقييم",
            ),
            Step::Reporting => t("Reporting", "Établissement de rapports", "الإبلاغ"),
        }
    }

    /// What the step produces, in English.
    pub fn deliverable(self) -> &'static str {
        match self {
            Step::Initiation => "A government decision launching implementation, a national coordination mechanism (whole-of-government and whole-of-society) with its terms of reference, and a work plan.",
            Step::NeedsAssessment => "A baseline assessment of migration governance against the 23 objectives: existing policies, data, gaps and priorities, validated with stakeholders.",
            Step::Design => "The national implementation plan: prioritised actions tied to objectives, owners, partners, budgets, timelines, and indicators with baselines and targets.",
            Step::Implementation => "The actions carried out by their owners, with evidence of what was done and resources mobilised.",
            Step::MonitoringAndEvaluation => "Measured indicator values over time and evaluations recording what was learned and the obstacles met, feeding revisions of the plan.",
            Step::Reporting => "The voluntary national review of GCM implementation for the regional review and the International Migration Review Forum.",
        }
    }
}

fn escape_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The catalogue as Markdown: objectives (with SDG links), principles and steps. `docs/gcm.md`
/// carries this text between its generated-section markers.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("### The 23 objectives\n\n| # | English | Français | العربية | SDG |\n| --- | --- | --- | --- | --- |\n");
    for ob in &OBJECTIVES {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            ob.number,
            escape_cell(ob.title.en),
            escape_cell(ob.title.fr),
            escape_cell(ob.title.ar),
            ob.sdg.join(", ")
        ));
    }
    out.push_str("\n### The 10 guiding principles\n\n| # | code | English | Français | العربية |\n| --- | --- | --- | --- | --- |\n");
    for p in Principle::ALL {
        let t = p.title();
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            p.number(),
            p.code(),
            t.en,
            t.fr,
            t.ar
        ));
    }
    out.push_str("\n### The six implementation steps\n\n| # | code | English | Français | العربية | deliverable |\n| --- | --- | --- | --- | --- | --- |\n");
    for s in Step::ALL {
        let t = s.name();
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            s.number(),
            s.code(),
            t.en,
            t.fr,
            t.ar,
            s.deliverable()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<u8, ObjectiveIdError>) {
        assert_eq!(
            ObjectiveId::parse(input).map(ObjectiveId::number),
            expected,
            "input {input:?}"
        );
    }

    #[test]
    fn objective_ids_parse() {
        use ObjectiveIdError::*;
        check("1", Ok(1));
        check("23", Ok(23));
        check(" 07 ", Ok(7));
        check("O8", Ok(8));
        check("objective 10", Ok(10));
        check("Objective10", Ok(10));
        check("", Err(Empty));
        check("   ", Err(Empty));
        check("0", Err(OutOfRange(0)));
        check("24", Err(OutOfRange(24)));
        check("300", Err(OutOfRange(300)));
        check("-3", Err(NotANumber("-3".into())));
        check("1.5", Err(NotANumber("1.5".into())));
        check("seven", Err(NotANumber("seven".into())));
        check("objective", Err(NotANumber("objective".into())));
        check(
            "99999999999999999999",
            Err(NotANumber("99999999999999999999".into())),
        );
    }

    #[test]
    fn errors_say_what_is_allowed() {
        assert_eq!(
            ObjectiveId::parse("24").unwrap_err().to_string(),
            "there is no GCM objective 24: the Global Compact has objectives 1 to 23"
        );
    }

    #[test]
    fn catalogue_is_complete_and_in_order() {
        assert_eq!(OBJECTIVES.len(), 23);
        for (i, ob) in OBJECTIVES.iter().enumerate() {
            assert_eq!(usize::from(ob.number), i + 1);
            assert_eq!(
                ObjectiveId::new(u64::from(ob.number)).unwrap().objective(),
                ob
            );
            for lang in Lang::ALL {
                assert!(
                    !ob.title.get(lang).trim().is_empty(),
                    "objective {} {lang:?}",
                    ob.number
                );
            }
            // Arabic titles are in Arabic script, the others are not.
            assert!(ob
                .title
                .ar
                .chars()
                .any(|c| ('\u{600}'..='\u{6ff}').contains(&c)));
            assert!(!ob
                .title
                .fr
                .chars()
                .any(|c| ('\u{600}'..='\u{6ff}').contains(&c)));
            for code in ob.sdg {
                let parts: Vec<&str> = code.split('.').collect();
                assert!(parts.len() == 2 || parts.len() == 3, "{code}");
            }
        }
        assert_eq!(ObjectiveId::all().count(), 23);
        assert_eq!(Principle::ALL.len(), 10);
        assert_eq!(Step::ALL.len(), 6);
    }

    #[test]
    fn well_known_sdg_links() {
        let has = |n: u64, code: &str| ObjectiveId::new(n).unwrap().objective().sdg.contains(&code);
        assert!(has(1, "17.18.1"));
        assert!(has(8, "10.7.3"));
        assert!(has(6, "10.7.1"));
        assert!(has(6, "8.8.1"));
        assert!(has(20, "10.c.1"));
        assert!(has(20, "17.3.2"));
        assert!(has(10, "16.2.2"));
        assert!(!has(13, "10.7.3"));
    }

    #[test]
    fn codes_round_trip() {
        for p in Principle::ALL {
            assert_eq!(Principle::parse(p.code()), Some(p));
        }
        for s in Step::ALL {
            assert_eq!(Step::parse(s.code()), Some(s));
        }
        assert_eq!(Step::parse("monitoring"), None);
        assert_eq!(Principle::WholeOfSociety.number(), 10);
        assert_eq!(Step::Reporting.number(), 6);
    }
}
