//! Several replicas on one PostgreSQL database, and the database going away and coming back.
//! Skipped (and saying so) without `TOKCTL_TEST_DATABASE_URL`.

use crate::common;

use std::time::{Duration, Instant};

use common::tcp_proxy::TcpProxy;
use common::{PgDb, ServerOptions, TestServer, shared_limit};
use serde_json::json;

fn on(db: &str) -> ServerOptions {
    ServerOptions {
        database: Some(db.to_string()),
        ..Default::default()
    }
}

#[tokio::test]
async fn replicas_agree_on_revocation_rotation_and_policy_at_once() {
    let Some(admin) = common::postgres_url("replicas_agree") else {
        return;
    };
    let db = PgDb::new(&admin);
    let a = TestServer::start_with(on(&db.url));
    let b = TestServer::replica_of(&a, on(&db.url));

    let owner = a.owner_session().await;
    let (id, secret) = a.mint(&owner, json!({"name": "agent"})).await;
    // Both replicas have judged (and cached) the credential before every change below.
    assert_eq!(a.get("/v1/me", &secret).await.status, 200);
    assert_eq!(b.get("/v1/me", &secret).await.status, 200);
    let v = a.post("/v1/verify", &owner, json!({"token": secret})).await;
    assert_eq!(v.body["allowed"], true, "{}", v.text);

    // Revoked through B: A refuses the very next request.
    assert_eq!(
        b.post(&format!("/v1/tokens/{id}/revoke"), &owner, json!({}))
            .await
            .status,
        200
    );
    refuses_as_revoked(&a, &secret).await;
    refuses_as_revoked(&b, &secret).await;
    // verify and forward auth on A judge the token by the same epoch.
    let v = a.post("/v1/verify", &owner, json!({"token": secret})).await;
    assert_eq!(v.body["reason"], "revoked", "{}", v.text);

    // Rotated through A: B refuses the old secret and takes the new one.
    let (_, old) = a.mint(&owner, json!({"name": "rotating"})).await;
    assert_eq!(b.get("/v1/me", &old).await.status, 200);
    let rot = a
        .post("/v1/tokens/rotating/rotate", &owner, json!({}))
        .await;
    let new = rot.body["secret"].as_str().unwrap().to_string();
    assert_eq!(b.get("/v1/me", &old).await.status, 401);
    assert_eq!(b.get("/v1/me", &new).await.status, 200);

    // A policy change through A applies to B's next mint, with no restart.
    let r = a
        .call(
            "PATCH",
            "/v1/org/policy",
            Some(&owner),
            Some(json!({"max_expiry": "10d", "default_expiry": "7d"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = b
        .post(
            "/v1/tokens",
            &owner,
            json!({"name": "long", "expires": "20d"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);

    // A role lowered through A narrows what B lets the member's session do, at once.
    let bob = a.add_person(&owner, "bob@example.com", "admin").await;
    assert_eq!(b.get("/v1/audit", &bob).await.status, 200);
    let r = a
        .call(
            "PATCH",
            "/v1/users/bob@example.com",
            Some(&owner),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(b.get("/v1/audit", &bob).await.status, 403);

    // Removing a member through B kills their sessions on A.
    assert_eq!(a.get("/v1/me", &bob).await.status, 200);
    assert_eq!(
        b.call("DELETE", "/v1/users/bob@example.com", Some(&owner), None)
            .await
            .status,
        200
    );
    assert_eq!(a.get("/v1/me", &bob).await.code(), "token_revoked");
}

/// A metric's value in a `/metrics` answer.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Waits until `s` holds its credential lease (its first renewal follows start-up at once).
async fn holding_lease(s: &TestServer, session: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let m = s.get("/metrics", session).await;
        if metric(&m.text, "tokctl_credential_lease_held") == Some(1.0) {
            return;
        }
        assert!(Instant::now() < deadline, "no credential lease: {}", m.text);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn epoch_reads(s: &TestServer, session: &str) -> f64 {
    let m = s.get("/metrics", session).await;
    metric(&m.text, "tokctl_credential_epoch_reads_total").expect("the epoch-read counter")
}

/// Revokes token `id` through `s`, acknowledged.
async fn revoke(s: &TestServer, session: &str, id: &str) {
    let r = s
        .post(&format!("/v1/tokens/{id}/revoke"), session, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// `s` refuses `secret` as revoked on the next request.
async fn refuses_as_revoked(s: &TestServer, secret: &str) {
    let r = s.get("/v1/me", secret).await;
    assert_eq!((r.status, r.code()), (401, "token_revoked"));
}

/// Two replicas, and a token both have judged (and cached), each on its credential lease.
async fn two_warm_replicas(db: &PgDb) -> (TestServer, TestServer, String, String, String) {
    let a = TestServer::start_with(on(&db.url));
    let b = TestServer::replica_of(&a, on(&db.url));
    let owner = a.owner_session().await;
    let (id, secret) = a.mint(&owner, json!({"name": "leased"})).await;
    holding_lease(&a, &owner).await;
    holding_lease(&b, &owner).await;
    assert_eq!(a.get("/v1/me", &secret).await.status, 200);
    assert_eq!(b.get("/v1/me", &secret).await.status, 200);
    (a, b, owner, id, secret)
}

#[tokio::test]
async fn a_replica_on_its_lease_reads_no_epoch_per_request_and_refuses_a_revoke_at_once() {
    let Some(admin) = common::postgres_url("lease_reads_no_epoch") else {
        return;
    };
    let db = PgDb::new(&admin);
    let (a, b, owner, id, secret) = two_warm_replicas(&db).await;

    let before = epoch_reads(&b, &owner).await;
    for _ in 0..50 {
        assert_eq!(b.get("/v1/me", &secret).await.status, 200);
    }
    // Without the lease each of these requests reads the epoch (one at a time, none can share
    // a read); a renewal that came late may cost a few.
    let read = epoch_reads(&b, &owner).await - before;
    assert!(read <= 5.0, "{read} epoch reads for 50 requests on a lease");

    revoke(&a, &owner, &id).await;
    refuses_as_revoked(&b, &secret).await;
    let leases =
        a.query_texts("SELECT COUNT(*)::text FROM replica_leases WHERE expires_at > now()");
    assert_eq!(leases, ["2"]);
}

/// A replica that hears of no change (its notification connection down, the announcement lost)
/// still refuses a revoked token on the very next request: the revoke waited for its periodic
/// renewal, which applies whatever epoch it finds.
#[tokio::test]
async fn a_replica_that_hears_of_no_change_refuses_a_revoke_at_once() {
    let Some(admin) = common::postgres_url("lease_nothing_heard") else {
        return;
    };
    let db = PgDb::new(&admin);
    let (a, b, owner, id, secret) = two_warm_replicas(&db).await;

    a.exec_sql("ALTER TABLE credential_epoch DISABLE TRIGGER credential_epoch_moved");
    revoke(&a, &owner, &id).await;
    refuses_as_revoked(&b, &secret).await;
    refuses_as_revoked(&a, &secret).await;
}

/// Anyone who can reach the database can send a notification on the lease channel, with any
/// payload. A replica takes it only as a cue to renew: a forged epoch far ahead must not make it
/// skip the real ones that follow.
#[tokio::test]
async fn a_forged_notification_does_not_hide_a_later_revoke() {
    let Some(admin) = common::postgres_url("lease_forged_notification") else {
        return;
    };
    let db = PgDb::new(&admin);
    let (a, b, owner, id, secret) = two_warm_replicas(&db).await;

    a.exec_sql("NOTIFY tokctl_credential_epoch, '9000000000000000000'");
    holding_lease(&b, &owner).await;
    assert_eq!(b.get("/v1/me", &secret).await.status, 200);
    revoke(&a, &owner, &id).await;
    refuses_as_revoked(&b, &secret).await;
}

#[tokio::test]
async fn a_replica_whose_notification_connection_is_cut_listens_again() {
    let Some(admin) = common::postgres_url("lease_notifications_cut") else {
        return;
    };
    let db = PgDb::new(&admin);
    let (a, b, owner, id, secret) = two_warm_replicas(&db).await;
    let listening = format!(
        "SELECT pid::text FROM pg_stat_activity \
         WHERE application_name = 'tokctl notifications {}' AND query LIKE 'LISTEN%'",
        b.pid()
    );
    let first = a.query_texts(&listening);
    assert_eq!(first.len(), 1, "B's notification connection: {first:?}");

    let cut = a.query_texts(&format!("SELECT pg_terminate_backend({})::text", first[0]));
    assert_eq!(cut, ["true"]);
    revoke(&a, &owner, &id).await;
    refuses_as_revoked(&b, &secret).await;

    // B connects again and listens, on a connection of its own.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = a.query_texts(&listening);
        if now.len() == 1 && now != first {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B does not listen again: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    holding_lease(&b, &owner).await;
}

/// A replica that stops cleanly gives its lease up (no change waits for it); one that dies
/// holding it delays a change until the lease runs out, and the change is still acknowledged.
#[tokio::test]
async fn a_stopped_replica_gives_its_lease_up_and_a_dead_ones_runs_out() {
    let Some(admin) = common::postgres_url("lease_stop_and_death") else {
        return;
    };
    let db = PgDb::new(&admin);
    let (a, mut b, owner, id, secret) = two_warm_replicas(&db).await;
    let live = "SELECT COUNT(*)::text FROM replica_leases WHERE expires_at > now()";
    assert_eq!(a.query_texts(live), ["2"]);

    assert!(b.stop().success());
    assert_eq!(
        a.query_texts(live),
        ["1"],
        "B's lease outlived B's clean stop"
    );

    b.spawn();
    holding_lease(&b, &owner).await;
    assert_eq!(a.query_texts(live), ["2"]);
    b.kill();
    revoke(&a, &owner, &id).await;
    refuses_as_revoked(&a, &secret).await;
    assert_eq!(a.query_texts(live), ["1"], "B's lease, run out");
}

/// A replica that stops in the middle of its lease (a pause, a debugger, a machine that
/// sleeps) cannot answer from its cache when it resumes after a revoke elsewhere: the revoke
/// waited for its lease to run out, and so did the replica's own clock. While it resumes, the
/// test holds the epoch row so that no renewal can tell it of the revoke first.
#[tokio::test]
async fn a_replica_stopped_mid_lease_refuses_a_revoke_made_meanwhile_when_it_resumes() {
    let Some(admin) = common::postgres_url("lease_stopped_replica") else {
        return;
    };
    let db = PgDb::new(&admin);
    let (a, b, owner, id, secret) = two_warm_replicas(&db).await;

    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &b.pid().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill {sig}");
    };
    signal("-STOP");
    revoke(&a, &owner, &id).await;

    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let mut held = pool.begin().await.unwrap();
    sqlx::query("SELECT epoch FROM credential_epoch WHERE id = 1 FOR UPDATE")
        .execute(&mut *held)
        .await
        .unwrap();
    signal("-CONT");
    let r = b.get("/v1/me", &secret).await;
    held.rollback().await.unwrap();
    pool.close().await;
    assert_eq!((r.status, r.code()), (401, "token_revoked"));
}

#[tokio::test]
async fn a_rate_limit_holds_across_replicas() {
    let Some(admin) = common::postgres_url("rate_limit_across_replicas") else {
        return;
    };
    let db = PgDb::new(&admin);
    let a = TestServer::start_with(on(&db.url));
    let b = TestServer::replica_of(&a, on(&db.url));
    let owner = a.owner_session().await;
    shared_limit::assert_one_budget_across(&a, &b, &owner).await;
}

/// Checks in flight at once are decided in batches; a batch must still count every check,
/// across replicas, to the exact limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_checks_on_two_replicas_allow_exactly_the_limit() {
    exact_limit_under_concurrency("concurrent_limit_across_replicas", None).await;
}

/// The same, with every batch decided under row locks (the path a token takes when it keeps
/// losing the compare-and-set race to other replicas).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_checks_under_row_locks_allow_exactly_the_limit() {
    exact_limit_under_concurrency("concurrent_limit_locked", Some("0")).await;
}

async fn exact_limit_under_concurrency(name: &str, optimistic_rounds: Option<&str>) {
    let Some(admin) = common::postgres_url(name) else {
        return;
    };
    let db = PgDb::new(&admin);
    let opts = || ServerOptions {
        env: optimistic_rounds
            .map(|r| {
                (
                    "TOKCTL_RATELIMIT_OPTIMISTIC_ROUNDS".to_string(),
                    r.to_string(),
                )
            })
            .into_iter()
            .collect(),
        ..on(&db.url)
    };
    let a = TestServer::start_with(opts());
    let b = TestServer::replica_of(&a, opts());
    let owner = a.owner_session().await;
    // Both limits at 40: the next slot refills 90 s later, longer than this test runs.
    let (_, secret) = a
        .mint(
            &owner,
            json!({"name": "hot", "rate_limit": {"per_minute": 40, "per_hour": 40}}),
        )
        .await;
    let path = |i: usize| {
        if i.is_multiple_of(3) {
            "/v1/tokens"
        } else {
            "/v1/me"
        }
    };
    let counts = shared_limit::allowed_and_refused_at_once(&a, &b, &secret, 120, path).await;
    assert_eq!(counts, (40, 80));
}

/// Two replicas on a fresh database (None without PostgreSQL), the owner's session, and a
/// token limited to `limit` requests per minute and per hour.
async fn replicas_and_limited_token(
    name: &str,
    limit: u32,
) -> Option<(PgDb, TestServer, TestServer, String, String)> {
    let db = PgDb::new(&common::postgres_url(name)?);
    let a = TestServer::start_with(on(&db.url));
    let b = TestServer::replica_of(&a, on(&db.url));
    let owner = a.owner_session().await;
    let (_, secret) = a
        .mint(
            &owner,
            json!({"name": "limited", "rate_limit": {"per_minute": limit, "per_hour": limit}}),
        )
        .await;
    Some((db, a, b, owner, secret))
}

/// Verify on replicas that have both the caller's and the verified token's credentials cached
/// checks the verified token's limit alongside the caller's authentication; each call still
/// spends exactly one unit of one shared budget (a check made twice, or kept when it should
/// not be, changes the count).
#[tokio::test]
async fn concurrent_verifies_on_two_warm_replicas_allow_exactly_the_limit() {
    let Some((_db, a, b, owner, secret)) = replicas_and_limited_token("verify_exact", 40).await
    else {
        return;
    };
    // One verify on each replica caches both credentials there (and spends 2 of the 40).
    for s in [&a, &b] {
        let v = s.post("/v1/verify", &owner, json!({"token": secret})).await;
        assert_eq!(v.body["allowed"], true, "{}", v.text);
    }
    let client = reqwest::Client::new();
    let calls: Vec<_> = (0..120)
        .map(|i| {
            let url = format!("{}/v1/verify", if i % 2 == 0 { &a.url } else { &b.url });
            let request = client
                .post(url)
                .bearer_auth(&owner)
                .json(&json!({"token": secret}));
            tokio::spawn(async move {
                let body: serde_json::Value = request.send().await?.json().await?;
                Ok::<_, reqwest::Error>(body)
            })
        })
        .collect();
    let (mut allowed, mut limited) = (0, 0);
    for call in calls {
        let body = call.await.expect("task").expect("verify");
        match (body["allowed"].as_bool(), body["reason"].as_str()) {
            (Some(true), _) => allowed += 1,
            (Some(false), Some("rate_limited")) => limited += 1,
            _ => panic!("unexpected verdict {body}"),
        }
    }
    assert_eq!((allowed, limited), (38, 82));
}

/// A token with room for thousands of requests is counted in blocks each replica spends on its
/// own (`ratelimit::budget`): most checks never reach the database, yet a burst across two
/// replicas still gets no more than the limit, and not much less.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_of_a_busy_tokens_budget_never_let_more_than_the_limit_through() {
    let Some((_db, a, b, owner, secret)) = replicas_and_limited_token("budget_blocks", 2_000).await
    else {
        return;
    };
    let started = std::time::Instant::now();
    let counts =
        shared_limit::allowed_and_refused_at_once(&a, &b, &secret, 2_400, |_| "/v1/me").await;
    let (allowed, refused) = counts;
    // The exact limiter's bound: the 2,000 and what the hour limit (one per 1.8 s) refilled
    // while the burst ran, which on a busy machine may take a few seconds.
    let refilled = (started.elapsed().as_millis() / 1_800) as usize;
    assert!(allowed <= 2_000 + refilled, "{counts:?}: over the limit");
    let mut from_blocks = 0.0;
    for s in [&a, &b] {
        let m = s.get("/metrics", &owner).await;
        from_blocks += metric(&m.text, "tokctl_rate_limit_block_checks_total")
            .expect("the block-check counter");
    }
    eprintln!(
        "blocks: {counts:?} in {:?}, {from_blocks} from blocks",
        started.elapsed()
    );
    // What blocks may cost: a tenth of a second's refill held back (about 3 requests here),
    // what is left of the other replica's block when one runs out, and blocks that expire
    // before they are spent, which a busy machine makes more of. Runs here, idle or with both
    // cores spinning, let 1,823 to 2,001 through; losing an eighth would be a regression.
    assert!(
        allowed >= 2_000 - 2_000 / 8,
        "{counts:?}: refused far too early"
    );
    assert_eq!(allowed + refused, 2_400);
    // Only while 1,024 or more fit (the first thousand or so) are blocks taken.
    assert!(
        from_blocks >= 1.0,
        "{from_blocks} of {allowed} checks answered from blocks"
    );
    // The owner's session (600 a minute) has too little room for blocks: it is counted exactly.
    let remaining = |r: common::Resp| {
        let v = r
            .headers
            .get("ratelimit-remaining")
            .expect("RateLimit-Remaining");
        v.to_str().unwrap().parse::<u32>().unwrap()
    };
    let started = std::time::Instant::now();
    let first = remaining(a.get("/v1/me", &owner).await);
    let second = remaining(b.get("/v1/me", &owner).await);
    // One request a tenth of a second refills between the two answers (a busy machine can
    // take that long); a block taken for the session would show as its size gone at once.
    let refilled = u32::try_from(started.elapsed().as_millis() / 100).unwrap() + 1;
    assert!(
        (first - 1..=first - 1 + refilled).contains(&second),
        "a session spends exactly one per request: {first} then {second}"
    );
}

/// A block of a token's budget answers rate-limit checks only: a revoke is refused at once on
/// both replicas while they still hold blocks of the revoked token (a block lasts 100 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoke_is_refused_at_once_while_replicas_hold_blocks_of_the_token() {
    let Some((_db, a, b, owner, _)) = replicas_and_limited_token("budget_revoke", 1).await else {
        return;
    };
    let (id, secret) = a
        .mint(
            &owner,
            json!({"name": "busy", "rate_limit": {"per_minute": 100_000, "per_hour": 1_000_000}}),
        )
        .await;
    let counts =
        shared_limit::allowed_and_refused_at_once(&a, &b, &secret, 400, |_| "/v1/me").await;
    assert_eq!(counts, (400, 0));
    // Straight on, while the blocks the burst took are likely still held.
    revoke(&a, &owner, &id).await;
    refuses_as_revoked(&b, &secret).await;
    refuses_as_revoked(&a, &secret).await;
    let v = b.post("/v1/verify", &owner, json!({"token": secret})).await;
    assert_eq!(v.body["reason"], "revoked", "{}", v.text);
    let mut from_blocks = 0.0;
    for s in [&a, &b] {
        let m = s.get("/metrics", &owner).await;
        from_blocks += metric(&m.text, "tokctl_rate_limit_block_checks_total")
            .expect("the block-check counter");
    }
    assert!(from_blocks >= 1.0, "the burst took no block: {from_blocks}");
}

/// A caller refused for its own networks spends nothing of the token it sends, even when both
/// credentials are cached and the token's check would start alongside the caller's.
#[tokio::test]
async fn a_verify_refused_for_the_callers_network_spends_nothing_of_the_token() {
    let Some((_db, a, _b, owner, secret)) =
        replicas_and_limited_token("verify_caller_net", 10).await
    else {
        return;
    };
    let remaining = |v: &common::Resp| v.body["rate_limit"]["remaining_minute"].as_u64();
    // The owner's verify caches the token here (and spends 1 of the 10).
    let first = a.post("/v1/verify", &owner, json!({"token": secret})).await;
    assert_eq!(remaining(&first), Some(9), "{}", first.text);
    let (_, gateway) = a
        .mint(
            &owner,
            json!({"name": "far-gateway", "scopes": ["tokens:verify"], "allowed_cidrs": ["10.0.0.0/8"]}),
        )
        .await;
    // The first refusal caches the gateway's credential; the later ones find both cached.
    for _ in 0..4 {
        let v = a
            .post("/v1/verify", &gateway, json!({"token": secret}))
            .await;
        assert_eq!(v.status, 403, "{}", v.text);
        assert_eq!(v.body["error"]["code"], "ip_not_allowed", "{}", v.text);
    }
    let after = a.post("/v1/verify", &owner, json!({"token": secret})).await;
    assert_eq!(remaining(&after), Some(8), "{}", after.text);
}

/// A replica decides on what it last saw of a token's counters, but never answers on that
/// alone: when the row is gone (the sweep deletes rows idle for an hour, i.e. fully refilled),
/// a replica that saw the token exhausted allows its next request at once.
#[tokio::test]
async fn a_replica_confirms_what_it_believes_of_a_counter_before_refusing() {
    let Some((db, a, b, _, secret)) = replicas_and_limited_token("counter_beliefs", 3).await else {
        return;
    };
    let mut statuses = Vec::new();
    for s in [&a, &b, &a, &b, &a] {
        statuses.push(s.get("/v1/me", &secret).await.status);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);

    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    sqlx::query("DELETE FROM rate_limits")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(a.get("/v1/me", &secret).await.status, 200);
    assert_eq!(b.get("/v1/me", &secret).await.status, 200);
    assert_eq!(a.get("/v1/me", &secret).await.status, 200);
    assert_eq!(b.get("/v1/me", &secret).await.status, 429);
}

#[tokio::test]
async fn database_outage_answers_503_then_recovers_with_nothing_lost() {
    let Some(admin) = common::postgres_url("database_outage") else {
        return;
    };
    let db = PgDb::new(&admin);
    // The server reaches PostgreSQL only through a proxy the test can cut.
    let upstream = std::net::TcpStream::connect(pg_host_port(&db.url))
        .and_then(|s| s.peer_addr())
        .expect("PostgreSQL reachable");
    let proxy = TcpProxy::start(upstream);
    let via_proxy = db
        .url
        .replacen(&pg_host_port(&db.url), &proxy.addr.to_string(), 1);
    let s = TestServer::start_with(ServerOptions {
        database: Some(via_proxy),
        env: vec![("TOKCTL_FLUSH_INTERVAL_MS".into(), "2000".into())],
        ..Default::default()
    });
    let owner = s.owner_session().await;
    let (id, secret) = s.mint(&owner, json!({"name": "blip"})).await;

    // A use the server has only buffered when the database goes away.
    assert_eq!(s.get("/v1/me", &secret).await.status, 200);
    let cut_at = chrono::Utc::now();
    proxy.cut();

    // While it is down: 503 with a clear error, never a yes and never a wrong 401. Within its
    // credential lease the replica still knows the credential; its rate-limit counters are in
    // the database, which the message names.
    for _ in 0..3 {
        let r = s.get("/v1/me", &secret).await;
        assert_eq!((r.status, r.code()), (503, "unavailable"), "{}", r.text);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("database") || message.contains("rate-limit store"),
            "{message}"
        );
    }
    let r = s
        .call(
            "POST",
            "/v1/sessions",
            None,
            Some(json!({"email": common::OWNER_EMAIL, "password": common::OWNER_PASSWORD})),
        )
        .await;
    assert_eq!(r.status, 503, "{}", r.text);
    // Let at least one flush fail.
    tokio::time::sleep(Duration::from_millis(2500)).await;

    // Back: the server recovers by itself.
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = s.get("/v1/me", &secret).await;
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text);
        assert!(Instant::now() < deadline, "server did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The use from before the outage was retried, not lost.
    let cut_micros = cut_at.timestamp_micros();
    let url = db.url.clone();
    let id2 = id.clone();
    let mut found = 0i64;
    for _ in 0..50 {
        let (u, i) = (url.clone(), id2.clone());
        found = common::block_on(async move {
            let pool = sqlx::PgPool::connect(&u).await.unwrap();
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM access_log WHERE credential_id = $1 AND at < $2 AND status = 200",
            )
            .bind(i)
            .bind(cut_micros)
            .fetch_one(&pool)
            .await
            .unwrap();
            pool.close().await;
            n
        });
        if found > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        found, 1,
        "the access-log row buffered before the outage was written after it"
    );
    let t = s.get(&format!("/v1/tokens/{id}"), &owner).await;
    assert!(t.body["last_used_at"].is_string(), "{}", t.text);
}

fn pg_host_port(url: &str) -> String {
    let after = url.split_once('@').map(|(_, r)| r).unwrap_or(url);
    let after = after
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    after
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:5432")
        .to_string()
}
