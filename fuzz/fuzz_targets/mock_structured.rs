//! A structured create body: the oracle and the mock agree on it (differential).
#![no_main]
use dli_conformance::{fuzzing, generate::structured::StructuredBody};

libfuzzer_sys::fuzz_target!(|body: StructuredBody| fuzzing::mock_structured(&body));
