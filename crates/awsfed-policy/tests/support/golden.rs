//! Hand-written cases, one or more per rule, with the outcome the AWS documentation gives. Page names
//! are in each group's comment.

use awsfed_policy::{Decision, PolicyKind};
use serde_json::{Value, json};

use super::{Case, Chain, Val};

const A: &str = "111111111111";
const B: &str = "222222222222";
const USER: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::111111111111:role/awsfed/Admin";
const SESSION: &str = "arn:aws:sts::111111111111:assumed-role/Admin/alice";
const OBJECT: &str = "arn:aws:s3:::bucket/key";
const PROVIDER: &str = "arn:aws:iam::111111111111:saml-provider/corp";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn deny(action: &str, resource: &str) -> Value {
    json!({"Effect": "Deny", "Action": action, "Resource": resource})
}

fn with(mut statement: Value, key: &str, value: Value) -> Value {
    statement[key] = value;
    statement
}

fn cond(statement: Value, condition: Value) -> Value {
    with(statement, "Condition", condition)
}

struct G(Case);

impl G {
    fn new(
        name: &str,
        principal: Option<&str>,
        action: &str,
        resource: &str,
        account: &str,
    ) -> Self {
        G(Case::new(name, principal, action, resource, account))
    }
    fn s3(name: &str) -> Self {
        G::new(name, Some(USER), "s3:GetObject", OBJECT, A)
    }
    fn identity(mut self, statements: Value) -> Self {
        self.0.identity.push(doc(statements));
        self
    }
    fn resource(mut self, statements: Value) -> Self {
        self.0.resource_policy = Some((PolicyKind::Resource, doc(statements)));
        self
    }
    fn trust(mut self, statements: Value) -> Self {
        self.0.resource_policy = Some((PolicyKind::Trust, doc(statements)));
        self
    }
    fn boundary(mut self, statements: Value) -> Self {
        self.0.boundary = Some(doc(statements));
        self
    }
    fn session(mut self, statements: Value) -> Self {
        self.0.session = Some(doc(statements));
        self
    }
    fn scps(mut self, management: bool, levels: Vec<(&str, Value)>) -> Self {
        self.0.scps = Some(Chain {
            management,
            levels: levels
                .into_iter()
                .map(|(t, s)| (t.to_owned(), vec![doc(s)]))
                .collect(),
        });
        self
    }
    fn rcps(mut self, management: bool, levels: Vec<(&str, Value)>) -> Self {
        self.0.rcps = Some(Chain {
            management,
            levels: levels
                .into_iter()
                .map(|(t, s)| (t.to_owned(), vec![doc(s)]))
                .collect(),
        });
        self
    }
    fn ctx(mut self, key: &str, value: &str) -> Self {
        self.0
            .context
            .push((key.to_owned(), Val::One(value.to_owned())));
        self
    }
    fn ctx_many(mut self, key: &str, values: &[&str]) -> Self {
        self.0.context.push((
            key.to_owned(),
            Val::Many(values.iter().map(|v| v.to_string()).collect()),
        ));
        self
    }
    fn expect(mut self, decision: Decision) -> Case {
        self.0.expected = Some(decision);
        self.0
    }
}

pub fn golden_cases() -> Vec<Case> {
    use Decision::{Allow, ExplicitDeny, ImplicitDeny};
    let all = || json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]);
    vec![
        // "Determining whether a request is allowed or denied within an account".
        G::s3("identity policy allows in the same account")
            .identity(json!(allow("s3:GetObject", OBJECT)))
            .expect(Allow),
        G::s3("no applicable policy is an implicit deny").expect(ImplicitDeny),
        G::s3("an explicit deny overrides an allow")
            .identity(json!([allow("s3:*", "*"), deny("s3:GetObject", OBJECT)]))
            .expect(ExplicitDeny),
        // "IAM JSON policy elements: Action": action names are case-insensitive.
        G::s3("action names are case-insensitive")
            .identity(json!(allow("S3:getOBJECT", OBJECT)))
            .expect(Allow),
        // "IAM JSON policy elements: Resource": ARNs are case-sensitive; wildcards cross `/`.
        G::s3("resource ARNs are case-sensitive")
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/KEY")))
            .expect(ImplicitDeny),
        G::new("a star crosses slashes", Some(USER), "s3:GetObject", "arn:aws:s3:::bucket/a/b/c", A)
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/*")))
            .expect(Allow),
        G::s3("a question mark matches one character")
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/k?y")))
            .expect(Allow),
        G::s3("a question mark does not match two characters")
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/?")))
            .expect(ImplicitDeny),
        // "IAM JSON policy elements: NotAction" / "NotResource".
        G::s3("NotAction allows everything it does not list")
            .identity(json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
            .expect(Allow),
        G::s3("NotResource allows every other resource")
            .identity(json!({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::other/*"}))
            .expect(Allow),
        G::s3("NotResource excludes the listed resource")
            .identity(json!({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/*"}))
            .expect(ImplicitDeny),
        // "IAM JSON policy elements: Condition operators".
        G::s3("StringEquals is case-sensitive")
            .ctx("aws:PrincipalTag/team", "Platform")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEquals": {"aws:PrincipalTag/team": "platform"}}))))
            .expect(ImplicitDeny),
        G::s3("StringEqualsIgnoreCase ignores case")
            .ctx("aws:PrincipalTag/team", "Platform")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "PLATFORM"}}))))
            .expect(Allow),
        G::s3("condition key names are case-insensitive")
            .ctx("aws:PrincipalTag/team", "platform")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEquals": {"AWS:PRINCIPALTAG/TEAM": "platform"}}))))
            .expect(Allow),
        G::s3("StringLike wildcards cross colons")
            .ctx("aws:PrincipalArn", USER)
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}))))
            .expect(Allow),
        G::s3("StringNotEquals matches a missing key")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringNotEquals": {"aws:RequestTag/project": "x"}}))))
            .expect(Allow),
        G::s3("IfExists matches a missing key")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEqualsIfExists": {"aws:RequestTag/project": "x"}}))))
            .expect(Allow),
        G::s3("IfExists still tests a present key")
            .ctx("aws:RequestTag/project", "y")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEqualsIfExists": {"aws:RequestTag/project": "x"}}))))
            .expect(ImplicitDeny),
        G::s3("a plain operator does not match a missing key")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEquals": {"aws:RequestTag/project": "x"}}))))
            .expect(ImplicitDeny),
        G::s3("Null true matches a missing key")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"Null": {"aws:RequestTag/project": "true"}}))))
            .expect(Allow),
        G::s3("Null false needs the key")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"Null": {"aws:RequestTag/project": "false"}}))))
            .expect(ImplicitDeny),
        G::s3("NumericLessThan on the MFA age")
            .ctx("aws:MultiFactorAuthAge", "300")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}))))
            .expect(Allow),
        G::s3("DateLessThan on the current time")
            .ctx("aws:CurrentTime", "2024-06-01T00:00:00Z")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}))))
            .expect(Allow),
        G::s3("epoch seconds compare with ISO dates")
            .ctx("aws:CurrentTime", "2024-06-01T00:00:00Z")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"DateLessThan": {"aws:CurrentTime": "1893456000"}}))))
            .expect(Allow),
        G::s3("Bool denies insecure transport")
            .ctx("aws:SecureTransport", "false")
            .identity(json!([allow("s3:*", "*"), cond(deny("*", "*"), json!({"Bool": {"aws:SecureTransport": "false"}}))]))
            .expect(ExplicitDeny),
        G::s3("BinaryEquals compares the base64 text")
            .ctx("aws:RequestTag/blob", "QmluYXJ5")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"BinaryEquals": {"aws:RequestTag/blob": "QmluYXJ5"}}))))
            .expect(Allow),
        G::s3("IpAddress matches a CIDR range")
            .ctx("aws:SourceIp", "203.0.113.9")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"IpAddress": {"aws:SourceIp": ["198.51.100.0/24", "203.0.113.0/24"]}}))))
            .expect(Allow),
        G::s3("0.0.0.0/0 holds every IPv4 address")
            .ctx("aws:SourceIp", "198.51.100.7")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))))
            .expect(Allow),
        G::s3("an IPv6 source is not a single IPv4 address")
            .ctx("aws:SourceIp", "2001:db8::1")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"NotIpAddress": {"aws:SourceIp": "198.51.100.7"}}))))
            .expect(Allow),
        G::s3("NotIpAddress denies outside the range")
            .ctx("aws:SourceIp", "192.0.2.1")
            .identity(json!([allow("s3:*", "*"), cond(deny("*", "*"), json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))]))
            .expect(ExplicitDeny),
        G::s3("ArnLike on the principal ARN")
            .ctx("aws:PrincipalArn", USER)
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/*"}}))))
            .expect(Allow),
        G::s3("ArnEquals is case-sensitive")
            .ctx("aws:PrincipalArn", USER)
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/Alice"}}))))
            .expect(ImplicitDeny),
        // "Single-valued vs. multivalued context keys".
        G::s3("ForAnyValue matches one of the request values")
            .ctx_many("aws:TagKeys", &["env", "team"])
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}))))
            .expect(Allow),
        G::s3("ForAllValues needs every request value listed")
            .ctx_many("aws:TagKeys", &["env", "team"])
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"ForAllValues:StringEquals": {"aws:TagKeys": "team"}}))))
            .expect(ImplicitDeny),
        G::s3("ForAllValues is true for a missing key")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"ForAllValues:StringEquals": {"aws:TagKeys": "team"}}))))
            .expect(Allow),
        G::s3("ForAnyValue is false for a missing key")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}))))
            .expect(ImplicitDeny),
        G::s3("a single-valued operator never matches a multivalued key")
            .ctx_many("aws:TagKeys", &["team"])
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEquals": {"aws:TagKeys": "team"}}))))
            .expect(ImplicitDeny),
        // "IAM policy elements: Variables and tags".
        G::new("a variable in the resource", Some(USER), "s3:GetObject", "arn:aws:s3:::bucket/home/alice/notes", A)
            .ctx("aws:username", "alice")
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*")))
            .expect(Allow),
        G::new("a variable for someone else's folder", Some(USER), "s3:GetObject", "arn:aws:s3:::bucket/home/bob/notes", A)
            .ctx("aws:username", "alice")
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*")))
            .expect(ImplicitDeny),
        G::new("a variable default", Some(USER), "s3:GetObject", "arn:aws:s3:::bucket/shared/x", A)
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*")))
            .expect(Allow),
        G::new("a variable without a value matches nothing", Some(USER), "s3:GetObject", "arn:aws:s3:::bucket/home/x", A)
            .identity(json!(allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:PrincipalTag/team}")))
            .expect(ImplicitDeny),
        G::s3("an unresolvable variable in NotResource does not apply")
            .identity(json!([allow("s3:*", "*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/home/${aws:PrincipalTag/team}/*"}]))
            .expect(Allow),
        G::s3("the ${*} escape is a literal star")
            .ctx("aws:RequestTag/project", "a*")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringLike": {"aws:RequestTag/project": "a${*}"}}))))
            .expect(Allow),
        G::s3("the ${*} escape does not match other text")
            .ctx("aws:RequestTag/project", "ab")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringLike": {"aws:RequestTag/project": "a${*}"}}))))
            .expect(ImplicitDeny),
        G::s3("a variable in a condition value")
            .ctx("aws:username", "alice")
            .ctx("aws:PrincipalTag/owner", "alice")
            .identity(json!(cond(allow("s3:GetObject", "*"), json!({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}))))
            .expect(Allow),
        // "SCP evaluation" (AWS Organizations User Guide).
        G::s3("every SCP level must allow")
            .identity(all())
            .scps(false, vec![("r-root", all()), ("ou-a", json!(allow("sqs:*", "*")))])
            .expect(ImplicitDeny),
        G::s3("SCPs that allow at every level")
            .identity(all())
            .scps(false, vec![("r-root", all()), ("ou-a", json!(allow("s3:Get*", "*"))), (A, all())])
            .expect(Allow),
        G::s3("an SCP deny wins")
            .identity(all())
            .scps(false, vec![("r-root", json!([allow("*", "*"), deny("s3:GetObject", "*")]))])
            .expect(ExplicitDeny),
        G::s3("SCPs do not affect the management account")
            .identity(all())
            .scps(true, vec![("r-root", json!(deny("s3:GetObject", "*")))])
            .expect(Allow),
        G::new("SCPs do not affect service-linked roles", Some("arn:aws:sts::111111111111:assumed-role/AWSServiceRoleForSupport/x"), "s3:GetObject", OBJECT, A)
            .identity(all())
            .scps(false, vec![("r-root", json!(allow("sqs:*", "*")))])
            .expect(Allow),
        // "RCP evaluation" (AWS Organizations User Guide).
        G::new("an RCP denies principals outside the organization", Some("arn:aws:iam::222222222222:user/eve"), "s3:GetObject", OBJECT, A)
            .ctx("aws:PrincipalOrgID", "o-other")
            .identity(all())
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject", "Resource": "*"}))
            .rcps(false, vec![("r-root", json!(cond(json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}), json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-mine"}}))))])
            .expect(ExplicitDeny),
        G::new("RCPs do not affect management account resources", Some("arn:aws:iam::222222222222:user/eve"), "s3:GetObject", OBJECT, A)
            .identity(all())
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject", "Resource": "*"}))
            .rcps(true, vec![("r-root", json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}))])
            .expect(Allow),
        // "Permissions boundaries for IAM entities".
        G::s3("a permissions boundary limits identity grants")
            .identity(all())
            .boundary(json!(allow("sqs:*", "*")))
            .expect(ImplicitDeny),
        G::s3("a permissions boundary does not limit a grant to the user ARN")
            .boundary(json!(allow("sqs:*", "*")))
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject", "Resource": OBJECT}))
            .expect(Allow),
        G::new("a permissions boundary limits a grant to the role ARN", Some(SESSION), "s3:GetObject", OBJECT, A)
            .boundary(json!(allow("sqs:*", "*")))
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject", "Resource": OBJECT}))
            .expect(ImplicitDeny),
        G::s3("a NotPrincipal deny always denies a principal with a boundary")
            .identity(all())
            .boundary(all())
            .resource(json!({"Effect": "Deny", "NotPrincipal": {"AWS": [USER, A]}, "Action": "s3:*", "Resource": "*"}))
            .expect(ExplicitDeny),
        G::s3("a NotPrincipal deny spares the principals it lists")
            .identity(all())
            .resource(json!({"Effect": "Deny", "NotPrincipal": {"AWS": [USER, A]}, "Action": "s3:*", "Resource": "*"}))
            .expect(Allow),
        // "Session policies".
        G::new("a session policy limits identity grants", Some(SESSION), "s3:GetObject", OBJECT, A)
            .identity(all())
            .session(json!(allow("sqs:*", "*")))
            .expect(ImplicitDeny),
        G::new("a session policy within the identity grant", Some(SESSION), "s3:GetObject", OBJECT, A)
            .identity(all())
            .session(json!(allow("s3:Get*", "*")))
            .expect(Allow),
        G::new("session policy does not limit a grant to the session ARN", Some(SESSION), "s3:GetObject", OBJECT, A)
            .session(json!(allow("sqs:*", "*")))
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": SESSION}, "Action": "s3:GetObject", "Resource": OBJECT}))
            .expect(Allow),
        // "Cross-account policy evaluation logic".
        G::new("cross-account needs the resource side", Some(USER), "s3:GetObject", OBJECT, B)
            .identity(all())
            .expect(ImplicitDeny),
        G::new("cross-account needs the identity side", Some(USER), "s3:GetObject", OBJECT, B)
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject", "Resource": OBJECT}))
            .expect(ImplicitDeny),
        G::new("cross-account with both sides", Some(USER), "s3:GetObject", OBJECT, B)
            .identity(json!(allow("s3:GetObject", OBJECT)))
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject", "Resource": OBJECT}))
            .expect(Allow),
        G::new("cross-account grant to the account root", Some(USER), "s3:GetObject", OBJECT, B)
            .identity(json!(allow("s3:GetObject", OBJECT)))
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:GetObject", "Resource": OBJECT}))
            .expect(Allow),
        G::new("cross-account grant to another account", Some(USER), "s3:GetObject", OBJECT, B)
            .identity(json!(allow("s3:GetObject", OBJECT)))
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": "333333333333"}, "Action": "s3:GetObject", "Resource": OBJECT}))
            .expect(ImplicitDeny),
        // Role trust policies ("Policy evaluation for requests within a single account": trust policies
        // must explicitly allow; "How to use trust policies with IAM roles").
        G::new("same-account trust naming the caller's role allows by itself", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::111111111111:role/awsfed/ReadOnly", A)
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}))
            .expect(Allow),
        G::new("same-account trust naming the user allows by itself", Some(USER), "sts:AssumeRole", "arn:aws:iam::111111111111:role/awsfed/ReadOnly", A)
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}))
            .expect(Allow),
        G::new("same-account trust naming the account needs the identity policy", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::111111111111:role/awsfed/ReadOnly", A)
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}))
            .expect(ImplicitDeny),
        G::new("same-account trust naming the account with the identity policy", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::111111111111:role/awsfed/ReadOnly", A)
            .identity(json!(allow("sts:AssumeRole", "arn:aws:iam::111111111111:role/awsfed/*")))
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}))
            .expect(Allow),
        G::new("same-account identity policy alone cannot assume a role", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::111111111111:role/awsfed/ReadOnly", A)
            .identity(all())
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/Other"}, "Action": "sts:AssumeRole"}))
            .expect(ImplicitDeny),
        G::new("cross-account trust naming the role needs the identity policy", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::222222222222:role/awsfed/ReadOnly", B)
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}))
            .expect(ImplicitDeny),
        G::new("cross-account trust and identity policy", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::222222222222:role/awsfed/ReadOnly", B)
            .identity(json!(allow("sts:AssumeRole", "arn:aws:iam::222222222222:role/awsfed/ReadOnly")))
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}))
            .expect(Allow),
        G::new("cross-account trust naming the account root", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::222222222222:role/awsfed/ReadOnly", B)
            .identity(json!(allow("sts:AssumeRole", "*")))
            .trust(json!(cond(json!({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}), json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/awsfed/*"}}))))
            .ctx("aws:PrincipalArn", ROLE)
            .expect(Allow),
        G::new("an SCP on the caller blocks the assume-role hop", Some(SESSION), "sts:AssumeRole", "arn:aws:iam::222222222222:role/awsfed/ReadOnly", B)
            .identity(json!(allow("sts:AssumeRole", "*")))
            .trust(json!({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}))
            .scps(false, vec![("r-root", json!(allow("s3:*", "*")))])
            .expect(ImplicitDeny),
        // The SAML hop: the trust policy names the provider ("Creating a role for SAML 2.0 federation").
        G::new("SAML hop trusted by the provider with the audience", Some(PROVIDER), "sts:AssumeRoleWithSAML", "arn:aws:iam::111111111111:role/awsfed/Admin", A)
            .ctx("saml:aud", "https://signin.aws.amazon.com/saml")
            .trust(json!(cond(json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithSAML"}), json!({"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}))))
            .expect(Allow),
        G::new("SAML hop with another audience", Some(PROVIDER), "sts:AssumeRoleWithSAML", "arn:aws:iam::111111111111:role/awsfed/Admin", A)
            .ctx("saml:aud", "https://eu-west-1.signin.aws.amazon.com/saml")
            .trust(json!(cond(json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithSAML"}), json!({"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}))))
            .expect(ImplicitDeny),
        G::new("SAML hop denied by an RCP", Some(PROVIDER), "sts:AssumeRoleWithSAML", "arn:aws:iam::111111111111:role/awsfed/Admin", A)
            .ctx("saml:sub", "alice@example.com")
            .trust(json!({"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithSAML"}))
            .rcps(false, vec![("r-root", json!(cond(json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRoleWithSAML", "Resource": "*"}), json!({"StringNotLike": {"saml:sub": "*@example.org"}}))))])
            .expect(ExplicitDeny),
        // "GetCallerIdentity" (AWS STS API Reference): no permission needed, cannot be denied.
        G::new("GetCallerIdentity needs no permission", Some(USER), "sts:GetCallerIdentity", "*", A)
            .identity(json!(deny("*", "*")))
            .expect(Allow),
        // Service principals and anonymous callers are granted only by resource-based policies.
        G::new("a service principal granted by a queue policy", Some("sns.amazonaws.com"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:111111111111:q", A)
            .resource(json!({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "*"}))
            .scps(false, vec![("r-root", json!(allow("s3:*", "*")))])
            .expect(Allow),
        G::new("an anonymous caller and a public bucket", None, "s3:GetObject", OBJECT, A)
            .resource(json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}))
            .expect(Allow),
        G::new("an anonymous caller and an account grant", None, "s3:GetObject", OBJECT, A)
            .resource(json!({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}))
            .expect(ImplicitDeny),
    ]
}
