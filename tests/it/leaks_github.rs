//! GitHub's secret-scanning partner format (issue 28 item 2): `POST /v1/leaks/github` takes a
//! report only when it is signed (ECDSA P-256, SHA-256, over the raw body) by a key of the
//! published list, and answers GitHub's verdicts. The tests sign with a key generated here and
//! serve its list as a file (`--github-scanning-keys`) or from a loopback HTTP server
//! (`--github-scanning-keys-url`); every refusal is 401 with nothing revoked.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use common::{ServerOptions, TestServer};
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokctl::api::secret::{TokenType, generate};

const KEY_ID: &str = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";

fn new_key() -> SigningKey {
    loop {
        let bytes: [u8; 32] = rand::random();
        if let Ok(k) = SigningKey::from_slice(&bytes) {
            return k;
        }
    }
}

/// GitHub's key list holding `keys`, as it publishes it.
fn key_list(keys: &[(&str, &SigningKey)]) -> String {
    let public_keys: Vec<Value> = keys
        .iter()
        .map(|(id, k)| {
            let pem = k.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
            json!({"key_identifier": id, "key": pem, "is_current": true})
        })
        .collect();
    json!({ "public_keys": public_keys }).to_string()
}

fn sign(key: &SigningKey, body: &[u8]) -> String {
    let sig: p256::ecdsa::Signature = key.sign(body);
    base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes())
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A server that trusts `key` under [`KEY_ID`], read from a file.
fn server_trusting(key: &SigningKey) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("github-keys.json");
    std::fs::write(&file, key_list(&[(KEY_ID, key)])).unwrap();
    let s = TestServer::start_with(ServerOptions {
        args: vec!["--github-scanning-keys".into(), file.display().to_string()],
        ..Default::default()
    });
    (s, dir)
}

/// Posts `body` with the given headers (repeated names are sent repeated).
async fn post(s: &TestServer, body: &[u8], headers: &[(&str, &str)]) -> (u16, Value, String) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/v1/leaks/github", s.url))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

async fn signed(s: &TestServer, key: &SigningKey, body: &[u8]) -> (u16, Value, String) {
    let sig = sign(key, body);
    post(
        s,
        body,
        &[
            ("Github-Public-Key-Identifier", KEY_ID),
            ("Github-Public-Key-Signature", &sig),
        ],
    )
    .await
}

fn payload(entries: &[&str]) -> Vec<u8> {
    let items: Vec<Value> = entries
        .iter()
        .map(|t| {
            json!({"token": t, "type": "tokctl_personal_access_token",
                   "url": "https://github.com/acme/app/blob/abc123/.env#L3", "source": "content"})
        })
        .collect();
    serde_json::to_vec(&items).unwrap()
}

async fn status_of(s: &TestServer, session: &str, id: &str) -> Value {
    s.get(&format!("/v1/tokens/{id}"), session).await.body
}

#[tokio::test]
async fn a_signed_report_revokes_live_secrets_and_answers_githubs_verdicts() {
    let key = new_key();
    let (s, _keys) = server_trusting(&key);
    let owner = s.owner_session().await;
    let (id, live) = s.mint(&owner, json!({"name": "committed"})).await;
    let unknown = generate(TokenType::Pat).expose().to_string();
    let malformed = "tokctl_pat_0000";
    let body = payload(&[&live, &unknown, malformed]);

    let (status, verdicts, text) = signed(&s, &key, &body).await;
    assert_eq!(status, 200, "{text}");
    let labels: Vec<&str> = verdicts
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["true_positive", "false_positive", "false_positive"]
    );
    for (v, token) in
        verdicts
            .as_array()
            .unwrap()
            .iter()
            .zip([&live, &unknown, &malformed.to_string()])
    {
        assert_eq!(v["token_hash"], sha256_hex(token));
        assert_eq!(v["token_type"], "tokctl_personal_access_token");
    }
    assert!(!text.contains(&live[11..]), "{text}");

    let t = status_of(&s, &owner, &id).await;
    assert_eq!(
        (t["status"].as_str(), t["revoked_reason"].as_str()),
        (Some("revoked"), Some("leaked"))
    );
    let ev = s.get("/v1/audit?action=token.leaked", &owner).await.body["items"][0].clone();
    assert_eq!(ev["target"], id.as_str());
    assert_eq!(ev["detail"]["via"], "github");
    assert_eq!(ev["detail"]["source"], "github content");
    assert_eq!(
        ev["detail"]["url"],
        "https://github.com/acme/app/blob/abc123/.env#L3"
    );

    // GitHub delivers again: harmless, and now a false positive.
    let (status, verdicts, _) = signed(&s, &key, &body).await;
    assert_eq!(status, 200);
    assert_eq!(verdicts[0]["label"], "false_positive");
}

/// What is tried, the body sent and its headers (repeated names sent repeated).
type Case<'a> = (&'a str, Vec<u8>, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn unsigned_tampered_unknown_key_bad_signature_and_repeated_headers_revoke_nothing() {
    let key = new_key();
    let stranger = new_key();
    let (s, _keys) = server_trusting(&key);
    let owner = s.owner_session().await;
    let (id, live) = s.mint(&owner, json!({"name": "target"})).await;
    let body = payload(&[&live]);
    let good = sign(&key, &body);
    let by_stranger = sign(&stranger, &body);
    let of_other_body = sign(&key, b"[]");
    // The signed body with a byte changed (the url), and with whitespace added.
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("abc123", "abc124");
    let padded = format!("{} ", String::from_utf8(body.clone()).unwrap());
    let id_h = "Github-Public-Key-Identifier";
    let sig_h = "Github-Public-Key-Signature";

    let cases: Vec<Case> = vec![
        ("no headers", body.clone(), vec![]),
        ("no signature", body.clone(), vec![(id_h, KEY_ID)]),
        ("no key id", body.clone(), vec![(sig_h, &good)]),
        (
            "tampered body",
            tampered.into_bytes(),
            vec![(id_h, KEY_ID), (sig_h, &good)],
        ),
        (
            "padded body",
            padded.into_bytes(),
            vec![(id_h, KEY_ID), (sig_h, &good)],
        ),
        (
            "unknown key id",
            body.clone(),
            vec![(id_h, "not-a-key"), (sig_h, &good)],
        ),
        (
            "another key",
            body.clone(),
            vec![(id_h, KEY_ID), (sig_h, &by_stranger)],
        ),
        (
            "another body's signature",
            body.clone(),
            vec![(id_h, KEY_ID), (sig_h, &of_other_body)],
        ),
        (
            "not base64",
            body.clone(),
            vec![(id_h, KEY_ID), (sig_h, "%%%")],
        ),
        (
            "empty signature",
            body.clone(),
            vec![(id_h, KEY_ID), (sig_h, "")],
        ),
        (
            "signature twice, good first",
            body.clone(),
            vec![(id_h, KEY_ID), (sig_h, &good), (sig_h, &by_stranger)],
        ),
        (
            "signature twice, good last",
            body.clone(),
            vec![(id_h, KEY_ID), (sig_h, &by_stranger), (sig_h, &good)],
        ),
        (
            "signature twice, both good",
            body.clone(),
            vec![(id_h, KEY_ID), (sig_h, &good), (sig_h, &good)],
        ),
        (
            "key id twice",
            body.clone(),
            vec![(id_h, "not-a-key"), (id_h, KEY_ID), (sig_h, &good)],
        ),
        (
            "key id twice, both known",
            body.clone(),
            vec![(id_h, KEY_ID), (id_h, KEY_ID), (sig_h, &good)],
        ),
    ];
    for (what, body, headers) in &cases {
        let (status, answer, text) = post(&s, body, headers).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (401, Some("signature_invalid")),
            "{what}: {text}"
        );
        assert!(!text.contains(&live[11..]), "{what}: {text}");
    }
    assert_eq!(status_of(&s, &owner, &id).await["status"], "active");
    assert_eq!(s.get("/v1/me", &live).await.status, 200);
    let leaked = s.get("/v1/audit?action=token.leaked", &owner).await;
    assert_eq!(leaked.body["items"], json!([]), "{}", leaked.text);

    // The same request, signed right, goes through.
    let (status, verdicts, text) = signed(&s, &key, &body).await;
    assert_eq!(
        (status, &verdicts[0]["label"]),
        (200, &json!("true_positive")),
        "{text}"
    );
}

/// A loopback HTTP server answering every request with `list`, counting the requests.
async fn serve_key_list(list: String) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/meta/public_keys/secret_scanning",
        listener.local_addr().unwrap()
    );
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&fetches);
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let list = list.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{list}",
                    list.len()
                );
                let _ = conn.write_all(resp.as_bytes()).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    (url, fetches)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_fetched_from_the_configured_url_once_and_kept() {
    let key = new_key();
    let old = new_key();
    // A rotated-out key still verifies what GitHub signed before it rotated.
    let (url, fetches) = serve_key_list(key_list(&[(KEY_ID, &key), ("old-key", &old)])).await;
    let s = TestServer::start_with(ServerOptions {
        args: vec!["--github-scanning-keys-url".into(), url],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        0,
        "fetched before it was needed"
    );
    let (id1, first) = s.mint(&owner, json!({"name": "one"})).await;
    let (id2, second) = s.mint(&owner, json!({"name": "two"})).await;

    let (status, verdicts, text) = signed(&s, &key, &payload(&[&first])).await;
    assert_eq!(
        (status, &verdicts[0]["label"]),
        (200, &json!("true_positive")),
        "{text}"
    );
    let body = payload(&[&second]);
    let sig = sign(&old, &body);
    let (status, verdicts, text) = post(
        &s,
        &body,
        &[
            ("Github-Public-Key-Identifier", "old-key"),
            ("Github-Public-Key-Signature", &sig),
        ],
    )
    .await;
    assert_eq!(
        (status, &verdicts[0]["label"]),
        (200, &json!("true_positive")),
        "{text}"
    );
    // Made-up key ids do not make the server fetch the list again and again.
    for i in 0..5 {
        let (status, _, _) = post(
            &s,
            b"[]",
            &[
                ("Github-Public-Key-Identifier", &format!("made-up-{i}")),
                ("Github-Public-Key-Signature", &sign(&key, b"[]")),
            ],
        )
        .await;
        assert_eq!(status, 401);
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    for id in [id1, id2] {
        assert_eq!(status_of(&s, &owner, &id).await["revoked_reason"], "leaked");
    }
}

#[tokio::test]
async fn an_unreadable_key_file_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.json");
    std::fs::write(
        &file,
        r#"{"public_keys": [{"key_identifier": "a", "key": "not a key"}]}"#,
    )
    .unwrap();
    let out = std::process::Command::new(common::tokctl_bin())
        .args(["server", "--listen", "127.0.0.1:0", "--database"])
        .arg(dir.path().join("db.sqlite"))
        .arg("--github-scanning-keys")
        .arg(&file)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--github-scanning-keys"), "{stderr}");
}

#[tokio::test]
async fn an_unreachable_key_list_is_a_503_with_nothing_revoked() {
    let key = new_key();
    // Nothing listens on port 1 of the loopback: the fetch is refused at once.
    let s = TestServer::start_with(ServerOptions {
        args: vec![
            "--github-scanning-keys-url".into(),
            "http://127.0.0.1:1/meta/public_keys/secret_scanning".into(),
        ],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let (id, live) = s.mint(&owner, json!({"name": "waiting"})).await;
    for _ in 0..2 {
        let (status, answer, text) = signed(&s, &key, &payload(&[&live])).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (503, Some("unavailable")),
            "{text}"
        );
    }
    assert_eq!(status_of(&s, &owner, &id).await["status"], "active");
}
