//! The answer space's own tests: the checker passes a few thousand conformant answers, flags
//! each perturbation by its clauses alone, calls the quota answer a setup problem, and the
//! [`Writer`]'s texts read back. It takes the strategies from its neighbours through `mod.rs`.

use super::*;
use proptest::test_runner::Config;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// The checker passes every conformant answer.
    #[test]
    fn every_conformant_answer_passes(answer in conformant()) {
        judge(&answer).map_err(TestCaseError::fail)?;
    }

    /// The checker flags each perturbation by the clauses it breaks, and by no other.
    #[test]
    fn each_perturbation_is_flagged_by_its_clauses(answer in perturbed()) {
        judge(&answer).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// The quota answer is a setup problem unless the case wanted a 400.
    #[test]
    fn the_quota_answer_is_a_setup_problem(answer in quota()) {
        judge(&answer).map_err(TestCaseError::fail)?;
    }
}

/// The writer's choices read back as the value: a text written with every tape decodes to
/// the same value through the project's reader.
#[test]
fn written_texts_read_back() {
    let value = Json::Object(vec![
        (
            "a/\"\\".encode_utf16().collect(),
            Json::Number("-0.5E+3".into()),
        ),
        (
            "b".encode_utf16().collect(),
            Json::String(vec![0xD834, 0xDD1E, 0x0A, 0xE9]),
        ),
    ]);
    for tape in [&[][..], &[1, 2, 3, 4, 5, 6, 7], &[255, 0, 17, 3]] {
        let mut writer = Writer::new(tape);
        writer.value(&value);
        let text = writer.finish();
        let read = crate::spec::json_text::read(&text, crate::spec::json_text::Repeats::Last)
            .unwrap_or_else(|err| panic!("{err:?}: {}", String::from_utf8_lossy(&text)));
        assert_eq!(
            read.value,
            serde_json::json!({"a/\"\\": -500.0, "b": "\u{1d11e}\n\u{e9}"}),
            "{}",
            String::from_utf8_lossy(&text)
        );
    }
}
