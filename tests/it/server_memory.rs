//! The server's pages: transparent huge pages are off for its process (each held 2 MiB
//! resident for a few bytes of heap; src/server/startup/memory.rs).
#![cfg(target_os = "linux")]

use crate::common::{TestServer, say_skipped};

/// The process's own THP flag (`THP_enabled` in `/proc/PID/status`, Linux 5.0 and later).
fn thp_enabled(pid: u32) -> Option<bool> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(|v| v.trim() == "1")
}

#[tokio::test]
async fn the_server_turns_transparent_huge_pages_off_for_itself() {
    let Some(own) = thp_enabled(std::process::id()) else {
        return say_skipped(
            "the_server_turns_transparent_huge_pages_off_for_itself",
            "this kernel's /proc/PID/status has no THP_enabled line",
        );
    };
    // The flag is inherited: a test process started without it proves the server set it.
    assert!(own, "the test process itself runs with THP allowed");
    let s = TestServer::start();
    assert_eq!(thp_enabled(s.pid()), Some(false));
    assert_eq!(s.call("GET", "/healthz", None, None).await.status, 200);
}
