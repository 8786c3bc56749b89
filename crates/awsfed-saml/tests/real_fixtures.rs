use std::time::Duration;

use awsfed_saml::{InputEncoding, SamlError, SamlResponse, ValidationOptions, parse_saml_response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::support::{kind, real_fixture, real_fixture_dir};

/// What one `.xml` sample must yield.
struct Case {
    file: &'static str,
    expect: Expect,
}

enum Expect {
    /// Parsing fails with this variant.
    ParseError(&'static str),
    /// Parsing succeeds.
    Parsed {
        /// Role ARNs, in the IdP's order.
        roles: &'static [&'static str],
        /// Provider ARN of every pair (all samples use one provider).
        provider: Option<&'static str>,
        /// Whether the values list the provider first.
        provider_first: bool,
        role_session_name: Option<&'static str>,
        session_duration: Option<&'static str>,
        /// Some ARN has an account id that is not 12 digits.
        short_account_ids: bool,
        /// First problem 30 s after the Response's IssueInstant (`None`: sign-in would go on).
        at_issue: Option<&'static str>,
    },
}

const fn parsed(
    roles: &'static [&'static str],
    provider: Option<&'static str>,
    provider_first: bool,
    role_session_name: Option<&'static str>,
    session_duration: Option<&'static str>,
    at_issue: Option<&'static str>,
) -> Expect {
    Expect::Parsed {
        roles,
        provider,
        provider_first,
        role_session_name,
        session_duration,
        short_account_ids: false,
        at_issue,
    }
}

const NO_ROLES: &[&str] = &[];
const RECIPIENT: Option<&str> = Some("RecipientNotAwsSignIn");
const ENCRYPTED: Option<&str> = Some("EncryptedAssertion");

const CASES: &[Case] = &[
    Case {
        file: "adfs-2roles-invalid-notonorafter.xml",
        expect: Expect::ParseError("InvalidTimestamp"),
    },
    Case {
        file: "adfs-2roles-undeclared-saml2-prefix.xml",
        expect: parsed(
            &[
                "arn:aws:iam::123123123123:role/AWS-Admin-CloudOPSBuild",
                "arn:aws:iam::123123123123:role/AWS-Admin-CloudOPSNonProd",
            ],
            Some("arn:aws:iam::123123123123:saml-provider/ExampleADFS"),
            true,
            Some("wolfeidau@example.com"),
            Some("28800"),
            None,
        ),
    },
    Case {
        file: "adfs-3roles-redshift-attrs.xml",
        expect: Expect::Parsed {
            roles: &[
                "arn:aws:iam::123456789:role/ADFS-User",
                "arn:aws:iam::123456789:role/ADFS-Admin",
                "arn:aws:iam::98765431:role/ADFS-SuperUser",
            ],
            provider: None,
            provider_first: true,
            role_session_name: Some("dicktracy@test.com"),
            session_duration: None,
            short_account_ids: true,
            at_issue: None,
        },
    },
    Case {
        file: "adfs-encrypted-assertion-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, ENCRYPTED),
    },
    Case {
        file: "adfs-signed-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, RECIPIENT),
    },
    Case {
        file: "auth0-signed-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, RECIPIENT),
    },
    Case {
        file: "azuread-2roles-concatenated-twice.xml",
        expect: Expect::ParseError("TrailingContent"),
    },
    Case {
        file: "azuread-2roles-pretty.xml",
        expect: parsed(
            &[
                "arn:aws:iam::012345678901:role/example_role",
                "arn:aws:iam::123456789012:role/example_role",
            ],
            None,
            false,
            Some("exampleuser@exampledomain.com"),
            None,
            Some("EmptyValidityWindow"),
        ),
    },
    Case {
        file: "google-3roles-notbefore-after-expiry.xml",
        expect: parsed(
            GOOGLE_ROLES,
            Some(GOOGLE_PROVIDER),
            false,
            Some("first.last@example.com"),
            Some("28800"),
            Some("EmptyValidityWindow"),
        ),
    },
    Case {
        file: "google-3roles-trailing-comma.xml",
        expect: parsed(
            GOOGLE_ROLES,
            Some(GOOGLE_PROVIDER),
            false,
            Some("first.last@example.com"),
            Some("28800"),
            None,
        ),
    },
    Case {
        file: "google-3roles.xml",
        expect: parsed(
            GOOGLE_ROLES,
            Some(GOOGLE_PROVIDER),
            false,
            Some("first.last@example.com"),
            Some("28800"),
            None,
        ),
    },
    Case {
        file: "google-4roles-short-account-ids.xml",
        expect: Expect::Parsed {
            roles: &[
                "arn:aws:iam::123:role/User",
                "arn:aws:iam::123:role/User2",
                "arn:aws:iam::456:role/User",
                "arn:aws:iam::456:role/User2",
            ],
            provider: Some("arn:aws:iam::123456789:saml-provider/GoogleApps"),
            provider_first: false,
            role_session_name: Some("john.doe@aws.com"),
            session_duration: Some("3600"),
            short_account_ids: true,
            at_issue: Some("EmptyValidityWindow"),
        },
    },
    Case {
        file: "google-signed-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, RECIPIENT),
    },
    Case {
        file: "keycloak-no-aws-utf8-nameid.xml",
        expect: parsed(NO_ROLES, None, false, None, None, RECIPIENT),
    },
    Case {
        file: "netiq-13roles.xml",
        expect: parsed(
            &[
                "arn:aws:iam::863369430055:role/wbc-admin",
                "arn:aws:iam::863369430055:role/wbc-engineer",
                "arn:aws:iam::863369430055:role/wbc-manager",
                "arn:aws:iam::863369430055:role/wbc-viewonly",
                "arn:aws:iam::863369430055:role/wbc-readonly",
                "arn:aws:iam::169267451285:role/wbc-admin",
                "arn:aws:iam::169267451285:role/wbc-engineer",
                "arn:aws:iam::169267451285:role/wbc-viewonly",
                "arn:aws:iam::401252830686:role/wbc-admin",
                "arn:aws:iam::401252830686:role/wbc-engineer",
                "arn:aws:iam::401252830686:role/wbc-viewonly",
                "arn:aws:iam::401252830686:role/wbc-readonly",
                "arn:aws:iam::169267451285:role/wbc-readonly",
            ],
            None,
            false,
            Some("L122893"),
            None,
            None,
        ),
    },
    Case {
        file: "okta-classic-5roles.xml",
        expect: parsed(
            &[
                "arn:aws:iam::987654321987:role/testrole3",
                "arn:aws:iam::987654321987:role/testrole4",
                "arn:aws:iam::987654321987:role/testrole5",
                "arn:aws:iam::012345678901:role/testrole1",
                "arn:aws:iam::012345678901:role/testrole2",
            ],
            None,
            true,
            Some("john.doe@mycorp.com"),
            Some("3600"),
            None,
        ),
    },
    Case {
        file: "okta-encrypted-assertion-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, ENCRYPTED),
    },
    Case {
        file: "okta-no-attributes-urlencoded.xml",
        expect: parsed(NO_ROLES, None, false, None, None, RECIPIENT),
    },
    Case {
        file: "okta-oie-2roles-pretty-unpadded.xml",
        expect: parsed(
            &[
                "arn:aws:iam::123456789012:role/SSO.AdminRole",
                "arn:aws:iam::123456789012:role/SSO.ReadOnlyRole",
            ],
            Some("arn:aws:iam::123456789012:saml-provider/Okta"),
            true,
            Some("test@example.com"),
            Some("7200"),
            None,
        ),
    },
    Case {
        file: "onelogin-signed-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, RECIPIENT),
    },
    Case {
        file: "pingfed-5roles-no-namespace.xml",
        expect: parsed(
            &[
                "arn:aws:iam::456456456456:role/admin",
                "arn:aws:iam::456456456456:role/developer",
                "arn:aws:iam::789789789789:role/admin",
                "arn:aws:iam::123123123123:role/developer",
                "arn:aws:iam::123123123123:role/admin",
            ],
            None,
            false,
            Some("evan.mclean"),
            None,
            None,
        ),
    },
    Case {
        file: "pingfed-signed-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, RECIPIENT),
    },
    Case {
        file: "shibboleth-ecp-soap-1role.xml",
        expect: parsed(
            &["arn:aws:iam::123456789003:role/administrator"],
            Some("arn:aws:iam::123456789003:saml-provider/idp.example.com"),
            true,
            Some("user@example.com"),
            None,
            None,
        ),
    },
    Case {
        file: "shibboleth-testshib-encrypted-no-aws.xml",
        expect: parsed(NO_ROLES, None, false, None, None, ENCRYPTED),
    },
];

const GOOGLE_ROLES: &[&str] = &[
    "arn:aws:iam::123456789012:role/admin",
    "arn:aws:iam::123456789012:role/read-only",
    "arn:aws:iam::123456789012:role/test",
];
const GOOGLE_PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/GoogleApps";

/// The `.b64` twins: how each is encoded. (file, percent-encoded, padding missing)
const BASE64_TWINS: &[(&str, bool, bool)] = &[
    ("adfs-encrypted-assertion-no-aws.b64", false, false),
    ("adfs-signed-no-aws.b64", false, false),
    ("azuread-2roles-concatenated-twice.b64", false, false),
    ("google-4roles-short-account-ids.b64", false, false),
    ("google-signed-no-aws.b64", false, false),
    ("netiq-13roles.b64", false, false),
    ("okta-classic-5roles.b64", false, false),
    ("okta-encrypted-assertion-no-aws.b64", false, false),
    ("okta-no-attributes-urlencoded.b64", true, false),
    ("okta-oie-2roles-pretty-unpadded.b64", false, true),
    ("onelogin-signed-no-aws.b64", false, false),
    ("pingfed-signed-no-aws.b64", false, false),
];

fn thirty_seconds_after_issue(response: &SamlResponse) -> std::time::SystemTime {
    let issued = response
        .issue_instant
        .expect("every sample has an IssueInstant");
    let seconds = u64::try_from(issued.unix_seconds()).expect("after 1970");
    std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(seconds + 30)
}

#[test]
fn the_table_covers_every_sample() {
    let mut on_disk: Vec<String> = std::fs::read_dir(real_fixture_dir())
        .expect("tests/fixtures/saml/real in the repository")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".xml") || name.ends_with(".b64"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES
        .iter()
        .map(|case| case.file.to_owned())
        .chain(BASE64_TWINS.iter().map(|(file, ..)| (*file).to_owned()))
        .collect();
    listed.sort();
    assert_eq!(
        listed, on_disk,
        "a sample was added or removed: update the table"
    );
}

#[test]
fn each_real_sample_yields_exactly_what_its_notes_say() {
    for case in CASES {
        let result = parse_saml_response(real_fixture(case.file));
        match (&case.expect, &result) {
            (Expect::ParseError(expected), Err(error)) => {
                assert_eq!(kind(error), *expected, "{}: {error}", case.file);
            }
            (
                Expect::Parsed {
                    roles,
                    provider,
                    provider_first,
                    role_session_name,
                    session_duration,
                    short_account_ids,
                    at_issue,
                },
                Ok(response),
            ) => {
                let file = case.file;
                let role_arns: Vec<&str> = response
                    .roles()
                    .iter()
                    .map(|pair| pair.role.arn.as_str())
                    .collect();
                assert_eq!(&role_arns, roles, "{file}");
                for pair in response.roles() {
                    assert_eq!(pair.provider_first, *provider_first, "{file}");
                    if let Some(provider) = provider {
                        assert_eq!(pair.provider.arn, *provider, "{file}");
                    }
                    assert_eq!(pair.role.partition, "aws", "{file}");
                }
                let aws = response.aws();
                assert_eq!(
                    aws.and_then(|aws| aws.role_session_name.as_deref()),
                    *role_session_name,
                    "{file}"
                );
                assert_eq!(
                    aws.and_then(|aws| aws.session_duration.as_deref()),
                    *session_duration,
                    "{file}"
                );
                assert!(
                    aws.is_none_or(|aws| aws.malformed_roles.is_empty()),
                    "{file}"
                );
                let has_short_ids = response.roles().iter().any(|pair| {
                    !pair.role.account_id.is_twelve_digits()
                        || !pair.provider.account_id.is_twelve_digits()
                });
                assert_eq!(has_short_ids, *short_account_ids, "{file}");

                let now = thirty_seconds_after_issue(response);
                let first = response.validate(now, &ValidationOptions::default()).err();
                assert_eq!(
                    first.as_ref().map(kind).as_deref(),
                    *at_issue,
                    "{file}: {first:?}"
                );

                // Every sample is long expired (SOURCES.md): login must refuse all of them.
                let problems = response.problems(
                    crate::support::at("2030-01-01T00:00:00Z"),
                    &ValidationOptions::default(),
                );
                assert!(!problems.is_empty(), "{file}");
                if response.assertion.is_some() {
                    assert!(
                        problems.iter().any(|p| matches!(
                            p,
                            SamlError::Expired { .. } | SamlError::EmptyValidityWindow { .. }
                        )),
                        "{file}: {problems:?}"
                    );
                }
                if roles.is_empty() && response.assertion.is_some() {
                    assert!(
                        problems
                            .iter()
                            .any(|p| matches!(p, SamlError::NoAwsRoles { .. })),
                        "{file}: {problems:?}"
                    );
                }
            }
            (_, other) => panic!("{}: unexpected {other:?}", case.file),
        }
    }
}

#[test]
fn distractor_attributes_are_kept_but_never_taken_for_the_role_attribute() {
    let azure = parse_saml_response(real_fixture("azuread-2roles-pretty.xml")).unwrap();
    let attributes = &azure.assertion.as_ref().unwrap().attributes;
    let microsoft = &attributes["http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];
    assert_eq!(
        microsoft.len(),
        2,
        "the same pairs under the Microsoft claim"
    );
    assert!(attributes.contains_key("https://lakeformation.amazon.com/SAML/Attributes/Username"));
    assert_eq!(azure.roles().len(), 2);
    assert_eq!(
        azure.issuer.as_deref(),
        Some("https://sts.windows.net/25f4519b-eca5-405d-b516-123af862c268/")
    );

    let adfs = parse_saml_response(real_fixture("adfs-3roles-redshift-attrs.xml")).unwrap();
    let attributes = &adfs.assertion.as_ref().unwrap().attributes;
    assert!(attributes.contains_key("https://redshift.amazon.com/SAML/Attributes/DbGroups"));
    assert_eq!(adfs.roles().len(), 3);

    let keycloak = parse_saml_response(real_fixture("keycloak-no-aws-utf8-nameid.xml")).unwrap();
    let assertion = keycloak.assertion.as_ref().unwrap();
    assert_eq!(assertion.attributes["Role"], ["view-profile"]);
    assert!(keycloak.roles().is_empty());
    assert_eq!(
        assertion.name_id.as_ref().unwrap().value,
        "roàåאבčéèíñòøöùüßåäöü汉字"
    );
    let options = ValidationOptions {
        require_aws_recipient: false,
        ..ValidationOptions::default()
    };
    let now = thirty_seconds_after_issue(&keycloak);
    assert_eq!(
        keycloak.validate(now, &options),
        Err(SamlError::NoAwsRoles {
            near_misses: vec!["Role".to_owned()]
        })
    );

    let pingfed = parse_saml_response(real_fixture("pingfed-signed-no-aws.xml")).unwrap();
    assert_eq!(
        pingfed.assertion.as_ref().unwrap().attributes["group"],
        ["red,green,blue"]
    );
}

#[test]
fn base64_twins_parse_like_their_xml_and_keep_the_exact_bytes() {
    for (file, percent_encoded, padding_missing) in BASE64_TWINS {
        let twin = file.replace(".b64", ".xml");
        let xml_bytes = real_fixture(&twin);
        let from_b64 = parse_saml_response(real_fixture(file));
        let from_xml = parse_saml_response(&xml_bytes);
        match (from_b64, from_xml) {
            (Ok(b64), Ok(xml)) => {
                assert_eq!(b64.input_form.encoding, InputEncoding::Base64, "{file}");
                assert_eq!(b64.input_form.percent_encoded, *percent_encoded, "{file}");
                assert_eq!(b64.input_form.padding_missing, *padding_missing, "{file}");
                // STS gets the IdP's exact bytes back, padded.
                assert_eq!(
                    b64.canonical_base64(),
                    STANDARD.encode(&xml_bytes),
                    "{file}"
                );
                let mut b64_json = serde_json::to_value(&b64).unwrap();
                let xml_json = serde_json::to_value(&xml).unwrap();
                b64_json["input_form"] = xml_json["input_form"].clone();
                assert_eq!(b64_json, xml_json, "{file}");
            }
            (Err(b64), Err(xml)) => assert_eq!(b64, xml, "{file}"),
            (b64, xml) => panic!("{file}: {b64:?} vs {xml:?}"),
        }
    }
}

#[test]
fn the_canonical_base64_of_a_plain_file_is_the_file() {
    // Files stored as one padded line are already canonical.
    for file in [
        "okta-classic-5roles.b64",
        "netiq-13roles.b64",
        "google-signed-no-aws.b64",
    ] {
        let stored = String::from_utf8(real_fixture(file)).unwrap();
        let response = parse_saml_response(stored.as_bytes()).unwrap();
        assert_eq!(response.canonical_base64(), stored.trim(), "{file}");
    }
    let unpadded = String::from_utf8(real_fixture("okta-oie-2roles-pretty-unpadded.b64")).unwrap();
    let response = parse_saml_response(unpadded.as_bytes()).unwrap();
    assert!(response.canonical_base64().starts_with(unpadded.trim()));
    assert!(response.canonical_base64().ends_with('='));
}

#[test]
fn second_hop_session_names() {
    let adfs =
        parse_saml_response(real_fixture("adfs-2roles-undeclared-saml2-prefix.xml")).unwrap();
    assert_eq!(
        adfs.session_name_for_second_hop().as_deref(),
        Some("wolfeidau@example.com")
    );
    let okta = parse_saml_response(real_fixture("okta-oie-2roles-pretty-unpadded.xml")).unwrap();
    assert_eq!(
        okta.session_name_for_second_hop().as_deref(),
        Some("test@example.com")
    );
}

#[test]
fn snapshots_of_every_real_sample() {
    for case in CASES {
        let name = case.file.trim_end_matches(".xml");
        match parse_saml_response(real_fixture(case.file)) {
            Err(error) => insta::assert_snapshot!(name, error.to_string()),
            Ok(response) => {
                let now = thirty_seconds_after_issue(&response);
                let problems: Vec<String> = response
                    .problems(now, &ValidationOptions::default())
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                insta::assert_json_snapshot!(
                    name,
                    serde_json::json!({
                        "response": response,
                        "problems_30s_after_issue": problems,
                    })
                );
            }
        }
    }
}
