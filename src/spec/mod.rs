//! The spec model, the bottom layer every stage reads: what `CLAUSES.md` says, written once.
//!
//! [`clause`] names every rule (the typed [`clause::ClauseId`]s and their levels), [`rules`] holds
//! the request rules as data (members, shapes, services, limits, the `current` profile),
//! [`expect`] is what a case expects and where it comes from, [`errors`] lists DLI's error codes, [`oracle`] judges any body bytes
//! against those rules, and [`json_text`] is the RFC 8259 reader that decides what JSON is. Nothing
//! here imports a stage above it (`case`, `generate`, `transport`, `check`, `report`, `mock`).

pub mod clause;
pub mod errors;
pub mod expect;
pub mod json_text;
pub mod oracle;
pub mod rules;

/// The largest request body a server of this API is expected to read (1 MiB, the gateway's
/// limit): the reference mock answers a larger one 413, and a case template may not exceed it.
pub const BODY_LIMIT: usize = 1 << 20;
