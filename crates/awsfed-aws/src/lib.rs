//! The only awsfed crate that talks to AWS. Everything else is pure and tests without it.
//!
//! Endpoints: `--endpoint-url` or `AWS_ENDPOINT_URL` point every client at a local endpoint (the
//! tests use moto on 127.0.0.1). IAM and Organizations are global services served from us-east-1.

mod connect;
mod signin;

pub use connect::{connect, Connection, ConnectOptions, BEHAVIOR_VERSION};
pub use signin::{CallerIdentity, SigninSts};
