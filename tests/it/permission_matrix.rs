//! The permission matrix as a property test over real HTTP.
//!
//! Each case draws an actor (a person's session, a person's PAT, or a PAT of a fresh service
//! account whose role may change after the PAT was minted), random scopes, an endpoint and
//! whose resource it touches. The oracle is written from DESIGN.md alone (the catalog, roles
//! and "scopes ∩ current role" in the shared `tests/it/common/oracle.rs`; ownership and no
//! escalation below) and says what the server must answer; the server must agree exactly. Every case also checks `/v1/me` lists exactly the
//! oracle's permissions, and every token a credential mints or rotates holds no more than it.
//!
//! `TOKCTL_MATRIX_CASES` sets the case count (default 400); the test prints what it tried.

use crate::common;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use common::TestServer;
use common::oracle::{self, ROLES, Role, asked_for, effective};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

// --- Cases ------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Actor {
    /// A person's login session: their full current role.
    Session(Role),
    /// A PAT of a person, minted by their session.
    PersonPat(Role, Vec<String>),
    /// A PAT of a fresh service account created with the first role, then changed to the second.
    ServicePat(Role, Vec<String>, Role),
}

impl Actor {
    fn role(&self) -> Role {
        match self {
            Actor::Session(r) | Actor::PersonPat(r, _) => *r,
            Actor::ServicePat(_, _, now) => *now,
        }
    }
    fn is_session(&self) -> bool {
        matches!(self, Actor::Session(_))
    }
    fn scopes(&self) -> &[String] {
        match self {
            Actor::Session(_) => &[],
            Actor::PersonPat(_, s) | Actor::ServicePat(_, s, _) => s,
        }
    }
    fn effective(&self) -> BTreeSet<&'static str> {
        effective(self.role(), self.scopes())
    }
}

/// Whose token (or whose tokens) an operation touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Whose {
    /// Another token of the actor's own.
    Own,
    /// The very credential making the request.
    SelfCredential,
    /// A token of another person (the bystander, a member).
    OtherPerson,
    /// A token of a service account (a member) that is not the actor.
    Service,
}

#[derive(Clone, Debug)]
enum Op {
    Me,
    ListUsers,
    AddService(Role),
    SetRole(Role, Role),
    RemoveMember(Role),
    GetPolicy,
    PatchPolicy,
    ListTokens(Option<Whose>),
    ShowToken(Whose, Vec<String>),
    RevokeToken(Whose, Vec<String>),
    RotateToken(Whose, Vec<String>),
    /// Mint for oneself (None), a service account, or another person.
    Mint(Option<Whose>, Vec<String>),
    BulkRevoke(Whose, bool),
    Logout,
}

#[derive(Clone, Debug)]
struct Case {
    actor: Actor,
    op: Op,
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(ROLES.to_vec())
}

fn scopes() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        1 => Just(Vec::new()),
        6 => prop::collection::vec(prop::sample::select(oracle::scopes()), 1..4)
            .prop_map(|v| {
                let mut out: Vec<String> = Vec::new();
                for s in v {
                    if !out.iter().any(|o| o == s) {
                        out.push(s.to_string());
                    }
                }
                out
            }),
    ]
}

fn whose() -> impl Strategy<Value = Whose> {
    prop::sample::select(vec![
        Whose::Own,
        Whose::SelfCredential,
        Whose::OtherPerson,
        Whose::Service,
    ])
}

/// An actor's scopes: often with a token permission added, so the token rules get exercised.
fn actor_scopes() -> impl Strategy<Value = Vec<String>> {
    let extra = prop::option::weighted(
        0.6,
        prop::sample::select(vec!["tokens:write", "tokens:*", "tokens:admin"]),
    );
    (scopes(), extra).prop_map(|(mut s, extra)| {
        if let Some(e) = extra
            && !s.is_empty()
            && !s.iter().any(|x| x == e)
        {
            s.push(e.to_string());
        }
        s
    })
}

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        1 => role().prop_map(Actor::Session),
        2 => (role(), actor_scopes()).prop_map(|(r, s)| Actor::PersonPat(r, s)),
        3 => (role(), actor_scopes(), role()).prop_map(|(a, s, b)| Actor::ServicePat(a, s, b)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Me),
        1 => Just(Op::ListUsers),
        1 => role().prop_map(Op::AddService),
        1 => (role(), role()).prop_map(|(a, b)| Op::SetRole(a, b)),
        1 => role().prop_map(Op::RemoveMember),
        1 => Just(Op::GetPolicy),
        1 => Just(Op::PatchPolicy),
        1 => prop::option::of(whose()).prop_map(Op::ListTokens),
        2 => (whose(), scopes()).prop_map(|(w, s)| Op::ShowToken(w, s)),
        2 => (whose(), scopes()).prop_map(|(w, s)| Op::RevokeToken(w, s)),
        4 => (whose(), scopes()).prop_map(|(w, s)| Op::RotateToken(w, s)),
        5 => (
            prop::option::weighted(
                0.4,
                prop::sample::select(vec![Whose::Service, Whose::OtherPerson])
            ),
            scopes()
        )
            .prop_map(|(w, s)| Op::Mint(w, s)),
        1 => (whose(), any::<bool>()).prop_map(|(w, d)| Op::BulkRevoke(w, d)),
        1 => Just(Op::Logout),
    ]
}

/// What the server must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 2xx.
    Allowed,
    /// 403 (or 404 where the target's existence must not leak to the caller).
    Denied,
    /// 403 `scope_exceeds_credential`.
    Escalation,
    /// 422: a well-formed request the rules refuse whatever the permission.
    Invalid,
}

/// The service account every `Whose::Service` target belongs to has this role.
const SERVICE_TARGET_ROLE: Role = Role::Member;

/// The oracle. `target_scopes` are the scopes of the target token, where there is one.
fn expect(case: &Case) -> Expect {
    let a = &case.actor;
    let eff = a.effective();
    let has = |p: &str| eff.contains(p);
    let allow_if = |ok: bool| if ok { Expect::Allowed } else { Expect::Denied };
    // A PAT never grants what it does not hold; a session (the full role) may ask beyond it.
    let within = |asked: &BTreeSet<&'static str>| a.is_session() || asked.is_subset(&eff);
    // A token for someone else holds its scopes ∩ that owner's role: within the caller's own,
    // session or PAT alike.
    let within_for = |scopes: &[String], owner: Role| {
        within(&asked_for(scopes, owner)) && effective(owner, scopes).is_subset(&eff)
    };
    // A role given (to a new member: from nothing) adds only what the credential holds.
    let grant = |from: Option<Role>, to: Role| {
        let before = from.map(Role::grants).unwrap_or_default();
        if to.grants().difference(&before).all(|p| eff.contains(p)) {
            Expect::Allowed
        } else {
            Expect::Escalation
        }
    };
    match &case.op {
        Op::Me => Expect::Allowed,
        Op::ListUsers => allow_if(has("members:read")),
        Op::AddService(r) if has("members:write") && *r <= a.role() => grant(None, *r),
        Op::AddService(_) => Expect::Denied,
        Op::SetRole(from, to) if has("members:write") && *from <= a.role() && *to <= a.role() => {
            grant(Some(*from), *to)
        }
        Op::SetRole(..) => Expect::Denied,
        Op::RemoveMember(r) => allow_if(has("members:write") && *r <= a.role()),
        Op::GetPolicy => allow_if(has("org:read")),
        Op::PatchPolicy => allow_if(has("org:settings:write")),
        Op::ListTokens(None | Some(Whose::Own | Whose::SelfCredential)) => {
            allow_if(has("tokens:read"))
        }
        Op::ListTokens(Some(_)) => allow_if(has("tokens:admin")),
        Op::ShowToken(w, _) => match w {
            // Reading one's own token: tokens:read; tokens:write may act on any own token by
            // name and gets its TokenInfo back from rotate/revoke anyway, so it may read it too.
            Whose::Own | Whose::SelfCredential => {
                allow_if(has("tokens:read") || has("tokens:write"))
            }
            Whose::OtherPerson | Whose::Service => allow_if(has("tokens:admin")),
        },
        Op::RevokeToken(w, _) => match w {
            // "an agent can revoke itself when done": always.
            Whose::SelfCredential => Expect::Allowed,
            Whose::Own => allow_if(has("tokens:write")),
            Whose::OtherPerson | Whose::Service => allow_if(has("tokens:admin")),
        },
        Op::RotateToken(w, target_scopes) => match w {
            Whose::SelfCredential if a.is_session() => {
                // Sessions are not rotated (log in again).
                Expect::Invalid
            }
            Whose::SelfCredential | Whose::Own => {
                let scopes: &[String] = if *w == Whose::SelfCredential {
                    a.scopes()
                } else {
                    target_scopes
                };
                if !has("tokens:write") {
                    Expect::Denied
                } else if !within(&asked_for(scopes, a.role())) {
                    Expect::Escalation
                } else {
                    Expect::Allowed
                }
            }
            // Admins rotate only service accounts' tokens; people's they may only revoke.
            Whose::OtherPerson => Expect::Denied,
            Whose::Service => {
                if !has("tokens:admin") {
                    Expect::Denied
                } else if !within_for(target_scopes, SERVICE_TARGET_ROLE) {
                    Expect::Escalation
                } else {
                    Expect::Allowed
                }
            }
        },
        Op::Mint(owner, scopes) => match owner {
            None | Some(Whose::Own | Whose::SelfCredential) => {
                if !has("tokens:write") {
                    Expect::Denied
                } else if !within(&asked_for(scopes, a.role())) {
                    Expect::Escalation
                } else {
                    Expect::Allowed
                }
            }
            Some(Whose::Service) => {
                if !has("tokens:admin") {
                    Expect::Denied
                } else if !within_for(scopes, SERVICE_TARGET_ROLE) {
                    Expect::Escalation
                } else {
                    Expect::Allowed
                }
            }
            // Admins mint only for service accounts.
            Some(Whose::OtherPerson) if has("tokens:admin") => Expect::Invalid,
            Some(Whose::OtherPerson) => Expect::Denied,
        },
        Op::BulkRevoke(w, _) => match w {
            Whose::Own | Whose::SelfCredential => allow_if(has("tokens:write")),
            Whose::OtherPerson | Whose::Service => allow_if(has("tokens:admin")),
        },
        Op::Logout if a.is_session() => Expect::Allowed,
        // Logout ends a session; a PAT is revoked instead.
        Op::Logout => Expect::Invalid,
    }
}

// --- The world the cases run in ---------------------------------------------------------------

const BYSTANDER: &str = "bystander@example.com";
const SERVICE_TARGET: &str = "svc-target";

struct World {
    s: TestServer,
    client: reqwest::Client,
    /// The owner's setup session (never an actor).
    setup: String,
    /// Sessions of the actor people, one per role; replaced after a logout case.
    sessions: Mutex<Vec<(Role, String)>>,
    bystander: String,
    counter: AtomicU32,
    requests: AtomicUsize,
}

struct Resp {
    status: u16,
    body: Value,
}

impl World {
    async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Resp {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self
            .client
            .request(
                method.parse().expect("method"),
                format!("{}{}", self.s.url, path),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        Resp {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    fn unique(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    fn person_email(role: Role) -> String {
        format!("{}-actor@example.com", role.name())
    }

    fn session(&self, role: Role) -> String {
        let sessions = self.sessions.lock().unwrap();
        sessions.iter().find(|(r, _)| *r == role).unwrap().1.clone()
    }

    async fn relogin(&self, role: Role) {
        let email = World::person_email(role);
        let fresh = self.s.login(&email, &format!("{email}-pass-word")).await;
        let mut sessions = self.sessions.lock().unwrap();
        for (r, s) in sessions.iter_mut() {
            if *r == role {
                *s = fresh.clone();
            }
        }
    }

    /// Mints with `via` and returns (id, secret); panics when the setup itself fails.
    async fn mint_via(&self, via: &str, body: Value) -> (String, String) {
        let r = self.call("POST", "/v1/tokens", via, Some(body)).await;
        assert_eq!(r.status, 201, "setup mint failed: {}", r.body);
        (
            r.body["token"]["id"].as_str().unwrap().to_string(),
            r.body["secret"].as_str().unwrap().to_string(),
        )
    }

    async fn add_service(&self, role: Role) -> String {
        let name = self.unique("svc");
        let r = self
            .call(
                "POST",
                "/v1/users",
                &self.setup,
                Some(json!({"name": name, "role": role.name(), "service": true})),
            )
            .await;
        assert_eq!(r.status, 201, "setup add service: {}", r.body);
        name
    }

    async fn permissions_of(&self, secret: &str) -> BTreeSet<String> {
        let me = self.call("GET", "/v1/me", secret, None).await;
        assert_eq!(me.status, 200, "{}", me.body);
        me.body["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }
}

/// The actor's credential: (secret, token id, the member's name for "own" targets, the session
/// that may mint for that member or None for a service account).
struct ActorCred {
    secret: String,
    id: String,
    member: String,
    service: bool,
}

async fn make_actor(w: &World, actor: &Actor) -> ActorCred {
    match actor {
        Actor::Session(role) => {
            let secret = w.session(*role);
            let me = w.call("GET", "/v1/me", &secret, None).await;
            ActorCred {
                id: me.body["credential"]["id"].as_str().unwrap().to_string(),
                secret,
                member: World::person_email(*role),
                service: false,
            }
        }
        Actor::PersonPat(role, scopes) => {
            let name = w.unique("actor");
            let (id, secret) = w
                .mint_via(&w.session(*role), json!({"name": name, "scopes": scopes}))
                .await;
            ActorCred {
                secret,
                id,
                member: World::person_email(*role),
                service: false,
            }
        }
        Actor::ServicePat(at_mint, scopes, now) => {
            let svc = w.add_service(*at_mint).await;
            let name = w.unique("actor");
            let (id, secret) = w
                .mint_via(
                    &w.setup,
                    json!({"name": name, "scopes": scopes, "owner": svc}),
                )
                .await;
            if now != at_mint {
                let r = w
                    .call(
                        "PATCH",
                        &format!("/v1/users/{svc}"),
                        &w.setup,
                        Some(json!({"role": now.name()})),
                    )
                    .await;
                assert_eq!(r.status, 200, "setup set role: {}", r.body);
            }
            ActorCred {
                secret,
                id,
                member: svc,
                service: true,
            }
        }
    }
}

/// A target token: (id, member owning it).
async fn make_target(
    w: &World,
    actor: &Actor,
    cred: &ActorCred,
    whose: Whose,
    scopes: &[String],
) -> (String, String) {
    let name = w.unique("target");
    match whose {
        Whose::SelfCredential => (cred.id.clone(), cred.member.clone()),
        Whose::Own => {
            let (id, _) = if cred.service {
                w.mint_via(
                    &w.setup,
                    json!({"name": name, "scopes": scopes, "owner": cred.member}),
                )
                .await
            } else {
                w.mint_via(
                    &w.session(actor.role()),
                    json!({"name": name, "scopes": scopes}),
                )
                .await
            };
            (id, cred.member.clone())
        }
        Whose::OtherPerson => {
            let (id, _) = w
                .mint_via(&w.bystander, json!({"name": name, "scopes": scopes}))
                .await;
            (id, BYSTANDER.to_string())
        }
        Whose::Service => {
            let (id, _) = w
                .mint_via(
                    &w.setup,
                    json!({"name": name, "scopes": scopes, "owner": SERVICE_TARGET}),
                )
                .await;
            (id, SERVICE_TARGET.to_string())
        }
    }
}

fn member_of(whose: Whose, cred: &ActorCred) -> String {
    match whose {
        Whose::Own | Whose::SelfCredential => cred.member.clone(),
        Whose::OtherPerson => BYSTANDER.to_string(),
        Whose::Service => SERVICE_TARGET.to_string(),
    }
}

#[derive(Default)]
struct Tally {
    allowed: AtomicUsize,
    denied: AtomicUsize,
    escalation: AtomicUsize,
    invalid: AtomicUsize,
    minted_checked: AtomicUsize,
}

async fn run_case(w: &World, case: &Case, tally: &Tally) -> Result<(), TestCaseError> {
    let cred = make_actor(w, &case.actor).await;
    let eff = case.actor.effective();
    // The credential itself: /v1/me lists exactly scopes ∩ current role.
    let perms = w.permissions_of(&cred.secret).await;
    let want: BTreeSet<String> = eff.iter().map(|s| s.to_string()).collect();
    prop_assert_eq!(&perms, &want, "permissions of {:?}", case.actor);

    let t = &cred.secret;
    let resp = match &case.op {
        Op::Me => w.call("GET", "/v1/me", t, None).await,
        Op::ListUsers => w.call("GET", "/v1/users", t, None).await,
        Op::AddService(role) => {
            let name = w.unique("new-svc");
            w.call(
                "POST",
                "/v1/users",
                t,
                Some(json!({"name": name, "role": role.name(), "service": true})),
            )
            .await
        }
        Op::SetRole(from, to) => {
            let svc = w.add_service(*from).await;
            w.call(
                "PATCH",
                &format!("/v1/users/{svc}"),
                t,
                Some(json!({"role": to.name()})),
            )
            .await
        }
        Op::RemoveMember(role) => {
            let svc = w.add_service(*role).await;
            w.call("DELETE", &format!("/v1/users/{svc}"), t, None).await
        }
        Op::GetPolicy => w.call("GET", "/v1/org/policy", t, None).await,
        Op::PatchPolicy => {
            // A change that leaves the policy as the setup made it.
            w.call(
                "PATCH",
                "/v1/org/policy",
                t,
                Some(json!({"default_rate_limit": "100000/min,1000000/hour"})),
            )
            .await
        }
        Op::ListTokens(whose) => {
            let path = match whose {
                None => "/v1/tokens".to_string(),
                Some(w2) => format!("/v1/tokens?owner={}", member_of(*w2, &cred)),
            };
            w.call("GET", &path, t, None).await
        }
        Op::ShowToken(whose, scopes) => {
            let (id, _) = make_target(w, &case.actor, &cred, *whose, scopes).await;
            w.call("GET", &format!("/v1/tokens/{id}"), t, None).await
        }
        Op::RevokeToken(whose, scopes) => {
            let (id, _) = make_target(w, &case.actor, &cred, *whose, scopes).await;
            w.call(
                "POST",
                &format!("/v1/tokens/{id}/revoke"),
                t,
                Some(json!({})),
            )
            .await
        }
        Op::RotateToken(whose, scopes) => {
            let (id, _) = make_target(w, &case.actor, &cred, *whose, scopes).await;
            w.call(
                "POST",
                &format!("/v1/tokens/{id}/rotate"),
                t,
                Some(json!({})),
            )
            .await
        }
        Op::Mint(owner, scopes) => {
            let mut body = json!({"name": w.unique("minted"), "scopes": scopes});
            if let Some(o) = owner {
                body["owner"] = json!(member_of(*o, &cred));
            }
            w.call("POST", "/v1/tokens", t, Some(body)).await
        }
        Op::BulkRevoke(whose, dry_run) => {
            // Only a throwaway service actor may really revoke its own; everything else dry-runs
            // so the fixture survives.
            let dry = *dry_run || !(cred.service && *whose != Whose::OtherPerson);
            let owner = member_of(*whose, &cred);
            let dry = dry || owner == SERVICE_TARGET;
            w.call(
                "POST",
                "/v1/tokens/revoke",
                t,
                Some(json!({"owner": owner, "dry_run": dry})),
            )
            .await
        }
        Op::Logout => w.call("DELETE", "/v1/sessions/current", t, None).await,
    };
    // A person's session that ended itself (logout, self-revoke) is replaced for later cases.
    if let Actor::Session(role) = case.actor
        && matches!(
            case.op,
            Op::Logout | Op::RevokeToken(Whose::SelfCredential, _)
        )
        && resp.status == 200
    {
        w.relogin(role).await;
    }
    prop_assert!(resp.status < 500, "5xx for {:?}: {}", case, resp.body);
    let expected = expect(case);
    let code = resp.body["error"]["code"].as_str().unwrap_or("");
    let ok = match expected {
        Expect::Allowed => (200..300).contains(&resp.status),
        Expect::Denied => (resp.status == 403 && code == "forbidden") || (resp.status == 404),
        Expect::Escalation => resp.status == 403 && code == "scope_exceeds_credential",
        Expect::Invalid => resp.status == 422,
    };
    prop_assert!(
        ok,
        "expected {:?}, got {} {} for {:?} (effective {:?})",
        expected,
        resp.status,
        resp.body,
        case,
        eff
    );
    match expected {
        Expect::Allowed => tally.allowed.fetch_add(1, Ordering::Relaxed),
        Expect::Denied => tally.denied.fetch_add(1, Ordering::Relaxed),
        Expect::Escalation => tally.escalation.fetch_add(1, Ordering::Relaxed),
        Expect::Invalid => tally.invalid.fetch_add(1, Ordering::Relaxed),
    };

    // No credential mints or rotates into more than it has (a session included: for a
    // service account too).
    if matches!(case.op, Op::Mint(..) | Op::RotateToken(..))
        && expected == Expect::Allowed
        && let Some(new_secret) = resp.body["secret"].as_str()
    {
        let got = w.permissions_of(new_secret).await;
        let held: BTreeSet<String> = eff.iter().map(|s| s.to_string()).collect();
        prop_assert!(
            got.is_subset(&held),
            "{:?} produced a token holding {:?}, beyond its own {:?}",
            case,
            got,
            held
        );
        tally.minted_checked.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

#[test]
fn server_allows_exactly_scopes_intersect_role_and_ownership() {
    let cases: u32 = std::env::var("TOKCTL_MATRIX_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = TestServer::start();
    let (setup, sessions, bystander) = rt.block_on(async {
        let first = s.owner_session().await;
        // Generous limits so thousands of setup calls are never rate limited (the limits are
        // tested elsewhere); they apply to sessions and tokens made after this change.
        let r = s
            .call(
                "PATCH",
                "/v1/org/policy",
                Some(&first),
                Some(json!({
                    "default_rate_limit": "100000/min,1000000/hour",
                    "session_rate_limit": "100000/min,1000000/hour"
                })),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let setup = s.owner_session().await;
        let mut sessions = Vec::new();
        for role in ROLES {
            let email = World::person_email(role);
            sessions.push((role, s.add_person(&setup, &email, role.name()).await));
        }
        let bystander = s.add_person(&setup, BYSTANDER, "member").await;
        let r = s
            .post(
                "/v1/users",
                &setup,
                json!({"name": SERVICE_TARGET, "role": SERVICE_TARGET_ROLE.name(), "service": true}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        (setup, sessions, bystander)
    });
    let world = World {
        s,
        client: reqwest::Client::new(),
        setup,
        sessions: Mutex::new(sessions),
        bystander,
        counter: AtomicU32::new(0),
        requests: AtomicUsize::new(0),
    };
    let tally = Tally::default();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let strategy = (actor(), op()).prop_map(|(actor, op)| Case { actor, op });
    let result = runner.run(&strategy, |case| {
        rt.block_on(run_case(&world, &case, &tally))
    });
    if let Err(e) = result {
        panic!("permission matrix: {e}");
    }
    println!(
        "permission matrix: {cases} cases over real HTTP ({} requests): {} allowed, {} denied, \
         {} refused as escalation, {} refused as invalid; {} tokens minted/rotated \
         checked to hold no more than their maker",
        world.requests.load(Ordering::Relaxed),
        tally.allowed.load(Ordering::Relaxed),
        tally.denied.load(Ordering::Relaxed),
        tally.escalation.load(Ordering::Relaxed),
        tally.invalid.load(Ordering::Relaxed),
        tally.minted_checked.load(Ordering::Relaxed),
    );
}

/// Each database holds one org today, but every query is scoped by org: a second org written
/// straight into the database must see nothing of the first, and the first nothing of it.
#[tokio::test]
async fn one_org_never_sees_another_orgs_tokens_or_users() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let (victim_id, victim_secret) = s
        .mint(&owner, json!({"name": "victim", "scopes": ["work:read"]}))
        .await;
    let r = s
        .post(
            "/v1/users",
            &owner,
            json!({"name": "victim-svc", "role": "member", "service": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // A second org with an owner and a PAT, written behind the server's back.
    let intruder = s.intruder_org("tk_intruder", 100_000, 1_000_000);
    let t = intruder.expose();
    let me = s.get("/v1/me", t).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["org"]["name"], "other");

    let mut tried = 0;
    let everyone = s.get("/v1/tokens?owner=*&type=all&status=all", t).await;
    tried += 1;
    assert_eq!(everyone.status, 200, "{}", everyone.text);
    let ids: Vec<&str> = everyone.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["tk_intruder"], "another org's tokens leaked");
    let users = s.get("/v1/users", t).await;
    tried += 1;
    let names: Vec<&str> = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec!["intruder@example.com"],
        "another org's members leaked"
    );

    for (method, path, body) in [
        ("GET", format!("/v1/tokens/{victim_id}"), None),
        (
            "GET",
            "/v1/tokens/victim?owner=owner@example.com".into(),
            None,
        ),
        (
            "POST",
            format!("/v1/tokens/{victim_id}/revoke"),
            Some(json!({})),
        ),
        (
            "POST",
            format!("/v1/tokens/{victim_id}/rotate"),
            Some(json!({})),
        ),
        (
            "POST",
            "/v1/tokens/revoke".into(),
            Some(json!({"owner": common::OWNER_EMAIL})),
        ),
        (
            "POST",
            "/v1/tokens".into(),
            Some(json!({"name": "x", "owner": "victim-svc"})),
        ),
        (
            "PATCH",
            "/v1/users/owner@example.com".into(),
            Some(json!({"role": "viewer"})),
        ),
        ("DELETE", "/v1/users/victim-svc".into(), None),
        ("GET", "/v1/tokens?owner=owner@example.com".into(), None),
    ] {
        let r = s.call(method, &path, Some(t), body).await;
        tried += 1;
        assert_eq!(r.status, 404, "{method} {path} across orgs: {}", r.text);
    }
    // Nothing happened to the first org.
    assert_eq!(s.get("/v1/me", &victim_secret).await.status, 200);
    let me = s.get("/v1/me", &owner).await;
    assert_eq!(me.body["user"]["role"], "owner");
    // And the first org sees nothing of the second.
    let r = s.get("/v1/tokens/tk_intruder", &owner).await;
    tried += 1;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = s
        .get("/v1/tokens?owner=*&type=all&status=all", &owner)
        .await;
    tried += 1;
    assert!(!r.text.contains("tk_intruder"));
    let r = s
        .post("/v1/tokens/tk_intruder/revoke", &owner, json!({}))
        .await;
    tried += 1;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(s.get("/v1/me", t).await.status, 200);
    println!("cross-org isolation: {tried} cross-org requests, all refused or filtered");
}
