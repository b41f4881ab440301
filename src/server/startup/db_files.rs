//! The SQLite database's files on disk are private: 0600 files in a 0700 directory.
//!
//! The database holds every token's hash, every member's password hash and the audit log.
//! Created with the process umask (0644 under the usual 022) anyone on the machine could read
//! it. So, before SQLite opens it:
//! - a directory tokctl creates (the default data directory, `--dev`'s temporary one) is made
//!   0700; a directory the user chose for `--database` is left as it is;
//! - a database file that does not exist yet is created here 0600, the mode set explicitly so
//!   the umask cannot widen it. SQLite creates `-wal` and `-shm` with the mode of the database
//!   file (its unix VFS copies it and fchmods the new file), so they are 0600 from their first
//!   byte; [`tighten_sidecars`] re-checks after the open all the same;
//! - an existing database, `-wal` or `-shm` readable or writable by group or others is refused,
//!   naming the file, its mode and the `chmod` that fixes it (as ssh refuses a key file), unless
//!   `--allow-insecure-permissions`.
//!
//! Unix only: on Windows the files inherit the ACL of their directory (the user's profile
//! for the default data directory), and nothing here runs.

use std::path::{Path, PathBuf};

/// A database file group or others may read or write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exposed {
    pub(crate) path: PathBuf,
    pub(crate) mode: u32,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum FileModeError {
    #[error("{}", exposed_message(.0))]
    Exposed(Vec<Exposed>),
    #[error("{context} {}: {source}", .path.display())]
    Io {
        context: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl FileModeError {
    /// The fix, for the `help:` line.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            FileModeError::Exposed(files) => {
                let paths: Vec<String> = files.iter().map(|f| shell_word(&f.path)).collect();
                Some(format!(
                    "chmod 600 {} (or, knowing the risk, start with --allow-insecure-permissions)",
                    paths.join(" ")
                ))
            }
            FileModeError::Io { .. } => None,
        }
    }
}

fn exposed_message(files: &[Exposed]) -> String {
    let list: Vec<String> = files
        .iter()
        .map(|f| format!("{} (mode {:04o})", f.path.display(), f.mode))
        .collect();
    format!(
        "refusing to use a database others can read or write: {}; it holds every token's hash, \
         the password hashes and the audit log",
        list.join(", ")
    )
}

/// Single-quoted for a shell when it needs to be.
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The file a SQLite `--database` value names, or None for PostgreSQL and in-memory databases.
pub(crate) fn sqlite_path(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// The database file and the two SQLite keeps beside it in WAL mode.
fn files_of(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

/// Creates `dir` (and its parents) with the last component 0700, whatever the umask. A
/// directory that already exists is left as it is.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), FileModeError> {
    let io = |context| {
        move |source| FileModeError::Io {
            context,
            path: dir.to_path_buf(),
            source,
        }
    };
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io("creating"))?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => {}
        // Made by someone else meanwhile: theirs, left as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(io("creating")(e)),
    }
    set_mode(dir, 0o700).map_err(io("setting the mode of"))
}

/// Before SQLite opens `db`: creates it 0600 when it does not exist, else refuses it (and its
/// `-wal`/`-shm`) when group or others may read or write it, unless `allow_insecure`.
/// Returns the exposed files let through by `allow_insecure`, for a warning.
pub(crate) fn prepare(db: &Path, allow_insecure: bool) -> Result<Vec<Exposed>, FileModeError> {
    if !cfg!(unix) {
        return Ok(Vec::new());
    }
    create_private_file(db)?;
    let exposed = exposed_files(db)?;
    if exposed.is_empty() || allow_insecure {
        return Ok(exposed);
    }
    Err(FileModeError::Exposed(exposed))
}

/// After SQLite opened `db`: a `-wal` or `-shm` wider than 0600 next to a private database is
/// narrowed (SQLite already gives them the database's mode; this guards another VFS).
pub(crate) fn tighten_sidecars(db: &Path) -> Result<(), FileModeError> {
    if !cfg!(unix) || mode_of(db).is_some_and(|m| m & 0o077 != 0) {
        return Ok(());
    }
    for f in files_of(db).iter().skip(1) {
        if mode_of(f).is_some_and(|m| m & 0o077 != 0) {
            set_mode(f, 0o600).map_err(|source| FileModeError::Io {
                context: "setting the mode of",
                path: f.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

fn create_private_file(db: &Path) -> Result<(), FileModeError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(db) {
        // An empty file is an empty SQLite database; SQLite fills it in on open.
        Ok(_) => set_mode(db, 0o600).map_err(|source| FileModeError::Io {
            context: "setting the mode of",
            path: db.to_path_buf(),
            source,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(FileModeError::Io {
            context: "creating",
            path: db.to_path_buf(),
            source,
        }),
    }
}

fn exposed_files(db: &Path) -> Result<Vec<Exposed>, FileModeError> {
    Ok(files_of(db)
        .into_iter()
        .filter_map(|path| {
            let mode = mode_of(&path)?;
            (mode & 0o077 != 0).then_some(Exposed { path, mode })
        })
        .collect())
}

/// The permission bits of a file, or None when it does not exist (or off unix).
fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn paths_of_sqlite_urls_only() {
        assert_eq!(sqlite_path("/x/t.db"), Some(PathBuf::from("/x/t.db")));
        assert_eq!(
            sqlite_path("sqlite:///x/t.db?mode=rwc"),
            Some(PathBuf::from("/x/t.db"))
        );
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    #[test]
    fn a_new_database_is_0600_and_an_exposed_one_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        assert_eq!(prepare(&db, false).unwrap(), vec![]);
        assert_eq!(mode_of(&db), Some(0o600));

        let wal = dir.path().join("t.db-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = prepare(&db, false).unwrap_err();
        assert!(err.to_string().contains("t.db-wal (mode 0640)"), "{err}");
        assert!(!err.to_string().contains("t.db (mode"), "{err}");
        assert_eq!(
            err.help().unwrap(),
            format!(
                "chmod 600 {} (or, knowing the risk, start with --allow-insecure-permissions)",
                wal.display()
            )
        );
        assert_eq!(prepare(&db, true).unwrap().len(), 1);
        tighten_sidecars(&db).unwrap();
        assert_eq!(mode_of(&wal), Some(0o600));
    }

    #[test]
    fn a_created_directory_is_0700_and_an_existing_one_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("a/b");
        create_private_dir(&made).unwrap();
        assert_eq!(mode_of(&made), Some(0o700));
        std::fs::set_permissions(&made, std::fs::Permissions::from_mode(0o750)).unwrap();
        create_private_dir(&made).unwrap();
        assert_eq!(mode_of(&made), Some(0o750));
    }
}
