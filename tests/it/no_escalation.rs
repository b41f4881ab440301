//! No escalation, attacked: a credential never obtains a token, nor gives any member a role,
//! holding a permission it does not hold itself (DESIGN.md "Permission catalog").
//!
//! The attack this closes: an admin minted (or rotated) a token of an owner-role service
//! account with `--owner`, received its secret, and with it made their own account owner.
//! The direct attacks below each perform one such step over real HTTP (and the CLI); the
//! property test at the end plays random sequences of mint / rotate / set-role / add with
//! every secret received along the way, and checks the principal never ends up holding a
//! permission it did not hold at the start.

use crate::common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use common::TestServer;
use common::cli::User;
use common::oracle::{ROLES, Role};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;

/// Adds a service account with `role` through `by` (the owner's session in the setups).
async fn add_service(s: &TestServer, by: &str, name: &str, role: &str) {
    let r = s
        .post(
            "/v1/users",
            by,
            json!({"name": name, "role": role, "service": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

fn message(r: &common::Resp) -> &str {
    r.body["error"]["message"].as_str().unwrap_or("")
}

async fn role_of(s: &TestServer, by: &str, member: &str) -> String {
    let users = s.get("/v1/users", by).await;
    users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == member || u["email"] == member)
        .map(|u| u["role"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no member {member}: {}", users.text))
}

#[tokio::test]
async fn admin_session_cannot_mint_for_an_owner_service_account() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let admin = s.add_person(&owner, "admin@example.com", "admin").await;
    add_service(&s, &owner, "deployer", "owner").await;

    // The attack: a full-role token of the owner-role account, then promote oneself with it.
    for scopes in [json!([]), json!(["*"]), json!(["org:*", "work:read"])] {
        let r = s
            .post(
                "/v1/tokens",
                &admin,
                json!({"name": "mine-now", "owner": "deployer", "scopes": scopes}),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (403, "scope_exceeds_credential"),
            "{scopes}: {}",
            r.text
        );
        assert!(message(&r).contains("org:settings:write"), "{}", r.text);
    }
    // Nothing was minted for it, and the admin is still an admin.
    let listed = s.get("/v1/tokens?owner=deployer", &owner).await;
    assert_eq!(listed.body["items"], json!([]), "{}", listed.text);
    assert_eq!(role_of(&s, &owner, "admin@example.com").await, "admin");

    // Within the admin's own permissions it is fine: the token holds what the admin holds.
    let (_, within) = s
        .mint(
            &admin,
            json!({"name": "reader", "owner": "deployer", "scopes": ["work:read", "audit:read"]}),
        )
        .await;
    assert_eq!(
        s.get("/v1/me", &within).await.body["permissions"],
        json!(["work:read", "audit:read"])
    );
    // A PAT of the admin is held to the same rule.
    let (_, admin_pat) = s
        .mint(
            &admin,
            json!({"name": "admin-pat", "scopes": ["tokens:admin"]}),
        )
        .await;
    let r = s
        .post(
            "/v1/tokens",
            &admin_pat,
            json!({"name": "x", "owner": "deployer", "scopes": ["org:settings:write"]}),
        )
        .await;
    assert_eq!(r.code(), "scope_exceeds_credential", "{}", r.text);
}

#[tokio::test]
async fn admin_cannot_rotate_an_owner_service_token_minted_by_the_owner() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let admin = s.add_person(&owner, "admin@example.com", "admin").await;
    add_service(&s, &owner, "deployer", "owner").await;
    let (id, old) = s
        .mint(&owner, json!({"name": "deploy", "owner": "deployer"}))
        .await;

    for path in [
        format!("/v1/tokens/{id}/rotate"),
        "/v1/tokens/deploy/rotate?owner=deployer".to_string(),
    ] {
        let r = s.post(&path, &admin, json!({})).await;
        assert_eq!(
            (r.status, r.code()),
            (403, "scope_exceeds_credential"),
            "{path}: {}",
            r.text
        );
        assert!(message(&r).contains("org:settings:write"), "{}", r.text);
        assert!(r.body.get("secret").is_none());
    }
    // The old secret still works: nothing was rotated.
    assert_eq!(s.get("/v1/me", &old).await.status, 200);
    // The owner may rotate it.
    let r = s
        .post(&format!("/v1/tokens/{id}/rotate"), &owner, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn admin_cannot_make_anyone_owner_nor_touch_an_owner() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let admin = s.add_person(&owner, "admin@example.com", "admin").await;
    add_service(&s, &owner, "helper", "member").await;
    add_service(&s, &owner, "boss-bot", "owner").await;

    // A new service account (or person) with role owner.
    let r = s
        .post(
            "/v1/users",
            &admin,
            json!({"name": "bigger", "role": "owner", "service": true}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        message(&r).contains("an admin cannot grant the owner role"),
        "grammar: {}",
        r.text
    );
    let r = s
        .post(
            "/v1/users",
            &admin,
            json!({"email": "o2@example.com", "role": "owner", "password": "long-enough-password-1"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Itself or another member to owner.
    for member in ["admin@example.com", "helper"] {
        let r = s
            .call(
                "PATCH",
                &format!("/v1/users/{member}"),
                Some(&admin),
                Some(json!({"role": "owner"})),
            )
            .await;
        assert_eq!(r.status, 403, "{member}: {}", r.text);
    }
    // An owner (person or service account) is above an admin: no demotion, no removal.
    for member in [common::OWNER_EMAIL, "boss-bot"] {
        let r = s
            .call(
                "PATCH",
                &format!("/v1/users/{member}"),
                Some(&admin),
                Some(json!({"role": "viewer"})),
            )
            .await;
        assert_eq!(r.status, 403, "{member}: {}", r.text);
        assert!(message(&r).contains("an admin cannot"), "{}", r.text);
        let r = s
            .call("DELETE", &format!("/v1/users/{member}"), Some(&admin), None)
            .await;
        assert_eq!(r.status, 403, "{member}: {}", r.text);
    }
    assert_eq!(role_of(&s, &owner, "admin@example.com").await, "admin");
    assert_eq!(role_of(&s, &owner, "helper").await, "member");
    assert_eq!(role_of(&s, &owner, "boss-bot").await, "owner");
    assert_eq!(role_of(&s, &owner, common::OWNER_EMAIL).await, "owner");
}

/// A narrowly scoped token of an admin holds `members:write` but little else: it may not give
/// anyone (a person whose password it chooses, a service account) a permission it lacks.
#[tokio::test]
async fn a_scoped_token_grants_no_role_beyond_its_scopes() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let admin = s.add_person(&owner, "admin@example.com", "admin").await;
    add_service(&s, &owner, "svc", "viewer").await;
    add_service(&s, &owner, "big-svc", "admin").await;
    let (_, pat) = s
        .mint(&admin, json!({"name": "hr", "scopes": ["members:*"]}))
        .await;

    // A person whose password the token chooses would log in with the viewer's full role.
    let r = s
        .post(
            "/v1/users",
            &pat,
            json!({"email": "sock@example.com", "role": "viewer", "password": "long-enough-password-1"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "scope_exceeds_credential"));
    assert!(message(&r).contains("work:read"), "{}", r.text);
    let r = s
        .call(
            "PATCH",
            "/v1/users/svc",
            Some(&pat),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "scope_exceeds_credential"));
    assert!(message(&r).contains("tokens:admin"), "{}", r.text);
    assert_eq!(role_of(&s, &owner, "svc").await, "viewer");
    // A demotion gives nothing: allowed (within the admin's rank).
    let r = s
        .call(
            "PATCH",
            "/v1/users/big-svc",
            Some(&pat),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn cli_mint_owner_for_a_higher_service_account_exits_4_naming_the_permission() {
    let s = TestServer::start();
    let owner = s.owner_session().await;
    let admin = s.add_person(&owner, "admin@example.com", "admin").await;
    add_service(&s, &owner, "deployer", "owner").await;
    let u = User::with_token(&s.url, &admin);
    let out = u.run(&["mint", "steal", "--owner", "deployer"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("org:settings:write"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let out = u.run(&["mint", "steal", "--owner", "deployer", "--json"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stderr.contains("scope_exceeds_credential"), "{out:?}");
    let out = u.run(&["users", "set-role", "admin@example.com", "owner"]);
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(role_of(&s, &owner, "admin@example.com").await, "admin");
}

// --- The property: no sequence escalates ------------------------------------------------------

#[derive(Clone, Debug)]
enum Start {
    /// The person's own login session: their full role.
    Session,
    /// A PAT of the person with these scopes (the person's session is not the principal's).
    Pat(Vec<String>),
}

#[derive(Clone, Debug)]
enum Step {
    /// Mint with credential `with` for its own account (None) or service account `i`.
    Mint {
        with: usize,
        owner: Option<usize>,
        scopes: Vec<String>,
    },
    /// Rotate service account `i`'s token that the org owner minted.
    RotateExisting {
        with: usize,
        svc: usize,
    },
    /// Rotate a token whose secret the principal holds (itself or one it received).
    RotateHeld {
        with: usize,
        which: usize,
    },
    /// Set the role of the credential's own account (None) or service account `i`.
    SetRole {
        with: usize,
        target: Option<usize>,
        role: Role,
    },
    AddService {
        with: usize,
        role: Role,
    },
    /// Add a person (the principal chooses the password) and log in as them.
    AddPerson {
        with: usize,
        role: Role,
    },
}

impl Step {
    fn with(&self) -> usize {
        match self {
            Step::Mint { with, .. }
            | Step::RotateExisting { with, .. }
            | Step::RotateHeld { with, .. }
            | Step::SetRole { with, .. }
            | Step::AddService { with, .. }
            | Step::AddPerson { with, .. } => *with,
        }
    }
}

#[derive(Clone, Debug)]
struct Case {
    role: Role,
    start: Start,
    /// Service accounts already there (made by the org owner), each with one token.
    services: Vec<(Role, Vec<String>)>,
    steps: Vec<Step>,
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(ROLES.to_vec())
}

/// Roles weighted to where escalation is possible: an admin below an owner.
fn principal_role() -> impl Strategy<Value = Role> {
    prop_oneof![1 => Just(Role::Viewer), 1 => Just(Role::Member), 4 => Just(Role::Admin), 1 => Just(Role::Owner)]
}

/// Service accounts often above the principal.
fn service_role() -> impl Strategy<Value = Role> {
    prop_oneof![1 => Just(Role::Viewer), 1 => Just(Role::Member), 2 => Just(Role::Admin), 3 => Just(Role::Owner)]
}

fn scopes() -> impl Strategy<Value = Vec<String>> {
    let one = prop::sample::select(common::oracle::scopes());
    prop_oneof![
        1 => Just(Vec::new()),
        3 => prop::collection::btree_set(one, 1..4)
            .prop_map(|v| v.into_iter().map(str::to_string).collect()),
    ]
}

/// A principal's token: often with what minting and granting take, so the rules are reached.
fn start() -> impl Strategy<Value = Start> {
    let extra = prop::collection::btree_set(
        prop::sample::select(vec!["tokens:admin", "tokens:write", "members:write"]),
        0..3,
    );
    prop_oneof![
        1 => Just(Start::Session),
        1 => (scopes(), extra).prop_map(|(mut s, extra)| {
            if !s.is_empty() {
                s.extend(extra.into_iter().map(str::to_string));
            }
            Start::Pat(s)
        }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let with = 0usize..4;
    let idx = 0usize..4;
    prop_oneof![
        5 => (with.clone(), prop::option::weighted(0.75, idx.clone()), scopes())
            .prop_map(|(with, owner, scopes)| Step::Mint { with, owner, scopes }),
        3 => (with.clone(), idx.clone()).prop_map(|(with, svc)| Step::RotateExisting { with, svc }),
        2 => (with.clone(), idx.clone()).prop_map(|(with, which)| Step::RotateHeld { with, which }),
        3 => (with.clone(), prop::option::weighted(0.7, idx), role())
            .prop_map(|(with, target, role)| Step::SetRole { with, target, role }),
        1 => (with.clone(), role()).prop_map(|(with, role)| Step::AddService { with, role }),
        1 => (with, role()).prop_map(|(with, role)| Step::AddPerson { with, role }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        principal_role(),
        start(),
        prop::collection::vec((service_role(), scopes()), 1..4),
        prop::collection::vec(step(), 3..8),
    )
        .prop_map(|(role, start, services, steps)| Case {
            role,
            start,
            services,
            steps,
        })
}

struct World {
    s: TestServer,
    setup: String,
    counter: AtomicU32,
    refused: AtomicUsize,
    granted: AtomicUsize,
}

/// A secret the principal holds, the token it is, and the account it acts for.
struct Held {
    secret: String,
    id: String,
    account: String,
}

impl World {
    fn unique(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// What a secret holds now (nothing once revoked or rotated away).
    async fn holds(&self, secret: &str) -> BTreeSet<String> {
        let me = self.s.get("/v1/me", secret).await;
        if me.status != 200 {
            return BTreeSet::new();
        }
        me.body["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    }

    async fn held(&self, secret: String) -> Held {
        let me = self.s.get("/v1/me", &secret).await;
        assert_eq!(me.status, 200, "{}", me.text);
        let user = &me.body["user"];
        Held {
            id: me.body["credential"]["id"].as_str().unwrap().to_string(),
            account: user["email"]
                .as_str()
                .or(user["name"].as_str())
                .unwrap()
                .to_string(),
            secret,
        }
    }

    fn judge(&self, r: &common::Resp) -> Result<bool, TestCaseError> {
        prop_assert!(r.status < 500, "5xx: {}", r.text);
        if (200..300).contains(&r.status) {
            self.granted.fetch_add(1, Ordering::Relaxed);
            Ok(true)
        } else {
            if r.status == 403 {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
            Ok(false)
        }
    }
}

async fn run_case(w: &World, case: &Case) -> Result<(), TestCaseError> {
    let s = &w.s;
    let email = format!("{}@example.com", w.unique("principal"));
    let session = s.add_person(&w.setup, &email, case.role.name()).await;
    let start = match &case.start {
        Start::Session => session,
        Start::Pat(scopes) => {
            let (_, pat) = s
                .mint(
                    &session,
                    json!({"name": w.unique("start"), "scopes": scopes}),
                )
                .await;
            pat
        }
    };
    let at_start = w.holds(&start).await;
    let role_at_start = case.role;
    let mut services: Vec<(String, String)> = Vec::new();
    for (role, scopes) in &case.services {
        let name = w.unique("svc");
        add_service(s, &w.setup, &name, role.name()).await;
        let (id, _) = s
            .mint(
                &w.setup,
                json!({"name": w.unique("t"), "owner": name, "scopes": scopes}),
            )
            .await;
        services.push((name, id));
    }
    let mut pool = vec![w.held(start).await];

    for step in &case.steps {
        // The credential this step is made with: the start or any secret received so far.
        let (cred, account) = {
            let h = &pool[step.with() % pool.len()];
            (h.secret.clone(), h.account.clone())
        };
        match step {
            Step::Mint {
                with: _,
                owner,
                scopes,
            } => {
                let mut body = json!({"name": w.unique("m"), "scopes": scopes});
                if let Some(o) = owner {
                    body["owner"] = json!(services[*o % services.len()].0);
                }
                let r = s.post("/v1/tokens", &cred, body).await;
                if w.judge(&r)? {
                    let secret = r.body["secret"].as_str().unwrap().to_string();
                    pool.push(w.held(secret).await);
                }
            }
            Step::RotateExisting { svc, .. } => {
                let id = &services[*svc % services.len()].1;
                let r = s
                    .post(&format!("/v1/tokens/{id}/rotate"), &cred, json!({}))
                    .await;
                if w.judge(&r)? {
                    let secret = r.body["secret"].as_str().unwrap().to_string();
                    pool.push(w.held(secret).await);
                }
            }
            Step::RotateHeld { which, .. } => {
                let id = pool[*which % pool.len()].id.clone();
                let r = s
                    .post(&format!("/v1/tokens/{id}/rotate"), &cred, json!({}))
                    .await;
                if w.judge(&r)? {
                    let secret = r.body["secret"].as_str().unwrap().to_string();
                    pool.push(w.held(secret).await);
                }
            }
            Step::SetRole {
                with: _,
                target,
                role,
            } => {
                let member = match target {
                    None => account.clone(),
                    Some(t) => services[*t % services.len()].0.clone(),
                };
                let r = s
                    .call(
                        "PATCH",
                        &format!("/v1/users/{member}"),
                        Some(&cred),
                        Some(json!({"role": role.name()})),
                    )
                    .await;
                w.judge(&r)?;
            }
            Step::AddService { role, .. } => {
                let name = w.unique("added");
                let r = s
                    .post(
                        "/v1/users",
                        &cred,
                        json!({"name": name, "role": role.name(), "service": true}),
                    )
                    .await;
                if w.judge(&r)? {
                    // No token yet: the owner's token of it stands in for "existing" (minted
                    // by someone above the principal), so later steps may rotate it.
                    let (id, _) = s
                        .mint(&w.setup, json!({"name": w.unique("t"), "owner": name}))
                        .await;
                    services.push((name, id));
                }
            }
            Step::AddPerson { role, .. } => {
                let email = format!("{}@example.com", w.unique("added"));
                let password = format!("{email}-chosen-password");
                let r = s
                    .post(
                        "/v1/users",
                        &cred,
                        json!({"email": email, "role": role.name(), "password": password}),
                    )
                    .await;
                if w.judge(&r)? {
                    let session = s.login(&email, &password).await;
                    pool.push(w.held(session).await);
                }
            }
        }
    }

    // Everything the principal holds now: every secret it received, its starting credential.
    let mut now_held = BTreeSet::new();
    for h in &pool {
        now_held.extend(w.holds(&h.secret).await);
    }
    let gained: Vec<&String> = now_held.difference(&at_start).collect();
    prop_assert!(
        gained.is_empty(),
        "{case:?} ended up holding {gained:?}, beyond {at_start:?} at the start"
    );
    // And its own account's role was not raised.
    let role_now = role_of(s, &w.setup, &email).await;
    let rank = |name: &str| ROLES.iter().position(|r| r.name() == name).unwrap();
    prop_assert!(
        rank(&role_now) <= rank(role_at_start.name()),
        "{case:?}: the principal's own role went from {} to {role_now}",
        role_at_start.name()
    );
    Ok(())
}

#[test]
fn no_sequence_of_mint_rotate_set_role_add_gains_a_permission() {
    let cases: u32 = std::env::var("TOKCTL_ESCALATION_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = TestServer::start();
    let setup = rt.block_on(async {
        let first = s.owner_session().await;
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
        s.owner_session().await
    });
    let world = World {
        s,
        setup,
        counter: AtomicU32::new(0),
        refused: AtomicUsize::new(0),
        granted: AtomicUsize::new(0),
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 32,
        ..Config::default()
    });
    let result = runner.run(&case(), |c| rt.block_on(run_case(&world, &c)));
    if let Err(e) = result {
        panic!("escalation property: {e}");
    }
    println!(
        "escalation property: {cases} sequences, {} steps granted, {} refused with 403",
        world.granted.load(Ordering::Relaxed),
        world.refused.load(Ordering::Relaxed)
    );
    // The cases must have reached the rules, not only bounced off missing permissions.
    assert!(world.granted.load(Ordering::Relaxed) > 0);
    assert!(world.refused.load(Ordering::Relaxed) > 0);
}
