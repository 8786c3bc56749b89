//! Sign-in against a fake STS: which calls are made, what is cached, how durations step down.

use std::cell::{Cell, RefCell};
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::client_file::ClientPath;

const PROVIDER: &str = "arn:aws:iam::111111111111:saml-provider/corp";
const HUB: &str = "arn:aws:iam::111111111111:role/awsfed/hub-dev";
const SPOKE: &str = "arn:aws:iam::333333333333:role/awsfed/Admin";
const DIRECT: &str = "arn:aws:iam::222222222222:role/awsfed/ReadOnly";
const DIRECT_PROVIDER: &str = "arn:aws:iam::222222222222:saml-provider/corp";
const NOW: u64 = 1_800_000_000;

fn now() -> SystemTime {
    at(0)
}

thread_local! {
    /// The fake world's clock: the IdP and the fake STS issue from it.
    static CLOCK: Cell<u64> = const { Cell::new(NOW) };
}

fn at(offset: u64) -> SystemTime {
    CLOCK.with(|c| c.set(NOW + offset));
    UNIX_EPOCH + Duration::from_secs(NOW + offset)
}

fn clock() -> i64 {
    CLOCK.with(Cell::get) as i64
}

fn response(roles: &[(&str, &str)], source_identity: Option<&str>) -> SamlResponse {
    response_with(roles, source_identity, None)
}

/// A response whose IdP allows sessions of at most `session_duration` seconds.
fn response_with(
    roles: &[(&str, &str)],
    source_identity: Option<&str>,
    session_duration: Option<u32>,
) -> SamlResponse {
    let t = |offset: i64| crate::credentials::rfc3339(clock() + offset);
    let values: String = roles
        .iter()
        .map(|(role, provider)| {
            format!("<saml:AttributeValue>{role},{provider}</saml:AttributeValue>")
        })
        .collect();
    let source = source_identity.map_or(String::new(), |s| {
        format!(r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SourceIdentity"><saml:AttributeValue>{s}</saml:AttributeValue></saml:Attribute>"#)
    }) + &session_duration.map_or(String::new(), |d| {
        format!(r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>{d}</saml:AttributeValue></saml:Attribute>"#)
    });
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1" Version="2.0" IssueInstant="{now}" Destination="https://signin.aws.amazon.com/saml"><saml:Issuer>https://idp.example.com</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="a1" Version="2.0" IssueInstant="{now}"><saml:Issuer>https://idp.example.com</saml:Issuer><saml:Subject><saml:NameID>ada@example.com</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{start}" NotOnOrAfter="{end}"><saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{now}"/><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>ada@example.com</saml:AttributeValue></saml:Attribute>{source}</saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
        now = t(0),
        start = t(-60),
        end = t(300),
    );
    awsfed_saml::parse_saml_response(xml).expect("test response parses")
}

/// Records calls; refuses durations over each role's maximum as STS does.
#[derive(Default)]
struct FakeSts {
    calls: RefCell<Vec<String>>,
    max: Vec<(&'static str, u32)>,
    deny: Vec<&'static str>,
    /// Whose long-term keys the credential chain gives; `None`: there are none.
    long_term: Option<&'static str>,
}

impl FakeSts {
    fn issue(&self, label: String, role: &str, duration: u32) -> Result<Credentials, StsError> {
        self.calls.borrow_mut().push(label);
        if self.deny.contains(&role) {
            return Err(StsError::classify("AccessDenied", "not authorized"));
        }
        if let Some((_, max)) = self.max.iter().find(|(r, _)| *r == role)
            && duration > *max
        {
            return Err(StsError::classify(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let n = self.calls.borrow().len();
        Ok(Credentials {
            access_key_id: format!("ASIA{n}"),
            secret_access_key: format!("secret{n}"),
            session_token: format!("token{n}"),
            expiration: clock() + i64::from(duration),
        })
    }
}

impl Sts for FakeSts {
    fn assume_role_with_saml(&self, r: &SamlHopRequest<'_>) -> Result<Credentials, StsError> {
        self.issue(
            format!("saml {} {}", r.role_arn, r.duration_seconds),
            r.role_arn,
            r.duration_seconds,
        )
    }
    fn assume_role(
        &self,
        source: &Credentials,
        r: &AssumeRoleRequest<'_>,
    ) -> Result<Credentials, StsError> {
        self.issue(
            format!(
                "assume {} {} as {} from {} si={:?}",
                r.role_arn,
                r.duration_seconds,
                r.role_session_name,
                source.access_key_id,
                r.source_identity
            ),
            r.role_arn,
            r.duration_seconds,
        )
    }
    fn long_term_identity(&self) -> Result<String, StsError> {
        self.calls.borrow_mut().push("caller-identity".to_owned());
        self.long_term
            .map(str::to_owned)
            .ok_or_else(|| StsError::classify("Error", "no credentials in the chain"))
    }
    fn session_token(&self, r: &SessionTokenRequest<'_>) -> Result<Credentials, StsError> {
        if r.mfa.is_some_and(|(_, code)| code != "123456") {
            self.calls
                .borrow_mut()
                .push("session-token refused".to_owned());
            return Err(StsError::classify(
                "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            ));
        }
        self.issue(
            format!("session-token {:?} {}", r.mfa, r.duration_seconds),
            "",
            r.duration_seconds,
        )
    }
}

fn hub_target() -> ClientTarget {
    ClientTarget {
        name: "dev/Admin".to_owned(),
        account_name: "dev".to_owned(),
        account_id: "333333333333".to_owned(),
        permission_set: "Admin".to_owned(),
        max_session_duration: 3_600,
        paths: vec![ClientPath {
            groups: vec!["developers".to_owned()],
            users: Vec::new(),
            hops: vec![
                ClientHop::Saml {
                    role_arn: HUB.to_owned(),
                    provider_arn: PROVIDER.to_owned(),
                    max_session_duration: 43_200,
                },
                ClientHop::AssumeRole {
                    role_arn: SPOKE.to_owned(),
                    max_session_duration: 28_800,
                },
            ],
        }],
    }
}

fn direct_target() -> ClientTarget {
    ClientTarget {
        name: "prod/ReadOnly".to_owned(),
        account_name: "prod".to_owned(),
        account_id: "222222222222".to_owned(),
        permission_set: "ReadOnly".to_owned(),
        max_session_duration: 28_800,
        paths: vec![ClientPath {
            groups: vec!["developers".to_owned()],
            users: Vec::new(),
            hops: vec![ClientHop::Saml {
                role_arn: DIRECT.to_owned(),
                provider_arn: DIRECT_PROVIDER.to_owned(),
                max_session_duration: 28_800,
            }],
        }],
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    cache: Cache,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp");
    let cache = Cache::open(dir.path().join("cache")).expect("cache");
    Fixture { _dir: dir, cache }
}

fn signin(cache: &Cache, at: SystemTime) -> SignIn<'_> {
    SignIn {
        cache,
        now: at,
        validation: ValidationOptions::default(),
        force: false,
        iam_users: None,
    }
}

fn source<'a>(
    roles: &'static [(&'static str, &'static str)],
    asked: &'a RefCell<u32>,
) -> impl FnMut(&str) -> Result<SamlResponse, SignInError> + 'a {
    move |_| {
        *asked.borrow_mut() += 1;
        Ok(response(roles, Some("ada@example.com")))
    }
}

const HUB_ROLES: &[(&str, &str)] = &[(HUB, PROVIDER), (DIRECT, DIRECT_PROVIDER)];

#[test]
fn hub_and_spoke_makes_two_calls_then_none() {
    let f = fixture();
    let sts = FakeSts::default();
    let target = hub_target();
    let asked = RefCell::new(0);
    let mut src = source(HUB_ROLES, &asked);
    let report = signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect("sign in");
    assert_eq!(report.sts_calls, vec![HUB, SPOKE]);
    assert_eq!(report.session_name.as_deref(), Some("ada@example.com"));
    assert_eq!(
        *sts.calls.borrow(),
        vec![
            format!("saml {HUB} 43200"),
            format!(
                "assume {SPOKE} 3600 as ada@example.com from ASIA1 si=Some(\"ada@example.com\")"
            ),
        ]
    );
    let again = signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect("cached");
    assert!(again.sts_calls.is_empty());
    assert_eq!(again.credentials, report.credentials);
    assert_eq!(*asked.borrow(), 1);
}

#[test]
fn expired_second_hop_is_renewed_from_the_hub_session_without_the_idp() {
    let f = fixture();
    let sts = FakeSts::default();
    let target = hub_target();
    let asked = RefCell::new(0);
    let mut src = source(HUB_ROLES, &asked);
    signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect("sign in");
    // 50 minutes later hop 2 has 10 minutes left: under the 15-minute floor.
    let later = at(50 * 60);
    let report = signin(&f.cache, later)
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect("renew");
    assert_eq!(report.sts_calls, vec![SPOKE]);
    assert_eq!(*asked.borrow(), 1, "the IdP was not asked again");
    assert!(report.credentials.fresh_for(later, MIN_HANDED_OUT_SECONDS));
}

#[test]
fn with_the_hub_session_expired_a_still_valid_spoke_session_is_handed_out_saying_why() {
    let f = fixture();
    let sts = FakeSts::default();
    let target = hub_target();
    let asked = RefCell::new(0);
    let mut src = source(HUB_ROLES, &asked);
    signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect("sign in");
    // The hub session ends (as a short IdP SessionDuration would have it) before the spoke's.
    let hub_key = hop1_key(HUB, PROVIDER);
    let mut hub = f.cache.read_hop(&hub_key).expect("hub cached");
    hub.credentials.expiration = clock() + 30;
    f.cache
        .write_hop(&hub_key, &hub)
        .expect("age the hub session");
    let later = at(55 * 60);
    let mut no_idp = |target: &str| -> Result<SamlResponse, SignInError> {
        Err(SignInError::NeedAssertion {
            target: target.to_owned(),
            why: "there is no terminal to ask on".to_owned(),
        })
    };
    let report = signin(&f.cache, later)
        .credentials(&sts, &Destination::Target(&target), &mut no_idp)
        .expect("the spoke session still has 5 minutes");
    assert!(report.sts_calls.is_empty());
    assert_eq!(report.credentials.seconds_left(later), 5 * 60);
    let why = report.not_renewed.expect("says it was not renewed");
    assert!(why.contains("no terminal"), "{why}");
    // Under a minute left: nothing is handed out, the error is the answer.
    let error = signin(&f.cache, at(3_590))
        .credentials(&sts, &Destination::Target(&target), &mut no_idp)
        .expect_err("10 seconds is too little");
    assert!(
        matches!(error, SignInError::NeedAssertion { .. }),
        "{error}"
    );
}

#[test]
fn direct_is_one_call_and_durations_step_down_and_are_remembered() {
    let f = fixture();
    let sts = FakeSts {
        max: vec![(DIRECT, 7_200)],
        ..FakeSts::default()
    };
    let target = direct_target();
    let asked = RefCell::new(0);
    let mut src = source(HUB_ROLES, &asked);
    let report = signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect("sign in");
    assert_eq!(report.sts_calls, vec![DIRECT, DIRECT, DIRECT]);
    assert_eq!(
        *sts.calls.borrow(),
        vec![
            format!("saml {DIRECT} 28800"),
            format!("saml {DIRECT} 14400"),
            format!("saml {DIRECT} 7200")
        ]
    );
    assert_eq!(f.cache.durations().roles.get(DIRECT), Some(&7_200));
    // A later sign-in (cache gone stale) asks for the remembered maximum at once.
    let later = at(7_200);
    let report = signin(&f.cache, later)
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect("again");
    assert_eq!(report.sts_calls, vec![DIRECT]);
}

#[test]
fn a_response_without_the_role_is_not_granted_and_no_call_is_made() {
    let f = fixture();
    let sts = FakeSts::default();
    let target = hub_target();
    let asked = RefCell::new(0);
    let mut src = source(&[(DIRECT, DIRECT_PROVIDER)], &asked);
    let error = signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect_err("denied");
    assert!(matches!(error, SignInError::NotGranted { .. }), "{error}");
    assert!(sts.calls.borrow().is_empty());
}

#[test]
fn sts_denials_are_reported_with_the_role() {
    let f = fixture();
    let sts = FakeSts {
        deny: vec![SPOKE],
        ..FakeSts::default()
    };
    let target = hub_target();
    let asked = RefCell::new(0);
    let mut src = source(HUB_ROLES, &asked);
    let error = signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect_err("denied");
    assert_eq!(
        error.to_string(),
        format!("STS refused AssumeRole into `{SPOKE}`: AccessDenied: not authorized")
    );
}

#[test]
fn an_expired_assertion_is_refused_before_sts() {
    let f = fixture();
    let sts = FakeSts::default();
    let target = direct_target();
    let asked = RefCell::new(0);
    let mut src = source(HUB_ROLES, &asked);
    let late = now() + Duration::from_secs(3_600);
    let error = signin(&f.cache, late)
        .credentials(&sts, &Destination::Target(&target), &mut src)
        .expect_err("expired");
    assert!(matches!(error, SignInError::Assertion(_)), "{error}");
    assert!(sts.calls.borrow().is_empty());
}

#[test]
fn a_hub_role_alone_is_one_saml_hop() {
    let f = fixture();
    let sts = FakeSts::default();
    let asked = RefCell::new(0);
    let mut src = source(HUB_ROLES, &asked);
    let destination = Destination::Role {
        role_arn: HUB.to_owned(),
        provider_arn: None,
        max_session_duration: 43_200,
    };
    let report = signin(&f.cache, now())
        .credentials(&sts, &destination, &mut src)
        .expect("sign in");
    assert_eq!(report.sts_calls, vec![HUB]);
    let again = signin(&f.cache, now())
        .credentials(&sts, &destination, &mut src)
        .expect("cached");
    assert!(again.sts_calls.is_empty());
}

fn lasting(seconds: u32) -> impl FnMut(&str) -> Result<SamlResponse, SignInError> {
    move |_| Ok(response_with(HUB_ROLES, None, Some(seconds)))
}

#[test]
fn the_idp_session_duration_caps_the_saml_hop() {
    let f = fixture();
    let sts = FakeSts::default();
    let target = direct_target();
    let report = signin(&f.cache, now())
        .credentials(&sts, &Destination::Target(&target), &mut lasting(7_200))
        .expect("sign in");
    assert_eq!(*sts.calls.borrow(), vec![format!("saml {DIRECT} 7200")]);
    assert_eq!(report.credentials.expiration, clock() + 7_200);
    assert!(
        f.cache.durations().roles.is_empty(),
        "a capped request says nothing about the role's maximum"
    );
    // An IdP allowing more than the role changes nothing.
    let sts = FakeSts::default();
    signin(&f.cache, at(8_000))
        .credentials(&sts, &Destination::Target(&target), &mut lasting(43_200))
        .expect("sign in");
    assert_eq!(*sts.calls.borrow(), vec![format!("saml {DIRECT} 28800")]);
}

#[test]
fn the_idp_cap_keeps_the_remembered_role_maximum() {
    let f = fixture();
    let mut memory = crate::DurationMemory::default();
    memory.remember(DIRECT, 7_200, 28_800);
    f.cache.write_durations(&memory).expect("write");
    let sts = FakeSts::default();
    signin(&f.cache, now())
        .credentials(
            &sts,
            &Destination::Target(&direct_target()),
            &mut lasting(3_600),
        )
        .expect("sign in");
    assert_eq!(*sts.calls.borrow(), vec![format!("saml {DIRECT} 3600")]);
    assert_eq!(f.cache.durations().roles.get(DIRECT), Some(&7_200));
    // The IdP's cap is under the hub session only: hop 2 still asks for the chained hour.
    let sts = FakeSts::default();
    signin(&f.cache, at(20_000))
        .credentials(
            &sts,
            &Destination::Target(&hub_target()),
            &mut lasting(1_800),
        )
        .expect("sign in");
    let calls = sts.calls.borrow();
    assert_eq!(calls[0], format!("saml {HUB} 1800"));
    assert!(
        calls[1].starts_with(&format!("assume {SPOKE} 3600 ")),
        "{calls:?}"
    );
}

// The IAM-users hub: long-term keys → one MFA session → every target's AssumeRole.

const USER: &str = "arn:aws:iam::111111111111:user/awsfed/users/ada";
const USER_SPOKE_DEV: &str = "arn:aws:iam::333333333333:role/awsfed/ReadOnly";
const USER_SPOKE_PROD: &str = "arn:aws:iam::222222222222:role/awsfed/ReadOnly";

fn iam_users() -> ClientIamUsers {
    ClientIamUsers {
        account_id: "111111111111".to_owned(),
        account_name: "identity".to_owned(),
        path: "/awsfed/users/".to_owned(),
        mfa_serial: "arn:aws:iam::111111111111:mfa/{user}".to_owned(),
        session_duration: 28_800,
        source_identity: true,
        without_mfa: vec!["break-glass".to_owned()],
    }
}

fn user_target(account: &str, id: &str, role_arn: &str) -> ClientTarget {
    ClientTarget {
        name: format!("{account}/ReadOnly"),
        account_name: account.to_owned(),
        account_id: id.to_owned(),
        permission_set: "ReadOnly".to_owned(),
        max_session_duration: 28_800,
        paths: vec![ClientPath {
            groups: Vec::new(),
            users: vec!["ada".to_owned()],
            hops: vec![
                ClientHop::IamUser {
                    account_id: "111111111111".to_owned(),
                },
                ClientHop::AssumeRole {
                    role_arn: role_arn.to_owned(),
                    max_session_duration: 28_800,
                },
            ],
        }],
    }
}

/// Hands out MFA codes, counting the serials asked for; never a SAML response.
#[derive(Default)]
struct Codes {
    asked: Vec<String>,
    code: &'static str,
}

impl AssertionSource for Codes {
    fn assertion(&mut self, target: &str) -> Result<SamlResponse, SignInError> {
        Err(SignInError::NeedAssertion {
            target: target.to_owned(),
            why: "no IdP here".to_owned(),
        })
    }
    fn mfa_code(&mut self, _: &str, serial: &str) -> Result<String, SignInError> {
        self.asked.push(serial.to_owned());
        Ok(self.code.to_owned())
    }
}

fn as_user<'a>(cache: &'a Cache, at: SystemTime, users: &'a ClientIamUsers) -> SignIn<'a> {
    SignIn {
        iam_users: Some(users),
        ..signin(cache, at)
    }
}

#[test]
fn an_iam_user_makes_one_mfa_session_for_every_target_and_renews_from_it() {
    let f = fixture();
    let users = iam_users();
    let sts = FakeSts {
        long_term: Some(USER),
        ..FakeSts::default()
    };
    let dev = user_target("dev", "333333333333", USER_SPOKE_DEV);
    let prod = user_target("prod", "222222222222", USER_SPOKE_PROD);
    let mut codes = Codes {
        code: "123456",
        ..Codes::default()
    };
    for target in [&dev, &prod] {
        let report = as_user(&f.cache, now(), &users)
            .credentials(&sts, &Destination::Target(target), &mut codes)
            .expect("sign in");
        assert!(!report.chained);
        assert_eq!(report.session_name.as_deref(), Some("ada"));
    }
    assert_eq!(codes.asked, ["arn:aws:iam::111111111111:mfa/ada"]);
    assert_eq!(
        *sts.calls.borrow(),
        [
            "caller-identity".to_owned(),
            "session-token Some((\"arn:aws:iam::111111111111:mfa/ada\", \"123456\")) 28800"
                .to_owned(),
            // No role chaining: the role's maximum, not one hour.
            format!("assume {USER_SPOKE_DEV} 28800 as ada from ASIA2 si=Some(\"ada\")"),
            format!("assume {USER_SPOKE_PROD} 28800 as ada from ASIA2 si=Some(\"ada\")"),
        ]
    );
    // Cached: no call. Ten minutes before the end the spoke session is renewed from the MFA
    // session (also ten minutes left) without a code; past its end, a new code is asked for.
    let cached = as_user(&f.cache, now(), &users)
        .credentials(&sts, &Destination::Target(&dev), &mut codes)
        .expect("cached");
    assert!(cached.sts_calls.is_empty());
    let renewed = as_user(&f.cache, at(28_200), &users)
        .credentials(&sts, &Destination::Target(&dev), &mut codes)
        .expect("renewed");
    assert_eq!(renewed.sts_calls, [USER_SPOKE_DEV]);
    assert_eq!(codes.asked.len(), 1);
    as_user(&f.cache, at(28_800 + 600), &users)
        .credentials(&sts, &Destination::Target(&prod), &mut codes)
        .expect("a new MFA session");
    assert_eq!(codes.asked.len(), 2);
    // The MFA session is cached like every hop: mode 0600.
    let key = user_session_key("111111111111");
    let mode = std::fs::metadata(f.cache.dir().join(key.file_name()))
        .expect("cached MFA session")
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
}

#[test]
fn iam_user_sign_in_refuses_wrong_codes_other_accounts_and_missing_keys() {
    let f = fixture();
    let users = iam_users();
    let dev = user_target("dev", "333333333333", USER_SPOKE_DEV);
    let sign_in = |sts: &FakeSts, code: &'static str| {
        let mut codes = Codes {
            code,
            ..Codes::default()
        };
        as_user(&f.cache, now(), &users)
            .credentials(sts, &Destination::Target(&dev), &mut codes)
            .map(|_| codes.asked.len())
    };
    let sts = FakeSts {
        long_term: Some(USER),
        ..FakeSts::default()
    };
    let error = sign_in(&sts, "000000").expect_err("wrong code");
    assert!(
        matches!(&error, SignInError::UserSession { error, .. } if error.kind == StsErrorKind::AccessDenied),
        "{error}"
    );
    let other = FakeSts {
        long_term: Some("arn:aws:iam::999999999999:user/ada"),
        ..FakeSts::default()
    };
    let error = sign_in(&other, "123456").expect_err("another account");
    assert!(matches!(error, SignInError::NotIamUser { .. }), "{error}");
    let role = FakeSts {
        long_term: Some("arn:aws:sts::111111111111:assumed-role/x/ada"),
        ..FakeSts::default()
    };
    assert!(matches!(
        sign_in(&role, "123456"),
        Err(SignInError::NotIamUser { .. })
    ));
    let none = FakeSts::default();
    let error = sign_in(&none, "123456").expect_err("no keys");
    assert!(matches!(error, SignInError::LongTermKeys { .. }), "{error}");
    // A user exempt from MFA is asked for no code.
    let glass = FakeSts {
        long_term: Some("arn:aws:iam::111111111111:user/awsfed/users/break-glass"),
        ..FakeSts::default()
    };
    assert_eq!(sign_in(&glass, "123456").expect("break-glass"), 0);
    assert!(
        glass
            .calls
            .borrow()
            .iter()
            .any(|c| c == "session-token None 28800")
    );
}
