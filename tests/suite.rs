//! `cargo test --test suite`: every shipped case and corpus case (`corpus/...`) as a libtest-mimic
//! trial against the in-process reference mock, then every generator class as `prop/<class>`
//! (256 examples, fixed seed) and, ignored unless asked for with `--ignored`, `prop-10k/<class>`
//! (10 000 examples). Standard libtest arguments work (filter, `--exact`, `--list`,
//! `--test-threads`, `--format terse`), and so does cargo-nextest.

fn main() {
    dli_conformance::Suite::default()
        .extended_examples(10_000)
        .test()
}
