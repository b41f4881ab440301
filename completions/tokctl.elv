
use builtin;
use str;

set edit:completion:arg-completer[tokctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tokctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tokctl'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Log in: the session goes into the OS keyring, the server URL and email into the config dir'
            cand logout 'Revoke this profile''s session on the server and delete it from the keyring (a token given with `login --with-token` is only forgotten, unless `--revoke`)'
            cand status 'Every profile: server, identity, credential expiry, keyring state, whether the server answers; exit 3 when the active profile is not logged in'
            cand whoami 'Who the credential is: user, org, role, the credential and its expiry, permissions, server'
            cand mint 'Mint a new token; its secret is printed once (alone on stdout when piped)'
            cand delegate 'Hand a narrower, short-lived child of the credential in use to a sub-agent or tool (RFC 8693 token exchange); revoking the credential revokes it too'
            cand list 'List tokens (yours by default); `--all` includes revoked and expired ones'
            cand show 'Show one token by id or name'
            cand revoke 'Revoke tokens by id or name, or every token and session of a member (offboarding)'
            cand rotate 'New secret for the same token (same id, name, scopes and limits)'
            cand users 'Members of the org: people and service accounts'
            cand audit 'The org''s audit events, or its access log with `--access`'
            cand usage 'Usage statistics of one token: requests, error rate, most used resources, latency'
            cand org 'The org''s settings'
            cand trust 'CI trust policies: which CI jobs (by their OpenID Connect ID token) get a short-lived token of which service account, with no stored secret (`tokctl login --oidc`)'
            cand api 'Any API call with the profile''s credential; the answer''s JSON on stdout (like `gh api`)'
            cand scan 'Find tokctl secrets in files, stdin or git history; exit 9 when one is found'
            cand completions 'Print a shell completion script (it completes token, member, scope and profile names)'
            cand server 'Run the token service'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;login'= {
            cand --email 'Your email (default: the profile''s; prompted on a terminal)'
            cand --audience 'The audience to ask GitHub Actions for (the trust policy''s `--audience`; default: the server URL)'
            cand --id-token-env 'Read the ID token from this environment variable (GitLab CI''s `id_tokens:`)'
            cand --id-token-file 'Read the ID token from this file (`-` = stdin)'
            cand --exec 'Run CMD with `sh -c`, the new secret on its stdin (one line), instead of printing it'
            cand --session-name 'Name of the new session, shown by `tokctl list --type ses` (default: `cli@<hostname>`)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --password-stdin 'Read the password from stdin (one line; its LF or CRLF is stripped)'
            cand --with-token 'Read an existing session or token secret from stdin instead of logging in with a password'
            cand --oidc 'In a CI job: exchange the job''s OpenID Connect ID token for a short-lived token of the service account a trust policy names, and print its secret (or hand it to `--exec`); nothing is stored, neither in the keyring nor in a file. The ID token comes from GitHub Actions itself (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, `permissions: id-token: write`), from `--id-token-env`, or from `--id-token-file`'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;logout'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --revoke 'Also revoke a token given with `login --with-token` (a session is always revoked)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;status'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;whoami'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;mint'= {
            cand --scope 'A permission the token may use (repeatable, or comma-separated: `--scope a,b`); blank or `*` = your full role, `work:*` = every `work:` permission (asked on a terminal when not given)'
            cand --scopes 'A permission the token may use (repeatable, or comma-separated: `--scope a,b`); blank or `*` = your full role, `work:*` = every `work:` permission (asked on a terminal when not given)'
            cand --type 'Token type'
            cand --expires 'Lifetime (`90m`, `12h`, `30d`, `52w`), a date (`2027-01-31` or RFC 3339) or `never` (default: the org''s, 30d)'
            cand --rate-limit '`N/min` or `N/hour` (repeatable, one of each; default: the org''s, 60/min and 1000/hour)'
            cand --allow-cidr 'Only requests from this network may use the token (repeatable)'
            cand --description 'What the token is for (at most 1024 characters)'
            cand --owner 'Mint for this service account (admins)'
            cand --audience 'A resource the token may be presented to (RFC 8707; repeatable), e.g. an MCP server''s URL; `tokctl` names tokctl''s own API, without which the token cannot call it. Default: any (minted with a token: that token''s audience, which may only be narrowed)'
            cand --exec 'Run CMD with `sh -c`, the new secret on its stdin (one line) and TOKCTL_TOKEN_ID in its environment (TOKCTL_TOKEN and any other credential taken out), instead of printing the secret; tokctl exits with CMD''s status'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --dry-run 'Run the server''s checks and print what would happen; change nothing'
            cand --revoke-on-failure 'When CMD fails, revoke the new token instead of leaving it in place'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;delegate'= {
            cand --scope 'A permission the child may use (repeatable, or comma-separated), within the credential''s own (default: all of the credential''s permissions)'
            cand --scopes 'A permission the child may use (repeatable, or comma-separated), within the credential''s own (default: all of the credential''s permissions)'
            cand --expires 'Lifetime (`10m`, `2h`) or a date (default 15m; never beyond the credential''s expiry)'
            cand --audience 'A resource the child may be presented to (RFC 8707; repeatable), within the credential''s audience; `tokctl` names tokctl''s own API (default: the credential''s audience)'
            cand --exec 'Run CMD with `sh -c` and the child''s secret in its environment as TOKCTL_TOKEN (with TOKCTL_TOKEN_ID and TOKCTL_SERVER), never in its argv or on stdout; the child is revoked when CMD exits, and tokctl exits with CMD''s status'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;list'= {
            cand --user 'List the tokens of this member (email or service account name; tokens:admin)'
            cand --expiring-within 'Only active tokens expiring within this duration'
            cand --unused-for 'Only tokens not used for this duration (never-used ones included)'
            cand --type 'Only tokens of this type'
            cand --status 'Only tokens in this state (default: active)'
            cand -o 'Output format (default: table; `--json` means json)'
            cand --output 'Output format (default: table; `--json` means json)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --all 'Include revoked and expired tokens (same as `--status all`)'
            cand --tree 'Draw the delegation tree: each token under the token that minted it'
            cand --everyone 'List everyone''s tokens (tokens:admin)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;show'= {
            cand --owner 'The token''s owner, to find a service account''s token by name (admins)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;revoke'= {
            cand --user 'Revoke every token and session of this member (offboarding; needs `--all`)'
            cand --reason 'Why, for the audit log'
            cand --owner 'The tokens'' owner, to find a service account''s token by name (admins)'
            cand --secret-file 'Like `--secret-stdin`, the secret read from FILE (its only content, surrounding whitespace ignored)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --all 'With `--user`: every token and session of the member'
            cand --dry-run 'List what would be revoked (the server''s checks run); change nothing'
            cand --secret-stdin 'Revoke the token whose secret is on stdin (one line), as a leak report: needs no login and no token id ("I pasted my token in chat"). The secret goes in a request body, never a URL or a command line'
            cand -y 'Answer yes to the confirmation'
            cand --yes 'Answer yes to the confirmation'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;rotate'= {
            cand --expires 'New lifetime or date (default: the lifetime the token had)'
            cand --grace 'How long the old secret keeps working (at most 1h; default 0)'
            cand --owner 'The token''s owner, to find a service account''s token by name (admins)'
            cand --exec 'Run CMD with `sh -c`, the new secret on its stdin (one line) and TOKCTL_TOKEN_ID in its environment (TOKCTL_TOKEN and any other credential taken out), instead of printing the secret; tokctl exits with CMD''s status'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --dry-run 'Run the server''s checks and print what would happen; change nothing'
            cand --revoke-on-failure 'When CMD fails, revoke the new token instead of leaving it in place'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;users'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the org''s members'
            cand add 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)'
            cand set-role 'Change a member''s role; their tokens narrow or widen at once'
            cand remove 'Remove a member: deactivate them and revoke every token and session they have'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;users;list'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;users;add'= {
            cand --role 'role'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --service 'A service account: no password, no session; admins mint its tokens with `--owner NAME`'
            cand --password-stdin 'Read the new person''s password from stdin (one line)'
            cand --dry-run 'Run the server''s checks and print what would happen; change nothing'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;users;set-role'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --dry-run 'Run the server''s checks and print what would happen; change nothing'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;users;remove'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --dry-run 'Run the server''s checks and print what would happen; change nothing'
            cand -y 'Answer yes to the confirmation'
            cand --yes 'Answer yes to the confirmation'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;users;help'= {
            cand list 'List the org''s members'
            cand add 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)'
            cand set-role 'Change a member''s role; their tokens narrow or widen at once'
            cand remove 'Remove a member: deactivate them and revoke every token and session they have'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;users;help;list'= {
        }
        &'tokctl;users;help;add'= {
        }
        &'tokctl;users;help;set-role'= {
        }
        &'tokctl;users;help;remove'= {
        }
        &'tokctl;users;help;help'= {
        }
        &'tokctl;audit'= {
            cand --token 'Only rows about this token (id or name)'
            cand --user 'Only rows of this member (email or service account name)'
            cand --action 'Only events of this action (`token.mint`, `token.revoke`, `session.login`, …)'
            cand --since 'Only rows newer than this: a duration back from now (`7d`) or a date'
            cand --limit 'At most this many rows (default: all, following pagination)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --access 'The access log (one row per authenticated request) instead of lifecycle events'
            cand --descendants 'With --token: the rows of every token delegated from it too (its whole subtree)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;usage'= {
            cand --since 'Only requests newer than this: a duration back from now (`7d`) or a date'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;org'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand policy 'Show the token policy, or change it with `--set KEY=VALUE` (owner)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;org;policy'= {
            cand --set '`default_expiry=30d`, `max_expiry=90d`, `allow_never=true`, `default_rate_limit=60/min,1000/hour`, `max_rate_limit=none`, `session_rate_limit=…`, `session_ttl=30d`, `max_trust_lifetime=15m` (repeatable)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --dry-run 'With `--set`: run the server''s checks and print old and new; change nothing'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;org;help'= {
            cand policy 'Show the token policy, or change it with `--set KEY=VALUE` (owner)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;org;help;policy'= {
        }
        &'tokctl;org;help;help'= {
        }
        &'tokctl;trust'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy''s scopes, lifetime and limits'
            cand list 'The org''s trust policies'
            cand show 'One trust policy in full, for review: who can obtain what'
            cand remove 'Remove a trust policy; tokens it made live out their minutes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;trust;add'= {
            cand --issuer 'The ID tokens'' issuer, exactly as their `iss` (GitHub Actions: https://token.actions.githubusercontent.com; GitLab: https://gitlab.com)'
            cand --audience 'The ID token''s `aud` must contain this'
            cand --subject 'Pattern for the ID token''s `sub`: exact, or `*` globs over the whole value (`repo:acme/api:ref:refs/heads/main`, `repo:acme/*:environment:prod`)'
            cand --claim 'A further claim that must match (repeatable): `KEY=PATTERN`, e.g. `ref_protected=true`, `project_path=acme/*`'
            cand --owner 'The service account whose tokens the exchange mints'
            cand --scope 'A permission of the tokens (repeatable or comma-separated; blank = the service account''s full role)'
            cand --expires 'Lifetime of each token (default and maximum: the org policy''s max_trust_lifetime, 15m unless raised, at most 1h)'
            cand --rate-limit '`N/min` or `N/hour` (repeatable, one of each)'
            cand --allow-cidr 'Only requests from this network may use the tokens (repeatable)'
            cand --jwks-file 'The issuer''s JWK Set, for an issuer the server cannot reach (no discovery then)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --dry-run 'Run the server''s checks and print the policy as it would be; change nothing'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;trust;list'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;trust;show'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;trust;remove'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --dry-run 'Print the policy that would be removed; change nothing'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;trust;help'= {
            cand add 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy''s scopes, lifetime and limits'
            cand list 'The org''s trust policies'
            cand show 'One trust policy in full, for review: who can obtain what'
            cand remove 'Remove a trust policy; tokens it made live out their minutes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;trust;help;add'= {
        }
        &'tokctl;trust;help;list'= {
        }
        &'tokctl;trust;help;show'= {
        }
        &'tokctl;trust;help;remove'= {
        }
        &'tokctl;trust;help;help'= {
        }
        &'tokctl;api'= {
            cand -X 'The HTTP method (default: GET, or POST when fields or --input are given)'
            cand --method 'The HTTP method (default: GET, or POST when fields or --input are given)'
            cand -f 'A string field of the JSON body (repeatable); query parameters for GET'
            cand --raw-field 'A string field of the JSON body (repeatable); query parameters for GET'
            cand -F 'A typed field: numbers, true, false and null as JSON, anything else a string'
            cand --field 'A typed field: numbers, true, false and null as JSON, anything else a string'
            cand --input 'Send this file as the body (`-` reads stdin)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;scan'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --git 'Scan every commit reachable from HEAD (`git log -p`), not the files on disk'
            cand --no-ignore 'Also read files that .gitignore, .ignore and .git/info/exclude leave out'
            cand --sarif 'Print SARIF 2.1.0 on stdout (GitHub code scanning and other code-scanning UIs)'
            cand --report 'Report what is found to the server''s `POST /v1/leaks`, which revokes each live secret at once (no login needed; the server is --server, TOKCTL_SERVER or the profile''s)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;completions'= {
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --static 'Print the static script (what `completions/` holds): commands and flags only, no token, member or profile names'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;server'= {
            cand --listen 'Address to listen on'
            cand --database 'A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user''s data dir)'
            cand --redis 'Keep per-token rate-limit counters in Redis (`redis://HOST:PORT[/DB]`), shared by every replica given the same URL, instead of in the PostgreSQL database'
            cand --trusted-proxy 'Reverse proxies whose X-Forwarded-For / Forwarded / X-Real-IP are believed (repeatable CIDR)'
            cand --mcp-allowed-origin 'A browser origin allowed to call `/mcp` (repeatable; e.g. `https://app.example.com`, `http://localhost:3000`, `null`). A request with an `Origin` header not listed is refused (403): the MCP spec''s DNS-rebinding defence. Requests without `Origin` (non-browser clients) pass. None by default'
            cand --oidc-min-refetch-secs 'Least time between two fetches of one OIDC issuer''s keys (for tests of key rotation; the default, 1m, is the rule: a made-up `kid` cannot make the server hammer an issuer)'
            cand --github-scanning-keys 'GitHub''s secret-scanning key list as a file (JSON `{"public_keys": [...]}`), read at start, for servers that cannot reach GitHub; see docs/leaks.md'
            cand --github-scanning-keys-url 'Where GitHub publishes its secret-scanning keys, fetched when a report first needs them and kept an hour (ignored with `--github-scanning-keys`)'
            cand --pepper-file 'A file holding the server pepper: secrets are then stored as HMAC-SHA-256 with it'
            cand --max-connections 'The most connections served at once; at the cap new ones wait in the backlog (kept below the open-files limit, which is raised to its maximum at start)'
            cand --retention 'How long audit events and access-log rows are kept'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --metrics-unauthenticated 'Serve `/metrics` without a credential. By default a scrape needs a bearer credential holding `audit:read` (Prometheus: `authorization: credentials_file`)'
            cand --dev 'Bootstrap a throwaway org and owner in a temporary database and print the `export TOKCTL_SERVER=… TOKCTL_TOKEN=…` lines to use it'
            cand --allow-insecure-permissions 'Use a SQLite database even when group or others may read or write its files (unix; by default it is refused, as ssh refuses a key file others can read)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the org and its owner in a new database'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;server;init'= {
            cand --org 'The organization''s name'
            cand --owner 'The owner''s email'
            cand --database 'A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user''s data dir)'
            cand --server 'URL of the token service (default: the profile''s, saved by `tokctl login`)'
            cand --profile 'Which saved login to use; one profile per server and user'
            cand --jq 'Filter the JSON output with a jq expression (implies --json); strings print raw'
            cand --timeout 'Seconds to wait for the server''s answer before giving up (exit 8)'
            cand --password-stdin 'Read the owner''s password from stdin (one line)'
            cand --allow-insecure-permissions 'Use a SQLite database even when group or others may read or write its files (unix; by default it is refused, as ssh refuses a key file others can read)'
            cand --json 'Print one JSON document on stdout (errors as JSON on stderr)'
            cand -q 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand --quiet 'Print nothing on stderr but errors (no notices, no expiry warning)'
            cand -y 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --yes 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
            cand --no-input 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;server;help'= {
            cand init 'Create the org and its owner in a new database'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;server;help;init'= {
        }
        &'tokctl;server;help;help'= {
        }
        &'tokctl;help'= {
            cand login 'Log in: the session goes into the OS keyring, the server URL and email into the config dir'
            cand logout 'Revoke this profile''s session on the server and delete it from the keyring (a token given with `login --with-token` is only forgotten, unless `--revoke`)'
            cand status 'Every profile: server, identity, credential expiry, keyring state, whether the server answers; exit 3 when the active profile is not logged in'
            cand whoami 'Who the credential is: user, org, role, the credential and its expiry, permissions, server'
            cand mint 'Mint a new token; its secret is printed once (alone on stdout when piped)'
            cand delegate 'Hand a narrower, short-lived child of the credential in use to a sub-agent or tool (RFC 8693 token exchange); revoking the credential revokes it too'
            cand list 'List tokens (yours by default); `--all` includes revoked and expired ones'
            cand show 'Show one token by id or name'
            cand revoke 'Revoke tokens by id or name, or every token and session of a member (offboarding)'
            cand rotate 'New secret for the same token (same id, name, scopes and limits)'
            cand users 'Members of the org: people and service accounts'
            cand audit 'The org''s audit events, or its access log with `--access`'
            cand usage 'Usage statistics of one token: requests, error rate, most used resources, latency'
            cand org 'The org''s settings'
            cand trust 'CI trust policies: which CI jobs (by their OpenID Connect ID token) get a short-lived token of which service account, with no stored secret (`tokctl login --oidc`)'
            cand api 'Any API call with the profile''s credential; the answer''s JSON on stdout (like `gh api`)'
            cand scan 'Find tokctl secrets in files, stdin or git history; exit 9 when one is found'
            cand completions 'Print a shell completion script (it completes token, member, scope and profile names)'
            cand server 'Run the token service'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;help;login'= {
        }
        &'tokctl;help;logout'= {
        }
        &'tokctl;help;status'= {
        }
        &'tokctl;help;whoami'= {
        }
        &'tokctl;help;mint'= {
        }
        &'tokctl;help;delegate'= {
        }
        &'tokctl;help;list'= {
        }
        &'tokctl;help;show'= {
        }
        &'tokctl;help;revoke'= {
        }
        &'tokctl;help;rotate'= {
        }
        &'tokctl;help;users'= {
            cand list 'List the org''s members'
            cand add 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)'
            cand set-role 'Change a member''s role; their tokens narrow or widen at once'
            cand remove 'Remove a member: deactivate them and revoke every token and session they have'
        }
        &'tokctl;help;users;list'= {
        }
        &'tokctl;help;users;add'= {
        }
        &'tokctl;help;users;set-role'= {
        }
        &'tokctl;help;users;remove'= {
        }
        &'tokctl;help;audit'= {
        }
        &'tokctl;help;usage'= {
        }
        &'tokctl;help;org'= {
            cand policy 'Show the token policy, or change it with `--set KEY=VALUE` (owner)'
        }
        &'tokctl;help;org;policy'= {
        }
        &'tokctl;help;trust'= {
            cand add 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy''s scopes, lifetime and limits'
            cand list 'The org''s trust policies'
            cand show 'One trust policy in full, for review: who can obtain what'
            cand remove 'Remove a trust policy; tokens it made live out their minutes'
        }
        &'tokctl;help;trust;add'= {
        }
        &'tokctl;help;trust;list'= {
        }
        &'tokctl;help;trust;show'= {
        }
        &'tokctl;help;trust;remove'= {
        }
        &'tokctl;help;api'= {
        }
        &'tokctl;help;scan'= {
        }
        &'tokctl;help;completions'= {
        }
        &'tokctl;help;server'= {
            cand init 'Create the org and its owner in a new database'
        }
        &'tokctl;help;server;init'= {
        }
        &'tokctl;help;help'= {
        }
    ]
    $completions[$command]
}
