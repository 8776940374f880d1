//! Generation: bodies beyond the hand-written cases, and the oracle that judges any body.
//!
//! [`oracle`] computes, from the clause model alone, what a conformant server does with a body;
//! the property strategies and the fuzz targets lean on it for their expectations.
//! [`structured`] shapes arbitrary bytes into create bodies along the spec's edges.

pub mod oracle;
pub mod structured;
