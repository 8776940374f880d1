//! When output gets colour: only on a terminal, never when `NO_COLOR` is set to anything but
//! the empty string (<https://no-color.org>), never for `TERM=dumb`. Reports written to files
//! and CI logs (stdout not a terminal) stay plain.

use std::io::IsTerminal;

/// Paints text with ANSI colours, or leaves it alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    /// Colour when stdout is a terminal and the environment allows it.
    pub fn for_stdout() -> Paint {
        Paint {
            enabled: std::io::stdout().is_terminal() && colour_allowed(),
        }
    }

    /// Never colour.
    pub fn plain() -> Paint {
        Paint { enabled: false }
    }

    /// Whether this paints.
    pub fn enabled(self) -> bool {
        self.enabled
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Failures.
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Warnings.
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Passes.
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Known deviations, setup problems, cases not run.
    pub fn cyan(self, text: &str) -> String {
        self.paint("36", text)
    }
}

/// False when `NO_COLOR` is set (and not empty) or `TERM` is `dumb`.
pub fn colour_allowed() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
    !no_color && !dumb
}
