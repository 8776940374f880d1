//! Times the default run against every server of the zoo (the Rust ones of
//! `dli_conformance::zoo` and the Python ones of `tests/zoo/`) at 3 random seeds: one line per
//! run with the server, the seed, the wall time (cleanup included), requests, failed and exit
//! code. `cargo bench --bench zoo`; `ZOO_SEED=S` fixes the seed.

#[path = "../tests/common/mod.rs"]
mod common;

use common::PYTHON_ZOO;
use dli_conformance::zoo::{self, python::PythonServer};

const SEEDS: usize = 3;

fn main() {
    println!("server                 seed                  seconds  requests  failed  exit");
    for server in zoo::ZOO {
        for _ in 0..SEEDS {
            // A fresh server per run: the duplicate-name choice remembers earlier runs' names.
            let running = server.start().expect("a zoo server starts on loopback");
            line(server.name, running.url());
        }
    }
    for script in PYTHON_ZOO {
        for _ in 0..SEEDS {
            match PythonServer::start(&common::python_zoo(script)) {
                Ok(server) => line(script, server.url()),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    println!("{script}: skipped, python3 is missing ({err})");
                    break;
                }
                Err(err) => panic!("{script} did not start: {err}"),
            }
        }
    }
}

fn line(name: &str, url: &str) {
    let seed = common::zoo_seed();
    let run = common::zoo_run(name, url, seed);
    let summary = &run.report["summary"];
    println!(
        "{name:<22} {seed:<20} {:>8.1} {:>9} {:>7} {:>5}",
        run.elapsed.as_secs_f64(),
        summary["requests"].as_u64().unwrap_or_default(),
        summary["failed"].as_u64().unwrap_or_default(),
        run.code.map_or("-".to_owned(), |code| code.to_string())
    );
}
