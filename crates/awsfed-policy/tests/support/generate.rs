//! A seeded generator of cases built around each request: statements that name the request's action
//! and resource (exactly, with case changes, with wildcards, with variables, or near misses),
//! principals that name the caller in every way a policy can, and conditions over the request
//! context that hold about half the time. The mix keeps a good share of cases allowed.
//!
//! It stays inside what the oracle models like AWS: no wildcards inside an ARN's resource type,
//! the same date format on both sides of a comparison, sessions only with role sessions.

use awsfed_policy::PolicyKind;
use serde_json::{Value, json};

use super::rng::Rng;
use super::{Case, Chain, Val};

const ACCOUNTS: [&str; 2] = ["111111111111", "222222222222"];

/// A request shape: action, resource and resource account, plus what kind of resource policy fits.
struct Target {
    action: &'static str,
    resource: String,
    account: String,
    /// Alternative action patterns that match / do not match.
    matching_actions: Vec<String>,
    other_actions: Vec<String>,
    /// Resource patterns that match / do not match.
    matching_resources: Vec<String>,
    other_resources: Vec<String>,
    policy: Option<PolicyKind>,
}

fn target(rng: &mut Rng, caller_account: &str) -> Target {
    let account = if rng.chance(60) {
        caller_account.to_owned()
    } else {
        ACCOUNTS
            .iter()
            .find(|a| **a != caller_account)
            .unwrap_or(&ACCOUNTS[0])
            .to_string()
    };
    match rng.below(6) {
        0 | 1 => {
            let key = rng
                .pick(&["key", "home/alice/notes.txt", "a/b/c", "k:y"])
                .to_string();
            let resource = format!("arn:aws:s3:::bucket/{key}");
            Target {
                action: "s3:GetObject",
                matching_resources: vec![
                    resource.clone(),
                    "arn:aws:s3:::bucket/*".into(),
                    "arn:aws:s3:::*".into(),
                    "arn:aws:s3:::buck?t/*".into(),
                    "*".into(),
                    "arn:aws:s3:::bucket/home/${aws:username}/*".into(),
                    "arn:aws:s3:::${aws:PrincipalTag/team, 'bucket'}/*".into(),
                    format!("arn:aws:s3:::bucket/{}", key.replace('e', "?")),
                ],
                other_resources: vec![
                    "arn:aws:s3:::other/*".into(),
                    "arn:aws:s3:::Bucket/*".into(),
                    format!("arn:aws:s3:::bucket/{}", key.to_uppercase()),
                    "arn:aws:s3:::bucket".into(),
                ],
                resource,
                account,
                matching_actions: vec![
                    "s3:GetObject".into(),
                    "S3:getobject".into(),
                    "s3:Get*".into(),
                    "s3:*".into(),
                    "*".into(),
                    "s3:G?tObject".into(),
                    "s3:*Object".into(),
                ],
                other_actions: vec![
                    "s3:PutObject".into(),
                    "s3:List*".into(),
                    "sqs:*".into(),
                    "s3:GetObjectAcl".into(),
                ],
                policy: Some(PolicyKind::Resource),
            }
        }
        2 => {
            let resource = format!("arn:aws:sqs:us-east-1:{account}:queue-1");
            Target {
                action: "sqs:SendMessage",
                matching_resources: vec![
                    resource.clone(),
                    "arn:aws:sqs:*:*:queue-*".into(),
                    format!("arn:aws:sqs:us-east-1:{account}:*"),
                    "*".into(),
                    "arn:aws:sqs:us-east-?:*:queue-1".into(),
                ],
                other_resources: vec![
                    format!("arn:aws:sqs:us-west-2:{account}:queue-1"),
                    "arn:aws:sqs:*:*:Queue-1".into(),
                    "arn:aws:sqs:us-east-1:333333333333:queue-1".into(),
                ],
                resource,
                account,
                matching_actions: vec![
                    "sqs:SendMessage".into(),
                    "SQS:sendmessage".into(),
                    "sqs:Send*".into(),
                    "sqs:*".into(),
                ],
                other_actions: vec![
                    "sqs:ReceiveMessage".into(),
                    "sqs:SendMessageBatch".into(),
                    "s3:*".into(),
                ],
                policy: Some(PolicyKind::Resource),
            }
        }
        3 => {
            let resource = format!("arn:aws:dynamodb:eu-west-1:{account}:table/Orders");
            Target {
                action: "dynamodb:GetItem",
                matching_resources: vec![
                    resource.clone(),
                    "arn:aws:dynamodb:*:*:table/*".into(),
                    "arn:aws:dynamodb:eu-west-1:*:table/Ord*".into(),
                    "*".into(),
                ],
                other_resources: vec![
                    "arn:aws:dynamodb:*:*:table/orders".into(),
                    "arn:aws:dynamodb:*:*:table/Orders/index/*".into(),
                ],
                resource,
                account,
                matching_actions: vec![
                    "dynamodb:GetItem".into(),
                    "dynamodb:Get*".into(),
                    "DynamoDB:*".into(),
                ],
                other_actions: vec!["dynamodb:PutItem".into(), "dynamodb:BatchGetItem".into()],
                policy: None,
            }
        }
        _ => {
            let name = rng.pick(&["ReadOnly", "Admin", "Deploy"]);
            let resource = format!("arn:aws:iam::{account}:role/awsfed/{name}");
            Target {
                action: "sts:AssumeRole",
                matching_resources: vec![
                    resource.clone(),
                    format!("arn:aws:iam::{account}:role/awsfed/*"),
                    "arn:aws:iam::*:role/*".into(),
                    "*".into(),
                ],
                other_resources: vec![
                    format!("arn:aws:iam::{account}:role/other/{name}"),
                    format!("arn:aws:iam::{account}:role/awsfed/{}", name.to_lowercase()),
                ],
                resource,
                account,
                matching_actions: vec![
                    "sts:AssumeRole".into(),
                    "sts:Assume*".into(),
                    "STS:assumerole".into(),
                    "sts:*".into(),
                ],
                other_actions: vec!["sts:AssumeRoleWithSAML".into(), "sts:TagSession".into()],
                policy: Some(PolicyKind::Trust),
            }
        }
    }
}

/// The caller: an IAM user or an assumed-role session.
struct Who {
    arn: String,
    account: String,
    /// The role behind a session.
    role: Option<String>,
    username: Option<String>,
}

fn caller(rng: &mut Rng) -> Who {
    let account = rng.pick(&ACCOUNTS).to_string();
    if rng.chance(50) {
        let name = rng.pick(&["alice", "bob"]).to_string();
        Who {
            arn: format!("arn:aws:iam::{account}:user/{name}"),
            account,
            role: None,
            username: Some(name),
        }
    } else {
        let role = rng.pick(&["Admin", "Developer"]).to_string();
        Who {
            arn: format!("arn:aws:sts::{account}:assumed-role/{role}/alice@example.com"),
            role: Some(format!("arn:aws:iam::{account}:role/awsfed/{role}")),
            account,
            username: None,
        }
    }
}

fn context(rng: &mut Rng, who: &Who, target: &Target) -> Vec<(String, Val)> {
    let one = |k: &str, v: &str| (k.to_owned(), Val::One(v.to_owned()));
    let mut ctx = vec![
        one("aws:PrincipalArn", who.role.as_deref().unwrap_or(&who.arn)),
        one("aws:PrincipalAccount", &who.account),
    ];
    if let Some(name) = &who.username {
        ctx.push(one("aws:username", name));
    }
    let optional: [(&str, &[&str]); 9] = [
        (
            "aws:PrincipalTag/team",
            &["platform", "Platform", "data", "bucket"],
        ),
        (
            "aws:SourceIp",
            &["203.0.113.9", "198.51.100.7", "2001:db8::1"],
        ),
        (
            "aws:CurrentTime",
            &[
                "2024-06-01T00:00:00Z",
                "2023-01-15T12:00:00Z",
                "2026-03-01T08:30:00Z",
            ],
        ),
        ("aws:EpochTime", &["1717200000", "1673784000"]),
        ("aws:MultiFactorAuthAge", &["30", "4000", "900"]),
        ("aws:SecureTransport", &["true", "false"]),
        ("aws:PrincipalOrgID", &["o-mine", "o-other"]),
        ("aws:RequestTag/project", &["alpha", "beta", "a*"]),
        (
            "aws:SourceIdentity",
            &["alice@example.com", "bob@example.com"],
        ),
    ];
    for (key, values) in optional {
        if rng.chance(55) {
            let value = *rng.pick(values);
            ctx.push(one(key, value));
        }
    }
    let multi: [(&str, &[&[&str]]); 3] = [
        (
            "aws:TagKeys",
            &[&["env"], &["env", "team"], &["team", "cost"], &[]],
        ),
        (
            "aws:PrincipalOrgPaths",
            &[
                &["o-mine/r-root/ou-a/"],
                &["o-mine/r-root/ou-a/", "o-mine/r-root/ou-b/"],
            ],
        ),
        (
            "aws:CalledVia",
            &[
                &["cloudformation.amazonaws.com"],
                &["athena.amazonaws.com", "glue.amazonaws.com"],
            ],
        ),
    ];
    for (key, choices) in multi {
        if rng.chance(40) {
            let values = rng.pick(choices).iter().map(|v| v.to_string()).collect();
            ctx.push((key.to_owned(), Val::Many(values)));
        }
    }
    if target.action == "sts:AssumeRole" && rng.chance(50) {
        let value = *rng.pick(&["alice@example.com", "bob"]);
        ctx.push(one("sts:RoleSessionName", value));
    }
    ctx
}

fn get<'a>(ctx: &'a [(String, Val)], key: &str) -> Option<&'a Val> {
    ctx.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Varies the case of a condition key name (key names are case-insensitive).
fn key_case(rng: &mut Rng, key: &str) -> String {
    match rng.below(4) {
        0 => key.to_uppercase(),
        1 => key.to_lowercase(),
        _ => key.to_owned(),
    }
}

fn with_if_exists(rng: &mut Rng, op: &str) -> String {
    if rng.chance(25) {
        format!("{op}IfExists")
    } else {
        op.to_owned()
    }
}

/// One condition `{operator: {key: values}}` over the context, true about half of the time.
fn condition(rng: &mut Rng, ctx: &[(String, Val)]) -> Value {
    let one = |v: Option<&Val>| match v {
        Some(Val::One(s)) => Some(s.clone()),
        _ => None,
    };
    let kind = rng.below(12);
    let (op, key, values): (String, &str, Value) = match kind {
        0 | 1 => {
            let key = *rng.pick(&[
                "aws:PrincipalTag/team",
                "aws:username",
                "aws:PrincipalOrgID",
                "aws:RequestTag/project",
                "aws:SourceIdentity",
            ]);
            let actual = one(get(ctx, key)).unwrap_or_else(|| "platform".into());
            let op = *rng.pick(&[
                "StringEquals",
                "StringNotEquals",
                "StringEqualsIgnoreCase",
                "StringNotEqualsIgnoreCase",
                "StringLike",
                "StringNotLike",
            ]);
            let value = match rng.below(7) {
                0 => actual.to_uppercase(),
                1 => format!("{}*", actual.chars().take(2).collect::<String>()),
                2 => actual.replacen(|c: char| c.is_alphabetic(), "?", 1),
                3 => "other".into(),
                4 => "${aws:username}".into(),
                5 => "${aws:PrincipalTag/team, 'platform'}".into(),
                _ => actual,
            };
            let values = if rng.chance(30) {
                json!([value, "decoy"])
            } else {
                json!(value)
            };
            (with_if_exists(rng, op), key, values)
        }
        2 => {
            let key = "aws:MultiFactorAuthAge";
            let op = *rng.pick(&[
                "NumericLessThan",
                "NumericLessThanEquals",
                "NumericGreaterThan",
                "NumericGreaterThanEquals",
                "NumericEquals",
                "NumericNotEquals",
            ]);
            let value = *rng.pick(&["900", "3600", "30", "4000.5"]);
            (with_if_exists(rng, op), key, json!(value))
        }
        3 => {
            let op = *rng.pick(&[
                "DateLessThan",
                "DateGreaterThan",
                "DateEquals",
                "DateNotEquals",
                "DateLessThanEquals",
                "DateGreaterThanEquals",
            ]);
            if rng.chance(50) {
                let value = *rng.pick(&[
                    "2024-06-01T00:00:00Z",
                    "2025-01-01T00:00:00Z",
                    "2023-06-01",
                    "2024-06-01T02:00:00+02:00",
                ]);
                (with_if_exists(rng, op), "aws:CurrentTime", json!(value))
            } else {
                let value = *rng.pick(&["1717200000", "1700000000", "1800000000"]);
                (with_if_exists(rng, op), "aws:EpochTime", json!(value))
            }
        }
        4 => {
            let key = *rng.pick(&["aws:SecureTransport", "aws:MultiFactorAuthPresent"]);
            let value = if rng.chance(50) {
                json!("true")
            } else {
                json!(false)
            };
            (with_if_exists(rng, "Bool"), key, value)
        }
        5 => {
            let op = *rng.pick(&["IpAddress", "NotIpAddress"]);
            let value = *rng.pick(&[
                "203.0.113.0/24",
                "198.51.100.7/32",
                "2001:db8::/32",
                "10.0.0.0/8",
                "0.0.0.0/1",
            ]);
            let values = if rng.chance(30) {
                json!([value, "192.0.2.0/24"])
            } else {
                json!(value)
            };
            (with_if_exists(rng, op), "aws:SourceIp", values)
        }
        6 => {
            let op = *rng.pick(&["ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"]);
            let actual = one(get(ctx, "aws:PrincipalArn")).unwrap_or_default();
            let value = match rng.below(5) {
                0 => actual,
                1 => "arn:aws:iam::*:role/awsfed/*".into(),
                2 => "arn:aws:iam::111111111111:*".into(),
                3 => "arn:aws:iam::*:user/?ob".into(),
                _ => actual.to_uppercase(),
            };
            (with_if_exists(rng, op), "aws:PrincipalArn", json!(value))
        }
        7 | 8 => {
            let key = *rng.pick(&["aws:TagKeys", "aws:PrincipalOrgPaths", "aws:CalledVia"]);
            let set = *rng.pick(&["ForAnyValue:", "ForAllValues:"]);
            let op = *rng.pick(&[
                "StringEquals",
                "StringLike",
                "StringNotEquals",
                "StringNotLike",
                "StringEqualsIgnoreCase",
            ]);
            let values = match key {
                "aws:TagKeys" => json!(
                    rng.pick(&[
                        json!("env"),
                        json!(["env", "team"]),
                        json!("t*"),
                        json!("ENV")
                    ])
                    .clone()
                ),
                "aws:PrincipalOrgPaths" => json!(
                    rng.pick(&[
                        json!("o-mine/r-root/ou-a/*"),
                        json!("o-mine/*"),
                        json!("o-other/*")
                    ])
                    .clone()
                ),
                _ => json!(
                    rng.pick(&[
                        json!("cloudformation.amazonaws.com"),
                        json!("*.amazonaws.com"),
                        json!(["athena.amazonaws.com", "glue.amazonaws.com"])
                    ])
                    .clone()
                ),
            };
            (format!("{set}{op}"), key, values)
        }
        9 => {
            let key = *rng.pick(&[
                "aws:RequestTag/project",
                "aws:PrincipalTag/team",
                "aws:TagKeys",
                "aws:SourceIp",
            ]);
            let value = if rng.chance(50) { "true" } else { "false" };
            ("Null".into(), key, json!(value))
        }
        10 => {
            let value = one(get(ctx, "aws:RequestTag/project")).unwrap_or_else(|| "alpha".into());
            (
                "BinaryEquals".into(),
                "aws:RequestTag/project",
                json!(value),
            )
        }
        _ => {
            // Single-valued operator on a possibly multivalued key.
            ("StringEquals".into(), "aws:TagKeys", json!("env"))
        }
    };
    let key = key_case(rng, key);
    json!({ op: { key: values } })
}

fn conditions(rng: &mut Rng, ctx: &[(String, Val)], max: usize) -> Option<Value> {
    let count = rng.below(max + 1);
    if count == 0 {
        return None;
    }
    let mut merged = serde_json::Map::new();
    for _ in 0..count {
        if let Value::Object(map) = condition(rng, ctx) {
            for (op, keys) in map {
                let entry = merged.entry(op).or_insert_with(|| json!({}));
                if let (Value::Object(entry), Value::Object(keys)) = (entry, keys) {
                    entry.extend(keys);
                }
            }
        }
    }
    Some(Value::Object(merged))
}

fn list_or_one(rng: &mut Rng, first: String, decoys: &[String]) -> Value {
    if rng.chance(30) && !decoys.is_empty() {
        let decoy = rng.pick(decoys).clone();
        json!([decoy, first])
    } else {
        json!(first)
    }
}

/// A statement about the target's action and resource; `hit` makes both match.
fn statement(
    rng: &mut Rng,
    effect: &str,
    t: &Target,
    ctx: &[(String, Val)],
    hit: bool,
    with_resource: bool,
    max_conditions: usize,
) -> Value {
    let mut s = json!({"Effect": effect});
    if hit || rng.chance(50) {
        if rng.chance(85) {
            let action = rng.pick(&t.matching_actions).clone();
            s["Action"] = list_or_one(rng, action, &t.other_actions);
        } else {
            s["NotAction"] = json!(rng.pick(&t.other_actions).clone());
        }
    } else if rng.chance(80) {
        s["Action"] = json!(rng.pick(&t.other_actions).clone());
    } else {
        s["NotAction"] = json!(rng.pick(&t.matching_actions).clone());
    }
    if with_resource {
        if hit || rng.chance(50) {
            if rng.chance(85) {
                let resource = rng.pick(&t.matching_resources).clone();
                s["Resource"] = list_or_one(rng, resource, &t.other_resources);
            } else {
                s["NotResource"] = json!(rng.pick(&t.other_resources).clone());
            }
        } else if rng.chance(80) {
            s["Resource"] = json!(rng.pick(&t.other_resources).clone());
        } else {
            s["NotResource"] = json!(rng.pick(&t.matching_resources).clone());
        }
    }
    if let Some(c) = conditions(rng, ctx, max_conditions) {
        s["Condition"] = c;
    }
    if rng.chance(30) {
        s["Sid"] = json!(format!("S{}", rng.below(100)));
    }
    s
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn identity_like(rng: &mut Rng, t: &Target, ctx: &[(String, Val)], allow_bias: u64) -> Value {
    let hit = rng.chance(allow_bias);
    let mut statements = vec![statement(rng, "Allow", t, ctx, hit, true, 1)];
    for _ in 0..rng.below(3) {
        let effect = if rng.chance(70) { "Allow" } else { "Deny" };
        let hit = rng.chance(50);
        statements.push(statement(rng, effect, t, ctx, hit, true, 2));
    }
    doc(statements)
}

/// A principal element naming the caller in one of many ways (or someone else).
fn principal(rng: &mut Rng, who: &Who, session_policy: bool) -> Value {
    let other = "arn:aws:iam::333333333333:user/mallory".to_string();
    let aws = match rng.below(8) {
        // A grant to the session ARN is outside the session policy, which iam-simulate does not
        // model (see the golden case and tests/oracle-exceptions.json).
        0 if session_policy && who.role.is_some() => return json!({"AWS": other}),
        0 => who.arn.clone(),
        1 => who.role.clone().unwrap_or_else(|| who.arn.clone()),
        2 => who.account.clone(),
        3 => format!("arn:aws:iam::{}:root", who.account),
        4 => return json!("*"),
        5 => "*".into(),
        6 => other.clone(),
        _ => "444444444444".into(),
    };
    if rng.chance(30) {
        json!({"AWS": [other, aws]})
    } else {
        json!({"AWS": aws})
    }
}

fn org_chain(rng: &mut Rng, t: &Target, ctx: &[(String, Val)], rcp: bool) -> Chain {
    let levels = 1 + rng.below(3);
    let names = ["r-root", "ou-a", "ou-b"];
    let mut chain = Chain {
        management: rng.chance(10),
        levels: Vec::new(),
    };
    for name in names.iter().take(levels) {
        let mut policies = Vec::new();
        if rcp {
            if rng.chance(60) {
                let hit = rng.chance(60);
                let mut s = statement(rng, "Deny", t, ctx, hit, true, 2);
                s["Principal"] = json!("*");
                if let Some(not_action) = s.get("NotAction").cloned() {
                    s.as_object_mut().map(|m| m.remove("NotAction"));
                    s["Action"] = not_action;
                }
                if s["Action"] == json!("*")
                    || s["Action"]
                        .as_array()
                        .is_some_and(|a| a.contains(&json!("*")))
                {
                    s["Action"] = json!(t.action);
                }
                policies.push(doc(vec![s]));
            }
        } else {
            let allow = if rng.chance(70) {
                json!({"Effect": "Allow", "Action": "*", "Resource": "*"})
            } else {
                let hit = rng.chance(70);
                statement(rng, "Allow", t, ctx, hit, true, 1)
            };
            let mut statements = vec![allow];
            if rng.chance(25) {
                let hit = rng.chance(50);
                statements.push(statement(rng, "Deny", t, ctx, hit, true, 2));
            }
            policies.push(doc(statements));
        }
        chain.levels.push((name.to_string(), policies));
    }
    chain
}

fn generate_case(rng: &mut Rng, index: usize) -> Case {
    let who = caller(rng);
    let t = target(rng, &who.account);
    let ctx = context(rng, &who, &t);
    let mut case = Case::new(
        &format!("generated #{index}"),
        Some(&who.arn),
        t.action,
        &t.resource,
        &t.account,
    );
    for _ in 0..rng.below(3) {
        case.identity.push(identity_like(rng, &t, &ctx, 80));
    }
    if rng.chance(35) {
        case.scps = Some(org_chain(rng, &t, &ctx, false));
    }
    if rng.chance(25) {
        case.rcps = Some(org_chain(rng, &t, &ctx, true));
    }
    if rng.chance(20) {
        case.boundary = Some(identity_like(rng, &t, &ctx, 75));
    }
    if who.role.is_some() && rng.chance(20) {
        case.session = Some(identity_like(rng, &t, &ctx, 75));
    }
    let has_session = case.session.is_some();
    match t.policy {
        Some(kind) if kind == PolicyKind::Trust || rng.chance(60) => {
            let trust = kind == PolicyKind::Trust;
            let mut statements = Vec::new();
            for i in 0..1 + rng.below(2) {
                let effect = if i == 0 || rng.chance(60) {
                    "Allow"
                } else {
                    "Deny"
                };
                let hit = i == 0 || rng.chance(50);
                let mut s = statement(rng, effect, &t, &ctx, hit, !trust, 1);
                if !trust && effect == "Deny" && rng.chance(25) {
                    s["NotPrincipal"] = principal(rng, &who, has_session);
                } else {
                    s["Principal"] = principal(rng, &who, has_session);
                }
                statements.push(s);
            }
            case.resource_policy = Some((kind, doc(statements)));
        }
        _ => {}
    }
    case.context = ctx;
    case
}

pub fn generate_cases(seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    (0..count).map(|i| generate_case(&mut rng, i)).collect()
}
