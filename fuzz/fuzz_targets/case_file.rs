//! Any bytes as a case file: the loader gives cases or an error with a line, never a panic.
#![no_main]
use dli_conformance::fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::case_file(data));
