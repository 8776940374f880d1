//! The answer space: bytes drive a generated answer, the checker owes it the verdict it wants.
#![no_main]
use dli_conformance::fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::answer_space(data));
