//! A service that implements DLI's "create a classic datasource connection" endpoint: its
//! axum [`Router`], tested in-process by `tests/conformance.rs`.
//!
//! The reference mock stands in for the service here; in your repository, [`app`] is your own
//! router (the one your `main` serves).

use axum::Router;

/// The service's router.
pub fn app() -> Router {
    dli_conformance::mock::router()
}
