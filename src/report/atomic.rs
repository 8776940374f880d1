//! Report files that are whole or absent: written beside their destination, renamed when done.
//!
//! [`Pending`] takes a destination path, creates `.{name}.{pid}.tmp` in the same folder (so a
//! bad folder fails before the run, and the rename stays on one file system), is written like
//! any file, and [`Pending::commit`] flushes it and renames it over the destination in one
//! step. Dropped without a commit (a merge that failed, a run that returned early), it removes
//! its temporary file: the destination is never half written and an earlier file of that name
//! is untouched until the new one is complete. [`write`] does the same for a text made at once.
//! The JSON, JSON-lines, JUnit and Markdown reports, merged reports and a written baseline all
//! go through here; the cleanup ledger does not (it is appended to and flushed line by line, so
//! a killed run still has it).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written to a temporary path beside its destination.
pub struct Pending {
    out: BufWriter<File>,
    temp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl Pending {
    /// Creates the temporary file beside `path`.
    pub fn create(path: &Path) -> io::Result<Pending> {
        let temp = temp_path(path)?;
        let out = BufWriter::new(File::create(&temp)?);
        Ok(Pending {
            out,
            temp,
            path: path.to_path_buf(),
            committed: false,
        })
    }

    /// Flushes the file and renames it over the destination.
    pub fn commit(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()?;
        std::fs::rename(&self.temp, &self.path)?;
        self.committed = true;
        Ok(())
    }
}

impl Write for Pending {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.out.write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` whole: through a temporary file, renamed when written.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = Pending::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Whether a file could be written at `path` (its folder exists and takes files), found by
/// creating and removing a temporary file beside it; `path` itself is not touched.
pub fn check_writable(path: &Path) -> io::Result<()> {
    Pending::create(path).map(drop)
}

/// `.{name}.{pid}.tmp` in `path`'s folder.
fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names no file", path.display()),
        )
    })?;
    let temp = format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(temp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dlic-atomic-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_destination_changes_only_on_commit() {
        let dir = dir("commit");
        let path = dir.join("report.json");
        std::fs::write(&path, "old").unwrap();
        let mut file = Pending::create(&path).unwrap();
        file.write_all(b"new, half").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(listing(&dir).len(), 2, "the temporary file is beside it");
        file.write_all(b" and whole").unwrap();
        file.commit().unwrap();
        drop(file);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "new, half and whole"
        );
        assert_eq!(listing(&dir), ["report.json"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_dropped_unfinished_leaves_nothing_and_touches_nothing() {
        let dir = dir("drop");
        let path = dir.join("merged.json");
        std::fs::write(&path, "shard").unwrap();
        let mut file = Pending::create(&path).unwrap();
        file.write_all(b"{\"results\": [").unwrap();
        drop(file);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "shard");
        assert_eq!(listing(&dir), ["merged.json"]);
        check_writable(&dir.join("new.json")).unwrap();
        assert_eq!(listing(&dir), ["merged.json"]);
        assert!(check_writable(&dir.join("no-such-dir").join("x.json")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
