//! The delegation property (docs/delegation.md), against a real server: for random trees of
//! delegations, mints, rotations, the owner's demotions and promotions, and revokes, after
//! every step
//! - no token verifies with a permission that one of its ancestors does not verify with now,
//!   and no token verifies while an ancestor does not;
//! - nothing in the subtree of a revoked token verifies.
//!
//! Small by default (CI time): `TOKCTL_DELEGATION_CASES` (default 10) sequences of up to 10
//! steps; the test prints how many steps were granted and refused.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;

use crate::common;

use common::TestServer;

const SCOPES: [&str; 5] = [
    "work:read",
    "work:write",
    "audit:read",
    "members:read",
    "tokens:write",
];
const ROLES: [&str; 3] = ["viewer", "member", "admin"];

#[derive(Debug, Clone)]
enum Step {
    /// A child of node `from` (index into the nodes, modulo): the parent's scopes whose bit
    /// is set in `keep`, and `widen`, a scope the parent may lack (an attempt to outgrow it).
    Delegate {
        from: usize,
        keep: u8,
        widen: Option<usize>,
    },
    /// The owner's session rotates node `node`.
    Rotate { node: usize },
    /// The owner's role changes.
    SetRole { role: usize },
    /// The owner's session revokes node `node`.
    Revoke { node: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let widen = prop_oneof![3 => Just(None), 1 => (0..SCOPES.len()).prop_map(Some)];
    prop_oneof![
        4 => (any::<usize>(), any::<u8>(), widen)
            .prop_map(|(from, keep, widen)| Step::Delegate { from, keep: keep | 0x10, widen }),
        1 => any::<usize>().prop_map(|node| Step::Rotate { node }),
        1 => (0..ROLES.len()).prop_map(|role| Step::SetRole { role }),
        1 => any::<usize>().prop_map(|node| Step::Revoke { node }),
    ]
}

fn case() -> impl Strategy<Value = (Vec<usize>, Vec<Step>)> {
    (
        proptest::collection::vec(0..SCOPES.len(), 1..5),
        proptest::collection::vec(step(), 1..10),
    )
}

struct Node {
    id: String,
    scopes: Vec<&'static str>,
    secret: String,
    parent: Option<usize>,
    /// Revoked by a step (itself, not through an ancestor).
    revoked: bool,
}

struct World {
    s: TestServer,
    owner: String,
    counter: AtomicU32,
    granted: AtomicUsize,
    refused: AtomicUsize,
}

fn with_tokens_write(scopes: &[usize]) -> Vec<&'static str> {
    let mut s: BTreeSet<&str> = scopes.iter().map(|i| SCOPES[*i]).collect();
    s.insert("tokens:write");
    s.into_iter().collect()
}

/// What verify says of a secret now: None when refused, else its permissions.
async fn verified(w: &World, secret: &str) -> Option<BTreeSet<String>> {
    let v =
        w.s.post("/v1/verify", &w.owner, json!({"token": secret}))
            .await;
    assert_eq!(v.status, 200, "{}", v.text);
    if v.body["allowed"] != true {
        return None;
    }
    Some(
        serde_json::from_value::<Vec<String>>(v.body["permissions"].clone())
            .unwrap()
            .into_iter()
            .collect(),
    )
}

fn ancestors(nodes: &[Node], mut i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while let Some(p) = nodes[i].parent {
        out.push(p);
        i = p;
    }
    out
}

async fn check(w: &World, nodes: &[Node], after: &Step) -> Result<(), TestCaseError> {
    let mut now = Vec::new();
    for n in nodes {
        now.push(verified(w, &n.secret).await);
    }
    for (i, n) in nodes.iter().enumerate() {
        let up = ancestors(nodes, i);
        let cut = n.revoked || up.iter().any(|a| nodes[*a].revoked);
        if cut {
            prop_assert!(
                now[i].is_none(),
                "after {after:?}: {} verifies though it or an ancestor was revoked",
                n.id
            );
        }
        let Some(mine) = &now[i] else { continue };
        for a in up {
            let Some(theirs) = &now[a] else {
                return Err(TestCaseError::fail(format!(
                    "after {after:?}: {} verifies though its ancestor {} does not",
                    n.id, nodes[a].id
                )));
            };
            let beyond: Vec<&String> = mine.difference(theirs).collect();
            prop_assert!(
                beyond.is_empty(),
                "after {after:?}: {} allows {beyond:?} beyond its ancestor {}",
                n.id,
                nodes[a].id
            );
        }
    }
    Ok(())
}

async fn run_case(
    w: &World,
    (root_scopes, steps): &(Vec<usize>, Vec<Step>),
) -> Result<(), TestCaseError> {
    let n = w.counter.fetch_add(1, Ordering::Relaxed);
    let email = format!("p{n}@example.com");
    let session = w.s.add_person(&w.owner, &email, "admin").await;
    let root = with_tokens_write(root_scopes);
    let (id, secret) =
        w.s.mint(&session, json!({"name": "root", "scopes": root}))
            .await;
    let mut nodes = vec![Node {
        id,
        scopes: root,
        secret,
        parent: None,
        revoked: false,
    }];
    for (k, st) in steps.iter().enumerate() {
        match st {
            Step::Delegate { from, keep, widen } => {
                let from = from % nodes.len();
                // Bit 4 keeps tokens:write (set mostly), so the tree can grow deeper.
                let mut scopes: BTreeSet<&'static str> = nodes[from]
                    .scopes
                    .iter()
                    .filter(|s| {
                        let bit = SCOPES.iter().position(|x| x == *s).unwrap();
                        keep & (1 << bit) != 0
                    })
                    .copied()
                    .collect();
                if let Some(extra) = widen {
                    scopes.insert(SCOPES[*extra]);
                }
                if scopes.is_empty() {
                    scopes.insert("work:read");
                }
                let scopes: Vec<&'static str> = scopes.into_iter().collect();
                let r =
                    w.s.post(
                        "/v1/tokens",
                        &nodes[from].secret,
                        json!({"name": format!("t{k}"), "scopes": scopes}),
                    )
                    .await;
                if r.status == 201 {
                    w.granted.fetch_add(1, Ordering::Relaxed);
                    prop_assert_eq!(
                        r.body["token"]["parent"].as_str(),
                        Some(nodes[from].id.as_str())
                    );
                    nodes.push(Node {
                        scopes,
                        id: r.body["token"]["id"].as_str().unwrap().into(),
                        secret: r.body["secret"].as_str().unwrap().into(),
                        parent: Some(from),
                        revoked: false,
                    });
                } else {
                    w.refused.fetch_add(1, Ordering::Relaxed);
                    prop_assert!(
                        matches!(r.status, 401 | 403),
                        "{st:?}: {} {}",
                        r.status,
                        r.text
                    );
                }
            }
            Step::Rotate { node } => {
                let i = node % nodes.len();
                let r =
                    w.s.post(
                        &format!("/v1/tokens/{}/rotate", nodes[i].id),
                        &session,
                        json!({}),
                    )
                    .await;
                if r.status == 200 {
                    nodes[i].secret = r.body["secret"].as_str().unwrap().into();
                } else {
                    // Only a token that is no longer active is not rotated.
                    prop_assert_eq!(r.status, 409, "{}", r.text);
                }
            }
            Step::SetRole { role } => {
                let r =
                    w.s.call(
                        "PATCH",
                        &format!("/v1/users/{email}"),
                        Some(&w.owner),
                        Some(json!({"role": ROLES[*role]})),
                    )
                    .await;
                prop_assert_eq!(r.status, 200, "{}", r.text);
            }
            Step::Revoke { node } => {
                let i = node % nodes.len();
                let r =
                    w.s.post(
                        &format!("/v1/tokens/{}/revoke", nodes[i].id),
                        &w.owner,
                        json!({}),
                    )
                    .await;
                prop_assert_eq!(r.status, 200, "{}", r.text);
                nodes[i].revoked = true;
            }
        }
        check(w, &nodes, st).await?;
    }
    Ok(())
}

#[test]
fn no_delegated_token_allows_more_than_its_ancestors_nor_outlives_a_revoke() {
    let cases: u32 = std::env::var("TOKCTL_DELEGATION_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = TestServer::start();
    let owner = rt.block_on(async {
        let first = s.owner_session().await;
        let r = s
            .call(
                "PATCH",
                "/v1/org/policy",
                Some(&first),
                Some(json!({"default_rate_limit": "100000/min,1000000/hour"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        first
    });
    let world = World {
        s,
        owner,
        counter: AtomicU32::new(0),
        granted: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 16,
        ..Config::default()
    });
    let result = runner.run(&case(), |c| rt.block_on(run_case(&world, &c)));
    if let Err(e) = result {
        panic!("delegation property: {e}");
    }
    println!(
        "delegation property: {cases} sequences, {} delegations granted, {} refused",
        world.granted.load(Ordering::Relaxed),
        world.refused.load(Ordering::Relaxed)
    );
    assert!(world.granted.load(Ordering::Relaxed) > 0);
}
