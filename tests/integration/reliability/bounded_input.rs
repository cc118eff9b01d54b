//! SPEC §9 "Bounded input": secret, token and password files are read up
//! to 64 KiB (and an empty one is "not given"); an `api --input` body up
//! to 1 MiB, so an endless one is refused, not read into memory.

use crate::testenv::{
    self, assert_failure, assert_success, provision_args_without_wp, Reply, TestEnv, PROVISION_OK,
    PROVISION_PATH, SECRET,
};
use serde_json::json;

#[test]
fn file_flags_are_read_up_to_64_kib_and_an_empty_one_is_not_given() {
    let env = TestEnv::new();
    let out = env
        .cmd_without_wp()
        .args([
            "provision",
            "-c=1",
            "--partner_secret_file=/dev/zero",
            "-i=admin",
            "-u=https://e.test",
        ])
        .output()
        .expect("run");
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("--partner_secret_file=/dev/zero: larger than 64 KiB, which no secret is; check the path")
    );
    assert!(env.api.requests().is_empty());

    // Just past the limit; a secret file of 64 KiB is read.
    let secret_file = |contents: String| {
        let path = env.root().join("big-secret");
        crate::testenv::write_private(&path, contents);
        env.cmd_without_wp()
            .args(["provision", "-c=1", "-i=admin", "-u=https://e.test"])
            .arg(format!("--partner_secret_file={}", path.display()))
            .output()
            .expect("run")
    };
    assert_failure(&secret_file("a".repeat(64 * 1024 + 1)), "invalid_input");
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = secret_file(format!("{}\n", "a".repeat(64 * 1024 - 1)));
    assert_success(&out, PROVISION_OK);

    // The SSH key file too (its contents are sent, whole).
    let out = env
        .std_cmd_without_wp()
        .args(provision_args_without_wp(&["--ssh-private-key=/dev/zero"]))
        .output()
        .expect("run");
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!(
            "--ssh-private-key=/dev/zero: larger than 64 KiB, which no secret is; check the path"
        )
    );

    // An empty file flag is "not given" (not a usage error, no file read).
    let env = TestEnv::new();
    env.provision_replies(Reply::json(200, PROVISION_OK));
    let out = env
        .std_cmd_without_wp()
        .args(provision_args_without_wp(&[
            "--ssh-private-key=",
            "--ssh_private_key=",
        ]))
        .output()
        .expect("run");
    assert_success(&out, PROVISION_OK);
    let p = &env.api.requests_to(PROVISION_PATH)[0];
    assert_eq!(
        p.form,
        testenv::pairs(&[("local_user", "admin"), ("siteurl", "https://e.test")])
    );
}

/// `api --input` is a request body: read up to 1 MiB, so `/dev/zero` is a
/// quick `invalid_input`, not a run that eats the memory.
#[test]
fn an_api_input_that_never_ends_is_refused() {
    let env = TestEnv::new();
    let out = env
        .std_cmd_without_wp()
        .args([
            "api",
            "-c=1",
            &format!("-s={SECRET}"),
            "-X",
            "POST",
            "/wpcom/v2/sites/1/x",
            "--input=/dev/zero",
        ])
        .output()
        .expect("run");
    let err = assert_failure(&out, "invalid_input");
    assert_eq!(
        err["error_message"],
        json!("--input=/dev/zero: larger than 1024 KiB, which no request body is; check the path")
    );
    assert!(env.api.requests().is_empty());
}
