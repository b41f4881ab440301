//! `tokctl users list | add | set-role | remove`: the org's members, people and service
//! accounts.

use super::args::UsersCommand;
use super::{CliError, Ctx, output, prompt, read_secret_line};
use crate::api::perms::Role;
use crate::api::types::{AddUserRequest, PatchUserRequest};
use crate::api::validate;

pub(crate) async fn run(ctx: &Ctx, c: UsersCommand) -> Result<u8, CliError> {
    match c {
        UsersCommand::List => {
            let users = ctx.client()?.list_users().await?;
            if ctx.global.json {
                output::json(&users)?;
            } else {
                output::stdout(&output::users_table(&users))?;
            }
        }
        UsersCommand::Add(a) => {
            let role: Role = a.role.into();
            let req = if a.service {
                validate::service_name(&a.who).map_err(|e| {
                    CliError::usage(format!("NAME `{}` is not valid: {e}", a.who), None)
                })?;
                AddUserRequest {
                    email: None,
                    name: Some(a.who.clone()),
                    role,
                    password: None,
                    service: true,
                    dry_run: a.dry_run,
                }
            } else {
                if let Err(e) = validate::email(&a.who) {
                    return Err(CliError::usage(
                        format!("EMAIL `{}` is {e}", a.who),
                        Some(format!(
                            "a person is added by email; a service account with `tokctl users add {} --service --role ROLE`",
                            a.who
                        )),
                    ));
                }
                let password = if a.password_stdin {
                    read_secret_line("--password-stdin")?
                } else if ctx.can_prompt() {
                    prompt::password(ctx, &format!("Password for {}", a.who), true)?
                } else {
                    return Err(prompt::missing(
                        "--password-stdin",
                        Some("a person needs a password: pipe it in with --password-stdin, or add a service account with --service".into()),
                    ));
                };
                AddUserRequest {
                    email: Some(a.who.clone()),
                    name: None,
                    role,
                    password: Some(password),
                    service: false,
                    dry_run: a.dry_run,
                }
            };
            let client = ctx.client()?;
            let user = client.add_user(&req).await?;
            if a.dry_run {
                return super::dry_run::member(ctx, true, &user);
            }
            if ctx.global.json {
                output::json(&user)?;
            } else if user.service {
                ctx.notice(format!(
                    "Added service account {} ({}). Mint its tokens with `tokctl mint NAME --owner {}`.",
                    user.name, user.role, user.name
                ));
            } else {
                ctx.notice(format!(
                    "Added {} ({}).",
                    user.email.as_deref().unwrap_or(&user.name),
                    user.role
                ));
            }
        }
        UsersCommand::SetRole(a) => {
            let req = PatchUserRequest {
                role: a.role.into(),
                dry_run: a.dry_run,
            };
            let user = ctx.client()?.set_role(&a.member, &req).await?;
            if a.dry_run {
                return super::dry_run::member(ctx, false, &user);
            }
            if ctx.global.json {
                output::json(&user)?;
            } else {
                ctx.notice(format!(
                    "{} is now {}; their tokens follow the new role at once.",
                    a.member, user.role
                ));
            }
        }
        UsersCommand::Remove(a) => {
            let client = ctx.client()?;
            if a.dry_run {
                let preview = client.remove_user_dry_run(&a.member).await?;
                return super::dry_run::removed(ctx, &a.member, &preview);
            }
            let question = format!(
                "Remove {}? Every token and session they have is revoked at once",
                a.member
            );
            if !prompt::confirm_destructive(ctx, &question)? {
                ctx.notice("Nothing removed.");
                return Ok(crate::api::error::exit::OTHER);
            }
            let result = client.remove_user(&a.member).await?;
            if ctx.global.json {
                output::json(&result)?;
            } else {
                ctx.notice(format!(
                    "Removed {}; revoked {} token(s) and session(s).",
                    a.member, result.count
                ));
            }
        }
    }
    Ok(0)
}
