//! The zoo's Python servers (`tests/zoo/*.py`, standard library only), started as child
//! processes: a script's path in, a [`PythonServer`] with its base URL out (the script prints it
//! as its first line). Dropping the handle kills the process.

use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A Python zoo server running as a child process.
#[derive(Debug)]
pub struct PythonServer {
    child: Child,
    url: String,
}

impl PythonServer {
    /// Starts `python3 script`; an error when `python3` is missing (`NotFound`) or the script
    /// prints no URL (any other kind).
    pub fn start(script: &Path) -> io::Result<PythonServer> {
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut url = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout).read_line(&mut url)?;
        }
        let server = PythonServer {
            child,
            url: url.trim_end().to_owned(),
        };
        if !server.url.starts_with("http://") {
            return Err(io::Error::other(format!(
                "{} printed {:?}, not its URL",
                script.display(),
                server.url
            )));
        }
        Ok(server)
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
