//! A real SIGKILL while the credential cache writes a hop session: the cache file is the old or
//! the new session, never half of one, and the next write of that file removes the temporary the
//! kill left — while a file of the user's under the same kind of name (empty, so nothing but
//! awsfed's tag could tell them apart) is kept.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use awsfed_signin::{Cache, CachedHop, Credentials, HopKey};

/// Set for the child process: the cache folder it writes until killed.
const CHILD: &str = awsfed_env::AWSFED_SIGNIN_KILL_CHILD;
const ROUNDS: usize = 4;
/// A session token this long makes each write long enough for the kills to land inside it.
const TOKEN_BYTES: usize = 128 * 1024;

fn key() -> HopKey {
    HopKey {
        role_arn: "arn:aws:iam::111111111111:role/awsfed/hub/developers".to_owned(),
        via: "arn:aws:iam::111111111111:saml-provider/corp".to_owned(),
        session_name: None,
    }
}

fn hop(fill: char) -> CachedHop {
    CachedHop {
        role_arn: key().role_arn,
        via: key().via,
        session_name: Some("ada@example.com".to_owned()),
        source_identity: None,
        credentials: Credentials {
            access_key_id: format!("ASIA{fill}"),
            secret_access_key: "secret".to_owned(),
            session_token: fill.to_string().repeat(TOKEN_BYTES),
            expiration: 10,
        },
    }
}

/// The child: writes the hop session over and over (all `a`, then all `b`, ...) until killed.
#[test]
#[ignore = "a child process of killed_cache_writes_leave_no_temporary"]
fn cache_writer_child() {
    let Some(dir) = std::env::var_os(CHILD) else {
        return;
    };
    let cache = Cache::open(dir).expect("the cache folder");
    for round in 0.. {
        let fill = if round % 2 == 0 { 'a' } else { 'b' };
        cache
            .write_hop(&key(), &hop(fill))
            .expect("the child writes");
    }
}

fn temporaries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("the cache folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".awsfed-tmp-"))
        .collect()
}

/// The cache file, when there is one, is one whole version the child wrote.
fn assert_whole(path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let read: CachedHop = serde_json::from_str(&text).expect("a whole cache file");
    assert!(
        read == hop('a') || read == hop('b'),
        "not a version the child wrote"
    );
}

#[test]
fn killed_cache_writes_leave_no_temporary() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = Cache::open(dir.path()).expect("open");
    let file_name = key().file_name();
    let mut left_behind = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args(["cache_writer_child", "--exact", "--ignored"])
            .env(CHILD, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the child starts");
        // Killed once `round + 1` temporaries were seen, so the rounds hit different moments.
        let mut seen = BTreeSet::new();
        while seen.len() <= round {
            seen.extend(temporaries(dir.path()));
            assert!(
                child.try_wait().expect("the child").is_none(),
                "the child stopped by itself"
            );
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("the child is gone");
        left_behind += usize::from(!temporaries(dir.path()).is_empty());
        assert_whole(&dir.path().join(&file_name));
        // A file of the user's under the exact name a temporary of the dead child could have.
        let users = format!(".{file_name}.awsfed-tmp-{}-999999", child.id());
        std::fs::write(dir.path().join(&users), "").expect("the user's file");

        cache.write_hop(&key(), &hop('c')).expect("the next write");
        assert_eq!(cache.read_hop(&key()), Some(hop('c')));
        assert_eq!(
            temporaries(dir.path()),
            BTreeSet::from([users.clone()]),
            "round {round}"
        );
        std::fs::remove_file(dir.path().join(users)).expect("clean");
    }
    eprintln!("{ROUNDS} kills, {left_behind} left a temporary file, none survived the next write");
    assert!(
        left_behind > 0,
        "no kill left a temporary file: the test did not exercise the clean-up"
    );
}
