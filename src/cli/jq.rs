//! `--jq EXPR`: a jq filter applied to the one JSON document a `--json` command prints, with
//! the jaq crates (no external `jq`), as `gh --jq` does.
//!
//! Not for parsing anything else: the command builds its document as usual and
//! [`super::output::json`] hands it here when the flag is set.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;

use super::CliError;

type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// Compiles `expr`; a bad expression is a usage error naming `--jq`.
fn compile(expr: &str) -> Result<Filter, CliError> {
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let modules = loader
        .load(
            &arena,
            File {
                code: expr,
                path: (),
            },
        )
        .map_err(|errs| {
            let why = errs
                .into_iter()
                .map(|(_, e)| load_error(e))
                .collect::<Vec<_>>()
                .join("; ");
            bad_expression(expr, &why)
        })?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| {
            let why = errs
                .into_iter()
                .flat_map(|(_, es)| es)
                .map(|(name, undefined)| format!("undefined {} `{name}`", undefined.as_str()))
                .collect::<Vec<_>>()
                .join("; ");
            bad_expression(expr, &why)
        })
}

fn load_error(e: jaq_core::load::Error<&str>) -> String {
    use jaq_core::load::Error;
    match e {
        Error::Io(items) => items
            .into_iter()
            .map(|(path, why)| format!("cannot load `{path}`: {why}"))
            .collect::<Vec<_>>()
            .join("; "),
        Error::Lex(items) => items
            .into_iter()
            .map(|(expected, at)| near(&format!("expected {}", expected.as_str()), at))
            .collect::<Vec<_>>()
            .join("; "),
        Error::Parse(items) => items
            .into_iter()
            .map(|(expected, at)| near(&format!("expected {}", expected.as_str()), at))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Where the parser stopped, as the rest of the expression (a short piece of it).
fn near(what: &str, rest: &str) -> String {
    if rest.is_empty() {
        format!("{what} at the end")
    } else {
        let piece: String = rest.chars().take(20).collect();
        format!("{what} at `{piece}`")
    }
}

fn bad_expression(expr: &str, why: &str) -> CliError {
    CliError::usage(
        format!("--jq: `{expr}` is not a valid jq expression: {why}"),
        Some("for example --jq '.[0].id' or --jq '.[] | .name'".to_string()),
    )
}

/// Checks `expr` before any request, so a typo costs nothing.
pub(crate) fn validate(expr: &str) -> Result<(), CliError> {
    compile(expr).map(|_| ())
}

/// Runs `expr` on `json` (one JSON document) and writes what it yields, one value a line:
/// strings raw (gh and `jq -r` do the same), the rest as JSON, indented when `pretty`.
///
/// An error while running (`.foo` of an array) names `--jq` but not the values involved: the
/// document may hold a new secret, which never goes into an error message.
pub(crate) fn apply(expr: &str, json: &str, pretty: bool) -> Result<String, CliError> {
    let filter = compile(expr)?;
    let input = jaq_json::read::parse_single(json.as_bytes()).map_err(|e| CliError::Io {
        context: "handing the JSON document to --jq".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let pp = jaq_json::write::Pp {
        indent: pretty.then(|| "  ".to_string()),
        sep_space: pretty,
        ..Default::default()
    };
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let mut out: Vec<u8> = Vec::new();
    for v in filter.id.run((ctx, input)).map(unwrap_valr) {
        let v = v.map_err(|_| CliError::JqFailed {
            message: format!(
                "--jq `{expr}` failed on the answer: a step does not fit the document's shape \
                 (indexing an array by name, iterating over a string, …)"
            ),
        })?;
        match &v {
            Val::TStr(bytes) => out.extend_from_slice(bytes),
            _ => jaq_json::write::write(&mut out, &pp, 0, &v)
                .map_err(CliError::io("writing the --jq result"))?,
        }
        out.push(b'\n');
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"[{"id": "tk_1", "n": 2}, {"id": "tk_2", "n": 3, "b": true}]"#;

    #[test]
    fn strings_come_out_raw_and_the_rest_as_json() {
        assert_eq!(apply(".[0].id", DOC, false).unwrap(), "tk_1\n");
        assert_eq!(apply(".[] | .n", DOC, false).unwrap(), "2\n3\n");
        assert_eq!(apply("map(.id) | length", DOC, true).unwrap(), "2\n");
        assert_eq!(
            apply("[.[] | select(.n > 2) | .id]", DOC, false).unwrap(),
            "[\"tk_2\"]\n"
        );
        // Keys keep the document's order; indented on a terminal.
        assert_eq!(
            apply(".[1]", DOC, false).unwrap(),
            "{\"id\":\"tk_2\",\"n\":3,\"b\":true}\n"
        );
        assert_eq!(
            apply(".[0]", DOC, true).unwrap(),
            "{\n  \"id\": \"tk_1\",\n  \"n\": 2\n}\n"
        );
        assert_eq!(apply(".[] | select(.n > 5)", DOC, false).unwrap(), "");
    }

    #[test]
    fn bad_expressions_are_usage_errors_naming_the_flag() {
        for bad in [".[", "nosuchfunction", ".a |", "$undefined"] {
            let e = validate(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().starts_with("--jq:"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_filter_that_fails_on_the_data_says_so() {
        let e = apply(".foo", r#"[{"secret": "tokctl_pat_x"}]"#, false).unwrap_err();
        assert!(e.to_string().contains("--jq"), "{e}");
        // Never the values: they may be a new secret.
        assert!(!e.to_string().contains("tokctl_pat_x"), "{e}");
        assert_eq!(e.exit_code(), 1);
    }
}
