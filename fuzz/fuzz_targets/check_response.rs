//! Any status, headers and body: the checker never panics and judges the same way twice.
#![no_main]
use dli_conformance::fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::check_response(data));
