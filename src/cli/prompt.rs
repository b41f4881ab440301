//! Interactive prompts (dialoguer) on stderr. Callers ask [`super::Ctx::can_prompt`] first:
//! without a terminal on stdin and stderr, with `--no-input` or with `CI`, a missing value is
//! a usage error naming its flag, never a prompt that hangs.

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};

use super::{CliError, Ctx};
use crate::api::secret::Secret;

fn theme(ctx: &Ctx) -> Box<dyn Theme> {
    if ctx.color() {
        Box::new(ColorfulTheme::default())
    } else {
        Box::new(SimpleTheme)
    }
}

fn failed(e: dialoguer::Error) -> CliError {
    let dialoguer::Error::IO(source) = e;
    CliError::Io {
        context: "prompt".into(),
        source,
    }
}

/// The usage error for a value that is missing and cannot be asked for.
pub(crate) fn missing(flag: &str, help: Option<String>) -> CliError {
    CliError::usage(
        format!("missing {flag} (not asking: no terminal, --no-input or CI is set)"),
        help,
    )
}

pub(crate) fn input(ctx: &Ctx, prompt: &str, default: Option<&str>) -> Result<String, CliError> {
    let theme = theme(ctx);
    let mut i = dialoguer::Input::<String>::with_theme(theme.as_ref()).with_prompt(prompt);
    if let Some(d) = default {
        i = i.default(d.to_string());
    }
    i.interact_text().map_err(failed)
}

/// A line checked as it is typed: a refused value shows `check`'s reason and is asked again
/// (an empty line too, so a required value says why it is required).
pub(crate) fn input_checked<E: ToString>(
    ctx: &Ctx,
    prompt: &str,
    check: impl Fn(&str) -> Result<(), E>,
) -> Result<String, CliError> {
    let theme = theme(ctx);
    dialoguer::Input::<String>::with_theme(theme.as_ref())
        .with_prompt(prompt)
        .allow_empty(true)
        .validate_with(|v: &String| check(v))
        .interact_text()
        .map_err(failed)
}

/// A hidden password; with `confirm`, asked twice.
pub(crate) fn password(ctx: &Ctx, prompt: &str, confirm: bool) -> Result<Secret, CliError> {
    let theme = theme(ctx);
    let mut p = dialoguer::Password::with_theme(theme.as_ref()).with_prompt(prompt);
    if confirm {
        p = p.with_confirmation("Repeat it", "The two entries differ");
    }
    p.interact().map(Secret::new).map_err(failed)
}

pub(crate) fn confirm(ctx: &Ctx, prompt: &str) -> Result<bool, CliError> {
    let theme = theme(ctx);
    dialoguer::Confirm::with_theme(theme.as_ref())
        .with_prompt(prompt)
        .default(false)
        .interact()
        .map_err(failed)
}

pub(crate) fn select(
    ctx: &Ctx,
    prompt: &str,
    items: &[&str],
    default: usize,
) -> Result<usize, CliError> {
    let theme = theme(ctx);
    dialoguer::Select::with_theme(theme.as_ref())
        .with_prompt(prompt)
        .items(items)
        .default(default)
        .interact()
        .map_err(failed)
}

pub(crate) fn multi_select(
    ctx: &Ctx,
    prompt: &str,
    items: &[String],
) -> Result<Vec<usize>, CliError> {
    let theme = theme(ctx);
    dialoguer::MultiSelect::with_theme(theme.as_ref())
        .with_prompt(prompt)
        .items(items)
        .interact()
        .map_err(failed)
}

/// Asks before a destructive action on a terminal unless `--yes`; without a terminal the
/// action goes ahead (scripts pass `--yes` for clarity, but are never stuck on a prompt).
pub(crate) fn confirm_destructive(ctx: &Ctx, prompt: &str) -> Result<bool, CliError> {
    if ctx.global.yes || !ctx.can_prompt() {
        return Ok(true);
    }
    confirm(ctx, prompt)
}
