//! marsad's Global Compact for Migration (GCM) monitoring, as pure rules over data:
//!
//! - [`catalogue`]: the 23 objectives and 10 guiding principles of the Global Compact for Safe,
//!   Orderly and Regular Migration (A/RES/73/195) in Arabic, French and English, their usual SDG
//!   links, and the six implementation steps the regional review names;
//! - [`plan`]: a national implementation plan (actions, indicators, evaluations), its validation,
//!   its change history and the per-objective progress summary that feeds the GCM review report;
//! - [`referral`]: the national referral mechanism for trafficking victims as a state machine
//!   (who may move which referral, due dates, overdue checks);
//! - [`incidents`]: missing-migrant incidents (IOM Missing Migrants Project fields), their
//!   validation, deduplication across sources and the SDG 10.7.3 figure;
//! - [`complaints`]: complaint reference numbers a migrant can follow and the complaint workflow.
//!
//! What this crate does **not** do: no I/O, no SQL, no HTTP, no async, and it never reads the
//! clock or a random source itself — "now", "today" and random numbers are parameters. Storing
//! plans, referrals, incidents and complaints is the store's job; rendering the report is the
//! server's and the CLI's.

pub mod catalogue;
pub mod complaints;
pub mod incidents;
pub mod plan;
pub mod referral;
