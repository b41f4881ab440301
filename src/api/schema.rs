//! The constraints the server enforces on request fields, written as JSON Schema for the OpenAPI
//! document (`GET /openapi.json`): a client that follows the document is not refused for the
//! shape of a value, and a value the document rules out is refused (422). `.ci/schemathesis.sh`
//! checks both directions against the real server.
//!
//! Each function is the schema of one kind of field and names the server check it mirrors. What
//! JSON Schema cannot state — a date in the future, `default_expiry` ≤ `max_expiry`, limits within
//! the org policy, `action` only with `kind=events` — is said in the descriptions, and
//! `.ci/schemathesis_hooks.py` lists exactly those refusals. The patterns are the canonical
//! spellings; the server also trims surrounding whitespace (and reads `+5`/`05` as 5), which the
//! document does not advertise.

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::duration::{MAX_DURATION_MINUTES, UNIT_MINUTES};
use super::perms::Permission;

/// The longest token or service account name.
pub(crate) const MAX_NAME: usize = super::validate::MAX_NAME;
/// The longest token description, in characters.
pub(crate) const MAX_DESCRIPTION: usize = super::validate::MAX_DESCRIPTION;
/// The most networks a token's `allowed_cidrs` may hold.
pub(crate) const MAX_CIDRS: usize = super::validate::MAX_CIDRS;

/// The JSON written here, as utoipa's type. Every schema below is a literal that round-trips
/// (the tests check each one), so the fallback is never taken.
fn schema(v: Value) -> RefOr<Schema> {
    serde_json::from_value(v).unwrap_or_else(|_| RefOr::T(Schema::default()))
}

/// The same schema with its top-level `oneOf` read as `anyOf` (alternatives that may overlap).
#[cfg(feature = "server")]
pub(crate) fn one_of_as_any_of(s: RefOr<Schema>) -> RefOr<Schema> {
    match serde_json::to_value(&s) {
        Ok(Value::Object(mut m)) => match m.remove("oneOf") {
            Some(items) => {
                m.insert("anyOf".into(), items);
                schema(Value::Object(m))
            }
            None => s,
        },
        _ => s,
    }
}

/// `v`, or JSON null: a field serde reads as `Option` with a default takes `null` for absent.
fn or_null(mut v: Value) -> Value {
    if let Some(Value::Array(values)) = v.get_mut("enum") {
        values.push(Value::Null);
    }
    match v.get("type").cloned() {
        Some(Value::String(t)) => {
            v["type"] = json!([t, "null"]);
            v
        }
        _ => json!({"anyOf": [v, {"type": "null"}]}),
    }
}

/// A regex (no anchors) matching the decimal numbers 1..=`max`, without leading zeros.
pub(crate) fn range_regex(max: u64) -> String {
    let digits: Vec<u8> = max.to_string().bytes().map(|b| b - b'0').collect();
    let k = digits.len();
    let mut alts = Vec::new();
    if k >= 2 {
        alts.push(if k == 2 {
            "[1-9]".to_string()
        } else {
            format!("[1-9][0-9]{{0,{}}}", k - 2)
        });
    }
    // Numbers with as many digits as `max`: the same prefix, then a smaller digit, then any.
    for i in 0..k {
        let lo = if i == 0 { 1 } else { 0 };
        let Some(hi) = digits[i].checked_sub(1) else {
            continue;
        };
        if hi < lo {
            continue;
        }
        let prefix: String = digits[..i].iter().map(|d| char::from(b'0' + d)).collect();
        let class = if lo == hi {
            hi.to_string()
        } else {
            format!("[{lo}-{hi}]")
        };
        let rest = match k - i - 1 {
            0 => String::new(),
            1 => "[0-9]".to_string(),
            n => format!("[0-9]{{{n}}}"),
        };
        alts.push(format!("{prefix}{class}{rest}"));
    }
    alts.push(max.to_string());
    format!("(?:{})", alts.join("|"))
}

/// `90m`, `12h`, `30d`, `52w`, at most `max_minutes` (`parse_duration`), no anchors.
fn duration_regex(max_minutes: i64) -> String {
    let units: Vec<String> = UNIT_MINUTES
        .iter()
        .filter(|(_, per)| *per <= max_minutes)
        .map(|(u, per)| format!("{}{u}", range_regex((max_minutes / per) as u64)))
        .collect();
    format!("(?:{})", units.join("|"))
}

/// A positive duration (`parse_duration`: at most 1000 years).
pub(crate) fn duration() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "pattern": format!("^{}$", duration_regex(MAX_DURATION_MINUTES)),
        "description": "a duration: 90m, 12h, 30d, 52w",
        "examples": ["7d"],
    }))
}

/// `since` of the audit and usage queries (`audit::parse_since`): a duration back from now, or a
/// date or date-time.
#[cfg(feature = "server")]
pub(crate) fn since() -> RefOr<Schema> {
    schema(json!({
        "anyOf": [
            {"type": "string", "pattern": format!("^{}$", duration_regex(MAX_DURATION_MINUTES))},
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
        ],
        "description": "a duration back from now (24h, 7d), a date (2027-01-31) or an RFC 3339 time",
    }))
}

/// `expires` of mint and rotate (`parse_expiry`, then `policy::resolve_expiry`).
pub(crate) fn expires() -> RefOr<Schema> {
    schema(or_null(expires_text()))
}

/// [`expires`] as a form field takes it: text or absent, never null.
#[cfg(feature = "server")]
pub(crate) fn expires_in_form() -> RefOr<Schema> {
    schema(expires_text())
}

fn expires_text() -> Value {
    json!({
        "anyOf": [
            {"type": "string", "pattern": format!("^(?:never|{})$", duration_regex(MAX_DURATION_MINUTES))},
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
        ],
        "description": "a duration (90m, 12h, 30d, 52w), a date (2027-01-31), an RFC 3339 time, or \
            `never`. Also refused (422): a time not in the future, beyond the org policy's \
            `max_expiry`, or `never` unless the policy has `allow_never`",
    })
}

/// `grace` of rotate (`tokens::rotate`): none (`0`) or a duration of at most 1 hour.
pub(crate) fn grace() -> RefOr<Schema> {
    let hour = super::limits::MAX_GRACE.num_minutes();
    schema(or_null(json!({
        "type": "string",
        "pattern": format!("^(?:0|0m|{})$", duration_regex(hour)),
        "description": "how long the old secret keeps working: 0 (default) up to 1h",
    })))
}

/// A token's name (`tokens::check_name`): 1–64 of `A-Za-z0-9._-`, starting with a letter or
/// digit, and not `tk_…` (which reads as an id).
pub(crate) fn token_name() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_NAME,
        "pattern": format!("^(?!tk_)[A-Za-z0-9][A-Za-z0-9._-]{{0,{}}}$", MAX_NAME - 1),
        "description": "1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit, not `tk_…`",
        "examples": ["ci-deploy"],
    }))
}

/// A session's name (`session_name::check_session_name`): a token name that may also hold
/// `@`; absent or null means `session`.
pub(crate) fn session_name() -> RefOr<Schema> {
    let max = super::session_name::MAX_SESSION_NAME;
    schema(or_null(json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "pattern": format!("^(?!tk_)[A-Za-z0-9][A-Za-z0-9._@-]{{0,{}}}$", max - 1),
        "description": "1–64 letters, digits, `.`, `_`, `-` or `@`, starting with a letter or digit, not `tk_…`; default `session`",
        "examples": ["cli@laptop"],
    })))
}

/// A service account's name (`users::check_service_name`).
pub(crate) fn service_name() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_NAME,
        "pattern": format!("^[A-Za-z0-9][A-Za-z0-9._-]{{0,{}}}$", MAX_NAME - 1),
        "description": "1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit",
    }))
}

/// Characters an email may not hold (`users::check_email`): Unicode whitespace and controls.
const NOT_IN_EMAIL: &str =
    "\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// Control characters (`char::is_control`): refused in a trust policy's texts.
const CONTROL: &str = "\\x00-\\x1f\\x7f-\\x9f";

/// The longest text of a trust policy (issuer, audience, subject, a claim and its pattern).
pub(crate) const MAX_TRUST_TEXT: usize = 512;

/// A trust policy's text (`trust::policies::text_field`): 1–512 characters, not all
/// whitespace, no control characters.
pub(crate) fn trust_text() -> RefOr<Schema> {
    let (c, s) = (CONTROL, NOT_IN_EMAIL);
    schema(json!({
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_TRUST_TEXT,
        "pattern": format!("^[^{c}]*[^{s}][^{c}]*$"),
    }))
}

/// A trust policy's `subject` pattern (`trust::policies::check_patterns`): a [`trust_text`]
/// with something besides `*` in it (`*` alone would trust every job of every user).
pub(crate) fn trust_subject() -> RefOr<Schema> {
    let (c, s) = (CONTROL, NOT_IN_EMAIL);
    schema(json!({
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_TRUST_TEXT,
        "pattern": format!("^(?=[^{c}]*[^{s}])(?=[^{c}]*[^*{c}])[^{c}]*$"),
        "examples": ["repo:acme/api:ref:refs/heads/main"],
    }))
}

/// A trust policy's `issuer` (`trust::policies::check_issuer`): an `https://` URL (plain
/// `http://` only on a loopback address), at most 512 characters, no query or fragment.
pub(crate) fn trust_issuer() -> RefOr<Schema> {
    let c = CONTROL;
    schema(json!({
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_TRUST_TEXT,
        "pattern": format!("^https?://[^{c}?#]+$"),
        "examples": ["https://token.actions.githubusercontent.com"],
    }))
}

/// A trust policy's further claims (`trust::policies::check_patterns`): at most 16, each name
/// and pattern a [`trust_text`], never a claim the policy checks itself.
pub(crate) fn trust_claims() -> RefOr<Schema> {
    let (c, s) = (CONTROL, NOT_IN_EMAIL);
    schema(json!({
        "type": "object",
        "maxProperties": super::trust::MAX_CLAIMS,
        "propertyNames": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_TRUST_TEXT,
            "pattern": format!("^(?!(?:iss|aud|sub|exp|nbf|iat|jti)$)[^{c}]*[^{s}][^{c}]*$"),
        },
        "additionalProperties": serde_json::to_value(trust_text()).unwrap_or_default(),
        "examples": [{"environment": "prod"}],
    }))
}

/// A trust policy's token lifetime (`trust::policies::add`): a duration of at most 1h (the
/// ceiling of `max_trust_lifetime`), or null for the org policy's.
pub(crate) fn trust_lifetime() -> RefOr<Schema> {
    schema(or_null(json!({
        "type": "string",
        "pattern": format!("^{}$", duration_regex(60)),
        "description": "at most the org policy's max_trust_lifetime (15m unless changed, never above 1h)",
        "examples": ["10m"],
    })))
}

/// A person's email (`users::check_email`): `local@domain`, at most 254 characters, the domain
/// with a dot neither first nor last, no whitespace or control characters.
pub(crate) fn email() -> RefOr<Schema> {
    let c = NOT_IN_EMAIL;
    schema(json!({
        "type": "string",
        "maxLength": 254,
        "pattern": format!("^[^@{c}]+@[^.{c}][^{c}]*\\.[^{c}]*[^.{c}]$"),
        "examples": ["ada@example.com"],
    }))
}

/// A new person's password (`password::check_strength`): at least 12 characters, at least 5
/// of them different. The pattern says "5 positions, each the last of its character".
pub(crate) fn password() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "minLength": super::limits::MIN_PASSWORD_LENGTH,
        "pattern": "^(?:[\\s\\S]*?([\\s\\S])(?![\\s\\S]*\\1)){5}",
        "description": "at least 12 characters, at least 5 of them different",
    }))
}

fn permission_names() -> Vec<&'static str> {
    Permission::ALL.iter().map(|p| p.as_str()).collect()
}

/// One permission of the catalog (`verify::asked_permission`, `Permission::parse`).
#[cfg(feature = "server")]
pub(crate) fn permission() -> RefOr<Schema> {
    schema(json!({"type": "string", "enum": permission_names()}))
}

/// [`permission`], or null.
#[cfg(feature = "server")]
pub(crate) fn permission_or_null() -> RefOr<Schema> {
    schema(or_null(
        json!({"type": "string", "enum": permission_names()}),
    ))
}

/// Scopes of a mint (`perms::validate_scopes`): `*`, a permission, or `resource:*`.
pub(crate) fn scopes() -> RefOr<Schema> {
    let mut names = vec!["*".to_string()];
    names.extend(permission_names().into_iter().map(str::to_string));
    let mut resources: Vec<&str> = Permission::ALL.iter().map(|p| p.resource()).collect();
    resources.dedup();
    names.extend(resources.iter().map(|r| format!("{r}:*")));
    schema(json!({
        "type": "array",
        "items": {"type": "string", "enum": names},
        "description": "blank or `*` = the owner's full role; `work:*` = every `work:` permission",
    }))
}

/// The type of a minted token: sessions come only from login.
pub(crate) fn mint_type() -> RefOr<Schema> {
    schema(or_null(json!({
        "type": "string",
        "enum": ["pat", "mcp"],
        "description": "`pat` (default) or `mcp`",
    })))
}

/// A per-minute or per-hour limit asked for (`policy::resolve_rate_limit`): at least 1.
pub(crate) fn rate_limit_value() -> RefOr<Schema> {
    schema(or_null(json!({
        "type": "integer",
        "minimum": 1,
        "maximum": u32::MAX,
        "description": "requests; null or absent = the org's default. Above the org policy's \
            `max_rate_limit` is refused (422)",
    })))
}

const IPV4: &str = "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}\
                    (?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const H: &str = "[0-9A-Fa-f]{1,4}";

/// IPv6 in its hexadecimal forms, `::` compression included (the dotted-quad tail is left to
/// `format: ipv6` for single addresses).
fn ipv6_regex() -> String {
    let forms = [
        format!("(?:{H}:){{7}}{H}"),
        format!("(?:{H}:){{1,7}}:"),
        format!("(?:{H}:){{1,6}}:{H}"),
        format!("(?:{H}:){{1,5}}(?::{H}){{1,2}}"),
        format!("(?:{H}:){{1,4}}(?::{H}){{1,3}}"),
        format!("(?:{H}:){{1,3}}(?::{H}){{1,4}}"),
        format!("(?:{H}:){{1,2}}(?::{H}){{1,5}}"),
        format!("{H}:(?::{H}){{1,6}}"),
        format!(":(?:(?::{H}){{1,7}}|:)"),
    ];
    format!("(?:{})", forms.join("|"))
}

/// An entry of `allowed_cidrs` (`tokens::normalize_cidrs`): a CIDR or a single address.
fn cidr() -> Value {
    json!({
        "anyOf": [
            {"type": "string", "format": "ipv4"},
            {"type": "string", "format": "ipv6"},
            {"type": "string", "pattern": format!("^{IPV4}/(?:3[0-2]|[12]?[0-9])$")},
            {"type": "string", "pattern": format!("^{}/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])$", ipv6_regex())},
        ],
    })
}

/// `allowed_cidrs` of a mint: at most 64 networks.
pub(crate) fn cidrs() -> RefOr<Schema> {
    schema(json!({
        "type": "array",
        "maxItems": MAX_CIDRS,
        "items": cidr(),
        "description": "networks the token may be used from (10.0.0.0/8, 2001:db8::/32, or one \
            address); empty = anywhere",
    }))
}

/// `audience` of a mint (`api::audience::normalize`): at most 16 resource identifiers.
pub(crate) fn audience() -> RefOr<Schema> {
    schema(json!({
        "type": "array",
        "maxItems": super::audience::MAX_AUDIENCE,
        "items": resource_value(),
        "description": "RFC 8707 resources the token may be presented to (`tokctl` = tokctl's own \
            API); empty = any (minted with a token: that token's)",
    }))
}

/// One resource identifier (`api::audience::check_resource`): 1–256 visible ASCII characters.
fn resource_value() -> serde_json::Value {
    json!({"type": "string", "pattern": "^[!-~]{1,256}$"})
}

#[cfg(feature = "server")]
/// `audience` of verify: one resource identifier, or null.
pub(crate) fn resource_or_null() -> RefOr<Schema> {
    schema(or_null(resource_value()))
}

/// `client_ip` of verify (`verify::asked_client_ip`): one IPv4 or IPv6 address.
#[cfg(feature = "server")]
pub(crate) fn client_ip() -> RefOr<Schema> {
    schema(or_null(json!({
        "anyOf": [
            {"type": "string", "format": "ipv4"},
            {"type": "string", "format": "ipv6"},
        ],
    })))
}

/// A token's description: at most 1024 characters.
pub(crate) fn description() -> RefOr<Schema> {
    schema(or_null(
        json!({"type": "string", "maxLength": MAX_DESCRIPTION}),
    ))
}

/// `limit` of a page (`tokens::list`, `audit::page_limit`): 1–500.
pub(crate) fn page_limit() -> RefOr<Schema> {
    schema(json!({
        "type": "integer",
        "minimum": 1,
        "maximum": super::limits::MAX_PAGE,
        "description": "1–500, default 100",
    }))
}

/// The `cursor` of a token listing (`Cursor::decode`): `<microseconds>.<id>` as given out.
pub(crate) fn token_cursor() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "pattern": "^-?[0-9]{1,18}\\.[A-Za-z0-9_]+$",
        "description": "the `next_cursor` of the previous page",
    }))
}

/// The `cursor` of an audit listing: the id of the last row of the previous page.
#[cfg(feature = "server")]
pub(crate) fn audit_cursor() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "pattern": "^-?[0-9]{1,18}$",
        "description": "the `next_cursor` of the previous page",
    }))
}

fn strings(values: &[&str], description: &str) -> RefOr<Schema> {
    schema(json!({"type": "string", "enum": values, "description": description}))
}

/// `status` of a token listing.
pub(crate) fn status_filter() -> RefOr<Schema> {
    strings(
        &["active", "expired", "revoked", "all"],
        "`active` (default), `expired`, `revoked`, or `all`",
    )
}

/// `type` of a token listing.
pub(crate) fn type_filter() -> RefOr<Schema> {
    strings(
        &["pat", "mcp", "ses", "all"],
        "`pat`, `mcp`, `ses`, or `all`; default: pat and mcp",
    )
}

/// `kind` of the audit query.
#[cfg(feature = "server")]
pub(crate) fn audit_kind() -> RefOr<Schema> {
    strings(&["events", "access"], "`events` (default) or `access`")
}

/// `action` of the audit query (`audit::ACTIONS`).
#[cfg(feature = "server")]
pub(crate) fn audit_action() -> RefOr<Schema> {
    strings(
        &super::limits::AUDIT_ACTIONS,
        "events only: refused (422) with `kind=access`",
    )
}

/// A rate limit in a policy change (`policy::field_limit`): `"60/min,1000/hour"` (either part
/// alone keeps the other) or `{"per_minute", "per_hour"}` (either may be left out).
#[cfg(feature = "server")]
fn policy_limit() -> Value {
    let n = range_regex(u64::from(u32::MAX));
    let part = format!("{n}/(?:min|minute|m|hour|h)");
    json!({
        "anyOf": [
            {"type": "string", "pattern": format!("^{part}(?:,{part})*$")},
            {
                "type": "object",
                "properties": {
                    "per_minute": {"type": ["integer", "null"], "minimum": 1, "maximum": u32::MAX},
                    "per_hour": {"type": ["integer", "null"], "minimum": 1, "maximum": u32::MAX},
                },
            },
        ],
    })
}

/// `dry_run` of a body that changes state: every check runs, nothing changes.
fn dry_run() -> Value {
    json!({"type": "boolean", "description": "run every check and answer what would happen; change nothing"})
}

/// The body of `PATCH /v1/org/policy` (`policy::apply_patch`): any subset of the policy's
/// fields, nothing else.
#[cfg(feature = "server")]
pub(crate) fn policy_patch() -> RefOr<Schema> {
    let d =
        json!({"type": "string", "pattern": format!("^{}$", duration_regex(MAX_DURATION_MINUTES))});
    schema(json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "default_expiry": d,
            "max_expiry": d,
            "session_ttl": d,
            "allow_never": {"type": "boolean"},
            "default_rate_limit": policy_limit(),
            "session_rate_limit": policy_limit(),
            "max_rate_limit": {"anyOf": [{"type": "null"}, {"type": "string", "enum": ["none"]}, policy_limit()]},
            "dry_run": dry_run(),
        },
        "description": "any subset of the OrgPolicy fields (and `dry_run`); durations never `never`; null or \
            `none` lifts `max_rate_limit`. Also refused (422), the whole change: a \
            `default_expiry` longer than `max_expiry`, a `default_rate_limit` above \
            `max_rate_limit`, as they are after the change",
    }))
}

/// The body of `POST /v1/users` (`users::add`): a person (`email`, `password`) or a service
/// account (`service: true`, `name`, no email or password).
pub(crate) fn add_user() -> RefOr<Schema> {
    let role = json!({"$ref": "#/components/schemas/Role"});
    schema(json!({
        "oneOf": [
            {
                "type": "object",
                "title": "person",
                "required": ["email", "password", "role"],
                "properties": {
                    "email": email(),
                    "password": password(),
                    "role": role,
                    "service": {"type": "boolean", "enum": [false]},
                    "name": {"type": ["string", "null"], "description": "ignored: a person's name is the email"},
                    "dry_run": dry_run(),
                },
            },
            {
                "type": "object",
                "title": "service account",
                "required": ["name", "role", "service"],
                "properties": {
                    "name": service_name(),
                    "role": role,
                    "service": {"type": "boolean", "enum": [true]},
                    "email": {"type": "null"},
                    "password": {"type": "null"},
                    "dry_run": dry_run(),
                },
            },
        ],
        "description": "a person (`email`, `password`) or a service account (`service: true`, \
            `name`); nobody grants a role above their own (403)",
    }))
}

/// The body of `POST /mcp`: a JSON-RPC 2.0 message. Each method's `params` are the MCP
/// specification's, read by the rmcp SDK; this states the envelope.
#[cfg(feature = "server")]
pub(crate) fn jsonrpc_request() -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "required": ["jsonrpc", "method"],
        "properties": {
            "jsonrpc": {"type": "string", "enum": ["2.0"]},
            "method": {"type": "string", "examples": ["tools/list"]},
            "id": {"type": ["string", "integer"]},
            "params": {"type": ["object", "null"]},
        },
        "description": "a JSON-RPC 2.0 request or notification: `initialize`, `tools/list`, \
            `tools/call` (tools `whoami`, `list_tokens`, `revoke_token`, `audit`), `ping`",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "server")]
    /// Every schema survives the trip through utoipa's types: no keyword is dropped.
    #[test]
    fn every_schema_round_trips() {
        type Named = (&'static str, fn() -> RefOr<Schema>);
        let all: Vec<Named> = vec![
            ("duration", duration),
            ("since", since),
            ("expires", expires),
            ("grace", grace),
            ("token_name", token_name),
            ("service_name", service_name),
            ("session_name", session_name),
            ("email", email),
            ("password", password),
            ("permission", permission),
            ("permission_or_null", permission_or_null),
            ("scopes", scopes),
            ("mint_type", mint_type),
            ("rate_limit_value", rate_limit_value),
            ("cidrs", cidrs),
            ("client_ip", client_ip),
            ("description", description),
            ("page_limit", page_limit),
            ("token_cursor", token_cursor),
            ("audit_cursor", audit_cursor),
            ("status_filter", status_filter),
            ("type_filter", type_filter),
            ("audit_kind", audit_kind),
            ("audit_action", audit_action),
            ("policy_patch", policy_patch),
            ("add_user", add_user),
            ("jsonrpc_request", jsonrpc_request),
            ("expires_in_form", expires_in_form),
            ("audience", audience),
            ("resource_or_null", resource_or_null),
            ("trust_text", trust_text),
            ("trust_subject", trust_subject),
            ("trust_issuer", trust_issuer),
            ("trust_claims", trust_claims),
            ("trust_lifetime", trust_lifetime),
        ];
        for (name, f) in all {
            let v = serde_json::to_value(f()).unwrap();
            assert_ne!(v, json!({"type": "object"}), "{name} fell back");
            let again: RefOr<Schema> = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(again).unwrap(), v, "{name}");
        }
    }

    /// Brute force against the numbers themselves, through a small matcher for the regexes
    /// `range_regex` writes (alternations of literal digits, classes and `{n}`/`{0,n}`).
    #[test]
    fn ranges_match_exactly_one_to_max() {
        for max in [
            1u64, 7, 9, 10, 11, 19, 60, 99, 100, 101, 500, 1000, 2047, 52285,
        ] {
            let re = range_regex(max);
            for n in 0..=max + 20 {
                let s = n.to_string();
                assert_eq!(
                    matches_range(&re, &s),
                    (1..=max).contains(&n),
                    "{max}: {s} against {re}"
                );
            }
            assert!(!matches_range(&re, "01"), "{re}");
        }
    }

    fn matches_range(re: &str, s: &str) -> bool {
        let body = &re[3..re.len() - 1];
        body.split('|')
            .any(|alt| matches_alt(alt.as_bytes(), s.as_bytes()))
    }

    fn matches_alt(p: &[u8], s: &[u8]) -> bool {
        // Tokens: a digit, or `[a-b]`, each optionally followed by `{n}` or `{0,n}`.
        let mut i = 0;
        let mut tokens: Vec<(u8, u8, usize, usize)> = Vec::new();
        while i < p.len() {
            let (lo, hi) = if p[i] == b'[' {
                let t = (p[i + 1], p[i + 3]);
                i += 5;
                t
            } else {
                i += 1;
                (p[i - 1], p[i - 1])
            };
            let (mut min, mut max) = (1, 1);
            if i < p.len() && p[i] == b'{' {
                let end = i + p[i..].iter().position(|&b| b == b'}').unwrap();
                let inner = std::str::from_utf8(&p[i + 1..end]).unwrap();
                (min, max) = match inner.split_once(',') {
                    Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                    None => (inner.parse().unwrap(), inner.parse().unwrap()),
                };
                i = end + 1;
            }
            tokens.push((lo, hi, min, max));
        }
        fn go(t: &[(u8, u8, usize, usize)], s: &[u8]) -> bool {
            let Some(&(lo, hi, min, max)) = t.first() else {
                return s.is_empty();
            };
            (min..=max).any(|n| {
                n <= s.len() && s[..n].iter().all(|c| (lo..=hi).contains(c)) && go(&t[1..], &s[n..])
            })
        }
        go(&tokens, s)
    }
}
