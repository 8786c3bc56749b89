use std::time::Duration;

use awsfed_saml::{
    Limits, ParseNote, RolePairError, SamlError, ValidationOptions, parse_saml_response,
    parse_saml_response_with_limits,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::support::{at, kind};

const ROLE: &str =
    "arn:aws:iam::111111111111:role/awsfed/Admin,arn:aws:iam::111111111111:saml-provider/corp";

/// A response issued at 2024-01-01T00:00:00Z, valid from 23:59:00 the day before to 00:05:00.
struct Builder {
    recipient: &'static str,
    not_before: &'static str,
    status: &'static str,
    attributes: Vec<(String, Vec<String>)>,
    assertions: usize,
}

impl Builder {
    fn new() -> Self {
        Self {
            recipient: "https://eu-west-1.signin.aws.amazon.com/saml",
            not_before: "2023-12-31T23:59:00Z",
            status: "urn:oasis:names:tc:SAML:2.0:status:Success",
            attributes: vec![(
                "https://aws.amazon.com/SAML/Attributes/Role".into(),
                vec![ROLE.into()],
            )],
            assertions: 1,
        }
    }

    fn attribute(mut self, name: &str, values: &[&str]) -> Self {
        self.attributes.push((
            name.into(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        ));
        self
    }

    fn without_attributes(mut self) -> Self {
        self.attributes.clear();
        self
    }

    fn xml(&self) -> String {
        let attributes: String = self
            .attributes
            .iter()
            .map(|(name, values)| {
                let values: String = values
                    .iter()
                    .map(|value| format!("<saml:AttributeValue>{value}</saml:AttributeValue>"))
                    .collect();
                format!("<saml:Attribute Name=\"{name}\">{values}</saml:Attribute>")
            })
            .collect();
        let assertion = format!(
            r#"<saml:Assertion ID="_a" IssueInstant="2024-01-01T00:00:00Z" Version="2.0">
  <saml:Issuer>https://idp.example.com</saml:Issuer>
  <saml:Subject>
    <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">CORP\jane doe</saml:NameID>
    <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
      <saml:SubjectConfirmationData NotOnOrAfter="2024-01-01T00:05:00Z" Recipient="{recipient}"/>
    </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotBefore="{not_before}" NotOnOrAfter="2024-01-01T00:05:00Z">
    <saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AuthnStatement AuthnInstant="2024-01-01T00:00:00Z" SessionNotOnOrAfter="2024-01-01T08:00:00Z"/>
  <saml:AttributeStatement>{attributes}</saml:AttributeStatement>
</saml:Assertion>"#,
            recipient = self.recipient,
            not_before = self.not_before,
        );
        format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="2024-01-01T00:00:00Z" Destination="https://signin.aws.amazon.com/saml">
<saml:Issuer>https://idp.example.com</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>
{assertions}
</samlp:Response>"#,
            status = self.status,
            assertions = assertion.repeat(self.assertions),
        )
    }

    fn check(&self, now: &str) -> Result<(), SamlError> {
        parse_saml_response(self.xml())
            .expect("synthetic responses parse")
            .validate(at(now), &ValidationOptions::default())
    }
}

const DURING: &str = "2024-01-01T00:01:00Z";

#[test]
fn a_fresh_response_validates_and_exposes_what_sts_needs() {
    let xml = Builder::new().xml();
    let response = parse_saml_response(STANDARD.encode(&xml)).unwrap();
    assert_eq!(
        response.validate(at(DURING), &ValidationOptions::default()),
        Ok(())
    );
    assert_eq!(response.canonical_base64(), STANDARD.encode(&xml));
    let pair = &response.roles()[0];
    assert_eq!(pair.role.path, "/awsfed/");
    assert_eq!(pair.role.name, "Admin");
    assert_eq!(pair.provider.name, "corp");
    assert_eq!(pair.role.account_id.value, "111111111111");
    // No RoleSessionName attribute: the NameID, made acceptable to STS.
    assert_eq!(
        response.session_name_for_second_hop().as_deref(),
        Some("CORP_jane_doe")
    );
}

#[test]
fn session_tags_source_identity_and_transitive_keys() {
    let response = parse_saml_response(
        Builder::new()
            .attribute(
                "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project",
                &["Unicorn"],
            )
            .attribute(
                "https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter",
                &[" 987654 "],
            )
            .attribute(
                "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys",
                &["Project", "CostCenter"],
            )
            .attribute(
                "https://aws.amazon.com/SAML/Attributes/SourceIdentity",
                &["jane@example.com"],
            )
            .attribute(
                "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
                &["jane"],
            )
            .xml(),
    )
    .unwrap();
    let aws = response.aws().unwrap();
    assert_eq!(aws.principal_tags["Project"], ["Unicorn"]);
    assert_eq!(aws.principal_tags["CostCenter"], ["987654"]);
    assert_eq!(aws.transitive_tag_keys, ["Project", "CostCenter"]);
    assert_eq!(aws.source_identity.as_deref(), Some("jane@example.com"));
    assert_eq!(
        response.session_name_for_second_hop().as_deref(),
        Some("jane")
    );
    assert_eq!(
        response.validate(at(DURING), &ValidationOptions::default()),
        Ok(())
    );
}

#[test]
fn validity_window_and_clock_skew() {
    let builder = Builder::new();
    assert_eq!(
        kind(&builder.check("2024-01-01T00:06:01Z").unwrap_err()),
        "Expired"
    );
    // Within the default 60 s skew.
    assert_eq!(builder.check("2024-01-01T00:05:30Z"), Ok(()));
    assert_eq!(builder.check("2023-12-31T23:58:30Z"), Ok(()));
    assert_eq!(
        kind(&builder.check("2023-12-31T23:57:59Z").unwrap_err()),
        "NotYetValid"
    );
    // The AuthnStatement's SessionNotOnOrAfter also ends sign-in.
    let response = parse_saml_response(builder.xml()).unwrap();
    let strict = ValidationOptions {
        clock_skew: Duration::ZERO,
        ..ValidationOptions::default()
    };
    assert_eq!(
        response.validate(at("2024-01-01T00:05:30Z"), &strict),
        Err(SamlError::Expired {
            field: "Conditions NotOnOrAfter",
            not_on_or_after: awsfed_saml::Timestamp::parse_xs_datetime("2024-01-01T00:05:00Z")
                .unwrap(),
            now: awsfed_saml::Timestamp::parse_xs_datetime("2024-01-01T00:05:30Z").unwrap(),
        })
    );
    let wide = ValidationOptions {
        clock_skew: Duration::from_secs(10 * 3600),
        ..ValidationOptions::default()
    };
    assert_eq!(response.validate(at("2024-01-01T09:00:00Z"), &wide), Ok(()));

    let mut inverted = Builder::new();
    inverted.not_before = "2024-01-01T00:05:00Z";
    assert_eq!(
        kind(&inverted.check(DURING).unwrap_err()),
        "EmptyValidityWindow"
    );
}

#[test]
fn recipient_must_be_an_aws_sign_in_endpoint_unless_told_otherwise() {
    let mut builder = Builder::new();
    builder.recipient = "https://signin.aws.amazon.com/saml";
    assert_eq!(builder.check(DURING), Ok(()));
    builder.recipient = "https://app.example.com/acs";
    let response = parse_saml_response(builder.xml()).unwrap();
    assert_eq!(
        response.validate(at(DURING), &ValidationOptions::default()),
        Err(SamlError::RecipientNotAwsSignIn {
            recipient: "https://app.example.com/acs".into()
        })
    );
    let relaxed = ValidationOptions {
        require_aws_recipient: false,
        ..ValidationOptions::default()
    };
    assert_eq!(response.validate(at(DURING), &relaxed), Ok(()));
}

#[test]
fn role_attribute_errors_name_the_value() {
    let response = parse_saml_response(
        Builder::new()
            .without_attributes()
            .attribute(
                "https://aws.amazon.com/SAML/Attributes/Role",
                &["arn:aws:iam::1:role/A,arn:aws:iam::1:role/B", "Admin"],
            )
            .xml(),
    )
    .unwrap();
    let problems = response.problems(at(DURING), &ValidationOptions::default());
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        problems[0],
        SamlError::MalformedRoleValue {
            value: "arn:aws:iam::1:role/A,arn:aws:iam::1:role/B".into(),
            reason: RolePairError::TwoRoles,
        }
    );
    assert!(
        problems[1].to_string().contains("\"Admin\""),
        "{}",
        problems[1]
    );

    let microsoft_only = parse_saml_response(
        Builder::new()
            .without_attributes()
            .attribute(
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
                &[ROLE],
            )
            .attribute(
                "https://redshift.amazon.com/SAML/Attributes/DbGroups",
                &["analysts"],
            )
            .xml(),
    )
    .unwrap();
    assert_eq!(
        microsoft_only.validate(at(DURING), &ValidationOptions::default()),
        Err(SamlError::NoAwsRoles {
            near_misses: vec![
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/role".into()
            ]
        })
    );
}

#[test]
fn session_attributes_follow_sts_rules() {
    for (name, value, expected) in [
        ("RoleSessionName", "jane doe", "InvalidRoleSessionName"),
        ("RoleSessionName", "j", "InvalidRoleSessionName"),
        ("SourceIdentity", "jané", "InvalidSourceIdentity"),
        ("SessionDuration", "899", "InvalidSessionDuration"),
        ("SessionDuration", "43201", "InvalidSessionDuration"),
        ("SessionDuration", "1h", "InvalidSessionDuration"),
    ] {
        let builder = Builder::new().attribute(
            &format!("https://aws.amazon.com/SAML/Attributes/{name}"),
            &[value],
        );
        assert_eq!(
            kind(&builder.check(DURING).unwrap_err()),
            expected,
            "{name}={value}"
        );
    }
    let ok = Builder::new().attribute(
        "https://aws.amazon.com/SAML/Attributes/SessionDuration",
        &["43200"],
    );
    assert_eq!(ok.check(DURING), Ok(()));
    let twice = parse_saml_response(
        Builder::new()
            .attribute(
                "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
                &["a1", "b2"],
            )
            .xml(),
    )
    .unwrap();
    assert!(twice.notes.contains(&ParseNote::ExtraValuesIgnored {
        attribute: "https://aws.amazon.com/SAML/Attributes/RoleSessionName".into()
    }));
}

#[test]
fn response_level_problems() {
    let mut two = Builder::new();
    two.assertions = 2;
    assert_eq!(
        two.check(DURING),
        Err(SamlError::MultipleAssertions { count: 2 })
    );

    let mut failed = Builder::new();
    failed.status = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    failed.assertions = 0;
    assert_eq!(
        failed.check(DURING),
        Err(SamlError::IdpStatus {
            status: "urn:oasis:names:tc:SAML:2.0:status:Requester".into()
        })
    );
    let mut empty = Builder::new();
    empty.assertions = 0;
    assert_eq!(empty.check(DURING), Err(SamlError::NoAssertion));
}

#[test]
fn parse_errors() {
    let cases: [(&str, &str); 8] = [
        ("<html><body><form/></body></html>", "NotSamlResponse"),
        (
            "<samlp:AuthnRequest xmlns:samlp=\"urn:x\"/>",
            "NotSamlResponse",
        ),
        (
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><Response>&lol2;</Response>",
            "DoctypeRejected",
        ),
        (
            "<!DOCTYPE Response SYSTEM \"file:///etc/passwd\"><Response/>",
            "DoctypeRejected",
        ),
        ("<Response><Assertion></Response>", "MalformedXml"),
        ("<Response/><Response/>", "TrailingContent"),
        ("<Response IssueInstant=\"yesterday\"/>", "InvalidTimestamp"),
        (
            "<soap:Envelope xmlns:soap=\"urn:s\"><soap:Body/></soap:Envelope>",
            "NotSamlResponse",
        ),
    ];
    for (input, expected) in cases {
        let error = parse_saml_response(input).unwrap_err();
        assert_eq!(kind(&error), expected, "{input}: {error}");
    }
    let html = parse_saml_response("<html/>").unwrap_err();
    assert!(html.to_string().contains("hidden form field"), "{html}");

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("<Response/>".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(parse_saml_response(&utf16), Err(SamlError::NotUtf8));
    assert_eq!(
        parse_saml_response(STANDARD.encode(&utf16)),
        Err(SamlError::NotUtf8)
    );
}

#[test]
fn limits_are_enforced_with_clear_errors() {
    let limits = Limits::default();
    let oversized = vec![b'A'; limits.max_input_bytes + 1];
    assert_eq!(
        parse_saml_response(&oversized),
        Err(SamlError::InputTooLarge {
            size: limits.max_input_bytes + 1,
            limit: limits.max_input_bytes
        })
    );
    let deep = format!(
        "<Response>{}{}</Response>",
        "<a>".repeat(70),
        "</a>".repeat(70)
    );
    assert_eq!(
        parse_saml_response(&deep),
        Err(SamlError::TooDeep { limit: 64 })
    );
    let tight = Limits {
        max_nodes: 100,
        ..Limits::default()
    };
    let wide = format!("<Response>{}</Response>", "<a/>".repeat(200));
    assert_eq!(
        parse_saml_response_with_limits(wide.as_bytes(), &tight),
        Err(SamlError::TooManyNodes { limit: 100 })
    );

    // Over STS's 100,000 characters but under the parser's 1 MiB: inspect works, login refuses.
    let groups: Vec<String> = (0..3000).map(|i| format!("group-number-{i:05}")).collect();
    let group_refs: Vec<&str> = groups.iter().map(String::as_str).collect();
    let fat = Builder::new().attribute("memberOf", &group_refs).xml();
    let response = parse_saml_response(STANDARD.encode(&fat)).unwrap();
    assert_eq!(
        response.assertion.as_ref().unwrap().attributes["memberOf"].len(),
        3000
    );
    assert_eq!(
        kind(
            &response
                .validate(at(DURING), &ValidationOptions::default())
                .unwrap_err()
        ),
        "TooLongForSts"
    );
}

#[test]
fn untrusted_values_are_shortened_in_messages() {
    let long = "x".repeat(5000);
    let builder = Builder::new().attribute(
        "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
        &[&long],
    );
    let message = builder.check(DURING).unwrap_err().to_string();
    assert!(message.len() < 600, "{}", message.len());
}

#[test]
fn error_messages_read_well() {
    let t = |s| awsfed_saml::Timestamp::parse_xs_datetime(s).unwrap();
    let errors = vec![
        SamlError::EmptyInput,
        SamlError::InputTooLarge {
            size: 2_000_000,
            limit: 1_048_576,
        },
        SamlError::InvalidBase64 {
            reason: "Invalid symbol 33, offset 3.".into(),
        },
        SamlError::DecodedNotXml {
            first_bytes: "x\u{1}".into(),
        },
        SamlError::NotUtf8,
        SamlError::DoctypeRejected,
        SamlError::MalformedXml {
            line: 3,
            column: 7,
            message: "unexpected end of stream".into(),
        },
        SamlError::TrailingContent {
            line: 1,
            column: 6057,
        },
        SamlError::TooManyNodes { limit: 50_000 },
        SamlError::TooDeep { limit: 64 },
        SamlError::NotSamlResponse {
            root: "html".into(),
            hint: " (an HTML page: the SAMLResponse is the value of its hidden form field)",
        },
        SamlError::InvalidTimestamp {
            field: "SubjectConfirmationData NotOnOrAfter",
            value: "This-is-invalid".into(),
        },
        SamlError::EncryptedAssertion,
        SamlError::NoAssertion,
        SamlError::IdpStatus {
            status: "urn:oasis:names:tc:SAML:2.0:status:Responder".into(),
        },
        SamlError::MultipleAssertions { count: 2 },
        SamlError::EmptyValidityWindow {
            field: "Conditions",
            not_before: t("2100-01-01T00:00:00Z"),
            not_on_or_after: t("2011-01-01T00:00:00Z"),
        },
        SamlError::Expired {
            field: "Conditions NotOnOrAfter",
            not_on_or_after: t("2024-01-01T00:05:00Z"),
            now: t("2024-01-01T01:00:00Z"),
        },
        SamlError::NotYetValid {
            field: "Conditions NotBefore",
            not_before: t("2024-01-01T00:05:00Z"),
            now: t("2024-01-01T00:00:00Z"),
        },
        SamlError::MissingSubjectConfirmation {
            missing: "SubjectConfirmationData Recipient",
        },
        SamlError::RecipientNotAwsSignIn {
            recipient: "https://app.example.com/acs".into(),
        },
        SamlError::NoAwsRoles {
            near_misses: vec![],
        },
        SamlError::NoAwsRoles {
            near_misses: vec!["Role".into()],
        },
        SamlError::MalformedRoleValue {
            value: "Admin".into(),
            reason: RolePairError::FieldCount { count: 1 },
        },
        SamlError::InvalidRoleSessionName {
            value: "jane doe".into(),
        },
        SamlError::InvalidSourceIdentity { value: "j".into() },
        SamlError::InvalidSessionDuration { value: "1h".into() },
        SamlError::TooLongForSts {
            length: 120_000,
            limit: 100_000,
        },
    ];
    let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_json_snapshot!("error_messages", rendered);
}
