//! Long output (`audit`, `list --all`) through a pager, only when stdout is a terminal: a pipe
//! or a file always gets the text itself.
//!
//! The pager is `TOKCTL_PAGER`, else `PAGER`, else `less -FRX` (quits at once when the text
//! fits one screen, keeps colours, leaves the text on the screen); an empty value or `cat` means
//! none. It runs through the shell, as git runs its pager, so it may carry arguments.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};

use super::{CliError, output};

const DEFAULT: &str = "less -FRX";

/// Prints `text` on stdout, through the pager when stdout is a terminal.
pub(crate) fn page(text: &str) -> Result<(), CliError> {
    if !std::io::stdout().is_terminal() {
        return output::stdout(text);
    }
    match choose(std::env::var_os("TOKCTL_PAGER"), std::env::var_os("PAGER")) {
        Some(cmd) => run(&cmd, text),
        None => output::stdout(text),
    }
}

/// The pager command line, or None for no pager.
fn choose(tokctl_pager: Option<OsString>, pager: Option<OsString>) -> Option<String> {
    let cmd = tokctl_pager
        .or(pager)
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT.to_string());
    let cmd = cmd.trim();
    (!cmd.is_empty() && cmd != "cat").then(|| cmd.to_string())
}

fn shell(cmd: &str) -> Command {
    #[cfg(windows)]
    {
        let mut c = Command::new("cmd");
        c.args(["/C", cmd]);
        c
    }
    #[cfg(not(windows))]
    {
        let mut c = Command::new("sh");
        c.args(["-c", cmd]);
        c
    }
}

fn run(cmd: &str, text: &str) -> Result<(), CliError> {
    let mut command = shell(cmd);
    command.stdin(Stdio::piped());
    // As git does: a bare `less` still keeps colours and quits on a short text.
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        command.env("LV", "-c");
    }
    let Ok(mut child) = command.spawn() else {
        return output::stdout(text);
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The reader quitting early (`q` in less) is no error.
        match stdin.write_all(text.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(CliError::io(format!("writing to the pager `{cmd}`"))(e));
            }
            _ => {}
        }
    }
    let status = child
        .wait()
        .map_err(CliError::io(format!("waiting for the pager `{cmd}`")))?;
    // The shell could not find the pager: show the text anyway.
    if status.code() == Some(127) {
        eprintln!("warning: pager `{cmd}` not found; set TOKCTL_PAGER (empty for none)");
        return output::stdout(text);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokctl_pager_first_then_pager_then_less_and_empty_or_cat_means_none() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(choose(None, None).as_deref(), Some("less -FRX"));
        assert_eq!(choose(None, s("most")).as_deref(), Some("most"));
        assert_eq!(choose(s("bat -p"), s("most")).as_deref(), Some("bat -p"));
        assert_eq!(choose(s(""), s("most")), None);
        assert_eq!(choose(s("cat"), None), None);
        assert_eq!(choose(None, s("")), None);
    }
}
