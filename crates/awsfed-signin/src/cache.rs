//! The credential cache: one JSON file per hop session, the last SAML response, and the
//! durations learned per role, under `$AWSFED_CACHE_DIR`, else `$XDG_CACHE_HOME/awsfed`, else
//! `~/.cache/awsfed` (XDG Base Directory Specification).
//!
//! Files are written to a temporary name in the same folder with mode 0600 and renamed over the
//! old one ([`awsfed_files::replace_private_file`]), so a reader sees the old file or the new one,
//! never half of one, and never a file other users can read (the folder itself is 0700); the
//! temporaries a killed awsfed left are removed by the next write of their file. Readers take no lock; refreshes hold an
//! exclusive lock on `lock` (an OS file lock, released when the process dies), and re-read the
//! cache after getting it, so of 20 parallel callers one calls STS and 19 find its result.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use awsfed_files::message::{self, Level};

use crate::credentials::Credentials;
use crate::durations::DurationMemory;

use crate::error::SignInError;

/// Cache files are small; anything larger is not ours and is ignored.
const MAX_CACHE_FILE_BYTES: u64 = 256 * 1024;

/// Which hop session a cache file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopKey {
    pub role_arn: String,
    /// The SAML provider ARN (hop 1) or the source role ARN (hop 2).
    pub via: String,
    /// The RoleSessionName of hop 2 (the user's identity); `None` for hop 1.
    pub session_name: Option<String>,
}

impl HopKey {
    /// `hop-<role name>-<hash>.json`: readable in a listing, unique per key.
    pub fn file_name(&self) -> String {
        let role_name: String = self
            .role_arn
            .rsplit('/')
            .next()
            .unwrap_or("role")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [
            &self.role_arn,
            &self.via,
            self.session_name.as_deref().unwrap_or(""),
        ] {
            for byte in part.bytes().chain([0]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("hop-{role_name}-{hash:016x}.json")
    }
}

/// A cached hop session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedHop {
    pub role_arn: String,
    pub via: String,
    /// Hop 1: the RoleSessionName a second hop uses (from the assertion); hop 2: the one it used.
    #[serde(default)]
    pub session_name: Option<String>,
    /// The assertion's SourceIdentity, carried to the second hop.
    #[serde(default)]
    pub source_identity: Option<String>,
    pub credentials: Credentials,
}

/// The last SAML response, reusable for other roles while it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedAssertion {
    pub base64: String,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// Held while refreshing; dropping it releases the lock.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

impl Cache {
    /// The cache folder from the environment, if any can be found.
    pub fn default_dir() -> Option<PathBuf> {
        let from_env = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        from_env(awsfed_env::AWSFED_CACHE_DIR)
            .or_else(|| from_env(awsfed_env::XDG_CACHE_HOME).map(|p| p.join("awsfed")))
            .or_else(|| from_env(awsfed_env::HOME).map(|p| p.join(".cache").join("awsfed")))
    }

    /// Opens (and creates, mode 0700) the cache folder.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, SignInError> {
        let dir = dir.into();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| cache_error(&dir, &e))?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn lock(&self) -> Result<CacheLock, SignInError> {
        let path = self.dir.join("lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| cache_error(&path, &e))?;
        file.lock().map_err(|e| cache_error(&path, &e))?;
        Ok(CacheLock { _file: file })
    }

    pub fn read_hop(&self, key: &HopKey) -> Option<CachedHop> {
        let hop: CachedHop = self.read_json(&key.file_name())?;
        (hop.role_arn == key.role_arn && hop.via == key.via).then_some(hop)
    }

    pub fn write_hop(&self, key: &HopKey, hop: &CachedHop) -> Result<(), SignInError> {
        self.write_json(&key.file_name(), hop)
    }

    /// Every cached hop session, sorted by role.
    pub fn hops(&self) -> Vec<CachedHop> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut hops: Vec<CachedHop> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.starts_with("hop-") && name.ends_with(".json"))
            .filter_map(|name| self.read_json(&name))
            .collect();
        hops.sort_by(|a: &CachedHop, b| (&a.role_arn, &a.via).cmp(&(&b.role_arn, &b.via)));
        hops
    }

    pub fn read_assertion(&self) -> Option<CachedAssertion> {
        self.read_json("assertion.json")
    }

    pub fn write_assertion(&self, assertion: &CachedAssertion) -> Result<(), SignInError> {
        self.write_json("assertion.json", assertion)
    }

    pub fn durations(&self) -> DurationMemory {
        self.read_json("durations.json").unwrap_or_default()
    }

    pub fn write_durations(&self, memory: &DurationMemory) -> Result<(), SignInError> {
        self.write_json("durations.json", memory)
    }

    /// Removes every cached session and the cached assertion (`awsfed login --force` starts
    /// over with them gone).
    pub fn clear_sessions(&self) -> Result<usize, SignInError> {
        let mut removed = 0;
        let entries = std::fs::read_dir(&self.dir).map_err(|e| cache_error(&self.dir, &e))?;
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if (name.starts_with("hop-") && name.ends_with(".json")) || name == "assertion.json" {
                std::fs::remove_file(entry.path()).map_err(|e| cache_error(&entry.path(), &e))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// A cache file, or a miss. Read through awsfed's bounded reader: only a regular file (a FIFO
    /// or device put there is refused before it is opened, so nothing waits for a writer or reads
    /// without end), at most [`MAX_CACHE_FILE_BYTES`]. Anything but a missing file is a miss with a
    /// note on stderr, so a corrupt or hostile entry costs one sign-in, never a hang or a panic.
    fn read_json<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let path = self.dir.join(name);
        let text = match awsfed_files::read_text(&path, MAX_CACHE_FILE_BYTES) {
            Ok(text) => text,
            Err(awsfed_files::ReadError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return None;
            }
            Err(e) => return ignored(&path, &e.to_string()),
        };
        serde_json::from_str(&text).unwrap_or_else(|e| ignored(&path, &e.to_string()))
    }

    /// Atomic, 0600, through awsfed's one writer of single files: a temporary file beside the
    /// target (tagged as awsfed's before it has its name) renamed over it; a symlink there is
    /// replaced, not followed. Temporaries a killed awsfed left beside it are swept first.
    fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), SignInError> {
        let path = self.dir.join(name);
        let text = serde_json::to_vec(value).expect("cache records always serialise");
        awsfed_files::replace_private_file(&path, &text).map_err(|e| SignInError::Cache {
            path,
            reason: e.to_string(),
        })
    }
}

/// A cache entry that cannot be used: a note, and a miss.
fn ignored<T>(path: &Path, why: &str) -> Option<T> {
    message::print(
        Level::Note,
        format_args!(
            "ignoring the cache file `{}` ({}): it is treated as missing",
            awsfed_files::terminal::escape(&path.display().to_string()),
            awsfed_files::terminal::escape(why)
        ),
    );
    None
}

fn cache_error(path: &Path, error: &std::io::Error) -> SignInError {
    SignInError::Cache {
        path: path.to_owned(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn hop() -> (HopKey, CachedHop) {
        let key = HopKey {
            role_arn: "arn:aws:iam::111111111111:role/awsfed/hub-dev".to_owned(),
            via: "arn:aws:iam::111111111111:saml-provider/corp".to_owned(),
            session_name: None,
        };
        let hop = CachedHop {
            role_arn: key.role_arn.clone(),
            via: key.via.clone(),
            session_name: Some("ada@example.com".to_owned()),
            source_identity: None,
            credentials: Credentials {
                access_key_id: "ASIA1".to_owned(),
                secret_access_key: "s".to_owned(),
                session_token: "t".to_owned(),
                expiration: 10,
            },
        };
        (key, hop)
    }

    #[test]
    fn files_are_private_and_round_trip() {
        let dir = tempfile::tempdir().expect("temp");
        let cache = Cache::open(dir.path().join("awsfed")).expect("open");
        let (key, hop) = hop();
        cache.write_hop(&key, &hop).expect("write");
        assert_eq!(cache.read_hop(&key), Some(hop.clone()));
        let path = cache.dir().join(key.file_name());
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(cache.dir())
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        assert_eq!(cache.hops(), vec![hop]);
        // No temporary files are left behind.
        let names: Vec<String> = std::fs::read_dir(cache.dir())
            .expect("list")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains(".awsfed-tmp-")),
            "{names:?}"
        );
    }

    #[test]
    fn keys_differ_by_session_name_and_source() {
        let (key, _) = hop();
        let other = HopKey {
            session_name: Some("bob".to_owned()),
            ..key.clone()
        };
        assert_ne!(key.file_name(), other.file_name());
        assert!(key.file_name().starts_with("hop-hub-dev-"));
    }

    #[test]
    fn garbage_is_a_miss() {
        let dir = tempfile::tempdir().expect("temp");
        let cache = Cache::open(dir.path()).expect("open");
        let (key, _) = hop();
        std::fs::write(cache.dir().join(key.file_name()), "{not json").expect("write");
        assert_eq!(cache.read_hop(&key), None);
    }

    /// Hostile entries are misses, never a hang or a read without end: a hop file linked to
    /// `/dev/zero`, a FIFO with no writer, a file past the limit, a folder; the next write replaces
    /// each with a good entry.
    #[test]
    fn hostile_entries_are_misses() {
        let dir = tempfile::tempdir().expect("temp");
        let cache = Cache::open(dir.path()).expect("open");
        let (key, hop) = hop();
        let path = cache.dir().join(key.file_name());
        let fifo = |path: &Path| {
            let made = std::process::Command::new("mkfifo")
                .arg(path)
                .status()
                .expect("mkfifo runs (coreutils)");
            assert!(made.success());
        };
        type Make<'a> = &'a dyn Fn(&Path);
        let entries: [(&str, Make); 4] = [
            ("a link to /dev/zero", &|p| {
                std::os::unix::fs::symlink("/dev/zero", p).expect("link")
            }),
            ("a FIFO", &fifo),
            ("past the limit", &|p| {
                let padding = " ".repeat(MAX_CACHE_FILE_BYTES as usize);
                std::fs::write(p, format!("{padding}{{}}")).expect("write")
            }),
            ("a folder", &|p| std::fs::create_dir(p).expect("dir")),
        ];
        for (what, make) in entries {
            make(&path);
            // In a thread: a regression that waits for a writer fails here instead of hanging.
            let (tx, rx) = std::sync::mpsc::channel();
            let reader = cache.clone();
            let read_key = key.clone();
            std::thread::spawn(move || {
                let _ = tx.send(reader.read_hop(&read_key));
            });
            let read = rx
                .recv_timeout(std::time::Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("{what}: reading the cache did not return"));
            assert_eq!(read, None, "{what}");
            assert_eq!(cache.hops(), Vec::new(), "{what}");
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                std::fs::remove_dir(&path).expect("remove");
            }
            cache.write_hop(&key, &hop).expect("write over it");
            assert_eq!(cache.read_hop(&key), Some(hop.clone()), "{what}");
            std::fs::remove_file(&path).expect("remove");
        }
    }
}
