//! Property tests of the pure parsers every request and every CLI argument goes through: the
//! secret format and checksum, durations and expiry, scopes, the list cursor, the org policy
//! patch and the bearer header. For any input: no panic; for valid input: round trips hold.
//!
//! The oracles are written from DESIGN.md, not taken from the code under test: CRC-32 in
//! base62 here, the permission catalog in the shared `tests/it/common/oracle.rs`.
//! `TOKCTL_PROPTEST_CASES` scales every target; each test prints how many cases it tried
//! (`cargo test --test it props:: -- --show-output`).

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use tokctl::api::duration::{Expiry, format_duration, parse_duration, parse_expiry, rfc3339};
use tokctl::api::perms::{
    PermSet, Permission, Role, effective_permissions, parse_scope, requested, validate_scopes,
};
use tokctl::api::secret::{self, SECRET_LEN, TokenType};
use tokctl::api::types::{OrgPolicy, RateLimit};
use tokctl::server::auth::bearer;
use tokctl::server::service::policy::{apply_patch, parse_rate_limit_text};
use tokctl::server::store::Cursor;

use crate::common;

use common::oracle::{self, CATALOG, effective};

const BASE62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn cases(default: u32) -> u32 {
    std::env::var("TOKCTL_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs one property for `n` cases and prints how many passed.
fn check<S: Strategy>(
    name: &str,
    n: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    });
    let tried = std::sync::atomic::AtomicU32::new(0);
    let result = runner.run(&strategy, |v| {
        tried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        test(v)
    });
    if let Err(e) = result {
        panic!("property `{name}` failed: {e}");
    }
    println!(
        "props: {name}: {} inputs tried, all passed",
        tried.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// DESIGN.md: CRC-32 (IEEE, zlib) of the body, as 6 base62 digits, most significant first.
fn design_checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes()) as u64;
    let digits: Vec<char> = BASE62.chars().collect();
    let mut out = vec!['0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = digits[(n % 62) as usize];
        n /= 62;
    }
    out.into_iter().collect()
}

fn kind_strategy() -> impl Strategy<Value = TokenType> {
    prop_oneof![
        Just(TokenType::Pat),
        Just(TokenType::Mcp),
        Just(TokenType::Ses)
    ]
}

fn body_strategy() -> impl Strategy<Value = (TokenType, String)> {
    (kind_strategy(), "[0-9A-Za-z]{30}")
        .prop_map(|(kind, random)| (kind, format!("tokctl_{kind}_{random}")))
}

/// Strings near the secret format: right prefix, any tail, including non-ASCII.
fn near_secret() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        ("tokctl_(pat|mcp|ses|xyz)_", any::<String>()).prop_map(|(p, t)| p + &t),
        ("tokctl_(pat|mcp|ses)_", "[0-9A-Za-z_é\\-\u{0}]{30,40}").prop_map(|(p, t)| p + &t),
        ".{0,8}tokctl_pat_.{0,60}",
    ]
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[test]
fn secret_parse_never_panics_and_accepts_only_the_documented_shape() {
    check(
        "secret parse on any string",
        cases(3000),
        near_secret(),
        |s| {
            let verdict = secret::parse(&s);
            let _ = secret::looks_like_secret(&s);
            if verdict.is_ok() {
                // Whatever parses has the documented length, alphabet and checksum.
                prop_assert_eq!(s.len(), SECRET_LEN);
                let (body, sum) = s.split_at(SECRET_LEN - 6);
                prop_assert_eq!(design_checksum(body), sum);
                prop_assert!(secret::looks_like_secret(&s));
            }
            Ok(())
        },
    );
}

#[test]
fn secret_with_the_design_checksum_parses_with_its_type() {
    check(
        "secret built from DESIGN's CRC-32/base62 parses",
        cases(2000),
        body_strategy(),
        |(kind, body)| {
            let s = format!("{body}{}", design_checksum(&body));
            prop_assert_eq!(secret::parse(&s), Ok(kind));
            Ok(())
        },
    );
}

#[test]
fn any_single_character_change_is_caught_by_the_checksum() {
    let strategy = (body_strategy(), 11usize..SECRET_LEN, 0usize..62);
    check(
        "one changed character fails parse",
        cases(3000),
        strategy,
        |((_, body), pos, digit)| {
            let good = format!("{body}{}", design_checksum(&body));
            let mut bytes = good.clone().into_bytes();
            let replacement = BASE62.as_bytes()[digit];
            prop_assume!(bytes[pos] != replacement);
            bytes[pos] = replacement;
            let bad = String::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(secret::parse(&bad).is_err(), "{} parsed", pos);
            Ok(())
        },
    );
}

#[test]
fn generated_secrets_always_parse_and_hash_is_stable_hex() {
    check(
        "generate → parse, hash shape",
        cases(1000),
        (kind_strategy(), proptest::option::of("[ -~]{16,40}")),
        |(kind, pepper)| {
            let s = secret::generate(kind);
            prop_assert_eq!(secret::parse(s.expose()), Ok(kind));
            let shown = format!("{s:?}");
            prop_assert!(!shown.contains(s.expose()));
            let h = secret::hash(s.expose(), pepper.as_deref().map(str::as_bytes));
            prop_assert_eq!(h.len(), 64);
            prop_assert!(
                h.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            prop_assert_eq!(
                &h,
                &secret::hash(s.expose(), pepper.as_deref().map(str::as_bytes))
            );
            if pepper.is_some() {
                prop_assert_ne!(&h, &secret::hash(s.expose(), None));
            }
            Ok(())
        },
    );
}

#[test]
fn secret_format_errors_never_echo_the_input() {
    check(
        "format error messages carry no input",
        cases(1000),
        body_strategy(),
        |(_, body)| {
            // A secret with a wrong checksum: the message must not contain it.
            let bad = format!("{body}000000");
            if let Err(e) = secret::parse(&bad) {
                prop_assert!(!e.to_string().contains(&body[11..]));
                let shown = format!("{e:?}");
                prop_assert!(!shown.contains(&body[11..]));
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Durations and expiry

#[test]
fn duration_and_expiry_parsers_never_panic() {
    let strategy = prop_oneof![
        any::<String>(),
        "[+-]?[0-9]{0,25}[mhdwsy]?",
        "[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}(T[0-9:.]{0,15}(Z|[+-][0-9:]{0,6})?)?",
        " ?never ?",
    ];
    check(
        "duration/expiry parse on any string",
        cases(3000),
        strategy,
        |s| {
            if let Ok(d) = parse_duration(&s) {
                prop_assert!(d > Duration::zero());
                let _ = format_duration(d);
            }
            if let Ok(e) = parse_expiry(&s) {
                // Resolving any accepted expiry against now must not overflow.
                let _ = e.resolve(Utc::now());
                let _ = tokctl::server::service::policy::resolve_expiry(
                    &OrgPolicy::default(),
                    Some(e),
                    Utc::now(),
                );
            }
            Ok(())
        },
    );
}

#[test]
fn durations_round_trip_through_their_written_form() {
    let strategy = (
        1i64..=100_000,
        prop::sample::select(vec!['m', 'h', 'd', 'w']),
    );
    check(
        "duration N<unit> round trip",
        cases(2000),
        strategy,
        |(n, unit)| {
            let minutes = n * match unit {
                'm' => 1,
                'h' => 60,
                'd' => 1440,
                _ => 10080,
            };
            let written = format!("{n}{unit}");
            // Durations are bounded (1000 years) so date arithmetic can never overflow.
            if minutes > 1000 * 366 * 24 * 60 {
                prop_assert!(parse_duration(&written).is_err());
                return Ok(());
            }
            let d = parse_duration(&written).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(d, Duration::minutes(minutes));
            let formatted = format_duration(d);
            prop_assert_eq!(parse_duration(&formatted).ok(), Some(d));
            prop_assert_eq!(parse_expiry(&written).ok(), Some(Expiry::In(d)));
            Ok(())
        },
    );
}

#[test]
fn rfc3339_dates_round_trip_through_expiry() {
    // Seconds from year 1 to year 9999.
    let strategy = -62_135_596_800i64..253_402_300_799i64;
    check(
        "RFC 3339 expiry round trip",
        cases(2000),
        strategy,
        |secs| {
            let at: DateTime<Utc> = DateTime::from_timestamp(secs, 0)
                .ok_or_else(|| TestCaseError::reject("out of range"))?;
            let written = rfc3339(at);
            prop_assert_eq!(parse_expiry(&written).ok(), Some(Expiry::At(at)));
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Scopes and the permission algebra

/// The oracle's name for a library role: written as a match so a role added to the library
/// and not to DESIGN fails to compile here.
fn design_role(role: Role) -> oracle::Role {
    match role {
        Role::Viewer => oracle::Role::Viewer,
        Role::Member => oracle::Role::Member,
        Role::Admin => oracle::Role::Admin,
        Role::Owner => oracle::Role::Owner,
    }
}

fn role_strategy() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

fn valid_scope() -> impl Strategy<Value = String> {
    prop::sample::select(
        oracle::scopes()
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
    )
}

#[test]
fn scope_parser_never_panics_and_knows_only_the_catalog() {
    let strategy = prop_oneof![
        any::<String>(),
        "[a-z]{0,10}(:[a-z*]{0,10}){0,3}",
        valid_scope().prop_map(|s| format!(" {s} ")),
    ];
    check("scope parse on any string", cases(3000), strategy, |s| {
        match parse_scope(&s) {
            Ok(None) => prop_assert_eq!(s.trim(), "*"),
            Ok(Some(set)) => {
                let t = s.trim();
                let names = set.names();
                if let Some(resource) = t.strip_suffix(":*") {
                    let expected: Vec<String> = CATALOG
                        .iter()
                        .filter(|p| p.split(':').next() == Some(resource))
                        .map(|p| p.to_string())
                        .collect();
                    prop_assert_eq!(names, expected);
                } else {
                    prop_assert_eq!(names, vec![t.to_string()]);
                }
            }
            Err(e) => {
                // Refused: and DESIGN's catalog agrees it names nothing.
                let t = s.trim();
                prop_assert!(!CATALOG.contains(&t) && t != "*");
                prop_assert!(e.to_string().contains("valid scopes"));
            }
        }
        Ok(())
    });
}

#[test]
fn effective_permission_is_scopes_intersect_role() {
    let strategy = (
        role_strategy(),
        prop::collection::vec(valid_scope(), 0..5),
        prop::collection::vec("[a-z:*]{0,12}", 0..2),
    );
    check(
        "effective = scopes ∩ role (DESIGN oracle)",
        cases(3000),
        strategy,
        |(role, scopes, junk)| {
            let eff = effective_permissions(role, &scopes);
            let expected: Vec<&str> = effective(design_role(role), &scopes).into_iter().collect();
            let mut got: Vec<String> = eff.names();
            got.sort();
            prop_assert_eq!(got, expected);
            prop_assert!(eff.is_subset_of(role.permissions()));
            // validate_scopes is idempotent and keeps the meaning.
            let v = validate_scopes(&scopes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(validate_scopes(&v).ok(), Some(v.clone()));
            prop_assert_eq!(effective_permissions(role, &v), eff);
            // Junk is refused by validation; if it were stored anyway it grants nothing extra.
            let mut with_junk = scopes.clone();
            with_junk.extend(junk.iter().cloned());
            if junk.iter().any(|j| parse_scope(j).is_err()) {
                prop_assert!(validate_scopes(&with_junk).is_err());
            }
            prop_assert!(effective_permissions(role, &with_junk).is_subset_of(role.permissions()));
            if let Some(req) = requested(&scopes) {
                prop_assert_eq!(req.intersect(role.permissions()), eff);
            }
            Ok(())
        },
    );
}

#[test]
fn permission_sets_behave_like_sets() {
    let set = || prop::collection::vec(prop::sample::select(Permission::ALL.to_vec()), 0..13);
    check("PermSet algebra", cases(2000), (set(), set()), |(a, b)| {
        let sa: PermSet = a.iter().copied().collect();
        let sb: PermSet = b.iter().copied().collect();
        for p in Permission::ALL {
            prop_assert_eq!(sa.contains(p), a.contains(&p));
            prop_assert_eq!(
                sa.intersect(sb).contains(p),
                a.contains(&p) && b.contains(&p)
            );
            prop_assert_eq!(sa.union(sb).contains(p), a.contains(&p) || b.contains(&p));
            prop_assert_eq!(sa.minus(sb).contains(p), a.contains(&p) && !b.contains(&p));
        }
        prop_assert_eq!(sa.is_subset_of(sb), a.iter().all(|p| b.contains(p)));
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// The list cursor

#[test]
fn cursor_decoder_never_panics_and_round_trips() {
    check(
        "cursor decode on any string",
        cases(3000),
        prop_oneof![any::<String>(), "[+-]?[0-9]{0,22}\\.[A-Za-z0-9_.]{0,30}",],
        |s| {
            if let Some(c) = Cursor::decode(&s) {
                prop_assert_eq!(Cursor::decode(&c.encode()), Some(c));
            }
            Ok(())
        },
    );
    // Every timestamp chrono can hold, at microsecond precision, with a realistic id.
    let min = DateTime::<Utc>::MIN_UTC.timestamp_micros();
    let max = DateTime::<Utc>::MAX_UTC.timestamp_micros();
    check(
        "cursor encode → decode",
        cases(2000),
        (min..=max, "tk_[A-Za-z0-9]{20}"),
        |(micros, id)| {
            let created_at = DateTime::from_timestamp_micros(micros)
                .ok_or_else(|| TestCaseError::reject("out of range"))?;
            let c = Cursor {
                created_at,
                id: id.clone(),
            };
            let back = Cursor::decode(&c.encode());
            prop_assert!(back.is_some());
            let back = back.ok_or_else(|| TestCaseError::fail("no cursor"))?;
            prop_assert_eq!(back.created_at, created_at);
            prop_assert_eq!(back.id, id);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The org policy patch

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<u32>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[0-9]{1,4}[mhdw]".prop_map(Value::from),
        "[0-9]{1,6}/(min|hour|m|h|day)(,[0-9]{1,6}/(min|hour))?".prop_map(Value::from),
        Just(json!("none")),
        Just(json!("never")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,12}",
                    Just("per_minute".to_string()),
                    Just("per_hour".to_string())
                ],
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn policy_patch() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "default_expiry",
        "max_expiry",
        "allow_never",
        "default_rate_limit",
        "max_rate_limit",
        "session_rate_limit",
        "session_ttl",
        "unknown_key",
    ]);
    prop_oneof![
        json_value(),
        prop::collection::btree_map(key, json_value(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
    ]
}

fn policy_is_valid(p: &OrgPolicy) -> bool {
    let (Ok(default), Ok(max), Ok(_)) = (
        parse_duration(&p.default_expiry),
        parse_duration(&p.max_expiry),
        parse_duration(&p.session_ttl),
    ) else {
        return false;
    };
    let limit_ok = |l: RateLimit| l.per_minute >= 1 && l.per_hour >= 1;
    default <= max
        && limit_ok(p.default_rate_limit)
        && limit_ok(p.session_rate_limit)
        && p.max_rate_limit.is_none_or(|m| {
            limit_ok(m)
                && p.default_rate_limit.per_minute <= m.per_minute
                && p.default_rate_limit.per_hour <= m.per_hour
        })
}

#[test]
fn policy_patch_never_panics_and_yields_only_valid_policies() {
    check(
        "org policy patch on any JSON",
        cases(3000),
        policy_patch(),
        |patch| {
            let current = OrgPolicy::default();
            match apply_patch(&current, &patch) {
                Ok(p) => {
                    prop_assert!(policy_is_valid(&p), "invalid policy accepted: {:?}", p);
                    // Applying the same patch again changes nothing more.
                    let again = apply_patch(&p, &patch)
                        .map_err(|e| TestCaseError::fail(e.message.clone()))?;
                    prop_assert_eq!(&again, &p);
                    // The policy's own JSON, applied as a patch, reproduces it.
                    let own =
                        serde_json::to_value(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let back = apply_patch(&current, &own)
                        .map_err(|e| TestCaseError::fail(e.message.clone()))?;
                    prop_assert_eq!(back, p);
                }
                Err(e) => {
                    prop_assert!(matches!(e.status().as_u16(), 400 | 422));
                }
            }
            Ok(())
        },
    );
    check(
        "rate limit text on any string",
        cases(2000),
        prop_oneof![
            any::<String>(),
            "[0-9 ]{0,12}/[a-z ]{0,6}(,[0-9]{0,12}/[a-z]{0,6})?"
        ],
        |s| {
            let base = RateLimit {
                per_minute: 60,
                per_hour: 1000,
            };
            let _ = parse_rate_limit_text(&s, base);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The bearer header

#[test]
fn bearer_header_parser_never_panics() {
    check(
        "Authorization header on any bytes",
        cases(3000),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..80),
            "(Bearer|bearer|BEARER|Basic|)[ \t]{0,3}.{0,60}".prop_map(String::into_bytes),
        ],
        |bytes| {
            let mut headers = axum::http::HeaderMap::new();
            if let Ok(v) = axum::http::HeaderValue::from_bytes(&bytes) {
                headers.insert(axum::http::header::AUTHORIZATION, v);
            }
            if let Ok(secret) = bearer(&headers) {
                prop_assert_eq!(secret, secret.trim());
            }
            Ok(())
        },
    );
}
