//! Any body under any content type: the mock answers it as the oracle says, never 5xx.
#![no_main]
use dli_conformance::fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::mock_raw_body(data));
