//! The suite has teeth: the same service, answering a valid create 200 instead of the 201
//! the spec requires (`resp.created.status`), does not conform.

use axum::http::StatusCode;
use axum::response::Response;
use dli_conformance::{Status, Suite};

#[test]
fn answering_200_instead_of_201_fails_the_suite() {
    let answers_200 = own_server::app().layer(axum::middleware::map_response(
        |mut response: Response| async move {
            if response.status() == StatusCode::CREATED {
                *response.status_mut() = StatusCode::OK;
            }
            response
        },
    ));
    let record = Suite::against_router(answers_200)
        .examples(8)
        .run()
        .expect("the suite runs");
    assert_eq!(record.status(), Status::Fails);
    let row = record
        .tally
        .clauses
        .iter()
        .find(|(clause, _)| clause.id() == "resp.created.status")
        .map(|(_, row)| row)
        .expect("the matrix has resp.created.status");
    assert!(
        row.counts.of(dli_conformance::check::Outcome::Fail) > 0,
        "the failures name resp.created.status: {row:?}"
    );
}
