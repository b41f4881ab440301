//! The throwaway directory of `tokctl server --dev` (`$TMPDIR/tokctl-dev-XXXXXXXXXX`, 0700),
//! removed when the server is done with it, whichever way it stops: a normal shutdown, a
//! startup error (the port taken, Redis unreachable, …), a signal during startup, or a panic
//! (the guard's `Drop`). Only a SIGKILL or a power cut leaves it behind.
//!
//! Not for: the database of a real server, which is never deleted.

use std::path::{Path, PathBuf};

use super::db_files::{self, FileModeError};
use crate::api::secret;

/// The prefix of every dev directory's name, under the system temp dir.
pub(crate) const PREFIX: &str = "tokctl-dev-";

/// Owns a dev directory and removes it (with everything in it) on drop.
#[derive(Debug)]
pub(crate) struct DevDir {
    path: PathBuf,
}

impl DevDir {
    /// Creates a new private directory under the system temp dir (`TMPDIR` on unix).
    pub(crate) fn create() -> Result<DevDir, FileModeError> {
        let path = std::env::temp_dir().join(format!("{PREFIX}{}", secret::random_base62(10)));
        db_files::create_private_dir(&path)?;
        Ok(DevDir { path })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DevDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            eprintln!(
                "warning: could not remove the dev database directory {}: {e}",
                self.path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_goes_with_its_guard() {
        let dir = DevDir::create().unwrap();
        let path = dir.path().to_path_buf();
        std::fs::write(path.join("tokctl.db"), b"x").unwrap();
        assert!(path.is_dir());
        drop(dir);
        assert!(!path.exists());
    }
}
