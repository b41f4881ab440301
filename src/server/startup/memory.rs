//! The server's resident memory: small pages for its heap.
//!
//! mimalloc reserves the heap as one large region, and where the kernel offers transparent huge
//! pages it would back that region with them. A 2 MiB page is resident from the first byte
//! touched in it until every byte of it is free again, so a server with a few MiB of live heap
//! kept 19–29 MiB of huge pages after the throughput bench, against 6–9 MiB of ordinary pages
//! without them (docs/performance.md, "Memory"); what a verify costs in CPU did not move.
//!
//! Two halves: mimalloc is built with `no_thp`, so it never asks for huge pages
//! (`MADV_HUGEPAGE`, which is all a kernel set to `madvise` waits for), and the server turns
//! them off for its whole process first thing, which also covers a kernel set to `always`.

/// Turns transparent huge pages off for this process. Best effort: where the call is missing
/// or refused the server runs as before, only larger.
pub(super) fn use_small_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
