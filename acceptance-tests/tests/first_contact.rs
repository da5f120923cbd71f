//! First contact with AWS: when the provider is configured, one STS `GetCallerIdentity` proves
//! the credentials work. A failure is one error that names the region, the endpoint and where
//! the credentials came from, and says what to do; `skip_credentials_validation` skips the
//! check, and AWS errors read as words, never as the SDK's debug output.

use acceptance_tests::emulator::Emulator;
use acceptance_tests::{REQUIRED_PROVIDERS, Run, Workdir};

/// A cluster with well-formed settings; `provider` holds the provider block's arguments.
fn config(provider: &str) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "ecsprod" {{
{provider}}}

resource "ecsprod_cluster" "main" {{
  name               = "first"
  vpc_id             = "vpc-0123456789abcdef0"
  public_subnet_ids  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  private_subnet_ids = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  certificate_arn    = "arn:aws:acm:ap-south-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab"
}}
"#
    )
}

fn workdir(provider: &str) -> Workdir {
    let w = Workdir::new();
    w.write("main.tf", &config(provider));
    w.init();
    w
}

fn plan(w: &Workdir, env: &[(&str, &str)]) -> Run {
    w.run_with(&["plan", "-input=false", "-no-color"], env)
}

/// The plan failed with one error, the credentials check's, holding every one of `wanted`.
fn assert_one_check_error(run: &Run, wanted: &[&str]) {
    assert_ne!(run.code, 0, "{}", run.stdout);
    let text = run.stderr.replace('\n', " ");
    assert_eq!(
        run.stderr.matches("Error: ").count(),
        1,
        "one error expected:\n{}",
        run.stderr
    );
    assert!(
        text.contains("AWS credentials check failed"),
        "{}",
        run.stderr
    );
    for w in wanted {
        assert!(text.contains(w), "{w:?} missing from:\n{}", run.stderr);
    }
}

#[test]
fn an_endpoint_that_cannot_be_reached_is_one_error_naming_region_endpoint_and_credentials() {
    let w = workdir("");
    let run = plan(&w, &[]);
    assert_one_check_error(
        &run,
        &[
            "The AWS STS endpoint could not be reached.",
            "Region: ap-south-1",
            &format!("STS endpoint: {}", w.canary.url),
            "Credentials: environment variables (AWS_ACCESS_KEY_ID",
            "Check the network",
        ],
    );
    assert!(!run.stderr.contains("DispatchFailure"), "{}", run.stderr);
    assert!(
        w.canary.connections() >= 1,
        "the check reached the endpoint"
    );
}

#[test]
fn missing_credentials_are_one_error_saying_how_to_provide_them() {
    let w = workdir("");
    let home = tempfile::tempdir().expect("empty home");
    let home = home.path().display().to_string();
    let run = plan(
        &w,
        &[
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_SECRET_ACCESS_KEY", ""),
            ("HOME", &home),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    assert_one_check_error(
        &run,
        &[
            "No AWS credentials were found.",
            "Credentials: the default chain",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ],
    );
}

#[test]
fn an_expired_sso_session_is_one_error_saying_to_log_in_again() {
    let w = workdir("");
    let home = tempfile::tempdir().expect("home");
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).expect("sso cache dir");
    std::fs::write(
        aws.join("config"),
        "[profile corp]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = ap-south-1\n",
    )
    .expect("aws config");
    // The SSO token cache file is named by the SHA-1 of the session name, "corp".
    std::fs::write(
        aws.join("sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        r#"{"startUrl": "https://example.awsapps.com/start", "region": "ap-south-1", "accessToken": "expired", "expiresAt": "2020-01-01T00:00:00Z"}"#,
    )
    .expect("sso token");
    let home = home.path().display().to_string();
    let run = plan(
        &w,
        &[
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_SECRET_ACCESS_KEY", ""),
            ("HOME", &home),
            ("AWS_PROFILE", "corp"),
        ],
    );
    assert_one_check_error(
        &run,
        &[
            "The AWS SSO session of the profile has expired",
            "Credentials: profile \"corp\"",
            "aws sso login --profile corp",
        ],
    );
}

#[test]
fn a_key_aws_does_not_know_is_one_error_saying_the_key_is_not_valid() {
    // moto enforces IAM from the first request: an access key of no IAM user is refused.
    let emulator = Emulator::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let mut w = workdir("");
    w.use_emulator(&emulator);
    let run = plan(&w, &[]);
    assert_one_check_error(
        &run,
        &[
            "AWS refused the credentials: the access key is not valid.",
            "InvalidClientTokenId",
            &format!("STS endpoint: {}", emulator.url),
        ],
    );
}

#[test]
fn skipping_the_check_plans_offline_with_warnings_in_words() {
    let w = workdir("  skip_credentials_validation = true\n");
    let run = plan(&w, &[]).success();
    assert!(run.stdout.contains("1 to add"), "{}", run.stdout);
    // The plan-time checks could not read AWS: warnings that say why, without SDK internals.
    let text = run.stdout.replace('\n', " ");
    assert!(text.contains("could not read AWS"), "{}", run.stdout);
    for internal in ["DispatchFailure", "ConnectorError", "hyper_util"] {
        assert!(!run.stdout.contains(internal), "{internal}: {}", run.stdout);
    }
}
