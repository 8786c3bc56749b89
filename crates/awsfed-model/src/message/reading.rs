//! Reading the model file: its size, its encoding and the YAML parser's refusals in awsfed's words.

use super::Message;
use crate::Code;
use crate::load::{MAX_DEPTH, MAX_MODEL_BYTES};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadingMessage {
    /// `byte` is the first that is no UTF-8.
    NotUtf8 {
        byte: u8,
    },
    /// The model is `len` bytes.
    ModelTooLarge {
        len: usize,
    },
    /// `field` as the parser quotes it; `expected`, the keys it lists in its place.
    UnknownKey {
        field: String,
        expected: Option<String>,
    },
    DuplicateKey {
        key: String,
    },
    /// The parser's `missing field …`, said as a missing key.
    MissingKey {
        parser: String,
    },
    /// The parser's words for a breached depth or alias budget.
    YamlLimit {
        parser: String,
    },
    /// Any other refusal, in the parser's words.
    Yaml {
        parser: String,
    },
}

impl Message for ReadingMessage {
    fn code(&self) -> Code {
        match self {
            Self::NotUtf8 { .. } => Code::NotUtf8,
            Self::ModelTooLarge { .. } => Code::ModelTooLarge,
            Self::UnknownKey { .. } => Code::UnknownKey,
            Self::DuplicateKey { .. } => Code::DuplicateKey,
            Self::MissingKey { .. } => Code::MissingKey,
            Self::YamlLimit { .. } => Code::YamlLimit,
            Self::Yaml { .. } => Code::Yaml,
        }
    }

    fn text(&self) -> String {
        match self {
            Self::NotUtf8 { byte } => {
                format!("the model is not UTF-8 text: invalid byte 0x{byte:02x}")
            }
            Self::ModelTooLarge { len } => format!(
                "the model is {len} bytes; the limit is {MAX_MODEL_BYTES} bytes ({} MiB)",
                MAX_MODEL_BYTES / 1024 / 1024
            ),
            Self::UnknownKey { field, .. } => format!("unknown key {field}"),
            Self::DuplicateKey { key } => format!("`{key}` is defined twice"),
            Self::MissingKey { parser } => parser.replace("missing field", "missing key"),
            Self::YamlLimit { parser } | Self::Yaml { parser } => parser.clone(),
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            Self::NotUtf8 { .. } => Some("save the file as UTF-8".to_owned()),
            Self::ModelTooLarge { .. } => {
                Some("check that -c names the model file and not something else".to_owned())
            }
            Self::UnknownKey { expected, .. } => expected
                .as_ref()
                .map(|expected| format!("expected {expected}; check the spelling")),
            Self::DuplicateKey { .. } => {
                Some("each name may appear once; merge the two entries or rename one".to_owned())
            }
            Self::MissingKey { .. } => {
                Some("add the key; see `awsfed.schema.json` for the model format".to_owned())
            }
            Self::YamlLimit { .. } => Some(format!(
                "the model may nest at most {MAX_DEPTH} levels and use at most 1,000 anchors and aliases"
            )),
            Self::Yaml { .. } => None,
        }
    }
}
