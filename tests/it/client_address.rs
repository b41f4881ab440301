//! The client's address behind a trusted proxy, attacked with crafted forwarding headers against
//! the real server (`--trusted-proxy 127.0.0.0/8`, so this test's own connections play the
//! proxy). In every attack the proxy has appended the real client, 198.51.100.7, after what the
//! client sent; the client tries to make its own claim (10.1.2.3, the only address its token is
//! pinned to) be read instead: on a second header line, behind an entry the parser used to skip
//! (`ip:port`, `[v6]:port`, garbage), in the header the proxy does not write (`Forwarded`,
//! `X-Real-IP`). Each must be refused `ip_not_allowed` on every surface (REST, verify's caller,
//! forward-auth, MCP), and throttles must not hand out a fresh budget per forged entry.
//! The same attacks through real nginx are in `tests/it/forward_auth.rs`.

use crate::common;

use common::{ServerOptions, TestServer};
use serde_json::{Value, json};

const PINNED: &str = "10.1.2.3";
const REAL_CLIENT: &str = "198.51.100.7";

fn behind_proxy() -> TestServer {
    TestServer::start_with(ServerOptions {
        args: vec!["--trusted-proxy".into(), "127.0.0.0/8".into()],
        ..Default::default()
    })
}

/// A request's forwarding headers, each pair one header line, in order.
type Forwarding = &'static [(&'static str, &'static str)];

/// What a client sending its own headers looks like after a proxy appended the real client.
const ATTACKS: &[(&str, Forwarding)] = &[
    (
        "its own X-Forwarded-For line before the proxy's",
        &[
            ("x-forwarded-for", PINNED),
            ("x-forwarded-for", REAL_CLIENT),
        ],
    ),
    (
        "the proxy's entry written ip:port",
        &[("x-forwarded-for", "10.1.2.3, 198.51.100.7:4711")],
    ),
    (
        "the proxy's entry written [v6]:port",
        &[("x-forwarded-for", "10.1.2.3, [2001:db8::7]:443")],
    ),
    (
        "garbage between its claim and a trusted hop",
        &[("x-forwarded-for", "10.1.2.3, _hidden, 127.0.0.2")],
    ),
    (
        "a Forwarded header the proxy does not write",
        &[
            ("forwarded", "for=10.1.2.3"),
            ("x-forwarded-for", REAL_CLIENT),
        ],
    ),
    (
        "an X-Forwarded-For the proxy does not write, beside its Forwarded",
        &[
            ("x-forwarded-for", PINNED),
            ("forwarded", "for=\"198.51.100.7:4711\""),
        ],
    ),
    (
        "an X-Real-IP beside the proxy's X-Forwarded-For",
        &[("x-real-ip", PINNED), ("x-forwarded-for", REAL_CLIENT)],
    ),
];

/// The honest request from the pinned address, in each header a proxy may write.
const HONEST: &[(&str, Forwarding)] = &[
    ("X-Forwarded-For", &[("x-forwarded-for", PINNED)]),
    (
        "X-Forwarded-For with a port, over trusted hops",
        &[
            ("x-forwarded-for", "10.1.2.3:5000"),
            ("x-forwarded-for", "127.0.0.3, 127.0.0.2:80"),
        ],
    ),
    (
        "Forwarded",
        &[("forwarded", "for=\"10.1.2.3:5000\";proto=https")],
    ),
    (
        "both, agreeing",
        &[("x-forwarded-for", PINNED), ("forwarded", "for=10.1.2.3")],
    ),
    ("X-Real-IP alone", &[("x-real-ip", PINNED)]),
];

async fn send(
    s: &TestServer,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
    forwarding: Forwarding,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", s.url))
        .header("accept", "application/json, text/event-stream");
    // `header` appends: a repeated name is sent as a second line.
    for (k, v) in forwarding {
        req = req.header(*k, *v);
    }
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Whether `pinned` gets through each surface with these forwarding headers: the answers of
/// REST, verify's caller check, forward-auth and MCP, as (surface, passed, body).
async fn surfaces(
    s: &TestServer,
    pinned: &str,
    other: &str,
    forwarding: Forwarding,
) -> Vec<(&'static str, bool, Value)> {
    let mut out = Vec::new();
    let (st, body) = send(s, "GET", "/v1/me", Some(pinned), None, forwarding).await;
    assert!(
        st == 200 || body["error"]["code"] == "ip_not_allowed",
        "{st} {body}"
    );
    out.push(("REST", st == 200, body));

    // The pinned token as verify's caller (it holds tokens:verify).
    let (st, body) = send(
        s,
        "POST",
        "/v1/verify",
        Some(pinned),
        Some(json!({"token": other})),
        forwarding,
    )
    .await;
    assert!(
        st == 200 || body["error"]["code"] == "ip_not_allowed",
        "{st} {body}"
    );
    out.push(("verify caller", st == 200, body));

    // The pinned token judged by forward-auth, with the forwarded client's address.
    let (st, body) = send(s, "GET", "/v1/forward-auth", Some(pinned), None, forwarding).await;
    assert!(
        st == 204 || body["error"]["code"] == "ip_not_allowed",
        "{st} {body}"
    );
    out.push(("forward-auth", st == 204, body));

    let (st, body) = send(
        s,
        "POST",
        "/mcp",
        Some(pinned),
        Some(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "whoami", "arguments": {}}})),
        forwarding,
    )
    .await;
    assert!(st == 200 || st == 403, "{st} {body}");
    out.push(("MCP", st == 200 && body["error"].is_null(), body));
    out
}

#[tokio::test]
async fn a_client_behind_a_trusted_proxy_cannot_choose_its_address() {
    let s = behind_proxy();
    let owner = s.owner_session().await;
    let (pinned_id, pinned) = s
        .mint(
            &owner,
            json!({"name": "pinned", "allowed_cidrs": [format!("{PINNED}/32")]}),
        )
        .await;
    let (_, other) = s.mint(&owner, json!({"name": "other"})).await;

    // The honest client at the pinned address passes everywhere, whichever header its proxy
    // writes (so the refusals below are about the forgery, not the header).
    for (what, forwarding) in HONEST {
        for (surface, passed, body) in surfaces(&s, &pinned, &other, forwarding).await {
            assert!(passed, "honest {what}: refused on {surface}: {body}");
        }
    }
    for (what, forwarding) in ATTACKS {
        for (surface, passed, body) in surfaces(&s, &pinned, &other, forwarding).await {
            assert!(
                !passed,
                "a client sending {what} passed as {PINNED} on {surface}: {body}"
            );
        }
    }

    // A client whose address is unknown is recorded as such: no address in its access rows,
    // and a failed authentication names the trusted hop it came through.
    let unknown: Forwarding = &[("x-forwarded-for", "10.1.2.3, _hidden, 127.0.0.2")];
    let (_, unpinned) = s.mint(&owner, json!({"name": "unpinned"})).await;
    let (st, _) = send(&s, "GET", "/v1/me", Some(&unpinned), None, unknown).await;
    assert_eq!(st, 200, "an unpinned token needs no known address");
    let bogus = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
    let (st, _) = send(&s, "GET", "/v1/me", Some(bogus.expose()), None, unknown).await;
    assert_eq!(st, 401);
    s.settle().await;
    let log = s
        .get(&format!("/v1/audit?kind=access&token={pinned_id}"), &owner)
        .await;
    let rows = log.body["items"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["ip"].is_null() && r["status"] == 403),
        "no access row with an unknown address: {}",
        log.text
    );
    let events = s.get("/v1/audit?action=auth.failed", &owner).await;
    let failed = events.body["items"].as_array().unwrap();
    let e = failed
        .iter()
        .find(|e| e["detail"]["unknown_client_via"] == "127.0.0.2")
        .unwrap_or_else(|| panic!("no auth.failed naming the hop: {}", events.text));
    assert!(e["ip"].is_null(), "{e}");
    println!(
        "client address: {} forged forwarding headers refused on REST, verify, forward-auth and \
         MCP; {} honest forms accepted",
        ATTACKS.len(),
        HONEST.len()
    );
}

async fn login(s: &TestServer, forwarding: Forwarding, email: &str, password: &str) -> u16 {
    let (st, _) = send(
        s,
        "POST",
        "/v1/sessions",
        None,
        Some(json!({"email": email, "password": password})),
        forwarding,
    )
    .await;
    st
}

/// Leaks a string for a `Forwarding` built at run time (a test's handful).
fn lines(pairs: Vec<(&'static str, String)>) -> Forwarding {
    let v: Vec<(&'static str, &'static str)> = pairs
        .into_iter()
        .map(|(k, v)| (k, &*Box::leak(v.into_boxed_str())))
        .collect();
    Box::leak(v.into_boxed_slice())
}

/// Builds a request's forwarding headers around the i-th forged entry.
type Forge = fn(u8) -> Forwarding;

#[tokio::test]
async fn rotating_a_forged_leftmost_entry_buys_no_login_budget() {
    let s = behind_proxy();
    // Each attacker forges a fresh leftmost entry per try; the proxy's entry (its real
    // address) comes after, in one of the forms the parser used to skip or never read.
    let attackers: [(&str, Forge); 3] = [
        ("a second line", |i| {
            lines(vec![
                ("x-forwarded-for", format!("10.0.0.{i}")),
                ("x-forwarded-for", "198.51.100.7".into()),
            ])
        }),
        ("ip:port", |i| {
            lines(vec![(
                "x-forwarded-for",
                format!("10.0.1.{i}, 198.51.100.8:5000"),
            )])
        }),
        // Garbage right of its claim: unknown, so throttled on the last trusted hop.
        ("garbage", |i| {
            lines(vec![("x-forwarded-for", format!("10.0.2.{i}, _x{i}"))])
        }),
    ];
    for (n, (what, forge)) in attackers.iter().enumerate() {
        for i in 1..=10u8 {
            // A different email each time: only the address budget is spent.
            let st = login(
                &s,
                forge(i),
                &format!("g{n}-{i}@example.com"),
                "password-guess",
            )
            .await;
            assert_eq!(st, 401, "{what} #{i}");
        }
        // The real owner, with the right password, from the same real client and a fresh
        // forged entry: still that client's budget.
        let st = login(&s, forge(200), common::OWNER_EMAIL, common::OWNER_PASSWORD).await;
        assert_eq!(
            st, 429,
            "{what}: a forged leftmost entry bought a fresh login budget"
        );
    }
    // Someone else behind the same proxy is not affected.
    let other = lines(vec![("x-forwarded-for", "198.51.100.99".into())]);
    assert_eq!(
        login(&s, other, common::OWNER_EMAIL, common::OWNER_PASSWORD).await,
        201
    );
    println!(
        "client address/login: rotating forged leftmost entries (second line, ip:port, garbage) \
         → 429 after 10 failures each"
    );
}

#[tokio::test]
async fn rotating_a_forged_leftmost_entry_buys_no_audit_budget() {
    let s = behind_proxy();
    let owner = s.owner_session().await;
    // 60 bad bearers from one real client, each with a fresh forged leftmost entry on a
    // line of its own: one client, so at most the per-address cap (20) of rows.
    for i in 0..60u8 {
        let forged = lines(vec![
            ("x-forwarded-for", format!("10.7.{i}.1")),
            ("x-forwarded-for", "198.51.100.7".into()),
        ]);
        let bogus = tokctl::api::secret::generate(tokctl::api::secret::TokenType::Pat);
        let (st, _) = send(&s, "GET", "/v1/me", Some(bogus.expose()), None, forged).await;
        assert_eq!(st, 401);
    }
    let r = s
        .get("/v1/audit?action=auth.failed&limit=200", &owner)
        .await;
    let rows: Vec<&Value> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["detail"]["reason"] == "unknown")
        .collect();
    assert!(
        rows.iter().all(|e| e["ip"] == REAL_CLIENT),
        "an auth.failed row names a forged address: {}",
        r.text
    );
    // 20 at once, then one per 3 s while the loop runs.
    assert!(
        rows.len() < 30,
        "{} rows for one client: forged entries bought fresh audit budgets",
        rows.len()
    );
}
