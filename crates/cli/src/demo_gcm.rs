//! The demo's GCM monitoring data (issue 9): the seeded plan, incidents, trafficking referrals
//! and complaints of `marsad_demo::gcm`, loaded through the same functions the API uses
//! (`marsad_server::gcm`): actions as versions, incidents deduplicated on the way in, every
//! referral move replayed through the state machine and audited, complaints with reference
//! numbers. Done once per data folder (a rerun finds the plan and adds nothing).

use anyhow::{anyhow, Result};
use marsad_gcm::complaints::ComplaintRef;
use marsad_gcm::plan::Status;
use marsad_gcm::referral::Referral;
use marsad_model::Clock;
use marsad_server::gcm as api;
use marsad_store::{
    Actor, AuditEvent, AuditObject, ComplaintEvent, ComplaintRow, EvaluationRow, Outcome,
    ReferralRow, Store, TraffickingCase,
};

fn api_error(e: marsad_server::error::ApiError) -> anyhow::Error {
    anyhow!("{}", e.detail)
}

fn event(
    at: marsad_store::Timestamp,
    institution: &str,
    action: &str,
    kind: &str,
    id: &str,
) -> AuditEvent {
    AuditEvent {
        at,
        actor: Actor::System("demo".into()),
        institution: Some(institution.into()),
        action: action.into(),
        object: Some(AuditObject {
            kind: kind.into(),
            id: id.into(),
        }),
        purpose: None,
        outcome: Outcome::Success,
    }
}

/// Loads the GCM demo (once).
pub fn load(store: &dyn Store, clock: &dyn Clock, config: &marsad_demo::DemoConfig) -> Result<()> {
    if !store.plan_actions()?.is_empty() {
        return Ok(());
    }
    let now = clock.now();
    let demo = marsad_demo::gcm::generate(config.seed, config.today, now);

    // The plan: actions under way were first saved as planned, so their history shows the move.
    for a in &demo.plan.actions {
        let mut version = 1;
        if matches!(
            a.status,
            Status::Ongoing | Status::Completed | Status::Suspended
        ) {
            let mut first = a.clone();
            first.status = Status::Planned;
            store.save_plan_action(&api::action_row(&first, 1, "demo", now))?;
            version = 2;
        }
        store.save_plan_action(&api::action_row(a, version, "demo", now))?;
    }
    for i in &demo.plan.indicators {
        store.add_plan_indicator(&api::indicator_row(i, "demo", now))?;
        for m in &i.measurements {
            store.add_plan_measurement(
                &i.action,
                &i.code,
                &api::measurement_row(m),
                "demo",
                now,
            )?;
        }
    }
    for e in &demo.plan.evaluations {
        store.add_plan_evaluation(&EvaluationRow {
            id: 0,
            action: e.action.clone(),
            date: e.date,
            author: e.author.clone(),
            learned: e.learned.clone(),
            obstacles: e.obstacles.clone(),
            recorded_by: "demo".into(),
            recorded_at: now,
        })?;
    }

    // The missing-migrant register, deduplicated as reports arrive.
    let mut linked = 0;
    for i in &demo.incidents {
        let (_, duplicates) = api::record_incident(store, &i.incident, &i.institution, "demo", now)
            .map_err(api_error)?;
        linked += usize::from(!duplicates.is_empty());
    }

    // Trafficking cases and their referrals, every move through the state machine.
    let mut moves = 0;
    let mut referrals = 0;
    for c in &demo.cases {
        let case = store.add_trafficking_case(
            &TraffickingCase {
                id: 0,
                institution: c.institution.clone(),
                identified_at: c.identified_at,
                person: None,
                sex: Some(c.sex.into()),
                age_group: Some(c.age_group.into()),
                nationality: Some(c.nationality.into()),
                exploitation: c.exploitation.into(),
                recorded_by: "demo".into(),
            },
            &event(
                now,
                &c.institution,
                "referral.case",
                "trafficking_case",
                "demo",
            ),
        )?;
        for r in &c.referrals {
            let row = store.add_referral(
                &ReferralRow {
                    id: 0,
                    case_id: case.id,
                    kind: r.kind.code().into(),
                    referring: r.referring.clone(),
                    receiving: r.receiving.clone(),
                    note: None,
                    proposed_by: "demo".into(),
                    proposed_at: r.proposed_at,
                    events: Vec::new(),
                },
                &event(
                    now,
                    &r.referring,
                    "referral.propose",
                    "trafficking_case",
                    &case.id.to_string(),
                ),
            )?;
            referrals += 1;
            let mut referral = Referral::propose(
                &row.id.to_string(),
                &case.id.to_string(),
                r.kind,
                &r.referring,
                &r.receiving,
                r.proposed_at,
            )
            .map_err(|e| anyhow!("demo referral: {e}"))?;
            for m in &r.moves {
                let who = if m.by_receiving {
                    &r.receiving
                } else {
                    &r.referring
                };
                let action =
                    api::referral_action(m.action, m.reason.as_deref()).map_err(api_error)?;
                referral
                    .apply(who, action, m.at)
                    .map_err(|e| anyhow!("demo referral: {e}"))?;
                let ev = api::last_event(&referral, "demo")
                    .ok_or_else(|| anyhow!("demo referral {}: no move recorded", row.id))?;
                store.move_referral(
                    row.id,
                    &ev,
                    &event(
                        now,
                        who,
                        &format!("referral.{}", ev.to),
                        "trafficking_case",
                        &case.id.to_string(),
                    ),
                )?;
                moves += 1;
            }
        }
    }

    // Complaints, with references drawn from the seed (the demo is reproducible).
    let mut state = config.seed ^ 0x636f_6d70_6c61_696e;
    let mut random = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for c in &demo.complaints {
        let reference = loop {
            let reference = ComplaintRef::generate(&mut random).to_string();
            let row = ComplaintRow {
                reference: reference.clone(),
                lang: c.lang.into(),
                channel: c.channel.into(),
                category: c.category.into(),
                body: c.text.into(),
                contact: None,
                handler: c.handler.clone(),
                received_at: c.received_at,
                events: Vec::new(),
            };
            match store.add_complaint(&row) {
                Ok(_) => break reference,
                Err(marsad_store::StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let mut from = "received";
        for (seq, (to, at)) in c.moves.iter().enumerate() {
            store.move_complaint(
                &reference,
                &ComplaintEvent {
                    seq: u32::try_from(seq + 1)?,
                    from: from.into(),
                    to: (*to).into(),
                    actor: "demo".into(),
                    note: None,
                    at: *at,
                },
                &event(
                    now,
                    &c.handler,
                    &format!("complaint.{to}"),
                    "complaint",
                    &reference,
                ),
            )?;
            from = to;
        }
    }
    eprintln!(
        "marsad: demo GCM monitoring: {} plan actions, {} indicators, {} incident reports ({linked} linked to another source's), {} trafficking cases with {referrals} referrals ({moves} moves), {} complaints",
        demo.plan.actions.len(),
        demo.plan.indicators.len(),
        demo.incidents.len(),
        demo.cases.len(),
        demo.complaints.len(),
    );
    Ok(())
}
