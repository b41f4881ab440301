# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tokctl_global_optspecs
    string join \n server= profile= json jq= q/quiet y/yes no-input timeout= h/help V/version
end

function __fish_tokctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tokctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tokctl_using_subcommand
    set -l cmd (__fish_tokctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tokctl -n "__fish_tokctl_needs_command" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_needs_command" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_needs_command" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_needs_command" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "login" -d 'Log in: the session goes into the OS keyring, the server URL and email into the config dir'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "logout" -d 'Revoke this profile\'s session on the server and delete it from the keyring (a token given with `login --with-token` is only forgotten, unless `--revoke`)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "status" -d 'Every profile: server, identity, credential expiry, keyring state, whether the server answers; exit 3 when the active profile is not logged in'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "whoami" -d 'Who the credential is: user, org, role, the credential and its expiry, permissions, server'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "mint" -d 'Mint a new token; its secret is printed once (alone on stdout when piped)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "delegate" -d 'Hand a narrower, short-lived child of the credential in use to a sub-agent or tool (RFC 8693 token exchange); revoking the credential revokes it too'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "list" -d 'List tokens (yours by default); `--all` includes revoked and expired ones'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "show" -d 'Show one token by id or name'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "revoke" -d 'Revoke tokens by id or name, or every token and session of a member (offboarding)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "rotate" -d 'New secret for the same token (same id, name, scopes and limits)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "users" -d 'Members of the org: people and service accounts'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "audit" -d 'The org\'s audit events, or its access log with `--access`'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "usage" -d 'Usage statistics of one token: requests, error rate, most used resources, latency'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "org" -d 'The org\'s settings'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "trust" -d 'CI trust policies: which CI jobs (by their OpenID Connect ID token) get a short-lived token of which service account, with no stored secret (`tokctl login --oidc`)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "api" -d 'Any API call with the profile\'s credential; the answer\'s JSON on stdout (like `gh api`)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "scan" -d 'Find tokctl secrets in files, stdin or git history; exit 9 when one is found'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "completions" -d 'Print a shell completion script (it completes token, member, scope and profile names)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "server" -d 'Run the token service'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l email -d 'Your email (default: the profile\'s; prompted on a terminal)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l audience -d 'The audience to ask GitHub Actions for (the trust policy\'s `--audience`; default: the server URL)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l id-token-env -d 'Read the ID token from this environment variable (GitLab CI\'s `id_tokens:`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l id-token-file -d 'Read the ID token from this file (`-` = stdin)' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l exec -d 'Run CMD with `sh -c`, the new secret on its stdin (one line), instead of printing it' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l session-name -d 'Name of the new session, shown by `tokctl list --type ses` (default: `cli@<hostname>`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l password-stdin -d 'Read the password from stdin (one line; its LF or CRLF is stripped)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l with-token -d 'Read an existing session or token secret from stdin instead of logging in with a password'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l oidc -d 'In a CI job: exchange the job\'s OpenID Connect ID token for a short-lived token of the service account a trust policy names, and print its secret (or hand it to `--exec`); nothing is stored, neither in the keyring nor in a file. The ID token comes from GitHub Actions itself (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, `permissions: id-token: write`), from `--id-token-env`, or from `--id-token-file`'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l revoke -d 'Also revoke a token given with `login --with-token` (a session is always revoked)'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand status" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l scope -l scopes -d 'A permission the token may use (repeatable, or comma-separated: `--scope a,b`); blank or `*` = your full role, `work:*` = every `work:` permission (asked on a terminal when not given)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l type -d 'Token type' -r -f -a "pat\t'A personal access token for scripts and the REST API'
mcp\t'A token for an AI agent using the MCP endpoint'"
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l expires -d 'Lifetime (`90m`, `12h`, `30d`, `52w`), a date (`2027-01-31` or RFC 3339) or `never` (default: the org\'s, 30d)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l rate-limit -d '`N/min` or `N/hour` (repeatable, one of each; default: the org\'s, 60/min and 1000/hour)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l allow-cidr -d 'Only requests from this network may use the token (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l description -d 'What the token is for (at most 1024 characters)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l owner -d 'Mint for this service account (admins)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l audience -d 'A resource the token may be presented to (RFC 8707; repeatable), e.g. an MCP server\'s URL; `tokctl` names tokctl\'s own API, without which the token cannot call it. Default: any (minted with a token: that token\'s audience, which may only be narrowed)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l exec -d 'Run CMD with `sh -c`, the new secret on its stdin (one line) and TOKCTL_TOKEN_ID in its environment (TOKCTL_TOKEN and any other credential taken out), instead of printing the secret; tokctl exits with CMD\'s status' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l dry-run -d 'Run the server\'s checks and print what would happen; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l revoke-on-failure -d 'When CMD fails, revoke the new token instead of leaving it in place'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand mint" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l scope -l scopes -d 'A permission the child may use (repeatable, or comma-separated), within the credential\'s own (default: all of the credential\'s permissions)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l expires -d 'Lifetime (`10m`, `2h`) or a date (default 15m; never beyond the credential\'s expiry)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l audience -d 'A resource the child may be presented to (RFC 8707; repeatable), within the credential\'s audience; `tokctl` names tokctl\'s own API (default: the credential\'s audience)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l exec -d 'Run CMD with `sh -c` and the child\'s secret in its environment as TOKCTL_TOKEN (with TOKCTL_TOKEN_ID and TOKCTL_SERVER), never in its argv or on stdout; the child is revoked when CMD exits, and tokctl exits with CMD\'s status' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand delegate" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l user -d 'List the tokens of this member (email or service account name; tokens:admin)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l expiring-within -d 'Only active tokens expiring within this duration' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l unused-for -d 'Only tokens not used for this duration (never-used ones included)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l type -d 'Only tokens of this type' -r -f -a "pat\t''
mcp\t''
ses\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l status -d 'Only tokens in this state (default: active)' -r -f -a "active\t''
expired\t''
revoked\t''
all\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -s o -l output -d 'Output format (default: table; `--json` means json)' -r -f -a "table\t'A table fitted to the terminal'
json\t'A JSON array of tokens (same as `--json`)'
tsv\t'Tab-separated, no header: id, name, type, owner, scopes, expires_at, last_used_at, status, created_at'"
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l all -d 'Include revoked and expired tokens (same as `--status all`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l tree -d 'Draw the delegation tree: each token under the token that minted it'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l everyone -d 'List everyone\'s tokens (tokens:admin)'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l owner -d 'The token\'s owner, to find a service account\'s token by name (admins)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l user -d 'Revoke every token and session of this member (offboarding; needs `--all`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l reason -d 'Why, for the audit log' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l owner -d 'The tokens\' owner, to find a service account\'s token by name (admins)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l secret-file -d 'Like `--secret-stdin`, the secret read from FILE (its only content, surrounding whitespace ignored)' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l all -d 'With `--user`: every token and session of the member'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l dry-run -d 'List what would be revoked (the server\'s checks run); change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l secret-stdin -d 'Revoke the token whose secret is on stdin (one line), as a leak report: needs no login and no token id ("I pasted my token in chat"). The secret goes in a request body, never a URL or a command line'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -s y -l yes -d 'Answer yes to the confirmation'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l expires -d 'New lifetime or date (default: the lifetime the token had)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l grace -d 'How long the old secret keeps working (at most 1h; default 0)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l owner -d 'The token\'s owner, to find a service account\'s token by name (admins)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l exec -d 'Run CMD with `sh -c`, the new secret on its stdin (one line) and TOKCTL_TOKEN_ID in its environment (TOKCTL_TOKEN and any other credential taken out), instead of printing the secret; tokctl exits with CMD\'s status' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l dry-run -d 'Run the server\'s checks and print what would happen; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l revoke-on-failure -d 'When CMD fails, revoke the new token instead of leaving it in place'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -f -a "list" -d 'List the org\'s members'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -f -a "add" -d 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -f -a "set-role" -d 'Change a member\'s role; their tokens narrow or widen at once'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -f -a "remove" -d 'Remove a member: deactivate them and revoke every token and session they have'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and not __fish_seen_subcommand_from list add set-role remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l role -r -f -a "viewer\t''
member\t''
admin\t''
owner\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l service -d 'A service account: no password, no session; admins mint its tokens with `--owner NAME`'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l password-stdin -d 'Read the new person\'s password from stdin (one line)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l dry-run -d 'Run the server\'s checks and print what would happen; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -l dry-run -d 'Run the server\'s checks and print what would happen; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from set-role" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -l dry-run -d 'Run the server\'s checks and print what would happen; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to the confirmation'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the org\'s members'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "set-role" -d 'Change a member\'s role; their tokens narrow or widen at once'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a member: deactivate them and revoke every token and session they have'
complete -c tokctl -n "__fish_tokctl_using_subcommand users; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l token -d 'Only rows about this token (id or name)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l user -d 'Only rows of this member (email or service account name)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l action -d 'Only events of this action (`token.mint`, `token.revoke`, `session.login`, …)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l since -d 'Only rows newer than this: a duration back from now (`7d`) or a date' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l limit -d 'At most this many rows (default: all, following pagination)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l access -d 'The access log (one row per authenticated request) instead of lifecycle events'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l descendants -d 'With --token: the rows of every token delegated from it too (its whole subtree)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -l since -d 'Only requests newer than this: a duration back from now (`7d`) or a date' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand usage" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -f -a "policy" -d 'Show the token policy, or change it with `--set KEY=VALUE` (owner)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from policy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l set -d '`default_expiry=30d`, `max_expiry=90d`, `allow_never=true`, `default_rate_limit=60/min,1000/hour`, `max_rate_limit=none`, `session_rate_limit=…`, `session_ttl=30d`, `max_trust_lifetime=15m` (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l dry-run -d 'With `--set`: run the server\'s checks and print old and new; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "policy" -d 'Show the token policy, or change it with `--set KEY=VALUE` (owner)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -f -a "add" -d 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy\'s scopes, lifetime and limits'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -f -a "list" -d 'The org\'s trust policies'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -f -a "show" -d 'One trust policy in full, for review: who can obtain what'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -f -a "remove" -d 'Remove a trust policy; tokens it made live out their minutes'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and not __fish_seen_subcommand_from add list show remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l issuer -d 'The ID tokens\' issuer, exactly as their `iss` (GitHub Actions: https://token.actions.githubusercontent.com; GitLab: https://gitlab.com)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l audience -d 'The ID token\'s `aud` must contain this' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l subject -d 'Pattern for the ID token\'s `sub`: exact, or `*` globs over the whole value (`repo:acme/api:ref:refs/heads/main`, `repo:acme/*:environment:prod`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l claim -d 'A further claim that must match (repeatable): `KEY=PATTERN`, e.g. `ref_protected=true`, `project_path=acme/*`' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l owner -d 'The service account whose tokens the exchange mints' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l scope -d 'A permission of the tokens (repeatable or comma-separated; blank = the service account\'s full role)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l expires -d 'Lifetime of each token (default and maximum: the org policy\'s max_trust_lifetime, 15m unless raised, at most 1h)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l rate-limit -d '`N/min` or `N/hour` (repeatable, one of each)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l allow-cidr -d 'Only requests from this network may use the tokens (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l jwks-file -d 'The issuer\'s JWK Set, for an issuer the server cannot reach (no discovery then)' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l dry-run -d 'Run the server\'s checks and print the policy as it would be; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -l dry-run -d 'Print the policy that would be removed; change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "add" -d 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy\'s scopes, lifetime and limits'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "list" -d 'The org\'s trust policies'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "show" -d 'One trust policy in full, for review: who can obtain what'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a trust policy; tokens it made live out their minutes'
complete -c tokctl -n "__fish_tokctl_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -s X -l method -d 'The HTTP method (default: GET, or POST when fields or --input are given)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -s f -l raw-field -d 'A string field of the JSON body (repeatable); query parameters for GET' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -s F -l field -d 'A typed field: numbers, true, false and null as JSON, anything else a string' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -l input -d 'Send this file as the body (`-` reads stdin)' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand api" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l git -d 'Scan every commit reachable from HEAD (`git log -p`), not the files on disk'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l no-ignore -d 'Also read files that .gitignore, .ignore and .git/info/exclude leave out'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l sarif -d 'Print SARIF 2.1.0 on stdout (GitHub code scanning and other code-scanning UIs)'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l report -d 'Report what is found to the server\'s `POST /v1/leaks`, which revokes each live secret at once (no login needed; the server is --server, TOKCTL_SERVER or the profile\'s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand scan" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l static -d 'Print the static script (what `completions/` holds): commands and flags only, no token, member or profile names'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l listen -d 'Address to listen on' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l database -d 'A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user\'s data dir)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l redis -d 'Keep per-token rate-limit counters in Redis (`redis://HOST:PORT[/DB]`), shared by every replica given the same URL, instead of in the PostgreSQL database' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l trusted-proxy -d 'Reverse proxies whose X-Forwarded-For / Forwarded / X-Real-IP are believed (repeatable CIDR)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l mcp-allowed-origin -d 'A browser origin allowed to call `/mcp` (repeatable; e.g. `https://app.example.com`, `http://localhost:3000`, `null`). A request with an `Origin` header not listed is refused (403): the MCP spec\'s DNS-rebinding defence. Requests without `Origin` (non-browser clients) pass. None by default' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l oidc-min-refetch-secs -d 'Least time between two fetches of one OIDC issuer\'s keys (for tests of key rotation; the default, 1m, is the rule: a made-up `kid` cannot make the server hammer an issuer)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l github-scanning-keys -d 'GitHub\'s secret-scanning key list as a file (JSON `{"public_keys": [...]}`), read at start, for servers that cannot reach GitHub; see docs/leaks.md' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l github-scanning-keys-url -d 'Where GitHub publishes its secret-scanning keys, fetched when a report first needs them and kept an hour (ignored with `--github-scanning-keys`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l pepper-file -d 'A file holding the server pepper: secrets are then stored as HMAC-SHA-256 with it' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l max-connections -d 'The most connections served at once; at the cap new ones wait in the backlog (kept below the open-files limit, which is raised to its maximum at start)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l retention -d 'How long audit events and access-log rows are kept' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l metrics-unauthenticated -d 'Serve `/metrics` without a credential. By default a scrape needs a bearer credential holding `audit:read` (Prometheus: `authorization: credentials_file`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l dev -d 'Bootstrap a throwaway org and owner in a temporary database and print the `export TOKCTL_SERVER=… TOKCTL_TOKEN=…` lines to use it'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l allow-insecure-permissions -d 'Use a SQLite database even when group or others may read or write its files (unix; by default it is refused, as ssh refuses a key file others can read)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -f -a "init" -d 'Create the org and its owner in a new database'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and not __fish_seen_subcommand_from init help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l org -d 'The organization\'s name' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l owner -d 'The owner\'s email' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l database -d 'A SQLite path, `sqlite://PATH` or `postgres://…` (default: SQLite in the user\'s data dir)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l server -d 'URL of the token service (default: the profile\'s, saved by `tokctl login`)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l profile -d 'Which saved login to use; one profile per server and user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l jq -d 'Filter the JSON output with a jq expression (implies --json); strings print raw' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l timeout -d 'Seconds to wait for the server\'s answer before giving up (exit 8)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l password-stdin -d 'Read the owner\'s password from stdin (one line)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l allow-insecure-permissions -d 'Use a SQLite database even when group or others may read or write its files (unix; by default it is refused, as ssh refuses a key file others can read)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l json -d 'Print one JSON document on stdout (errors as JSON on stderr)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print nothing on stderr but errors (no notices, no expiry warning)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -s y -l yes -d 'Answer yes to every confirmation (revoke, remove). Hidden here: shown as the own flag of the commands that confirm (src/cli/help.rs), accepted everywhere as before'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -l no-input -d 'Never prompt: a missing value is a usage error naming its flag (also when CI is set)'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create the org and its owner in a new database'
complete -c tokctl -n "__fish_tokctl_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "login" -d 'Log in: the session goes into the OS keyring, the server URL and email into the config dir'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "logout" -d 'Revoke this profile\'s session on the server and delete it from the keyring (a token given with `login --with-token` is only forgotten, unless `--revoke`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "status" -d 'Every profile: server, identity, credential expiry, keyring state, whether the server answers; exit 3 when the active profile is not logged in'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "whoami" -d 'Who the credential is: user, org, role, the credential and its expiry, permissions, server'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "mint" -d 'Mint a new token; its secret is printed once (alone on stdout when piped)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "delegate" -d 'Hand a narrower, short-lived child of the credential in use to a sub-agent or tool (RFC 8693 token exchange); revoking the credential revokes it too'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "list" -d 'List tokens (yours by default); `--all` includes revoked and expired ones'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "show" -d 'Show one token by id or name'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "revoke" -d 'Revoke tokens by id or name, or every token and session of a member (offboarding)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "rotate" -d 'New secret for the same token (same id, name, scopes and limits)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "users" -d 'Members of the org: people and service accounts'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "audit" -d 'The org\'s audit events, or its access log with `--access`'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "usage" -d 'Usage statistics of one token: requests, error rate, most used resources, latency'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "org" -d 'The org\'s settings'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "trust" -d 'CI trust policies: which CI jobs (by their OpenID Connect ID token) get a short-lived token of which service account, with no stored secret (`tokctl login --oidc`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "api" -d 'Any API call with the profile\'s credential; the answer\'s JSON on stdout (like `gh api`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "scan" -d 'Find tokctl secrets in files, stdin or git history; exit 9 when one is found'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "completions" -d 'Print a shell completion script (it completes token, member, scope and profile names)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "server" -d 'Run the token service'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login logout status whoami mint delegate list show revoke rotate users audit usage org trust api scan completions server help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "list" -d 'List the org\'s members'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "add" -d 'Add a person (EMAIL, with a password) or a service account (NAME with `--service`)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "set-role" -d 'Change a member\'s role; their tokens narrow or widen at once'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from users" -f -a "remove" -d 'Remove a member: deactivate them and revoke every token and session they have'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "policy" -d 'Show the token policy, or change it with `--set KEY=VALUE` (owner)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "add" -d 'Trust CI jobs whose ID token has this issuer, audience, subject and claims: each gets a token of the service account `--owner`, with the policy\'s scopes, lifetime and limits'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "list" -d 'The org\'s trust policies'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "show" -d 'One trust policy in full, for review: who can obtain what'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "remove" -d 'Remove a trust policy; tokens it made live out their minutes'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "init" -d 'Create the org and its owner in a new database'
