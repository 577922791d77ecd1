//! Statistics, pure: no I/O, no clock, no SQL. The store keeps what these functions compute; the
//! server and the command line publish it.
//!
//! - [`catalogue`]: every indicator's documented definition (concept, source, formula,
//!   disaggregations, unit, GCM objectives, SDG indicator, disclosure setting), rendered as
//!   `docs/indicators.md`.
//! - [`dims`]: the dimension ids and codes agreed with the SDMX crate, and time periods.
//! - [`facts`]: canonical records of one person (or one unlinked record) → fact contributions
//!   at the finest grain, each person counted once where an indicator counts persons.
//! - [`flows`]: long- and short-term migration from a person's linked border crossings by the
//!   12/16-month rule, provisional until the window is complete.
//! - [`cube`]: the materialised cube per indicator, updated incrementally, queried to any subset
//!   of its dimensions with consistent margins; its row form is what the store keeps.
//! - [`survey`]: weighted totals, means, proportions and ratios of census and survey records
//!   with Taylor-linearised standard errors, confidence intervals and CV flags (checked against
//!   R's `survey` package).
//! - [`disclosure`]: primary (frequency, dominance, p%) and secondary cell suppression that no
//!   attacker can undo from the margins, flagged CONF_STATUS C / D; the cell key method.
//! - [`microdata`]: k-anonymity, l-diversity and individual risk of research extracts, global
//!   recoding and local suppression until release is allowed.
//!
//! - [`survey`], [`disclosure`], [`microdata`]: survey estimates by Taylor linearisation, cell
//!   suppression (and the cell key method) for published tables, k-anonymity for extracts.
//!
//! Time is a parameter (`data_end`, reference dates): nothing here reads the clock.

pub mod catalogue;
pub mod cube;
pub mod dims;
pub mod disclosure;
pub mod facts;
pub mod flows;
pub mod microdata;
pub mod survey;
