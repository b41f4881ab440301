//! Process hardening for the command line: no core dumps while it may hold a secret.
//!
//! The CLI holds secrets in memory (`TOKCTL_TOKEN`, the session from the keyring, a freshly
//! minted secret on its way to `--exec`). A crash would write them into a core file, so every
//! client command starts by setting the soft `RLIMIT_CORE` to 0 and, on Linux, the process
//! non-dumpable (`PR_SET_DUMPABLE` 0), which also stops other processes of the same user from
//! attaching with ptrace to read its memory. Best effort: where a call is missing or fails the
//! command still runs. Not used by `tokctl server`, whose operators choose their own dump policy.

/// Turns core dumps off for this process (and, through the soft limit, for what it runs).
pub fn disable_core_dumps() {
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    unix::no_core_file();
    #[cfg(target_os = "linux")]
    unix::not_dumpable();
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
mod unix {
    use rlimit::Resource;

    pub(crate) fn no_core_file() {
        if let Ok((_, hard)) = Resource::CORE.get() {
            // Only the soft limit: a child that really wants a core file may raise it again.
            let _ = Resource::CORE.set(0, hard);
        }
    }

    #[cfg(target_os = "linux")]
    pub(crate) fn not_dumpable() {
        let _ =
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use rustix::process::{DumpableBehavior, dumpable_behavior};

    #[test]
    fn core_dumps_are_off_after_the_call() {
        super::disable_core_dumps();
        assert_eq!(rlimit::Resource::CORE.get().unwrap().0, 0);
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
    }
}
