//! marsad's portal, pure (no HTTP, no store): what the server's portal pages are drawn with.
//!
//! - [`i18n`]: every string from the Fluent files under `web/i18n/{ar,fr,en}/`, compiled in;
//! - [`format`]: numbers, percentages and dates per language, Eastern Arabic digits as a
//!   reader's choice;
//! - [`page`]: the document every page is drawn in (language, direction, navigation, language
//!   switcher), as [`maud`] markup (escaped by construction);
//! - [`chart`]: server-side SVG charts (columns, bars, lines; suppressed cells marked, never
//!   zero; mirrored for Arabic; a text alternative and a data table for each);
//! - [`map`]: tile-grid maps of the governorates and of the Arab region's countries and main
//!   destinations;
//! - [`gcm_report`]: the GCM progress report per objective (page content or a self-contained
//!   HTML file that prints to PDF).
//!
//! The server (`crates/server/src/portal/`) reads the store and the published figures and calls
//! these; nothing here reads a clock, a file or the network.

pub mod chart;
pub mod format;
pub mod gcm_report;
pub mod i18n;
pub mod map;
pub mod page;
