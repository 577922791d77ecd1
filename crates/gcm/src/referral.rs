//! The national referral mechanism for trafficking victims as a state machine. A referral sends
//! an identified victim from one institution (the *referring* one, usually the anti-trafficking
//! authority or a case worker's institution) to another (the *receiving* one) for one service:
//! shelter, health, psychosocial support, legal aid, return or integration.
//!
//! ```text
//! proposed ──accept──▶ accepted ──start──▶ in_progress ──complete──▶ completed
//!    │  └──decline (reason)──▶ declined          └──interrupt (reason)──▶ interrupted
//!    └─────────cancel (reason)──▶ cancelled ◀──cancel── accepted
//! ```
//!
//! Who may move what: the referring institution proposes and cancels; the receiving institution
//! accepts, declines, starts and completes; either may record an interruption (the service stops,
//! or the person leaves it). Every state that waits for someone has a due date computed from
//! [`Limits`] (configurable per kind of service), and [`Referral::overdue`] tells, for a given
//! "now", whether the referral is late and who it waits for — so nothing falls between
//! institutions. A [`Journey`] holds one victim's referrals from identification on and lists
//! what needs attention: no referral yet, late referrals, and declined or interrupted needs that
//! no other institution took over. Time is always a parameter.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use crate::catalogue::Trilingual;

/// The service a referral asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReferralKind {
    Shelter,
    Health,
    Psychosocial,
    LegalAid,
    Return,
    Integration,
}

impl ReferralKind {
    pub const ALL: [ReferralKind; 6] = [
        ReferralKind::Shelter,
        ReferralKind::Health,
        ReferralKind::Psychosocial,
        ReferralKind::LegalAid,
        ReferralKind::Return,
        ReferralKind::Integration,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReferralKind::Shelter => "shelter",
            ReferralKind::Health => "health",
            ReferralKind::Psychosocial => "psychosocial",
            ReferralKind::LegalAid => "legal_aid",
            ReferralKind::Return => "return",
            ReferralKind::Integration => "integration",
        }
    }

    /// Its name in Arabic, French and English, for pages and reports.
    pub fn label(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            ReferralKind::Shelter => t("Shelter", "Hébergement", "إيواء"),
            ReferralKind::Health => t("Health care", "Soins de santé", "رعاية صحية"),
            ReferralKind::Psychosocial => t(
                "Psychosocial support",
                "Soutien psychosocial",
                "دعم نفسي واجتماعي",
            ),
            ReferralKind::LegalAid => t("Legal aid", "Aide juridique", "مساعدة قانونية"),
            ReferralKind::Return => t("Return", "Retour", "عودة"),
            ReferralKind::Integration => t("Integration", "Intégration", "إدماج"),
        }
    }

    pub fn parse(code: &str) -> Option<ReferralKind> {
        ReferralKind::ALL
            .into_iter()
            .find(|k| k.code() == code.trim())
    }
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReferralState {
    Proposed,
    Accepted,
    Declined,
    InProgress,
    Completed,
    Interrupted,
    Cancelled,
}

impl ReferralState {
    pub const ALL: [ReferralState; 7] = [
        ReferralState::Proposed,
        ReferralState::Accepted,
        ReferralState::Declined,
        ReferralState::InProgress,
        ReferralState::Completed,
        ReferralState::Interrupted,
        ReferralState::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReferralState::Proposed => "proposed",
            ReferralState::Accepted => "accepted",
            ReferralState::Declined => "declined",
            ReferralState::InProgress => "in_progress",
            ReferralState::Completed => "completed",
            ReferralState::Interrupted => "interrupted",
            ReferralState::Cancelled => "cancelled",
        }
    }

    /// Its name in Arabic, French and English, for pages and reports.
    pub fn label(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            ReferralState::Proposed => t("Proposed", "Proposée", "مقترحة"),
            ReferralState::Accepted => t("Accepted", "Acceptée", "مقبولة"),
            ReferralState::Declined => t("Declined", "Refusée", "مرفوضة"),
            ReferralState::InProgress => t("In progress", "En cours", "قيد التنفيذ"),
            ReferralState::Completed => t("Completed", "Terminée", "مكتملة"),
            ReferralState::Interrupted => t("Interrupted", "Interrompue", "متوقفة"),
            ReferralState::Cancelled => t("Cancelled", "Annulée", "ملغاة"),
        }
    }

    /// No transition leaves a final state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ReferralState::Declined
                | ReferralState::Completed
                | ReferralState::Interrupted
                | ReferralState::Cancelled
        )
    }
}

impl fmt::Display for ReferralState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A move of a referral. Declining, cancelling and interrupting carry a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline { reason: String },
    Start,
    Complete,
    Interrupt { reason: String },
    Cancel { reason: String },
}

impl Action {
    pub fn code(&self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline { .. } => "decline",
            Action::Start => "start",
            Action::Complete => "complete",
            Action::Interrupt { .. } => "interrupt",
            Action::Cancel { .. } => "cancel",
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Action::Decline { reason }
            | Action::Interrupt { reason }
            | Action::Cancel { reason } => Some(reason),
            _ => None,
        }
    }
}

/// Which side of a referral an institution is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Referring,
    Receiving,
    /// Neither: a third institution has no say on the referral.
    Other,
}

/// Who may make a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    Referring,
    Receiving,
    Either,
}

impl Mover {
    fn allows(self, side: Side) -> bool {
        matches!(
            (self, side),
            (Mover::Referring, Side::Referring)
                | (Mover::Receiving, Side::Receiving)
                | (Mover::Either, Side::Referring | Side::Receiving)
        )
    }
}

/// The transition table: from a state, a move leads to a state and may be made by a mover.
/// Anything not listed is forbidden.
pub fn rule(from: ReferralState, action: &Action) -> Option<(ReferralState, Mover)> {
    use ReferralState::*;
    Some(match (from, action) {
        (Proposed, Action::Accept) => (Accepted, Mover::Receiving),
        (Proposed, Action::Decline { .. }) => (Declined, Mover::Receiving),
        (Proposed, Action::Cancel { .. }) => (Cancelled, Mover::Referring),
        (Accepted, Action::Start) => (InProgress, Mover::Receiving),
        (Accepted, Action::Cancel { .. }) => (Cancelled, Mover::Referring),
        (InProgress, Action::Complete) => (Completed, Mover::Receiving),
        (InProgress, Action::Interrupt { .. }) => (Interrupted, Mover::Either),
        _ => return None,
    })
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    #[error("referral {referral}: cannot {action} a referral that is {state}")]
    NotAllowed {
        referral: String,
        action: &'static str,
        state: ReferralState,
    },
    #[error("referral {referral}: only the {expected} institution may {action} it; '{institution}' is not")]
    WrongInstitution {
        referral: String,
        action: &'static str,
        expected: &'static str,
        institution: String,
    },
    #[error("referral {referral}: {action} needs a reason")]
    ReasonRequired {
        referral: String,
        action: &'static str,
    },
    #[error("referral {referral}: {action} at {at} is earlier than the last change ({last})")]
    BeforeLastChange {
        referral: String,
        action: &'static str,
        at: DateTime<Utc>,
        last: DateTime<Utc>,
    },
    #[error("referral {referral}: the referring and receiving institutions are the same ('{institution}')")]
    SameInstitution {
        referral: String,
        institution: String,
    },
}

/// How long each side has at each stage, for one kind of service. `None` = no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindLimits {
    /// From proposal to accept/decline.
    pub respond: Option<Duration>,
    /// From acceptance to the start of the service.
    pub start: Option<Duration>,
    /// From the start of the service to its completion.
    pub complete: Option<Duration>,
}

/// Limits per kind of service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    per_kind: [KindLimits; 6],
}

impl Limits {
    pub fn get(&self, kind: ReferralKind) -> KindLimits {
        self.per_kind[kind as usize]
    }

    pub fn set(&mut self, kind: ReferralKind, limits: KindLimits) {
        self.per_kind[kind as usize] = limits;
    }
}

impl Default for Limits {
    /// Defaults a country is expected to change: urgent services (shelter, health) must be
    /// answered within a day and started within two; the others within a week and two weeks.
    /// Only return has a default completion limit (90 days); other services last as long as
    /// the person needs them.
    fn default() -> Limits {
        let d = Duration::days;
        let urgent = KindLimits {
            respond: Some(d(1)),
            start: Some(d(2)),
            complete: None,
        };
        let normal = KindLimits {
            respond: Some(d(7)),
            start: Some(d(14)),
            complete: None,
        };
        Limits {
            per_kind: [
                urgent,
                urgent,
                normal,
                normal,
                KindLimits {
                    complete: Some(d(90)),
                    ..normal
                },
                normal,
            ],
        }
    }
}

/// One recorded move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub institution: String,
    pub from: ReferralState,
    pub to: ReferralState,
    pub reason: Option<String>,
}

/// A referral of one person to one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    id: String,
    /// The trafficking case (victim) it belongs to.
    case_id: String,
    kind: ReferralKind,
    referring: String,
    receiving: String,
    state: ReferralState,
    proposed_at: DateTime<Utc>,
    history: Vec<Event>,
}

/// A late referral: what it waits for, from whom, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    pub state: ReferralState,
    /// The institution whose move is awaited.
    pub waiting_for: String,
    pub due: DateTime<Utc>,
    pub late_by: Duration,
}

impl Referral {
    /// The referring institution proposes a referral at `at`.
    pub fn propose(
        id: &str,
        case_id: &str,
        kind: ReferralKind,
        referring: &str,
        receiving: &str,
        at: DateTime<Utc>,
    ) -> Result<Referral, ReferralError> {
        if referring.trim() == receiving.trim() {
            return Err(ReferralError::SameInstitution {
                referral: id.to_string(),
                institution: referring.to_string(),
            });
        }
        Ok(Referral {
            id: id.to_string(),
            case_id: case_id.to_string(),
            kind,
            referring: referring.to_string(),
            receiving: receiving.to_string(),
            state: ReferralState::Proposed,
            proposed_at: at,
            history: Vec::new(),
        })
    }

    /// Rebuilds a stored referral by replaying its recorded moves through the same rules, so a
    /// stored history that breaks them is refused rather than trusted.
    pub fn restore(
        id: &str,
        case_id: &str,
        kind: ReferralKind,
        referring: &str,
        receiving: &str,
        proposed_at: DateTime<Utc>,
        history: &[Event],
    ) -> Result<Referral, ReferralError> {
        let mut r = Referral::propose(id, case_id, kind, referring, receiving, proposed_at)?;
        for e in history {
            let reason = e.reason.clone().unwrap_or_default();
            let action = match e.to {
                ReferralState::Accepted => Action::Accept,
                ReferralState::Declined => Action::Decline { reason },
                ReferralState::InProgress => Action::Start,
                ReferralState::Completed => Action::Complete,
                ReferralState::Interrupted => Action::Interrupt { reason },
                ReferralState::Cancelled => Action::Cancel { reason },
                ReferralState::Proposed => {
                    return Err(ReferralError::NotAllowed {
                        referral: id.to_string(),
                        action: "propose",
                        state: r.state,
                    })
                }
            };
            if e.from != r.state {
                return Err(ReferralError::NotAllowed {
                    referral: id.to_string(),
                    action: action.code(),
                    state: r.state,
                });
            }
            r.apply(&e.institution, action, e.at)?;
        }
        Ok(r)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn case_id(&self) -> &str {
        &self.case_id
    }

    pub fn kind(&self) -> ReferralKind {
        self.kind
    }

    pub fn referring(&self) -> &str {
        &self.referring
    }

    pub fn receiving(&self) -> &str {
        &self.receiving
    }

    pub fn state(&self) -> ReferralState {
        self.state
    }

    pub fn proposed_at(&self) -> DateTime<Utc> {
        self.proposed_at
    }

    /// Every move since the proposal, oldest first.
    pub fn history(&self) -> &[Event] {
        &self.history
    }

    /// When the state was entered.
    pub fn since(&self) -> DateTime<Utc> {
        self.history.last().map_or(self.proposed_at, |e| e.at)
    }

    /// The side `institution` is on.
    pub fn side(&self, institution: &str) -> Side {
        if institution == self.referring {
            Side::Referring
        } else if institution == self.receiving {
            Side::Receiving
        } else {
            Side::Other
        }
    }

    /// `institution` makes `action` at `at`.
    pub fn apply(
        &mut self,
        institution: &str,
        action: Action,
        at: DateTime<Utc>,
    ) -> Result<ReferralState, ReferralError> {
        let referral = self.id.clone();
        let name = action.code();
        let Some((to, mover)) = rule(self.state, &action) else {
            return Err(ReferralError::NotAllowed {
                referral,
                action: name,
                state: self.state,
            });
        };
        if !mover.allows(self.side(institution)) {
            return Err(ReferralError::WrongInstitution {
                referral,
                action: name,
                expected: match mover {
                    Mover::Referring => "referring",
                    Mover::Receiving => "receiving",
                    Mover::Either => "referring or the receiving",
                },
                institution: institution.to_string(),
            });
        }
        if action.reason().is_some_and(|r| r.trim().is_empty()) {
            return Err(ReferralError::ReasonRequired {
                referral,
                action: name,
            });
        }
        let last = self.since();
        if at < last {
            return Err(ReferralError::BeforeLastChange {
                referral,
                action: name,
                at,
                last,
            });
        }
        self.history.push(Event {
            at,
            institution: institution.to_string(),
            from: self.state,
            to,
            reason: action.reason().map(|r| r.trim().to_string()),
        });
        self.state = to;
        Ok(to)
    }

    /// When the awaited move is due, and by whom; `None` in a final state or without a limit.
    pub fn due(&self, limits: &Limits) -> Option<(DateTime<Utc>, &str)> {
        let l = limits.get(self.kind);
        let limit = match self.state {
            ReferralState::Proposed => l.respond,
            ReferralState::Accepted => l.start,
            ReferralState::InProgress => l.complete,
            _ => None,
        }?;
        Some((self.since() + limit, self.receiving.as_str()))
    }

    /// Whether the referral is late at `now`.
    pub fn overdue(&self, now: DateTime<Utc>, limits: &Limits) -> Option<Overdue> {
        let (due, who) = self.due(limits)?;
        (now > due).then(|| Overdue {
            state: self.state,
            waiting_for: who.to_string(),
            due,
            late_by: now - due,
        })
    }
}

/// Why a referral cannot join a victim's journey.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JourneyError {
    #[error("case {case}: referral {referral} belongs to case {other}")]
    OtherCase {
        case: String,
        referral: String,
        other: String,
    },
    #[error("case {case}: referral {referral} is already in the journey")]
    DuplicateReferral { case: String, referral: String },
    #[error("case {case}: referral {referral} is proposed ({at}) before the person was identified ({identified})")]
    BeforeIdentification {
        case: String,
        referral: String,
        at: DateTime<Utc>,
        identified: DateTime<Utc>,
    },
    #[error(
        "case {case}: a {kind} referral ({open}) is still open; cancel it before proposing another"
    )]
    OpenOfSameKind {
        case: String,
        kind: &'static str,
        open: String,
    },
}

/// Something in a journey that needs someone's attention at a given "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attention {
    /// Identified but not referred anywhere within the limit.
    NotReferred { late_by: Duration },
    /// A referral is late (see [`Referral::overdue`]).
    Overdue { referral: String, overdue: Overdue },
    /// A referral was declined or interrupted and no later referral of the same kind exists:
    /// the need is not met by anyone.
    Unmet {
        referral: String,
        kind: ReferralKind,
        state: ReferralState,
    },
}

/// A trafficking victim's journey: identification, then referrals to services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journey {
    pub case_id: String,
    pub identified_at: DateTime<Utc>,
    pub identified_by: String,
    referrals: Vec<Referral>,
}

impl Journey {
    pub fn new(case_id: &str, identified_by: &str, identified_at: DateTime<Utc>) -> Journey {
        Journey {
            case_id: case_id.to_string(),
            identified_at,
            identified_by: identified_by.to_string(),
            referrals: Vec::new(),
        }
    }

    pub fn referrals(&self) -> &[Referral] {
        &self.referrals
    }

    /// The referral `id`, to move it.
    pub fn referral_mut(&mut self, id: &str) -> Option<&mut Referral> {
        self.referrals.iter_mut().find(|r| r.id == id)
    }

    /// Adds a newly proposed referral.
    pub fn add(&mut self, referral: Referral) -> Result<(), JourneyError> {
        let case = self.case_id.clone();
        if referral.case_id != self.case_id {
            return Err(JourneyError::OtherCase {
                case,
                referral: referral.id,
                other: referral.case_id,
            });
        }
        if self.referrals.iter().any(|r| r.id == referral.id) {
            return Err(JourneyError::DuplicateReferral {
                case,
                referral: referral.id,
            });
        }
        if referral.proposed_at < self.identified_at {
            return Err(JourneyError::BeforeIdentification {
                case,
                referral: referral.id,
                at: referral.proposed_at,
                identified: self.identified_at,
            });
        }
        if let Some(open) = self
            .referrals
            .iter()
            .find(|r| r.kind == referral.kind && !r.state().is_final())
        {
            return Err(JourneyError::OpenOfSameKind {
                case,
                kind: referral.kind.code(),
                open: open.id.clone(),
            });
        }
        self.referrals.push(referral);
        Ok(())
    }

    /// Everything that needs attention at `now`: no referral within `refer_within` of the
    /// identification, late referrals, and declined or interrupted needs nobody took over.
    pub fn attention(
        &self,
        now: DateTime<Utc>,
        limits: &Limits,
        refer_within: Duration,
    ) -> Vec<Attention> {
        let mut out = Vec::new();
        let due = self.identified_at + refer_within;
        if self.referrals.is_empty() && now > due {
            out.push(Attention::NotReferred { late_by: now - due });
        }
        for r in &self.referrals {
            if let Some(overdue) = r.overdue(now, limits) {
                out.push(Attention::Overdue {
                    referral: r.id.clone(),
                    overdue,
                });
            }
            let failed = matches!(
                r.state(),
                ReferralState::Declined | ReferralState::Interrupted
            );
            let taken_over = self
                .referrals
                .iter()
                .any(|o| o.kind == r.kind && o.proposed_at >= r.since() && o.id != r.id);
            if failed && !taken_over {
                out.push(Attention::Unmet {
                    referral: r.id.clone(),
                    kind: r.kind,
                    state: r.state(),
                });
            }
        }
        out
    }
}

/// The transition table and the default limits as Markdown, for `docs/gcm.md`.
pub fn markdown() -> String {
    let actions = [
        Action::Accept,
        Action::Decline {
            reason: String::new(),
        },
        Action::Start,
        Action::Complete,
        Action::Interrupt {
            reason: String::new(),
        },
        Action::Cancel {
            reason: String::new(),
        },
    ];
    let mut out =
        String::from("| from | move | to | by | reason |\n| --- | --- | --- | --- | --- |\n");
    for from in ReferralState::ALL {
        for a in &actions {
            if let Some((to, mover)) = rule(from, a) {
                let by = match mover {
                    Mover::Referring => "referring institution",
                    Mover::Receiving => "receiving institution",
                    Mover::Either => "either",
                };
                let reason = if a.reason().is_some() { "required" } else { "" };
                out.push_str(&format!(
                    "| {from} | {} | {to} | {by} | {reason} |\n",
                    a.code()
                ));
            }
        }
    }
    let show = |d: Option<Duration>| match d.map(|d| d.num_days()) {
        None => "no limit".to_string(),
        Some(1) => "1 day".to_string(),
        Some(n) => format!("{n} days"),
    };
    out.push_str("\nDefault limits (configurable per kind):\n\n| kind | answer within | start within | complete within |\n| --- | --- | --- | --- |\n");
    let limits = Limits::default();
    for k in ReferralKind::ALL {
        let l = limits.get(k);
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            k.code(),
            show(l.respond),
            show(l.start),
            show(l.complete)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralState::*;

    const REF: &str = "anti-trafficking authority";
    const REC: &str = "shelter ngo";
    const OTHER: &str = "border police";

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + h * 3600, 0).unwrap()
    }

    /// A referral brought to `state` by the allowed moves.
    fn at_state(state: ReferralState) -> Referral {
        let mut r = Referral::propose("R1", "C1", ReferralKind::Shelter, REF, REC, t(0)).unwrap();
        let path: &[(&str, Action)] = match state {
            Proposed => &[],
            Accepted => &[(REC, Action::Accept)],
            Declined => &[(
                REC,
                Action::Decline {
                    reason: "full".into(),
                },
            )],
            InProgress => &[(REC, Action::Accept), (REC, Action::Start)],
            Completed => &[
                (REC, Action::Accept),
                (REC, Action::Start),
                (REC, Action::Complete),
            ],
            Interrupted => &[
                (REC, Action::Accept),
                (REC, Action::Start),
                (
                    REC,
                    Action::Interrupt {
                        reason: "left".into(),
                    },
                ),
            ],
            Cancelled => &[(
                REF,
                Action::Cancel {
                    reason: "moved".into(),
                },
            )],
        };
        for (i, (who, a)) in path.iter().enumerate() {
            r.apply(who, a.clone(), t(i as i64 + 1)).unwrap();
        }
        assert_eq!(r.state(), state);
        r
    }

    fn actions() -> Vec<Action> {
        vec![
            Action::Accept,
            Action::Decline {
                reason: "no capacity".into(),
            },
            Action::Start,
            Action::Complete,
            Action::Interrupt {
                reason: "left".into(),
            },
            Action::Cancel {
                reason: "not needed".into(),
            },
        ]
    }

    /// Expected outcome for (state, action code, who): `Ok(new state)` or the error's kind.
    fn expected(
        state: ReferralState,
        action: &str,
        who: &str,
    ) -> Result<ReferralState, &'static str> {
        let allowed: &[(ReferralState, &str, &[&str], ReferralState)] = &[
            (Proposed, "accept", &[REC], Accepted),
            (Proposed, "decline", &[REC], Declined),
            (Proposed, "cancel", &[REF], Cancelled),
            (Accepted, "start", &[REC], InProgress),
            (Accepted, "cancel", &[REF], Cancelled),
            (InProgress, "complete", &[REC], Completed),
            (InProgress, "interrupt", &[REF, REC], Interrupted),
        ];
        match allowed
            .iter()
            .find(|(s, a, _, _)| *s == state && *a == action)
        {
            None => Err("not allowed"),
            Some((_, _, movers, to)) if movers.contains(&who) => Ok(*to),
            Some(_) => Err("wrong institution"),
        }
    }

    #[test]
    fn every_transition_allowed_or_forbidden() {
        let mut checked = 0;
        for state in ReferralState::ALL {
            for action in actions() {
                for who in [REF, REC, OTHER] {
                    let mut r = at_state(state);
                    let before = r.clone();
                    let got = r.apply(who, action.clone(), t(10)).map_err(|e| match e {
                        ReferralError::NotAllowed { .. } => "not allowed",
                        ReferralError::WrongInstitution { .. } => "wrong institution",
                        _ => "other",
                    });
                    let want = expected(state, action.code(), who);
                    assert_eq!(got, want, "{state} {} by {who}", action.code());
                    if got.is_err() {
                        assert_eq!(r, before, "a refused move changes nothing");
                    } else {
                        assert_eq!(r.history().last().unwrap().institution, who);
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 6 * 3);
    }

    #[test]
    fn final_states_have_no_way_out() {
        for state in ReferralState::ALL {
            let exits = actions()
                .iter()
                .filter(|a| rule(state, a).is_some())
                .count();
            assert_eq!(state.is_final(), exits == 0, "{state}");
        }
    }

    #[test]
    fn reasons_are_required() {
        let check = |state, who: &str, action: Action| {
            let mut r = at_state(state);
            let e = r.apply(who, action, t(10)).unwrap_err();
            assert!(matches!(e, ReferralError::ReasonRequired { .. }), "{e}");
        };
        check(
            Proposed,
            REC,
            Action::Decline {
                reason: "  ".into(),
            },
        );
        check(
            Proposed,
            REF,
            Action::Cancel {
                reason: String::new(),
            },
        );
        check(
            InProgress,
            REF,
            Action::Interrupt {
                reason: "\t".into(),
            },
        );
    }

    #[test]
    fn reasons_are_kept_and_time_moves_forward() {
        let mut r = at_state(Proposed);
        r.apply(
            REC,
            Action::Decline {
                reason: " no bed free ".into(),
            },
            t(3),
        )
        .unwrap();
        assert_eq!(r.history()[0].reason.as_deref(), Some("no bed free"));
        let mut r = at_state(Accepted);
        let e = r.apply(REC, Action::Start, t(0)).unwrap_err();
        assert!(matches!(e, ReferralError::BeforeLastChange { .. }), "{e}");
        assert_eq!(
            Referral::propose("R2", "C1", ReferralKind::Health, REF, REF, t(0)).unwrap_err().to_string(),
            "referral R2: the referring and receiving institutions are the same ('anti-trafficking authority')"
        );
    }

    #[test]
    fn error_messages_name_the_referral_and_the_rule() {
        let mut r = at_state(Proposed);
        assert_eq!(
            r.apply(REF, Action::Accept, t(1)).unwrap_err().to_string(),
            "referral R1: only the receiving institution may accept it; 'anti-trafficking authority' is not"
        );
        let mut r = at_state(Completed);
        assert_eq!(
            r.apply(REC, Action::Start, t(9)).unwrap_err().to_string(),
            "referral R1: cannot start a referral that is completed"
        );
    }

    fn check_overdue(kind: ReferralKind, state: ReferralState, now_h: i64, want: Option<i64>) {
        let mut r = at_state(state);
        r.kind = kind;
        let got = r
            .overdue(t(now_h), &Limits::default())
            .map(|o| o.late_by.num_hours());
        assert_eq!(got, want, "{kind:?} {state} at +{now_h}h");
    }

    #[test]
    fn overdue_depends_on_kind_state_and_now() {
        use ReferralKind::*;
        // Proposed at t(0): shelter must be answered within 24 h, legal aid within 7 days.
        check_overdue(Shelter, Proposed, 24, None);
        check_overdue(Shelter, Proposed, 25, Some(1));
        check_overdue(LegalAid, Proposed, 25, None);
        check_overdue(LegalAid, Proposed, 24 * 7 + 5, Some(5));
        // Accepted at t(1): shelter must start within 48 h of acceptance.
        check_overdue(Shelter, Accepted, 49, None);
        check_overdue(Shelter, Accepted, 50, Some(1));
        // In progress at t(2): no completion limit for shelter, 90 days for return.
        check_overdue(Shelter, InProgress, 24 * 1000, None);
        check_overdue(Return, InProgress, 24 * 90 + 2, None);
        check_overdue(Return, InProgress, 24 * 90 + 3, Some(1));
        // Final states are never overdue.
        for s in [Declined, Completed, Interrupted, Cancelled] {
            check_overdue(Shelter, s, 24 * 1000, None);
        }
    }

    #[test]
    fn limits_are_configurable() {
        let mut limits = Limits::default();
        limits.set(
            ReferralKind::Psychosocial,
            KindLimits {
                respond: Some(Duration::hours(2)),
                start: None,
                complete: None,
            },
        );
        let mut r = at_state(Proposed);
        r.kind = ReferralKind::Psychosocial;
        let o = r.overdue(t(3), &limits).unwrap();
        assert_eq!(
            (o.waiting_for.as_str(), o.late_by),
            (REC, Duration::hours(1))
        );
        assert_eq!(o.due, t(2));
        r.apply(REC, Action::Accept, t(3)).unwrap();
        assert_eq!(r.overdue(t(10_000), &limits), None, "no start limit");
    }

    #[test]
    fn kind_codes_round_trip() {
        for k in ReferralKind::ALL {
            assert_eq!(ReferralKind::parse(k.code()), Some(k));
        }
        assert_eq!(ReferralKind::parse("food"), None);
    }

    #[test]
    fn a_journey_flags_what_falls_between_institutions() {
        let day = Duration::days(1);
        let mut j = Journey::new("C1", REF, t(0));
        let limits = Limits::default();
        assert_eq!(j.attention(t(24), &limits, day), vec![]);
        assert_eq!(
            j.attention(t(30), &limits, day),
            vec![Attention::NotReferred {
                late_by: Duration::hours(6)
            }]
        );
        let shelter = Referral::propose("R1", "C1", ReferralKind::Shelter, REF, REC, t(2)).unwrap();
        j.add(shelter).unwrap();
        // Shelter must be answered within a day of the proposal.
        let got = j.attention(t(27), &limits, day);
        assert!(
            matches!(&got[..], [Attention::Overdue { referral, .. }] if referral == "R1"),
            "{got:?}"
        );
        j.referral_mut("R1")
            .unwrap()
            .apply(
                REC,
                Action::Decline {
                    reason: "full".into(),
                },
                t(27),
            )
            .unwrap();
        assert_eq!(
            j.attention(t(28), &limits, day),
            vec![Attention::Unmet {
                referral: "R1".into(),
                kind: ReferralKind::Shelter,
                state: Declined
            }]
        );
        // Another shelter takes over: the need is met again.
        j.add(
            Referral::propose(
                "R2",
                "C1",
                ReferralKind::Shelter,
                REF,
                "second shelter",
                t(28),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(j.attention(t(29), &limits, day), vec![]);
        let e = j
            .add(
                Referral::propose(
                    "R3",
                    "C1",
                    ReferralKind::Shelter,
                    REF,
                    "third shelter",
                    t(29),
                )
                .unwrap(),
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "case C1: a shelter referral (R2) is still open; cancel it before proposing another"
        );
    }

    #[test]
    fn journey_refuses_foreign_or_early_referrals() {
        let mut j = Journey::new("C1", REF, t(10));
        let check = |j: &mut Journey, r: Referral, expected: &str| {
            assert_eq!(j.add(r).unwrap_err().to_string(), expected);
        };
        check(
            &mut j,
            Referral::propose("R1", "C2", ReferralKind::Health, REF, REC, t(11)).unwrap(),
            "case C1: referral R1 belongs to case C2",
        );
        check(&mut j, Referral::propose("R1", "C1", ReferralKind::Health, REF, REC, t(9)).unwrap(), "case C1: referral R1 is proposed (2025-06-16 00:06:40 UTC) before the person was identified (2025-06-16 01:06:40 UTC)");
        j.add(Referral::propose("R1", "C1", ReferralKind::Health, REF, REC, t(11)).unwrap())
            .unwrap();
        check(
            &mut j,
            Referral::propose("R1", "C1", ReferralKind::LegalAid, REF, REC, t(11)).unwrap(),
            "case C1: referral R1 is already in the journey",
        );
        assert_eq!(j.referrals().len(), 1);
    }

    #[test]
    fn restore_replays_the_stored_history() {
        for state in ReferralState::ALL {
            let r = at_state(state);
            let back = Referral::restore(
                r.id(),
                r.case_id(),
                r.kind(),
                r.referring(),
                r.receiving(),
                r.proposed_at(),
                r.history(),
            )
            .unwrap();
            assert_eq!(back, r, "{state}");
        }
        let r = at_state(Completed);
        let mut forged = r.history().to_vec();
        forged[0].institution = REF.into(); // the referring side cannot accept
        let e = Referral::restore("R1", "C1", ReferralKind::Shelter, REF, REC, t(0), &forged)
            .unwrap_err();
        assert!(matches!(e, ReferralError::WrongInstitution { .. }), "{e}");
        let mut skipped = r.history().to_vec();
        skipped.remove(1); // accepted → completed without starting
        let e = Referral::restore("R1", "C1", ReferralKind::Shelter, REF, REC, t(0), &skipped)
            .unwrap_err();
        assert!(matches!(e, ReferralError::NotAllowed { .. }), "{e}");
    }

    #[test]
    fn kind_labels_are_trilingual() {
        crate::check_labels(
            &ReferralKind::ALL
                .iter()
                .map(|x| x.label())
                .collect::<Vec<_>>(),
        );
    }

    #[test]
    fn state_labels_are_trilingual() {
        crate::check_labels(
            &ReferralState::ALL
                .iter()
                .map(|x| x.label())
                .collect::<Vec<_>>(),
        );
    }
}
