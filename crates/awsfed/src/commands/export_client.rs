//! `awsfed export client`: the client file users sign in with (see `awsfed_signin::ClientFile`).

use awsfed_compile::DesiredState;
use awsfed_export::{Export, ExportFile};
use awsfed_model::Model;

/// One file, `client.json`: the IdP sign-in URL, the accounts by name, every target with its hops,
/// and the port of `login --browser` when the model's trusts accept the listener's audience.
pub fn client(state: &DesiredState, model: &Model, signin_url: Option<String>) -> Export {
    let mut file = awsfed_export::client_file(state, signin_url);
    file.identity_provider.browser_port = model
        .identity_provider
        .as_ref()
        .and_then(|idp| idp.browser_sign_in)
        .map(|b| b.port);
    let mut notes = Vec::new();
    if file.identity_provider.signin_url.is_none() {
        notes.push(
            "The client file names no IdP sign-in URL; add one with --signin-url so users know where to start."
                .to_owned(),
        );
    }
    notes.push(format!(
        "Users install it as ~/.config/awsfed/client.json (or point AWSFED_CLIENT at it); `awsfed configure` then writes their AWS profiles. It names {} targets.",
        file.targets.len()
    ));
    Export {
        files: vec![ExportFile {
            path: "client.json".to_owned(),
            contents: file.to_json(),
        }],
        notes,
    }
}
