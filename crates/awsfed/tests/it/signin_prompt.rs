//! The sign-in prompt on a real pseudo-terminal. A signed SAMLResponse is often 10 KB, while a
//! terminal in canonical mode keeps at most 4,095 bytes of a line (termios(3)), so the prompt must
//! read the paste in noncanonical mode.

use crate::signin_support::World;
use crate::support::on_pty;

#[test]
fn a_ten_kilobyte_response_pasted_at_the_prompt_signs_in() {
    let Some(world) = World::start("hub-and-spoke") else {
        return;
    };
    let home = world.home("ada");
    // Role pairs the user is also given make the response as large as real ones with many roles.
    let extra: Vec<String> = (0..40)
        .map(|i| {
            format!(
                "arn:aws:iam::{:012}:role/awsfed/Padding{i},arn:aws:iam::{:012}:saml-provider/awsfed",
                900_000_000_000_u64 + i,
                900_000_000_000_u64 + i
            )
        })
        .collect();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let saml = world.saml("ada@example.com", &["developers"], true, &extra);
    let size = std::fs::metadata(&saml).expect("response").len();
    assert!(size >= 10 * 1024, "the response is only {size} bytes");

    let mut inner = world.awsfed(&home);
    inner.args(["creds", "dev/ReadOnly"]);
    let run = on_pty(&world.tools.python, &inner, 80, Some(&saml));
    let (code, stdout, shown) = (run.code, run.stdout, run.shown);
    assert_eq!(code, Some(0), "terminal:\n{shown}\nstdout:\n{stdout}");
    let credentials: serde_json::Value = serde_json::from_str(&stdout).expect("credential JSON");
    assert!(credentials["AccessKeyId"].is_string(), "{stdout}");
    assert_eq!(world.gate_calls().len(), 2, "{:?}", world.gate_calls());
    // Nothing pasted is echoed: the response is a credential.
    let first_line = std::fs::read_to_string(&saml).expect("response");
    assert!(!shown.contains(&first_line.trim()[..64]), "{shown}");
    assert!(
        shown.contains(&format!("read {} bytes", first_line.trim().len())),
        "{shown}"
    );
    insta::with_settings!({ filters => vec![(r"read \d+ bytes", "read [N] bytes")] }, {
        insta::assert_snapshot!("prompt_paste_terminal", shown);
    });
}
