use awsfed_saml::{InputEncoding, Limits, decode_saml_response, split_role_value};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use proptest::prelude::*;

/// The ways a SAMLResponse reaches a user.
#[derive(Debug, Clone, Copy)]
enum Form {
    Padded,
    Unpadded,
    Wrapped {
        width: usize,
        crlf: bool,
        indent: bool,
    },
    PercentEncoded,
    UrlSafe,
    PlusAsSpace,
    RawXml,
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::Padded),
        Just(Form::Unpadded),
        (1usize..100, any::<bool>(), any::<bool>()).prop_map(|(width, crlf, indent)| {
            Form::Wrapped {
                width,
                crlf,
                indent,
            }
        }),
        Just(Form::PercentEncoded),
        Just(Form::UrlSafe),
        Just(Form::PlusAsSpace),
        Just(Form::RawXml),
    ]
}

fn encode(payload: &[u8], form: Form) -> Vec<u8> {
    let padded = STANDARD.encode(payload);
    match form {
        Form::Padded => padded.into_bytes(),
        Form::Unpadded => STANDARD_NO_PAD.encode(payload).into_bytes(),
        Form::Wrapped {
            width,
            crlf,
            indent,
        } => {
            let mut out = String::new();
            for chunk in padded.as_bytes().chunks(width) {
                if indent {
                    out.push_str("    ");
                }
                out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
                out.push_str(if crlf { "\r\n" } else { "\n" });
            }
            out.into_bytes()
        }
        Form::PercentEncoded => padded
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
            .into_bytes(),
        Form::UrlSafe => URL_SAFE_NO_PAD.encode(payload).into_bytes(),
        Form::PlusAsSpace => padded.replace('+', " ").into_bytes(),
        Form::RawXml => payload.to_vec(),
    }
}

proptest! {
    /// Any XML-looking payload, in any accepted form, decodes to itself, and the canonical
    /// base64 is the standard padded encoding of the payload's exact bytes.
    #[test]
    fn decoder_round_trips_every_accepted_form(body in ".{0,400}", form in form()) {
        let payload = format!("<{body}");
        let encoded = encode(payload.as_bytes(), form);
        if matches!(form, Form::PlusAsSpace) {
            // A `+` at either end becomes a space that trimming removes: unrecoverable.
            prop_assume!(!encoded.starts_with(b" ") && !encoded.ends_with(b" "));
        }
        let decoded = decode_saml_response(&encoded, &Limits::default()).expect("decodes");
        let trimmed = payload.trim_end_matches(|c: char| c.is_ascii_whitespace());
        prop_assert_eq!(&decoded.xml, trimmed);
        match form {
            Form::RawXml => {
                prop_assert_eq!(decoded.form.encoding, InputEncoding::RawXml);
                prop_assert_eq!(decoded.canonical_base64, STANDARD.encode(trimmed));
            }
            _ => prop_assert_eq!(decoded.canonical_base64, STANDARD.encode(&payload)),
        }
    }

    /// Decoding never panics, whatever the bytes.
    #[test]
    fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_saml_response(&bytes, &Limits::default());
    }
}

fn role_arn() -> impl Strategy<Value = (String, String, String)> {
    (
        prop_oneof![Just("aws"), Just("aws-cn"), Just("aws-us-gov")],
        "[0-9]{1,15}",
        proptest::collection::vec("[A-Za-z0-9_+=,.@-]{1,8}", 0..3),
        "[A-Za-z0-9_+=,.@-]{0,63}[A-Za-z0-9_+=.@-]",
    )
        .prop_map(|(partition, account, path, name)| {
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                format!("/{}/", path.join("/"))
            };
            (
                format!("arn:{partition}:iam::{account}:role{path}{name}"),
                path,
                name,
            )
        })
}

fn provider_arn() -> impl Strategy<Value = String> {
    ("[0-9]{12}", "[A-Za-z0-9_.-]{1,32}")
        .prop_map(|(account, name)| format!("arn:aws:iam::{account}:saml-provider/{name}"))
}

proptest! {
    /// Any role and provider, in either order, padded with whitespace, with or without
    /// Google's trailing comma, split back into themselves.
    #[test]
    fn role_pairs_split_back(
        (role, path, name) in role_arn(),
        provider in provider_arn(),
        provider_first in any::<bool>(),
        pads in proptest::collection::vec("[ \t\r\n]{0,3}", 4),
        trailing_comma in any::<bool>(),
    ) {
        let (first, second) = if provider_first { (&provider, &role) } else { (&role, &provider) };
        let value = format!(
            "{}{first}{},{}{second}{}{}",
            pads[0], pads[1], pads[2], pads[3], if trailing_comma { "," } else { "" }
        );
        let pair = split_role_value(&value).expect("valid pair");
        prop_assert_eq!(&pair.role.arn, &role);
        prop_assert_eq!(&pair.role.path, &path);
        prop_assert_eq!(&pair.role.name, &name);
        prop_assert_eq!(&pair.provider.arn, &provider);
        prop_assert_eq!(pair.provider_first, provider_first);
    }

    /// The splitter never panics and never accepts a value without both ARN kinds.
    #[test]
    fn role_splitter_is_total(value in ".{0,200}") {
        if let Ok(pair) = split_role_value(&value) {
            prop_assert!(value.contains(":role/") && value.contains(":saml-provider/"));
            prop_assert!(pair.role.arn.starts_with("arn:"));
        }
    }
}
