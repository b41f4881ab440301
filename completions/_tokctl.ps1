
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tokctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tokctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tokctl' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in: the session goes into the OS keyring, the server URL and email into the config dir')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke this profile''s session on the server and delete it from the keyring (a token given with `login --with-token` is only forgotten, unless `--revoke`)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Every profile: server, identity, credential expiry, keyring state, whether the server answers; exit 3 when the active profile is not logged in')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Who the credential is: user, org, role, the credential and its expiry, permissions, server')
            [CompletionResult]::new('mint', 'mint', [CompletionResultType]::ParameterValue, 'Mint a new token; its secret is printed once (alone on stdout when piped)')
            [CompletionResult]::new('delegate', 'delegate', [CompletionResultType]::ParameterValue, 'Hand a narrower, short-lived child of the credential in use to a sub-agent or tool (RFC 8693 token exchange); revoking the credential revokes it too')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tokens (yours by default); `--all` includes revoked and expired ones')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token by id or name')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke tokens by id or name, or every token and session of a member (offboarding)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'New secret for the same token (same id, name, scopes and limits)')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Members of the org: people and service accounts')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'The org''s audit events, or its access log with `--access`')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Usage statistics of one token: requests, error rate, most used resources, latency')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'The org''s settings')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'CI trust policies: which CI jobs (by their OpenID Connect ID token) get a short-lived token of which service account, with no stored secret (`tokctl login --oidc`)')
            [CompletionResult]::new('api', 'api', [CompletionResultType]::ParameterValue, 'Any API call with the profile''s credential; the answer''s JSON on stdout (like `gh api`)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find tokctl secrets in files, stdin or git history; exit 9 when one is found')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (it completes token, member, scope and profile names)')
            [CompletionResult]::new('server', 'server', [CompletionResultType]::ParameterValue, 'Run the token service')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;login' {
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Your email (default: the profile''s; prompted on a terminal)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'The audience to ask GitHub Actions for (the trust policy''s `--audience`; default: the server URL)')
            [CompletionResult]::new('--id-token-env', '--id-token-env', [CompletionResultType]::ParameterName, 'Read the ID token from this environment variable (GitLab CI''s `id_tokens:`)')
            [CompletionResult]::new('--id-token-file', '--id-token-file', [CompletionResultType]::ParameterName, 'Read the ID token from this file (`-` = stdin)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run CMD with `sh -c`, the new secret on its stdin (one line), instead of printing it')
            [CompletionResult]::new('--session-name', '--session-name', [CompletionResultType]::ParameterName, 'Name of the new session, shown by `tokctl list --type ses` (default: `cli@<hostname>`)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from stdin (one line; its LF or CRLF is stripped)')
            [CompletionResult]::new('--with-token', '--with-token', [CompletionResultType]::ParameterName, 'Read an existing session or token secret from stdin instead of logging in with a password')
            [CompletionResult]::new('--oidc', '--oidc', [CompletionResultType]::ParameterName, 'In a CI job: exchange the job''s OpenID Connect ID token for a short-lived token of the service account a trust policy names, and print its secret (or hand it to `--exec`); nothing is stored, neither in the keyring nor in a file. The ID token comes from GitHub Actions itself (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, `permissions: id-token: write`), from `--id-token-env`, or from `--id-token-file`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;logout' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'Also revoke a token given with `login --with-token` (a session is always revoked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;status' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;whoami' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;mint' {
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A permission the token may use (repeatable, or comma-separated: `--scope a,b`); blank or `*` = your full role, `work:*` = every `work:` permission (asked on a terminal when not given)')
            [CompletionResult]::new('--scopes', '--scopes', [CompletionResultType]::ParameterName, 'A permission the token may use (repeatable, or comma-separated: `--scope a,b`); blank or `*` = your full role, `work:*` = every `work:` permission (asked on a terminal when not given)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Token type')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'Lifetime (`90m`, `12h`, `30d`, `52w`), a date (`2027-01-31` or RFC 3339) or `never` (default: the org''s, 30d)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, '`N/min` or `N/hour` (repeatable, one of each; default: the org''s, 60/min and 1000/hour)')
            [CompletionResult]::new('--allow-cidr', '--allow-cidr', [CompletionResultType]::ParameterName, 'Only requests from this network may use the token (repeatable)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'What the token is for (at most 1024 characters)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Mint for this service account (admins)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'A resource the token may be presented to (RFC 8707; repeatable), e.g. an MCP server''s URL; `tokctl` names tokctl''s own API, without which the token cannot call it. Default: any (minted with a token: that token''s audience, which may only be narrowed)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run CMD with `sh -c`, the new secret on its stdin (one line) and TOKCTL_TOKEN_ID in its environment (TOKCTL_TOKEN and any other credential taken out), instead of printing the secret; tokctl exits with CMD''s status')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the server''s checks and print what would happen; change nothing')
            [CompletionResult]::new('--revoke-on-failure', '--revoke-on-failure', [CompletionResultType]::ParameterName, 'When CMD fails, revoke the new token instead of leaving it in place')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;delegate' {
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A permission the child may use (repeatable, or comma-separated), within the credential''s own (default: all of the credential''s permissions)')
            [CompletionResult]::new('--scopes', '--scopes', [CompletionResultType]::ParameterName, 'A permission the child may use (repeatable, or comma-separated), within the credential''s own (default: all of the credential''s permissions)')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'Lifetime (`10m`, `2h`) or a date (default 15m; never beyond the credential''s expiry)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'A resource the child may be presented to (RFC 8707; repeatable), within the credential''s audience; `tokctl` names tokctl''s own API (default: the credential''s audience)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run CMD with `sh -c` and the child''s secret in its environment as TOKCTL_TOKEN (with TOKCTL_TOKEN_ID and TOKCTL_SERVER), never in its argv or on stdout; the child is revoked when CMD exits, and tokctl exits with CMD''s status')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;list' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'List the tokens of this member (email or service account name; tokens:admin)')
            [CompletionResult]::new('--expiring-within', '--expiring-within', [CompletionResultType]::ParameterName, 'Only active tokens expiring within this duration')
            [CompletionResult]::new('--unused-for', '--unused-for', [CompletionResultType]::ParameterName, 'Only tokens not used for this duration (never-used ones included)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only tokens of this type')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tokens in this state (default: active)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (default: table; `--json` means json)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (default: table; `--json` means json)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include revoked and expired tokens (same as `--status all`)')
            [CompletionResult]::new('--tree', '--tree', [CompletionResultType]::ParameterName, 'Draw the delegation tree: each token under the token that minted it')
            [CompletionResult]::new('--everyone', '--everyone', [CompletionResultType]::ParameterName, 'List everyone''s tokens (tokens:admin)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;show' {
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The token''s owner, to find a service account''s token by name (admins)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;revoke' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Revoke every token and session of this member (offboarding; needs `--all`)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, for the audit log')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The tokens'' owner, to find a service account''s token by name (admins)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Like `--secret-stdin`, the secret read from FILE (its only content, surrounding whitespace ignored)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With `--user`: every token and session of the member')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be revoked (the server''s checks run); change nothing')
            [CompletionResult]::new('--secret-stdin', '--secret-stdin', [CompletionResultType]::ParameterName, 'Revoke the token whose secret is on stdin (one line), as a leak report: needs no login and no token id ("I pasted my token in chat"). The secret goes in a request body, never a URL or a command line')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to the confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to the confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;rotate' {
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'New lifetime or date (default: the lifetime the token had)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the old secret keeps working (at most 1h; default 0)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The token''s owner, to find a service account''s token by name (admins)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Run CMD with `sh -c`, the new secret on its stdin (one line) and TOKCTL_TOKEN_ID in its environment (TOKCTL_TOKEN and any other credential taken out), instead of printing the secret; tokctl exits with CMD''s status')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the server''s checks and print what would happen; change nothing')
            [CompletionResult]::new('--revoke-on-failure', '--revoke-on-failure', [CompletionResultType]::ParameterName, 'When CMD fails, revoke the new token instead of leaving it in place')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;users' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the org''s members')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)')
            [CompletionResult]::new('set-role', 'set-role', [CompletionResultType]::ParameterValue, 'Change a member''s role; their tokens narrow or widen at once')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a member: deactivate them and revoke every token and session they have')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;users;list' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;users;add' {
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'role')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'A service account: no password, no session; admins mint its tokens with `--owner NAME`')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the new person''s password from stdin (one line)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the server''s checks and print what would happen; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;users;set-role' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the server''s checks and print what would happen; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;users;remove' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the server''s checks and print what would happen; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to the confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to the confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;users;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the org''s members')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)')
            [CompletionResult]::new('set-role', 'set-role', [CompletionResultType]::ParameterValue, 'Change a member''s role; their tokens narrow or widen at once')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a member: deactivate them and revoke every token and session they have')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;users;help;list' {
            break
        }
        'tokctl;users;help;add' {
            break
        }
        'tokctl;users;help;set-role' {
            break
        }
        'tokctl;users;help;remove' {
            break
        }
        'tokctl;users;help;help' {
            break
        }
        'tokctl;audit' {
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Only rows about this token (id or name)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only rows of this member (email or service account name)')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only events of this action (`token.mint`, `token.revoke`, `session.login`, …)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only rows newer than this: a duration back from now (`7d`) or a date')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many rows (default: all, following pagination)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--access', '--access', [CompletionResultType]::ParameterName, 'The access log (one row per authenticated request) instead of lifecycle events')
            [CompletionResult]::new('--descendants', '--descendants', [CompletionResultType]::ParameterName, 'With --token: the rows of every token delegated from it too (its whole subtree)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;usage' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests newer than this: a duration back from now (`7d`) or a date')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;org' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show the token policy, or change it with `--set KEY=VALUE` (owner)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;org;policy' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, '`default_expiry=30d`, `max_expiry=90d`, `allow_never=true`, `default_rate_limit=60/min,1000/hour`, `max_rate_limit=none`, `session_rate_limit=…`, `session_ttl=30d`, `max_trust_lifetime=15m` (repeatable)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'With `--set`: run the server''s checks and print old and new; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;org;help' {
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show the token policy, or change it with `--set KEY=VALUE` (owner)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;org;help;policy' {
            break
        }
        'tokctl;org;help;help' {
            break
        }
        'tokctl;trust' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy''s scopes, lifetime and limits')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The org''s trust policies')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One trust policy in full, for review: who can obtain what')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a trust policy; tokens it made live out their minutes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;trust;add' {
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The ID tokens'' issuer, exactly as their `iss` (GitHub Actions: https://token.actions.githubusercontent.com; GitLab: https://gitlab.com)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'The ID token''s `aud` must contain this')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Pattern for the ID token''s `sub`: exact, or `*` globs over the whole value (`repo:acme/api:ref:refs/heads/main`, `repo:acme/*:environment:prod`)')
            [CompletionResult]::new('--claim', '--claim', [CompletionResultType]::ParameterName, 'A further claim that must match (repeatable): `KEY=PATTERN`, e.g. `ref_protected=true`, `project_path=acme/*`')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The service account whose tokens the exchange mints')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A permission of the tokens (repeatable or comma-separated; blank = the service account''s full role)')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'Lifetime of each token (default and maximum: the org policy''s max_trust_lifetime, 15m unless raised, at most 1h)')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, '`N/min` or `N/hour` (repeatable, one of each)')
            [CompletionResult]::new('--allow-cidr', '--allow-cidr', [CompletionResultType]::ParameterName, 'Only requests from this network may use the tokens (repeatable)')
            [CompletionResult]::new('--jwks-file', '--jwks-file', [CompletionResultType]::ParameterName, 'The issuer''s JWK Set, for an issuer the server cannot reach (no discovery then)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Run the server''s checks and print the policy as it would be; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;trust;list' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;trust;show' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;trust;remove' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the policy that would be removed; change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;trust;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy''s scopes, lifetime and limits')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The org''s trust policies')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One trust policy in full, for review: who can obtain what')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a trust policy; tokens it made live out their minutes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;trust;help;add' {
            break
        }
        'tokctl;trust;help;list' {
            break
        }
        'tokctl;trust;help;show' {
            break
        }
        'tokctl;trust;help;remove' {
            break
        }
        'tokctl;trust;help;help' {
            break
        }
        'tokctl;api' {
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'The HTTP method (default: GET, or POST when fields or --input are given)')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'The HTTP method (default: GET, or POST when fields or --input are given)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'A string field of the JSON body (repeatable); query parameters for GET')
            [CompletionResult]::new('--raw-field', '--raw-field', [CompletionResultType]::ParameterName, 'A string field of the JSON body (repeatable); query parameters for GET')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'A typed field: numbers, true, false and null as JSON, anything else a string')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'A typed field: numbers, true, false and null as JSON, anything else a string')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'Send this file as the body (`-` reads stdin)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;scan' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--git', '--git', [CompletionResultType]::ParameterName, 'Scan every commit reachable from HEAD (`git log -p`), not the files on disk')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Also read files that .gitignore, .ignore and .git/info/exclude leave out')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Print SARIF 2.1.0 on stdout (GitHub code scanning and other code-scanning UIs)')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Report what is found to the server''s `POST /v1/leaks`, which revokes each live secret at once (no login needed; the server is --server, TOKCTL_SERVER or the profile''s)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;completions' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--static', '--static', [CompletionResultType]::ParameterName, 'Print the static script (what `completions/` holds): commands and flags only, no token, member or profile names')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;server' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--database', '--database', [CompletionResultType]::ParameterName, 'A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user''s data dir)')
            [CompletionResult]::new('--redis', '--redis', [CompletionResultType]::ParameterName, 'Keep per-token rate-limit counters in Redis (`redis://HOST:PORT[/DB]`), shared by every replica given the same URL, instead of in the PostgreSQL database')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'Reverse proxies whose X-Forwarded-For / Forwarded / X-Real-IP are believed (repeatable CIDR)')
            [CompletionResult]::new('--mcp-allowed-origin', '--mcp-allowed-origin', [CompletionResultType]::ParameterName, 'A browser origin allowed to call `/mcp` (repeatable; e.g. `https://app.example.com`, `http://localhost:3000`, `null`). A request with an `Origin` header not listed is refused (403): the MCP spec''s DNS-rebinding defence. Requests without `Origin` (non-browser clients) pass. None by default')
            [CompletionResult]::new('--oidc-min-refetch-secs', '--oidc-min-refetch-secs', [CompletionResultType]::ParameterName, 'Least time between two fetches of one OIDC issuer''s keys (for tests of key rotation; the default, 1m, is the rule: a made-up `kid` cannot make the server hammer an issuer)')
            [CompletionResult]::new('--github-scanning-keys', '--github-scanning-keys', [CompletionResultType]::ParameterName, 'GitHub''s secret-scanning key list as a file (JSON `{"public_keys": [...]}`), read at start, for servers that cannot reach GitHub; see docs/leaks.md')
            [CompletionResult]::new('--github-scanning-keys-url', '--github-scanning-keys-url', [CompletionResultType]::ParameterName, 'Where GitHub publishes its secret-scanning keys, fetched when a report first needs them and kept an hour (ignored with `--github-scanning-keys`)')
            [CompletionResult]::new('--pepper-file', '--pepper-file', [CompletionResultType]::ParameterName, 'A file holding the server pepper: secrets are then stored as HMAC-SHA-256 with it')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'The most connections served at once; at the cap new ones wait in the backlog (kept below the open-files limit, which is raised to its maximum at start)')
            [CompletionResult]::new('--retention', '--retention', [CompletionResultType]::ParameterName, 'How long audit events and access-log rows are kept')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--metrics-unauthenticated', '--metrics-unauthenticated', [CompletionResultType]::ParameterName, 'Serve `/metrics` without a credential. By default a scrape needs a bearer credential holding `audit:read` (Prometheus: `authorization: credentials_file`)')
            [CompletionResult]::new('--dev', '--dev', [CompletionResultType]::ParameterName, 'Bootstrap a throwaway org and owner in a temporary database and print the `export TOKCTL_SERVER=… TOKCTL_TOKEN=…` lines to use it')
            [CompletionResult]::new('--allow-insecure-permissions', '--allow-insecure-permissions', [CompletionResultType]::ParameterName, 'Use a SQLite database even when group or others may read or write its files (unix; by default it is refused, as ssh refuses a key file others can read)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the org and its owner in a new database')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;server;init' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The organization''s name')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The owner''s email')
            [CompletionResult]::new('--database', '--database', [CompletionResultType]::ParameterName, 'A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user''s data dir)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of the token service (default: the profile''s, saved by `tokctl login`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use; one profile per server and user')
            [CompletionResult]::new('--jq', '--jq', [CompletionResultType]::ParameterName, 'Filter the JSON output with a jq expression (implies --json); strings print raw')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server''s answer before giving up (exit 8)')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the owner''s password from stdin (one line)')
            [CompletionResult]::new('--allow-insecure-permissions', '--allow-insecure-permissions', [CompletionResultType]::ParameterName, 'Use a SQLite database even when group or others may read or write its files (unix; by default it is refused, as ssh refuses a key file others can read)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (errors as JSON on stderr)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors (no notices, no expiry warning)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;server;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the org and its owner in a new database')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;server;help;init' {
            break
        }
        'tokctl;server;help;help' {
            break
        }
        'tokctl;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in: the session goes into the OS keyring, the server URL and email into the config dir')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke this profile''s session on the server and delete it from the keyring (a token given with `login --with-token` is only forgotten, unless `--revoke`)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Every profile: server, identity, credential expiry, keyring state, whether the server answers; exit 3 when the active profile is not logged in')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Who the credential is: user, org, role, the credential and its expiry, permissions, server')
            [CompletionResult]::new('mint', 'mint', [CompletionResultType]::ParameterValue, 'Mint a new token; its secret is printed once (alone on stdout when piped)')
            [CompletionResult]::new('delegate', 'delegate', [CompletionResultType]::ParameterValue, 'Hand a narrower, short-lived child of the credential in use to a sub-agent or tool (RFC 8693 token exchange); revoking the credential revokes it too')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tokens (yours by default); `--all` includes revoked and expired ones')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token by id or name')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke tokens by id or name, or every token and session of a member (offboarding)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'New secret for the same token (same id, name, scopes and limits)')
            [CompletionResult]::new('users', 'users', [CompletionResultType]::ParameterValue, 'Members of the org: people and service accounts')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'The org''s audit events, or its access log with `--access`')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Usage statistics of one token: requests, error rate, most used resources, latency')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'The org''s settings')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'CI trust policies: which CI jobs (by their OpenID Connect ID token) get a short-lived token of which service account, with no stored secret (`tokctl login --oidc`)')
            [CompletionResult]::new('api', 'api', [CompletionResultType]::ParameterValue, 'Any API call with the profile''s credential; the answer''s JSON on stdout (like `gh api`)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find tokctl secrets in files, stdin or git history; exit 9 when one is found')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (it completes token, member, scope and profile names)')
            [CompletionResult]::new('server', 'server', [CompletionResultType]::ParameterValue, 'Run the token service')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;help;login' {
            break
        }
        'tokctl;help;logout' {
            break
        }
        'tokctl;help;status' {
            break
        }
        'tokctl;help;whoami' {
            break
        }
        'tokctl;help;mint' {
            break
        }
        'tokctl;help;delegate' {
            break
        }
        'tokctl;help;list' {
            break
        }
        'tokctl;help;show' {
            break
        }
        'tokctl;help;revoke' {
            break
        }
        'tokctl;help;rotate' {
            break
        }
        'tokctl;help;users' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the org''s members')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)')
            [CompletionResult]::new('set-role', 'set-role', [CompletionResultType]::ParameterValue, 'Change a member''s role; their tokens narrow or widen at once')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a member: deactivate them and revoke every token and session they have')
            break
        }
        'tokctl;help;users;list' {
            break
        }
        'tokctl;help;users;add' {
            break
        }
        'tokctl;help;users;set-role' {
            break
        }
        'tokctl;help;users;remove' {
            break
        }
        'tokctl;help;audit' {
            break
        }
        'tokctl;help;usage' {
            break
        }
        'tokctl;help;org' {
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show the token policy, or change it with `--set KEY=VALUE` (owner)')
            break
        }
        'tokctl;help;org;policy' {
            break
        }
        'tokctl;help;trust' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy''s scopes, lifetime and limits')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The org''s trust policies')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One trust policy in full, for review: who can obtain what')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a trust policy; tokens it made live out their minutes')
            break
        }
        'tokctl;help;trust;add' {
            break
        }
        'tokctl;help;trust;list' {
            break
        }
        'tokctl;help;trust;show' {
            break
        }
        'tokctl;help;trust;remove' {
            break
        }
        'tokctl;help;api' {
            break
        }
        'tokctl;help;scan' {
            break
        }
        'tokctl;help;completions' {
            break
        }
        'tokctl;help;server' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the org and its owner in a new database')
            break
        }
        'tokctl;help;server;init' {
            break
        }
        'tokctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
