//! What `tokctl scan` prints: one line per finding, `--json`, or `--sarif` (SARIF 2.1.0, as
//! GitHub code scanning and other code-scanning UIs read it). Every form shows the secret
//! masked (`tokctl_pat_AbC…`), never whole.

use serde::Serialize;
use serde_json::json;

use crate::api::secret::{self, SECRET_LEN};

use super::{Finding, Place};

/// The rule every finding is reported under in SARIF.
const RULE_ID: &str = "tokctl/leaked-secret";

/// `path:line:col type masked [id]`, with `commit:` before the path for history findings
/// (the short commit, as `git grep REV` prints `REV:path`).
pub(super) fn text_line(f: &Finding) -> String {
    let mut line = format!(
        "{}:{}:{} {} {}",
        f.place.shown(true),
        f.line,
        f.column,
        f.kind,
        f.masked()
    );
    if let Some(id) = &f.id {
        line.push(' ');
        line.push_str(id);
    }
    line
}

/// One finding under `--json`.
#[derive(Debug, Serialize)]
pub(super) struct JsonFinding<'a> {
    path: &'a str,
    line: u64,
    column: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    masked: String,
    id: Option<&'a str>,
    /// The full commit id with `--git`, else null.
    commit: Option<&'a str>,
}

pub(super) fn json_finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        path: f.place.path(),
        line: f.line,
        column: f.column,
        kind: f.kind.as_str(),
        masked: f.masked(),
        id: f.id.as_deref(),
        commit: match &f.place {
            Place::Commit { commit, .. } => Some(commit),
            _ => None,
        },
    }
}

/// The SARIF 2.1.0 log of all findings (one run, one rule).
pub(super) fn sarif(findings: &[Finding]) -> serde_json::Value {
    let results: Vec<_> = findings.iter().map(sarif_result).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tokctl scan",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/tokctl/tokctl/blob/main/docs/cli.md#scan",
                    "rules": [{
                        "id": RULE_ID,
                        "name": "LeakedTokctlSecret",
                        "shortDescription": {"text": "A tokctl secret is committed or written where it should not be"},
                        "fullDescription": {"text": "A string with a valid tokctl secret checksum (tokctl_pat_, tokctl_mcp_ or tokctl_ses_). Whoever reads it can act as the token's owner until it is revoked."},
                        "help": {
                            "text": "Revoke the token (`tokctl revoke --secret-stdin`, or `tokctl scan --report`), remove the secret from the file and from history, and mint a new token; keep secrets in a secret store or TOKCTL_TOKEN, never in files.",
                            "markdown": "Revoke the token (`tokctl revoke --secret-stdin`, or `tokctl scan --report`), remove the secret from the file and from history, and mint a new token. Keep secrets in a secret store or `TOKCTL_TOKEN`, never in files."
                        },
                        "defaultConfiguration": {"level": "error"},
                        "properties": {
                            "tags": ["security", "secret"],
                            "precision": "very-high",
                            "problem.severity": "error",
                            "security-severity": "9.0"
                        }
                    }]
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    })
}

fn sarif_result(f: &Finding) -> serde_json::Value {
    let place = match &f.place {
        Place::Commit { commit, .. } => format!(" (added in commit {commit})"),
        _ => String::new(),
    };
    let mut result = json!({
        "ruleId": RULE_ID,
        "ruleIndex": 0,
        "level": "error",
        "message": {
            "text": format!("A tokctl {} secret, {}, is here{place}. Revoke it.", f.kind, f.masked())
        },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(f.place.path()),
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endColumn": f.column + SECRET_LEN as u64
                }
            }
        }],
        // Stable across runs and moves, and nothing to go on for anyone reading it.
        "partialFingerprints": {
            "tokctlSecret/v1": secret::hash(&format!("tokctl scan fingerprint {}", f.secret.expose()), None)
        }
    });
    if let Place::Commit { commit, .. } = &f.place {
        result["properties"] = json!({ "commit": commit });
    }
    result
}

/// A path as a SARIF artifact location: relative paths against `%SRCROOT%` (the checkout
/// code scanning knows), absolute ones as `file://` URIs; percent-encoded either way.
fn artifact(path: &str) -> serde_json::Value {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const URI_ESCAPED: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'\\')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    let encoded = utf8_percent_encode(path, URI_ESCAPED).to_string();
    if path.starts_with('/') {
        json!({ "uri": format!("file://{encoded}") })
    } else {
        json!({ "uri": encoded, "uriBaseId": "%SRCROOT%" })
    }
}
