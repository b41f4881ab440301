//! Audit events, the access log and token usage over real HTTP: the numbers match the calls
//! made, pagination is keyset and complete, access is checked, and buffered usage survives a
//! graceful restart; old rows go after the retention.

use crate::common;

use std::collections::HashSet;

use common::{ServerOptions, TestServer};
use serde_json::{Value, json};

fn items(r: &common::Resp) -> &Vec<Value> {
    r.body["items"].as_array().expect("items")
}

/// One flush of a few hundred rows (written by statements of several lengths) keeps every row,
/// in the order the calls were made.
#[tokio::test]
async fn a_large_flush_keeps_every_row_in_order() {
    // No timed flush: the read below writes all the rows at once.
    let s = TestServer::start_with(ServerOptions {
        env: vec![("TOKCTL_FLUSH_INTERVAL_MS".into(), "600000".into())],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let (id, secret) = s
        .mint(
            &owner,
            json!({"name": "busy", "scopes": ["tokens:read"],
                   "rate_limit": {"per_minute": 1000, "per_hour": 1000}}),
        )
        .await;
    // 290 rows = 256 + 16 + 16 + 2 single ones; each path names its call.
    const CALLS: usize = 290;
    for i in 0..CALLS {
        let r = s.get(&format!("/v1/tokens/tk_missing{i}"), &secret).await;
        assert_eq!(r.status, 404, "{}", r.text);
    }
    let mut paths = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("/v1/audit?kind=access&token={id}&limit=100"),
            Some(c) => format!("/v1/audit?kind=access&token={id}&limit=100&cursor={c}"),
        };
        let page = s.get(&url, &owner).await;
        assert_eq!(page.status, 200, "{}", page.text);
        paths.extend(
            items(&page)
                .iter()
                .map(|r| r["path"].as_str().unwrap().to_string()),
        );
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..CALLS)
        .rev()
        .map(|i| format!("/v1/tokens/tk_missing{i}"))
        .collect();
    assert_eq!(paths, expected, "newest first, none lost, none twice");
}

#[tokio::test]
async fn the_access_log_and_usage_match_the_calls_made() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s
        .mint(&owner, json!({"name": "worker", "scopes": ["tokens:read"]}))
        .await;
    for _ in 0..4 {
        assert_eq!(s.get("/v1/me", &secret).await.status, 200);
    }
    for _ in 0..2 {
        assert_eq!(s.get("/v1/tokens", &secret).await.status, 200);
    }
    // Two refused calls: a 403 (no members:read) and a 404.
    assert_eq!(s.get("/v1/users", &secret).await.status, 403);
    assert_eq!(s.get("/v1/tokens/tk_nope", &secret).await.status, 404);

    let log = s
        .get(&format!("/v1/audit?kind=access&token={id}"), &owner)
        .await;
    assert_eq!(log.status, 200, "{}", log.text);
    let rows = items(&log);
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|r| r["credential_id"] == id.as_str()));
    // Newest first.
    assert_eq!(rows[0]["path"], "/v1/tokens/tk_nope");
    assert_eq!(rows[0]["status"], 404);
    assert_eq!(rows[1]["status"], 403);
    assert!(
        rows.iter()
            .all(|r| r["latency_ms"].as_f64().unwrap() >= 0.0)
    );
    assert!(rows.iter().all(|r| r["ip"] == "127.0.0.1"));

    let u = s.get(&format!("/v1/tokens/{id}/usage"), &owner).await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["requests"], 8);
    assert_eq!(u.body["errors"], 2);
    assert_eq!(u.body["error_rate"], 0.25);
    assert_eq!(
        u.body["routes"][0],
        json!({"method": "GET", "path": "/v1/me", "count": 4})
    );
    assert_eq!(
        u.body["routes"][1],
        json!({"method": "GET", "path": "/v1/tokens", "count": 2})
    );
    assert!(
        u.body["latency_ms"]["p50"].as_f64().unwrap()
            <= u.body["latency_ms"]["p95"].as_f64().unwrap()
    );
    assert!(u.body["last_used_at"].is_string());
    assert_eq!(u.body["token"]["id"], id.as_str());

    // The token may read its own usage by name (tokens:read) — that call is logged too.
    let own = s.get("/v1/tokens/worker/usage", &secret).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.body["requests"], 8);
    // `since` in the future: nothing.
    let later = s
        .get(
            &format!("/v1/tokens/{id}/usage?since=2999-01-01T00:00:00Z"),
            &owner,
        )
        .await;
    assert_eq!(later.body["requests"], 0);
    assert_eq!(later.body["error_rate"], 0.0);
    assert_eq!(later.body["latency_ms"]["p50"], Value::Null);
}

#[tokio::test]
async fn audit_pages_are_keyset_and_complete() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let mut minted = HashSet::new();
    for i in 0..7 {
        let (id, _) = s.mint(&owner, json!({"name": format!("t{i}")})).await;
        minted.insert(id);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/v1/audit?action=token.mint&limit=3".to_string(),
            Some(c) => format!("/v1/audit?action=token.mint&limit=3&cursor={c}"),
        };
        let r = s.get(&path, &owner).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(items(&r).len() <= 3);
        for e in items(&r) {
            assert_eq!(e["action"], "token.mint");
            assert_eq!(e["actor"], common::OWNER_EMAIL);
            seen.push(e["target"].as_str().unwrap().to_string());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), minted);

    // Filters: by token (events about it), by user, by time; bad values are refused.
    let one = seen[0].clone();
    s.post(
        &format!("/v1/tokens/{one}/revoke"),
        &owner,
        json!({"reason": "test"}),
    )
    .await;
    let r = s.get(&format!("/v1/audit?token={one}"), &owner).await;
    let actions: Vec<&str> = items(&r)
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["token.revoke", "token.mint"]);
    assert_eq!(items(&r)[0]["detail"]["reason"], "test");
    let r = s
        .get(
            &format!("/v1/audit?user={}&since=1h", common::OWNER_EMAIL),
            &owner,
        )
        .await;
    assert!(items(&r).len() >= 8, "{}", r.text);
    assert!(items(&s.get("/v1/audit?since=2999-01-01T00:00:00Z", &owner).await).is_empty());
    assert_eq!(
        s.get("/v1/audit?action=token.explode", &owner).await.status,
        422
    );
    assert_eq!(s.get("/v1/audit?kind=diary", &owner).await.status, 422);
    assert_eq!(s.get("/v1/audit?since=yesterday", &owner).await.status, 422);
    assert_eq!(s.get("/v1/audit?cursor=abc", &owner).await.status, 400);
    assert_eq!(
        s.get("/v1/audit?user=nobody@example.com", &owner)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn only_audit_readers_read_the_org_log() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let member = s.add_person(&owner, "m@example.com", "member").await;
    let r = s.get("/v1/audit", &member).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "forbidden");
    assert_eq!(s.get("/v1/audit?kind=access", &member).await.status, 403);
    // A member reads the usage of their own tokens, not of others'.
    let (own_id, _) = s.mint(&member, json!({"name": "mine"})).await;
    let (owner_tok, _) = s.mint(&owner, json!({"name": "theirs"})).await;
    assert_eq!(
        s.get(&format!("/v1/tokens/{own_id}/usage"), &member)
            .await
            .status,
        200
    );
    assert_eq!(
        s.get(&format!("/v1/tokens/{owner_tok}/usage"), &member)
            .await
            .status,
        404
    );
    // An admin does read the log.
    let admin = s.add_person(&owner, "a@example.com", "admin").await;
    assert_eq!(s.get("/v1/audit", &admin).await.status, 200);
}

#[tokio::test]
async fn last_used_and_usage_survive_a_graceful_restart() {
    let mut s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "durable"})).await;
    for _ in 0..5 {
        assert_eq!(s.get("/v1/me", &secret).await.status, 200);
    }
    // SIGTERM at once, before any periodic flush could run: shutdown writes the buffer.
    s.restart();
    let owner = s.owner_session().await;
    let u = s.get(&format!("/v1/tokens/{id}/usage"), &owner).await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["requests"], 5);
    assert!(u.body["last_used_at"].is_string(), "{}", u.text);
    let t = s.get(&format!("/v1/tokens/{id}"), &owner).await;
    assert_eq!(t.body["last_used_at"], u.body["last_used_at"]);
}

#[tokio::test]
async fn rows_older_than_the_retention_are_deleted() {
    let mut s = TestServer::start_with(ServerOptions {
        args: vec!["--retention".into(), "30d".into()],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "aging"})).await;
    s.get("/v1/me", &secret).await;
    s.stop();
    // Age the mint event and one access row by a year, behind the server's back.
    let year_ago = (chrono::Utc::now() - chrono::Duration::days(365)).timestamp_micros();
    assert_eq!(
        s.exec_sql(&format!(
            "UPDATE audit_events SET at = {year_ago} WHERE action = 'token.mint' AND target = '{id}'"
        )),
        1
    );
    // On SQLite the row sits in a segment (`store/sqlite_access.rs`): age the whole segment.
    let age_access = if s.is_postgres() {
        format!("UPDATE access_log SET at = {year_ago} WHERE credential_id = '{id}'")
    } else {
        format!(
            "UPDATE access_segments SET min_at = {year_ago}, max_at = {year_ago} + max_at - min_at \
             WHERE id IN (SELECT segment_id FROM access_segment_credentials \
             WHERE credential_id = '{id}')"
        )
    };
    assert_eq!(s.exec_sql(&age_access), 1);
    // Retention runs at start (and hourly).
    s.spawn();
    let owner = s.owner_session().await;
    let mut gone = false;
    for _ in 0..50 {
        let r = s.get(&format!("/v1/audit?token={id}"), &owner).await;
        if items(&r).is_empty() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the year-old mint event is still there");
    let r = s
        .get(&format!("/v1/audit?kind=access&token={id}"), &owner)
        .await;
    assert!(items(&r).is_empty(), "{}", r.text);
    // Recent rows stay.
    assert!(!items(&s.get("/v1/audit?action=session.login", &owner).await).is_empty());
}

/// The credential caches must not freeze "last used": whoami shows the token's latest written use.
#[tokio::test]
async fn whoami_shows_the_last_use_written_since_the_credential_was_cached() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "worker"})).await;
    let first = s.get("/v1/me", &secret).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(
        first.body["credential"]["last_used_at"].is_null(),
        "{}",
        first.text
    );
    // Reading the access log writes the buffered uses first.
    let log = s
        .get(&format!("/v1/audit?kind=access&token={id}"), &owner)
        .await;
    assert_eq!(items(&log).len(), 1, "{}", log.text);
    let again = s.get("/v1/me", &secret).await;
    assert!(
        again.body["credential"]["last_used_at"].is_string(),
        "{}",
        again.text
    );
}

/// `user=` on access rows gives the rows of that member's tokens and sessions, and nobody
/// else's: across pages (the cursor), and with `since`. On SQLite those rows sit in segments
/// shared with every other token that was busy at the time.
#[tokio::test]
async fn a_members_access_rows_are_theirs_alone() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let member = s.add_person(&owner, "m@example.com", "member").await;
    let (theirs_id, theirs) = s.mint(&member, json!({"name": "theirs"})).await;
    let (mine_id, mine) = s.mint(&owner, json!({"name": "mine"})).await;
    for _ in 0..7 {
        s.get("/v1/me", &theirs).await;
        s.get("/v1/me", &mine).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/v1/audit?kind=access&user=m@example.com&since=1h&limit=3".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = s.get(&path, &owner).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(items(&r).iter().cloned());
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let ids: Vec<i64> = seen.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, once each: {ids:?}"
    );
    let credentials: Vec<&str> = seen
        .iter()
        .map(|e| e["credential_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        credentials.iter().filter(|c| **c == theirs_id).count(),
        7,
        "{seen:?}"
    );
    // The rest are the member's session's (the mint): never the owner's token or session.
    assert!(!credentials.contains(&mine_id.as_str()), "{seen:?}");
    let mut distinct = credentials.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 2, "their token and their session: {seen:?}");
    let later = "/v1/audit?kind=access&user=m@example.com&since=2999-01-01T00:00:00Z";
    assert!(items(&s.get(later, &owner).await).is_empty());
}
