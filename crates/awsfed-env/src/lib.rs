//! Every environment variable awsfed and its tests read, in one place: each reader names the
//! variable through these constants, and a test checks that the README's "Environment variables"
//! tables list exactly [`READ_BY_AWSFED`] and [`READ_BY_TESTS`], with the same words. The crate
//! depends on nothing, so that the test kit can name its variables here too.

/// A variable and what it does, as the README's table says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    pub name: &'static str,
    pub meaning: &'static str,
}

pub const AWSFED_CONFIG: &str = "AWSFED_CONFIG";
pub const AWSFED_CLIENT: &str = "AWSFED_CLIENT";
pub const AWSFED_CACHE_DIR: &str = "AWSFED_CACHE_DIR";
pub const AWSFED_SAML_COMMAND: &str = "AWSFED_SAML_COMMAND";
pub const AWSFED_MFA_COMMAND: &str = "AWSFED_MFA_COMMAND";
pub const AWSFED_COMMAND_TIMEOUT: &str = "AWSFED_COMMAND_TIMEOUT";
pub const AWSFED_SOURCE_PROFILE: &str = "AWSFED_SOURCE_PROFILE";
pub const AWSFED_BROWSER_PORT: &str = "AWSFED_BROWSER_PORT";
pub const AWSFED_NO_BROWSER_OPEN: &str = "AWSFED_NO_BROWSER_OPEN";
pub const AWSFED_NO_PROMPT: &str = "AWSFED_NO_PROMPT";
pub const AWSFED_ANY_RECIPIENT: &str = "AWSFED_ANY_RECIPIENT";
pub const AWSFED_TARGET: &str = "AWSFED_TARGET";
pub const AWSFED_FEDERATION_ENDPOINT: &str = "AWSFED_FEDERATION_ENDPOINT";
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
pub const AWS_PROFILE: &str = "AWS_PROFILE";
pub const AWS_DEFAULT_PROFILE: &str = "AWS_DEFAULT_PROFILE";
pub const AWS_REGION: &str = "AWS_REGION";
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
pub const AWS_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
pub const HOME: &str = "HOME";
pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
pub const XDG_RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";
pub const NO_COLOR: &str = "NO_COLOR";
pub const TERM: &str = "TERM";
pub const AWSFED_TIMING: &str = "AWSFED_TIMING";
pub const AWSFED_MOTO_ENDPOINT: &str = "AWSFED_MOTO_ENDPOINT";
pub const AWSFED_SKIP_MOTO: &str = "AWSFED_SKIP_MOTO";
pub const AWSFED_CFN_LINT: &str = "AWSFED_CFN_LINT";
pub const AWSFED_SKIP_CFN_LINT: &str = "AWSFED_SKIP_CFN_LINT";
pub const AWSFED_VENV: &str = "AWSFED_VENV";
pub const AWSFED_SKIP_SIGNIN_TESTS: &str = "AWSFED_SKIP_SIGNIN_TESTS";
pub const AWSFED_SKIP_ORACLE: &str = "AWSFED_SKIP_ORACLE";
pub const AWSFED_ORACLE_CASES: &str = "AWSFED_ORACLE_CASES";
pub const AWSFED_ORACLE_SEED: &str = "AWSFED_ORACLE_SEED";
pub const AWSFED_ORACLE_DUMP: &str = "AWSFED_ORACLE_DUMP";
pub const AWSFED_UPDATE_DOCS: &str = "AWSFED_UPDATE_DOCS";
pub const AWSFED_BENCH_CASES: &str = "AWSFED_BENCH_CASES";
pub const AWSFED_BENCH_ACCOUNTS: &str = "AWSFED_BENCH_ACCOUNTS";
pub const AWSFED_MIGRATE_FULL: &str = "AWSFED_MIGRATE_FULL";
pub const AWSFED_SOUNDNESS_ESTATES: &str = "AWSFED_SOUNDNESS_ESTATES";
pub const AWSFED_SOUNDNESS_SEED: &str = "AWSFED_SOUNDNESS_SEED";
pub const AWSFED_SOUNDNESS_DUMP: &str = "AWSFED_SOUNDNESS_DUMP";
pub const AWSFED_FILES_KILL_CHILD: &str = "AWSFED_FILES_KILL_CHILD";
pub const AWSFED_FILES_KILL_FILE_CHILD: &str = "AWSFED_FILES_KILL_FILE_CHILD";
pub const AWSFED_SIGNIN_KILL_CHILD: &str = "AWSFED_SIGNIN_KILL_CHILD";
pub const AWSFED_FUZZ_SECONDS: &str = "AWSFED_FUZZ_SECONDS";
pub const AWSFED_SKIP_FUZZ: &str = "AWSFED_SKIP_FUZZ";
pub const AWSFED_BIN: &str = "AWSFED_BIN";

/// What awsfed itself reads, in the README's order.
pub const READ_BY_AWSFED: &[EnvVar] = &[
    EnvVar {
        name: AWSFED_CONFIG,
        meaning: "the model file when `-c` is not given (default `./awsfed.yaml`)",
    },
    EnvVar {
        name: AWSFED_CLIENT,
        meaning: "the client file of the sign-in commands (`--client`)",
    },
    EnvVar {
        name: AWSFED_CACHE_DIR,
        meaning: "the sign-in cache folder (default `$XDG_CACHE_HOME/awsfed`, else `~/.cache/awsfed`)",
    },
    EnvVar {
        name: AWSFED_SAML_COMMAND,
        meaning: "a command that prints a SAML Response (`--saml-command`)",
    },
    EnvVar {
        name: AWSFED_MFA_COMMAND,
        meaning: "IAM users: a command that prints the MFA code (`--mfa-command`)",
    },
    EnvVar {
        name: AWSFED_COMMAND_TIMEOUT,
        meaning: "how long `--saml-command` and `--mfa-command` may run (`--command-timeout`, default `5m`; `0`: no limit)",
    },
    EnvVar {
        name: AWSFED_SOURCE_PROFILE,
        meaning: "IAM users: the profile of your access keys when the environment has none (`--source-profile`, default `default`)",
    },
    EnvVar {
        name: AWSFED_BROWSER_PORT,
        meaning: "the port `login --browser` listens on (`--browser-port`)",
    },
    EnvVar {
        name: AWSFED_NO_BROWSER_OPEN,
        meaning: "set: `--browser` opens no browser, only says where to go",
    },
    EnvVar {
        name: AWSFED_NO_PROMPT,
        meaning: "non-empty: never prompt for a SAML Response",
    },
    EnvVar {
        name: AWSFED_ANY_RECIPIENT,
        meaning: "accept a SAML Response whose Recipient is no AWS sign-in endpoint (tests)",
    },
    EnvVar {
        name: AWSFED_TARGET,
        meaning: "set by `awsfed exec` for the command it runs: the target signed in to",
    },
    EnvVar {
        name: AWSFED_FEDERATION_ENDPOINT,
        meaning: "where `awsfed console` sends the sign-in token request, as to the Region's endpoint (its host name as `Host`); the login URL still names the Region's endpoint (tests: a local stand-in)",
    },
    EnvVar {
        name: AWS_CONFIG_FILE,
        meaning: "the AWS config file `awsfed configure` writes (default `~/.aws/config`); `exec --server` sets it to `/dev/null` for the command when its `default` profile holds credentials",
    },
    EnvVar {
        name: AWS_SHARED_CREDENTIALS_FILE,
        meaning: "the AWS credentials file (default `~/.aws/credentials`); `exec --server` sets it to `/dev/null` for the command when its `default` profile holds credentials",
    },
    EnvVar {
        name: AWS_PROFILE,
        meaning: "the profile of deploy commands (`--profile`); removed for the command `exec` runs",
    },
    EnvVar {
        name: AWS_DEFAULT_PROFILE,
        meaning: "removed for the command `exec` runs",
    },
    EnvVar {
        name: AWS_REGION,
        meaning: "the STS region of sign-in (default `us-east-1`); `exec` sets it (and `AWS_DEFAULT_REGION`) to the account's Region from the model, `env` prints it",
    },
    EnvVar {
        name: AWS_DEFAULT_REGION,
        meaning: "the STS region when `AWS_REGION` is unset",
    },
    EnvVar {
        name: AWS_ENDPOINT_URL,
        meaning: "send every AWS call to this endpoint (`--endpoint-url`; a local moto)",
    },
    EnvVar {
        name: AWS_ENDPOINT_URL_STS,
        meaning: "send sign-in's STS calls to this endpoint",
    },
    EnvVar {
        name: HOME,
        meaning: "where `~/.aws/config`, `~/.config/awsfed` and `~/.cache/awsfed` are",
    },
    EnvVar {
        name: XDG_CONFIG_HOME,
        meaning: "where the client file is looked for (`$XDG_CONFIG_HOME/awsfed/client.json`)",
    },
    EnvVar {
        name: XDG_CACHE_HOME,
        meaning: "where the sign-in cache is (`$XDG_CACHE_HOME/awsfed`)",
    },
    EnvVar {
        name: XDG_RUNTIME_DIR,
        meaning: "where `awsfed console` writes its private page for the browser (`$XDG_RUNTIME_DIR/awsfed`, else the cache folder)",
    },
    EnvVar {
        name: NO_COLOR,
        meaning: "set: no colour in the output",
    },
    EnvVar {
        name: TERM,
        meaning: "`dumb`: progress as plain lines on a terminal too, no bar redrawn in place",
    },
    EnvVar {
        name: AWSFED_TIMING,
        meaning: "set: `creds` prints on stderr how long its work inside the process took (`scripts/bench-creds`)",
    },
];

/// What the tests and benchmarks read, in the README's order.
pub const READ_BY_TESTS: &[EnvVar] = &[
    EnvVar {
        name: AWSFED_MOTO_ENDPOINT,
        meaning: "the moto server the deploy and sign-in tests use",
    },
    EnvVar {
        name: AWSFED_SKIP_MOTO,
        meaning: "`1`: skip the tests that need moto instead of failing them",
    },
    EnvVar {
        name: AWSFED_CFN_LINT,
        meaning: "the cfn-lint binary every exported template is checked with",
    },
    EnvVar {
        name: AWSFED_SKIP_CFN_LINT,
        meaning: "`1`: skip cfn-lint instead of failing",
    },
    EnvVar {
        name: AWSFED_VENV,
        meaning: "the Python venv with pysaml2 and the AWS CLI for the sign-in tests",
    },
    EnvVar {
        name: AWSFED_SKIP_SIGNIN_TESTS,
        meaning: "non-empty: skip the sign-in tests whose tools are missing",
    },
    EnvVar {
        name: AWSFED_SKIP_ORACLE,
        meaning: "`1`: skip the iam-simulate differential checks",
    },
    EnvVar {
        name: AWSFED_ORACLE_CASES,
        meaning: "how many generated cases the oracle test runs",
    },
    EnvVar {
        name: AWSFED_ORACLE_SEED,
        meaning: "the generator seed of the oracle test",
    },
    EnvVar {
        name: AWSFED_ORACLE_DUMP,
        meaning: "write the oracle test's cases and answers to this file",
    },
    EnvVar {
        name: AWSFED_UPDATE_DOCS,
        meaning: "`1`: rewrite the generated `docs/cli.md` and `docs/diagnostics.md`",
    },
    EnvVar {
        name: AWSFED_BENCH_CASES,
        meaning: "cases of the evaluator benchmark",
    },
    EnvVar {
        name: AWSFED_BENCH_ACCOUNTS,
        meaning: "accounts of the access benchmark",
    },
    EnvVar {
        name: AWSFED_MIGRATE_FULL,
        meaning: "`1`: the migration tests move 30 of 100 accounts to direct (default: 6 of 20) and 10 of 100 into Identity Center (default: 10 of 16); a full `scripts/test` also runs them so, beside the other tests",
    },
    EnvVar {
        name: AWSFED_SOUNDNESS_ESTATES,
        meaning: "how many generated estates the access soundness test checks against the oracle (default 200)",
    },
    EnvVar {
        name: AWSFED_SOUNDNESS_SEED,
        meaning: "the first seed of the soundness test's estates (default 1)",
    },
    EnvVar {
        name: AWSFED_SOUNDNESS_DUMP,
        meaning: "set: the soundness test prints each estate on which awsfed and the oracle disagree",
    },
    EnvVar {
        name: AWSFED_FILES_KILL_CHILD,
        meaning: "set by the output-folder kill test for the copy of itself it kills: the folder that copy writes",
    },
    EnvVar {
        name: AWSFED_FILES_KILL_FILE_CHILD,
        meaning: "set by the same test for the copy of itself it kills: the file that copy replaces",
    },
    EnvVar {
        name: AWSFED_SIGNIN_KILL_CHILD,
        meaning: "set by the sign-in cache kill test for the copy of itself it kills: the cache folder that copy writes",
    },
    EnvVar {
        name: AWSFED_FUZZ_SECONDS,
        meaning: "how long `scripts/test` runs each fuzz target (default 10)",
    },
    EnvVar {
        name: AWSFED_SKIP_FUZZ,
        meaning: "`1`: `scripts/test` runs no fuzz targets",
    },
    EnvVar {
        name: AWSFED_BIN,
        meaning: "the awsfed binary `scripts/bench-deploy` and `scripts/bench-kill` run (default: they build one with `cargo build -p awsfed`)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows `| `NAME` | meaning |` of the README table that follows `heading_line`.
    fn table_after<'a>(readme: &'a str, heading_line: &str) -> Vec<(&'a str, &'a str)> {
        let start = readme
            .find(heading_line)
            .unwrap_or_else(|| panic!("the README has `{heading_line}`"));
        readme[start..]
            .lines()
            .skip_while(|line| !line.starts_with("| `"))
            .take_while(|line| line.starts_with("| `"))
            .map(|line| {
                let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
                (cells[0].trim().trim_matches('`'), cells[1].trim())
            })
            .collect()
    }

    fn listed(vars: &[EnvVar]) -> Vec<(&str, &str)> {
        vars.iter().map(|v| (v.name, v.meaning)).collect()
    }

    #[test]
    fn the_readme_lists_exactly_these_variables() {
        let readme = include_str!("../../../README.md");
        assert_eq!(
            table_after(readme, "## Environment variables"),
            listed(READ_BY_AWSFED),
            "README.md's first environment table and READ_BY_AWSFED differ"
        );
        assert_eq!(
            table_after(readme, "The tests read these"),
            listed(READ_BY_TESTS),
            "README.md's test environment table and READ_BY_TESTS differ"
        );
    }
}
