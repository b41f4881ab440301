//! Keep-alive and the header-read timeout, on raw sockets against the real server: an idle
//! keep-alive connection survives a pause longer than the header timeout (a person thinking at
//! a prompt), while a request head that has started must still be complete within the header
//! timeout (slowloris), however its bytes are spread out.
//!
//! The pauses reproduce the defects (10 s header timeout, 75 s idle limit); no assertion
//! depends on how fast anything ran.

use crate::common;

use std::time::Duration;

use common::{TestServer, host_port};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: tokctl\r\nX-Pad: slow\r\n\r\n";

/// Reads one response (head and Content-Length body) and returns its status line.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + len {
                return Ok(head.lines().next().unwrap_or_default().to_string());
            }
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..n]);
    }
}

/// Whether the server hung up: EOF or a reset, within `within` (a generous bound that only
/// tells the header timeout from the much longer idle limit).
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                // An error answer (408) before the close is fine too.
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(within, read).await.unwrap_or(false)
}

#[tokio::test]
async fn a_keep_alive_connection_idle_15_seconds_is_still_served() {
    let s = TestServer::start();
    let mut conn = TcpStream::connect(host_port(&s.url)).await.unwrap();
    conn.write_all(HEAD).await.unwrap();
    assert_eq!(read_response(&mut conn).await.unwrap(), "HTTP/1.1 200 OK");

    // Longer than the header timeout (10 s), as a person at a prompt.
    tokio::time::sleep(Duration::from_secs(15)).await;
    conn.write_all(HEAD).await.unwrap();
    let second = read_response(&mut conn).await;
    assert_eq!(
        second.as_deref().ok(),
        Some("HTTP/1.1 200 OK"),
        "the idle keep-alive connection was closed: {second:?}"
    );
}

#[tokio::test]
async fn a_partial_request_head_is_cut_at_the_header_timeout() {
    let s = TestServer::start();
    let mut conn = TcpStream::connect(host_port(&s.url)).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: tokctl\r\n")
        .await
        .unwrap();
    // Cut by the 10 s header timeout, well before the 75 s idle limit.
    assert!(
        closed_by_server(&mut conn, Duration::from_secs(60)).await,
        "a half-sent request head kept its connection open"
    );
}

#[tokio::test]
async fn a_head_trickled_after_an_idle_pause_is_still_cut() {
    let s = TestServer::start();
    let mut conn = TcpStream::connect(host_port(&s.url)).await.unwrap();
    conn.write_all(HEAD).await.unwrap();
    assert_eq!(read_response(&mut conn).await.unwrap(), "HTTP/1.1 200 OK");

    // The idle pause does not count against the next head…
    tokio::time::sleep(Duration::from_secs(12)).await;
    // …but the head's own bytes, two a second, never reset its clock: 52 bytes take 26 s,
    // far past the header timeout though well within the idle limit.
    for b in HEAD {
        if conn.write_all(&[*b]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let answer = read_response(&mut conn).await;
    assert!(
        answer.as_deref().map_or(true, |line| !line.contains("200")),
        "a head trickled over 26 s was served: {answer:?}"
    );
}
