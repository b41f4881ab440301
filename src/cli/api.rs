//! `tokctl api PATH [-X METHOD] [-f KEY=VALUE]… [-F KEY=VALUE]… [--input FILE]`: any API call
//! with the profile's credential, like `gh api`, for what no command covers.
//!
//! The credential is resolved as for every other command and goes only to the profile's server:
//! PATH is a path on it (`/v1/me` or `v1/me`); an absolute URL is taken only when it is under
//! that server URL, anything else (another host, port or scheme, `//host/…`) is a usage error
//! before any request. A secret-shaped PATH never gets here ([`super::secret_args`] refuses
//! it before parsing), and it is checked again below. The answer's body goes to stdout as it
//! came (pretty-printed JSON on a terminal); an HTTP error also prints the server's error body
//! on stdout, then ends like any refused call: its message on stderr and the mapped exit code.

use std::io::Read;

use reqwest::Method;
use serde_json::{Map, Value};

use super::args::ApiArgs;
use super::{CliError, Ctx, output};
use crate::api::error::{ErrorBody, WireCode};
use crate::api::secret::url_part_carries_secret;
use crate::client::{ClientError, RawAnswer};

pub(crate) async fn run(ctx: &Ctx, a: ApiArgs) -> Result<u8, CliError> {
    let client = ctx.client()?;
    let path = relative_path(&a.path, &client.server())?;
    let has_fields = !a.raw_fields.is_empty() || !a.fields.is_empty();
    let method = match &a.method {
        Some(m) => method(m)?,
        None if has_fields || a.input.is_some() => Method::POST,
        None => Method::GET,
    };
    let fields = fields(&a)?;
    let (path, body) = if !has_fields {
        (path, a.input.as_deref().map(read_input).transpose()?)
    } else if method == Method::GET || method == Method::HEAD {
        (with_query(&path, &fields)?, None)
    } else {
        let body = serde_json::to_vec(&Value::Object(fields)).map_err(|e| CliError::Io {
            context: "writing the JSON body".into(),
            source: std::io::Error::other(e),
        })?;
        (path, Some(body))
    };
    let answer = client.raw(method, &path, body).await?;
    print_body(ctx, &answer)?;
    if (200..400).contains(&answer.status) {
        return Ok(0);
    }
    Err(CliError::Api(error_of(&answer)))
}

/// PATH as a path relative to the server URL `server`, or a usage error.
fn relative_path(raw: &str, server: &str) -> Result<String, CliError> {
    let p = raw.trim();
    // Before any message could quote PATH (the server's rule: a secret-shaped segment, or
    // `access_token=`, anywhere in it).
    if url_part_carries_secret(p, true) {
        return Err(CliError::usage(
            "PATH carries a secret; treat it as leaked (nothing was sent)",
            Some("a secret never goes in a URL: send it in a body with --input FILE".to_string()),
        ));
    }
    let refuse = |why: &str| {
        CliError::usage(
            format!("PATH `{p}` {why}; the credential is sent only to {server}"),
            Some(
                "give a path on the server, e.g. `tokctl api /v1/me`; use --server or --profile \
                 for another server"
                    .to_string(),
            ),
        )
    };
    if p.is_empty() {
        return Err(CliError::usage(
            "PATH is empty",
            Some("e.g. `tokctl api /v1/me`".to_string()),
        ));
    }
    let rel = if p.starts_with("//") || p.starts_with("\\\\") || p.starts_with("/\\") {
        return Err(refuse("names another host"));
    } else if let Ok(url) = reqwest::Url::parse(p) {
        // An absolute URL: only one under the server URL itself.
        let base = reqwest::Url::parse(&format!("{server}/"))
            .map_err(|_| CliError::Api(ClientError::BadUrl(server.to_string())))?;
        if url.origin() != base.origin() || !url.path().starts_with(base.path()) {
            return Err(refuse("is not on this server"));
        }
        let mut rel = url.path()[base.path().len()..].to_string();
        if let Some(q) = url.query() {
            rel.push('?');
            rel.push_str(q);
        }
        rel
    } else {
        p.trim_start_matches('/').to_string()
    };
    let path_part = rel.split_once('?').map_or(rel.as_str(), |(a, _)| a);
    if path_part.split('/').any(|s| s == ".." || s == ".") {
        return Err(refuse("has `.` or `..` segments"));
    }
    Ok(rel)
}

fn method(m: &str) -> Result<Method, CliError> {
    let upper = m.trim().to_ascii_uppercase();
    match upper.as_str() {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => {
            Method::from_bytes(upper.as_bytes()).map_err(|_| bad_method(m))
        }
        _ => Err(bad_method(m)),
    }
}

fn bad_method(m: &str) -> CliError {
    CliError::usage(
        format!("-X `{m}` is not an HTTP method"),
        Some("one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS".to_string()),
    )
}

/// `-f KEY=VALUE` (strings) and `-F KEY=VALUE` (typed) as one JSON object, in order given.
fn fields(a: &ApiArgs) -> Result<Map<String, Value>, CliError> {
    let mut out = Map::new();
    let split = |flag: &str, item: &str| -> Result<(String, String), CliError> {
        match item.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(CliError::usage(
                format!("{flag} `{item}` is not KEY=VALUE"),
                Some(format!("e.g. {flag} name=ci-deploy")),
            )),
        }
    };
    for item in &a.raw_fields {
        let (k, v) = split("-f", item)?;
        out.insert(k, Value::String(v));
    }
    for item in &a.fields {
        let (k, v) = split("-F", item)?;
        out.insert(k, typed(&v));
    }
    Ok(out)
}

/// `-F`: `true`, `false`, `null` and JSON numbers as themselves, anything else a string.
fn typed(v: &str) -> Value {
    match v {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => match serde_json::from_str::<serde_json::Number>(v) {
            Ok(n) => Value::Number(n),
            Err(_) => Value::String(v.to_string()),
        },
    }
}

/// GET with fields: the fields as query parameters (strings as written, JSON otherwise).
fn with_query(path: &str, fields: &Map<String, Value>) -> Result<String, CliError> {
    let mut url =
        reqwest::Url::parse("http://x/").map_err(|_| CliError::usage("bad PATH", None))?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in fields {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            q.append_pair(k, &text);
        }
    }
    let query = url.query().unwrap_or_default();
    Ok(match path.contains('?') {
        true => format!("{path}&{query}"),
        false => format!("{path}?{query}"),
    })
}

/// `--input FILE` (`-` = stdin), sent as it is: it must be JSON, as every body the API takes.
fn read_input(file: &std::path::Path) -> Result<Vec<u8>, CliError> {
    let mut body = Vec::new();
    if file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut body)
            .map_err(CliError::io("reading --input from stdin"))?;
    } else {
        body = std::fs::read(file)
            .map_err(CliError::io(format!("reading --input {}", file.display())))?;
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
        return Err(CliError::usage(
            format!("--input {} is not JSON", file.display()),
            Some("every request body of the API is a JSON object".to_string()),
        ));
    }
    Ok(body)
}

fn print_body(ctx: &Ctx, answer: &RawAnswer) -> Result<(), CliError> {
    if answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    if answer.is_json
        && ctx.stdout_tty
        && let Ok(v) = serde_json::from_slice::<Value>(&answer.body)
    {
        return output::json(&v);
    }
    output::stdout(&String::from_utf8_lossy(&answer.body))
}

/// The error an HTTP error answer ends the command with (its exit code is the status's).
fn error_of(answer: &RawAnswer) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(&answer.body) {
        Ok(b) => ClientError::Api {
            status: answer.status,
            code: b.error.code,
            message: format!("HTTP {}: {}", answer.status, b.error.message),
            retry_after: None,
        },
        Err(_) => ClientError::Api {
            status: answer.status,
            code: WireCode::Other(format!("http_{}", answer.status)),
            message: format!("the server answered HTTP {}", answer.status),
            retry_after: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = "http://127.0.0.1:8700";

    #[test]
    fn paths_stay_on_the_server() {
        assert_eq!(relative_path("/v1/me", SERVER).unwrap(), "v1/me");
        assert_eq!(relative_path("v1/me", SERVER).unwrap(), "v1/me");
        assert_eq!(
            relative_path("http://127.0.0.1:8700/v1/tokens?limit=2", SERVER).unwrap(),
            "v1/tokens?limit=2"
        );
        let secret = crate::api::secret::generate(crate::api::secret::TokenType::Pat);
        let in_path = format!("v1/tokens/{}", secret.expose());
        let in_query = format!("v1/tokens?x={}", secret.expose());
        for bad in [
            "https://evil.example/v1/me",
            "http://127.0.0.1:8701/v1/me",
            "https://127.0.0.1:8700/v1/me",
            "//evil.example/v1/me",
            "/\\evil.example/v1/me",
            "v1/../../x",
            &in_path,
            &in_query,
            "v1/tokens?access_token=x",
            "",
        ] {
            let e = relative_path(bad, SERVER).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(!e.to_string().contains("tokctl_pat_"), "{e}");
        }
    }

    #[test]
    fn a_server_with_a_path_prefix_keeps_it() {
        let s = "https://tok.example.com/api";
        assert_eq!(
            relative_path("https://tok.example.com/api/v1/me", s).unwrap(),
            "v1/me"
        );
        assert!(relative_path("https://tok.example.com/other/v1/me", s).is_err());
    }

    #[test]
    fn typed_fields_are_json() {
        assert_eq!(typed("5"), Value::from(5));
        assert_eq!(typed("true"), Value::Bool(true));
        assert_eq!(typed("null"), Value::Null);
        assert_eq!(typed("1.5"), Value::from(1.5));
        assert_eq!(typed("ci"), Value::from("ci"));
        assert_eq!(typed("05x"), Value::from("05x"));
    }

    #[test]
    fn methods_are_checked() {
        assert_eq!(method("delete").unwrap(), Method::DELETE);
        assert_eq!(method("BREW").unwrap_err().exit_code(), 2);
    }
}
