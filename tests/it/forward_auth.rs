//! Forward auth over real HTTP: the endpoint itself, and real nginx and Caddy in front of a small
//! upstream on loopback, configured with the very files docs/forward-auth.md shows
//! (`examples/forward-auth/`). Tests needing a proxy say they were skipped when it is missing
//! (`.ci/run` installs both).

use crate::common;

use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ServerOptions, TestServer, say_skipped};
use serde_json::{Value, json};

/// A client whose connections come from `127.0.0.5`, so "the client's address" differs from
/// the proxy's (127.0.0.1) on one machine.
const CLIENT_IP: &str = "127.0.0.5";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(CLIENT_IP.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn get(url: &str, token: Option<&str>, extra: &[(&str, &str)]) -> Got {
    let mut req = client().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    Got {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// The upstream: answers every request with the headers it received, as JSON.
async fn start_upstream() -> SocketAddr {
    let app = axum::Router::new().fallback(|headers: axum::http::HeaderMap| async move {
        let seen: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or(""))))
            .collect();
        axum::Json(Value::Object(seen))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Proxy {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example file with its addresses pointed at this test's processes.
fn example(name: &str, listen: (&str, String), tokctl: &str, upstream: SocketAddr) -> String {
    let path = format!(
        "{}/examples/forward-auth/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .replace(listen.0, &listen.1)
        .replace("127.0.0.1:8700", tokctl)
        .replace("127.0.0.1:9000", &upstream.to_string())
}

fn tokctl_addr(s: &TestServer) -> String {
    s.url.trim_start_matches("http://").to_string()
}

async fn start_nginx(s: &TestServer, upstream: SocketAddr) -> Option<Proxy> {
    start_nginx_with(s, upstream, |site| site).await
}

/// nginx with the example site as `edit` changes it.
async fn start_nginx_with(
    s: &TestServer,
    upstream: SocketAddr,
    edit: impl FnOnce(String) -> String,
) -> Option<Proxy> {
    if Command::new("nginx").arg("-v").output().is_err() {
        say_skipped(
            "nginx forward auth",
            "nginx is not installed (.ci/run installs it)",
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let site = example(
        "nginx.conf",
        ("listen 8080;", format!("listen 127.0.0.1:{port};")),
        &tokctl_addr(s),
        upstream,
    );
    std::fs::write(dir.path().join("tokctl.conf"), edit(site)).unwrap();
    let d = dir.path().display();
    let main = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         include {d}/tokctl.conf;\n}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), main).unwrap();
    let mut child = Command::new("nginx")
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .args(["-e", &format!("{d}/error.log")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn nginx");
    wait_for_port(port, &mut child, "nginx").await;
    Some(Proxy {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    })
}

async fn start_caddy(s: &TestServer, upstream: SocketAddr) -> Option<Proxy> {
    if Command::new("caddy").arg("version").output().is_err() {
        say_skipped(
            "caddy forward auth",
            "caddy is not installed (.ci/run installs it)",
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let site = example(
        "Caddyfile",
        ("http://:8081", format!("http://127.0.0.1:{port}")),
        &tokctl_addr(s),
        upstream,
    );
    let path = dir.path().join("Caddyfile");
    std::fs::write(&path, format!("{{\n\tadmin off\n}}\n{site}")).unwrap();
    let mut child = Command::new("caddy")
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&path)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn caddy");
    wait_for_port(port, &mut child, "caddy").await;
    Some(Proxy {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    })
}

/// A server that believes X-Forwarded-For from proxies on 127.0.0.1 only.
fn server() -> TestServer {
    TestServer::start_with(ServerOptions {
        args: vec!["--trusted-proxy".into(), "127.0.0.1/32".into()],
        ..Default::default()
    })
}

/// Everything a protected service must see through `proxy_url`.
async fn drive(s: &TestServer, proxy: &str) {
    let owner = s.owner_session().await;
    let page = format!("{proxy}/items/42?view=full");

    // No token: 401 with the challenge, from tokctl through the proxy.
    let r = get(&page, None, &[]).await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(r.headers.get("www-authenticate").is_some());

    // Allowed: the upstream answers and learns who called, but never sees the secret.
    let (id, reader) = s
        .mint(&owner, json!({"name": "reader", "scopes": ["work:read"]}))
        .await;
    let r = get(
        &page,
        Some(&reader),
        &[("tokctl-user", "spoofed@example.com")],
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tokctl-token-id"], id.as_str());
    assert_eq!(r.body["tokctl-user"], common::OWNER_EMAIL);
    assert_eq!(r.body["tokctl-role"], "owner");
    assert!(r.body.get("authorization").is_none(), "{:?}", r.body);

    // Wrong scope: 403.
    let (_, lister) = s
        .mint(&owner, json!({"name": "lister", "scopes": ["tokens:read"]}))
        .await;
    assert_eq!(get(&page, Some(&lister), &[]).await.status, 403);

    // Revoked: the very next request after the revocation is refused.
    let rv = s
        .post(&format!("/v1/tokens/{id}/revoke"), &owner, json!({}))
        .await;
    assert_eq!(rv.status, 200);
    assert_eq!(get(&page, Some(&reader), &[]).await.status, 401);

    // Expired.
    let (exp_id, expiring) = s.mint(&owner, json!({"name": "expiring"})).await;
    s.exec_sql(&format!(
        "UPDATE tokens SET expires_at = 1000000 WHERE id = '{exp_id}'"
    ));
    assert_eq!(get(&page, Some(&expiring), &[]).await.status, 401);

    // Rate limited: the 429 reaches the client with its Retry-After.
    let (_, slow) = s
        .mint(
            &owner,
            json!({"name": "slow", "rate_limit": {"per_minute": 2, "per_hour": 100}}),
        )
        .await;
    for _ in 0..2 {
        assert_eq!(get(&page, Some(&slow), &[]).await.status, 200);
    }
    let r = get(&page, Some(&slow), &[]).await;
    assert_eq!(r.status, 429, "{:?}", r.body);
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "Retry-After {retry}");

    // Networks, with the client's address as the trusted proxy reports it.
    let (inside_id, inside) = s
        .mint(
            &owner,
            json!({"name": "inside", "allowed_cidrs": [format!("{CLIENT_IP}/32")]}),
        )
        .await;
    let (_, elsewhere) = s
        .mint(
            &owner,
            json!({"name": "elsewhere", "allowed_cidrs": ["10.0.0.0/8"]}),
        )
        .await;
    assert_eq!(get(&page, Some(&inside), &[]).await.status, 200);
    assert_eq!(get(&page, Some(&elsewhere), &[]).await.status, 403);
    // A client claiming another address through the proxy is not believed.
    let r = get(&page, Some(&elsewhere), &[("x-forwarded-for", "10.1.2.3")]).await;
    assert_eq!(r.status, 403, "a spoofed X-Forwarded-For was believed");

    // Each forwarded request is an access-log row with the original method and path.
    let log = s
        .get(&format!("/v1/audit?kind=access&token={inside_id}"), &owner)
        .await;
    let rows = log.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", log.text);
    assert_eq!(rows[0]["method"], "GET");
    assert_eq!(rows[0]["path"], "/items/42");
    assert_eq!(rows[0]["ip"], CLIENT_IP);
    assert_eq!(rows[0]["status"], 204);
    assert_eq!(rows[0]["permission"], "work:read");
    assert!(!s.log_text().contains(&reader));
}

#[tokio::test]
async fn nginx_auth_request_protects_a_service() {
    let s = server();
    let upstream = start_upstream().await;
    let Some(nginx) = start_nginx(&s, upstream).await else {
        return;
    };
    drive(&s, &nginx.url).await;
}

#[tokio::test]
async fn caddy_forward_auth_protects_a_service() {
    let s = server();
    let upstream = start_upstream().await;
    let Some(caddy) = start_caddy(&s, upstream).await else {
        return;
    };
    drive(&s, &caddy.url).await;
}

#[tokio::test]
async fn forward_auth_answers_directly_and_ignores_untrusted_forwarded_headers() {
    // No --trusted-proxy: X-Forwarded-For is nobody's word.
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let fa = format!("{}/v1/forward-auth?permission=work:read", s.url);
    let (_, fenced) = s
        .mint(
            &owner,
            json!({"name": "fenced", "allowed_cidrs": ["10.0.0.0/8"]}),
        )
        .await;
    let spoof = [("x-forwarded-for", "10.1.2.3"), ("x-real-ip", "10.1.2.3")];
    let r = get(&fa, Some(&fenced), &spoof).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], "ip_not_allowed");

    let (id, ok) = s.mint(&owner, json!({"name": "ok"})).await;
    let r = get(&fa, Some(&ok), &[]).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.headers["tokctl-token-id"], id.as_str());
    assert_eq!(r.headers["tokctl-role"], "owner");
    assert!(r.headers.get("ratelimit-remaining").is_some());

    let r = get(&fa, Some("tokctl_pat_garbage"), &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["code"], "token_malformed");
    let r = get(
        &format!("{}/v1/forward-auth?permission=work:fly", s.url),
        Some(&ok),
        &[],
    )
    .await;
    assert_eq!(r.status, 422);
}

/// The example's own line: nginx replaces whatever X-Forwarded-For the client sent.
const XFF_OVERWRITE: &str = "proxy_set_header X-Forwarded-For $remote_addr;";
/// The other common configuration: nginx appends the address it saw to the client's header.
const XFF_APPEND: &str = "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;";
/// And the third: nginx sets X-Real-IP only, passing the client's X-Forwarded-For through.
const REAL_IP_ONLY: &str = "proxy_set_header X-Real-IP $remote_addr;";

/// A client behind real nginx claims, in its own forwarding headers, the one address a token is
/// pinned to: with nginx appending to its X-Forwarded-For (`$proxy_add_x_forwarded_for`, the
/// realistic case) or replacing it (the example), on one line or two, or in the headers nginx
/// passes through untouched (`Forwarded`, `X-Real-IP`; with nginx setting only X-Real-IP, the
/// client's whole X-Forwarded-For). None of it may pass the pin; the same token pinned to the
/// client's real address passes whatever the client adds on the left of nginx's entry.
#[tokio::test]
async fn nginx_clients_cannot_claim_a_pinned_address_in_their_own_headers() {
    for (config, directive) in [
        ("appending", XFF_APPEND),
        ("overwriting", XFF_OVERWRITE),
        ("X-Real-IP only", REAL_IP_ONLY),
    ] {
        let s = server();
        let upstream = start_upstream().await;
        let Some(nginx) = start_nginx_with(&s, upstream, |site| {
            assert!(site.contains(XFF_OVERWRITE), "the example changed: {site}");
            site.replace(XFF_OVERWRITE, directive)
        })
        .await
        else {
            return;
        };
        let owner = s.owner_session().await;
        let page = format!("{}/items/1", nginx.url);
        let (_, pinned) = s
            .mint(
                &owner,
                json!({"name": "pinned", "allowed_cidrs": ["10.1.2.3/32"]}),
            )
            .await;
        let (_, mine) = s
            .mint(
                &owner,
                json!({"name": "mine", "allowed_cidrs": [format!("{CLIENT_IP}/32")]}),
            )
            .await;
        let claims: [&[(&str, &str)]; 6] = [
            &[("x-forwarded-for", "10.1.2.3")],
            &[
                ("x-forwarded-for", "10.1.2.3"),
                ("x-forwarded-for", "10.1.2.3"),
            ],
            &[
                ("x-forwarded-for", "10.9.9.9"),
                ("x-forwarded-for", "10.1.2.3"),
            ],
            &[("x-forwarded-for", "10.1.2.3, _hidden")],
            &[("forwarded", "for=10.1.2.3")],
            &[("x-real-ip", "10.1.2.3")],
        ];
        for claim in claims {
            let r = get(&page, Some(&pinned), claim).await;
            assert_eq!(
                r.status, 403,
                "nginx ({config}): a client claiming {claim:?} passed a token pinned to that address: {:?}",
                r.body
            );
        }
        // The honest client at its real address still passes, whatever it adds on the left
        // of an X-Forwarded-For that nginx writes.
        let r = get(&page, Some(&mine), &[]).await;
        assert_eq!(r.status, 200, "nginx ({config}): {:?}", r.body);
        if directive == REAL_IP_ONLY {
            continue;
        }
        for claim in [
            &[("x-forwarded-for", "10.1.2.3")][..],
            &[
                ("x-forwarded-for", "garbage"),
                ("x-forwarded-for", "10.1.2.3"),
            ][..],
        ] {
            let r = get(&page, Some(&mine), claim).await;
            assert_eq!(r.status, 200, "nginx ({config}) {claim:?}: {:?}", r.body);
        }
    }
    println!(
        "forward auth/nginx: a client's own X-Forwarded-For (one line, two lines), Forwarded and \
         X-Real-IP never pass a pin, with nginx appending, overwriting or setting X-Real-IP only"
    );
}
