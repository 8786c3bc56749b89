#!/usr/bin/env python3
"""Sets up and inspects an AWS Organizations organisation in moto for awsfed's tests, benchmark and demo.

Usage (every command prints JSON on stdout):
  moto_org.py --endpoint URL create --ou Security=1 --ou Workloads/Prod=50 --ou Workloads/Dev=49 [--tag-env]
      creates the organisation (the caller's account becomes the management account), the OU paths
      and N accounts in each; prints {"management": ID, "ous": {path: [ids]}, "accounts": [...]}
  moto_org.py --endpoint URL add-account --ou Workloads/Dev --name NAME
  moto_org.py --endpoint URL ous                           {"organization", "root", "ous": {path: id}}
  moto_org.py --endpoint URL roles --account ID            every role of the account (name, path, trust, tags, policies)
  moto_org.py --endpoint URL put-trust --account ID --role NAME --document JSON
  moto_org.py --endpoint URL create-role --account ID --name NAME --path /awsfed/ [--managed]
  moto_org.py --endpoint URL provider --account ID --name corp   the provider's metadata, or null
  moto_org.py --endpoint URL create-policy --account ID --name NAME --path /awsfed/ [--managed]
  moto_org.py --endpoint URL remove-account --account ID   the account leaves the organisation
  moto_org.py --endpoint URL users --account ID            every IAM user (name, path, tags, groups, policies) and group
  moto_org.py --endpoint URL iam --account ID --call create_user --args '{"UserName": "x"}'
  moto_org.py --endpoint URL stackset-operations       {stack set: [{"action", "preferences"}]}, oldest first
      one IAM call by its boto3 name (a hand change behind awsfed's back); prints {}

Member accounts are reached by assuming OrganizationAccountAccessRole; moto gives credentials that
act in that account (it enforces no policy, so nothing here proves access).
"""
import argparse
import json
import sys

import boto3

KEYS = dict(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")


def client(endpoint, service, account=None, management=None):
    if account is None or account == management:
        return boto3.client(service, endpoint_url=endpoint, **KEYS)
    sts = boto3.client("sts", endpoint_url=endpoint, **KEYS)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="awsfed-test"
    )["Credentials"]
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def management_id(endpoint):
    return boto3.client("sts", endpoint_url=endpoint, **KEYS).get_caller_identity()["Account"]


def ou_ids(org):
    root = org.list_roots()["Roots"][0]["Id"]
    found = {"": root}
    queue = [(root, "")]
    while queue:
        parent, path = queue.pop()
        for ou in org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]:
            child = f"{path}/{ou['Name']}" if path else ou["Name"]
            found[child] = ou["Id"]
            queue.append((ou["Id"], child))
    return found


def ensure_ou(org, known, path):
    if path in known:
        return known[path]
    parent_path, _, name = path.rpartition("/")
    parent = ensure_ou(org, known, parent_path)
    known[path] = org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
    return known[path]


def add_account(org, known, path, name, tags):
    created = org.create_account(
        Email=f"{name}@example.com", AccountName=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )["CreateAccountStatus"]
    account = created["AccountId"]
    org.move_account(AccountId=account, SourceParentId=known[""], DestinationParentId=ensure_ou(org, known, path))
    return account


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create")
    create.add_argument("--ou", action="append", default=[], help="PATH=COUNT")
    add = sub.add_parser("add-account")
    add.add_argument("--ou", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--tag", action="append", default=[])
    sub.add_parser("ous")
    roles = sub.add_parser("roles")
    roles.add_argument("--account", required=True)
    trust = sub.add_parser("put-trust")
    trust.add_argument("--account", required=True)
    trust.add_argument("--role", required=True)
    trust.add_argument("--document", required=True)
    role = sub.add_parser("create-role")
    role.add_argument("--account", required=True)
    role.add_argument("--name", required=True)
    role.add_argument("--path", default="/")
    role.add_argument("--managed", action="store_true")
    policy = sub.add_parser("create-policy")
    policy.add_argument("--account", required=True)
    policy.add_argument("--name", required=True)
    policy.add_argument("--path", default="/")
    policy.add_argument("--managed", action="store_true")
    attach = sub.add_parser("attach-policies", help="create COUNT policies and attach them to a role")
    attach.add_argument("--account", required=True)
    attach.add_argument("--role", required=True)
    attach.add_argument("--count", type=int, required=True)
    inline = sub.add_parser("put-inline-policies", help="put COUNT inline policies on a role")
    inline.add_argument("--account", required=True)
    inline.add_argument("--role", required=True)
    inline.add_argument("--count", type=int, required=True)
    versions = sub.add_parser("add-policy-versions", help="add COUNT non-default versions to a managed policy")
    versions.add_argument("--account", required=True)
    versions.add_argument("--policy", required=True, help="the policy's name")
    versions.add_argument("--count", type=int, required=True)
    attach_one = sub.add_parser("attach-policy", help="attach a managed policy, by name, to a role")
    attach_one.add_argument("--account", required=True)
    attach_one.add_argument("--role", required=True)
    attach_one.add_argument("--policy", required=True)
    profiles = sub.add_parser("instance-profiles", help="put a role in COUNT new instance profiles, or take it out of them")
    profiles.add_argument("--account", required=True)
    profiles.add_argument("--role", required=True)
    profiles.add_argument("--count", type=int, required=True)
    profiles.add_argument("--remove", action="store_true")
    listed = sub.add_parser("policy-versions", help="the versions of a managed policy, by name, with their documents")
    listed.add_argument("--account", required=True)
    listed.add_argument("--policy", required=True)
    users = sub.add_parser("users")
    users.add_argument("--account", required=True)
    call = sub.add_parser("iam")
    call.add_argument("--account", required=True)
    call.add_argument("--call", required=True)
    call.add_argument("--args", default="{}")
    remove = sub.add_parser("remove-account")
    remove.add_argument("--account", required=True)
    sub.add_parser("stackset-operations")
    provider = sub.add_parser("provider")
    provider.add_argument("--account", required=True)
    provider.add_argument("--name", required=True)
    args = parser.parse_args()
    endpoint = args.endpoint
    management = management_id(endpoint)
    org = client(endpoint, "organizations")

    if args.command == "create":
        try:
            org.create_organization(FeatureSet="ALL")
        except org.exceptions.AlreadyInOrganizationException:
            pass
        known = ou_ids(org)
        organization = org.describe_organization()["Organization"]["Id"]
        result = {"management": management, "organization": organization, "ous": {}, "accounts": []}
        counter = 0
        for spec in args.ou:
            path, _, count = spec.partition("=")
            ensure_ou(org, known, path)
            ids = []
            for _ in range(int(count or 1)):
                counter += 1
                env = path.rsplit("/", 1)[-1].lower()
                name = f"acct-{counter:04d}"
                account = add_account(org, known, path, name, {"env": env})
                ids.append(account)
                result["accounts"].append({"id": account, "name": name, "ou": path, "env": env})
            result["ous"][path] = ids
        print(json.dumps(result))
    elif args.command == "add-account":
        known = ou_ids(org)
        tags = dict(t.split("=", 1) for t in args.tag)
        print(json.dumps({"id": add_account(org, known, args.ou, args.name, tags)}))
    elif args.command == "stackset-operations":
        cfn = client(endpoint, "cloudformation")
        result = {}
        for summary in cfn.list_stack_sets()["Summaries"]:  # deleted ones too: their last operations
            name = summary["StackSetName"]
            operations = cfn.list_stack_set_operations(StackSetName=summary["StackSetId"])["Summaries"]
            result.setdefault(name, []).extend([
                {"action": o["Action"], "preferences": o.get("OperationPreferences", {})} for o in operations
            ])
        print(json.dumps(result))
    elif args.command == "ous":
        known = ou_ids(org)
        root = known.pop("")
        organization = org.describe_organization()["Organization"]["Id"]
        print(json.dumps({"organization": organization, "root": root, "ous": known}))
    elif args.command == "roles":
        iam = client(endpoint, "iam", args.account, management)
        details = iam.get_account_authorization_details(Filter=["Role", "LocalManagedPolicy"])
        out = []
        for r in details["RoleDetailList"]:
            out.append(
                {
                    "name": r["RoleName"],
                    "path": r["Path"],
                    "trust": r["AssumeRolePolicyDocument"],
                    "tags": {t["Key"]: t["Value"] for t in r.get("Tags", [])},
                    "managed": sorted(p["PolicyArn"] for p in r.get("AttachedManagedPolicies", [])),
                    "inline": sorted(p["PolicyName"] for p in r.get("RolePolicyList", [])),
                }
            )
        policies = [
            {
                "name": p.get("PolicyName") or p["Arn"].rsplit("/", 1)[-1],
                "path": p["Path"],
                "attachments": p["AttachmentCount"],
                "versions": len(iam.list_policy_versions(PolicyArn=p["Arn"])["Versions"]),
                "document": next(v["Document"] for v in p["PolicyVersionList"] if v["IsDefaultVersion"]),
            }
            for p in details["Policies"]
        ]
        print(json.dumps({"roles": sorted(out, key=lambda r: r["name"]), "policies": policies}))
    elif args.command == "put-trust":
        iam = client(endpoint, "iam", args.account, management)
        iam.update_assume_role_policy(RoleName=args.role, PolicyDocument=args.document)
        print("{}")
    elif args.command == "create-role":
        iam = client(endpoint, "iam", args.account, management)
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"}, "Action": "sts:AssumeRole"}],
        }
        tags = [{"Key": "awsfed:managed", "Value": "true"}] if args.managed else []
        iam.create_role(RoleName=args.name, Path=args.path, AssumeRolePolicyDocument=json.dumps(trust), Tags=tags)
        print("{}")
    elif args.command == "create-policy":
        iam = client(endpoint, "iam", args.account, management)
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        tags = [{"Key": "awsfed:managed", "Value": "true"}] if args.managed else []
        iam.create_policy(PolicyName=args.name, Path=args.path, PolicyDocument=json.dumps(document), Tags=tags)
        print("{}")
    elif args.command == "attach-policies":
        iam = client(endpoint, "iam", args.account, management)
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        for n in range(args.count):
            arn = iam.create_policy(PolicyName=f"{args.role}-extra-{n:04d}", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=args.role, PolicyArn=arn)
        print("{}")
    elif args.command == "put-inline-policies":
        iam = client(endpoint, "iam", args.account, management)
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        for n in range(args.count):
            iam.put_role_policy(RoleName=args.role, PolicyName=f"extra-{n:04d}", PolicyDocument=json.dumps(document))
        print("{}")
    elif args.command in ("add-policy-versions", "attach-policy"):
        iam = client(endpoint, "iam", args.account, management)
        arn = next(p["Arn"] for p in iam.list_policies(Scope="Local", MaxItems=1000)["Policies"] if p["PolicyName"] == args.policy)
        if args.command == "attach-policy":
            iam.attach_role_policy(RoleName=args.role, PolicyArn=arn)
        for n in range(args.count if args.command == "add-policy-versions" else 0):
            document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": f"s3:Get{n}", "Resource": "*"}]}
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=False)
        print(json.dumps({"arn": arn}))
    elif args.command == "instance-profiles":
        iam = client(endpoint, "iam", args.account, management)
        names = [f"{args.role}-profile-{n:02d}" for n in range(args.count)]
        for name in names:
            if args.remove:
                iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=args.role)
            else:
                iam.create_instance_profile(InstanceProfileName=name)
                iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=args.role)
        print(json.dumps({"profiles": names}))
    elif args.command == "policy-versions":
        iam = client(endpoint, "iam", args.account, management)
        arn = next(p["Arn"] for p in iam.list_policies(Scope="Local", MaxItems=1000)["Policies"] if p["PolicyName"] == args.policy)
        versions = []
        for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
            held = iam.get_policy_version(PolicyArn=arn, VersionId=v["VersionId"])["PolicyVersion"]
            versions.append({"id": v["VersionId"], "default": v["IsDefaultVersion"], "document": held["Document"]})
        print(json.dumps(sorted(versions, key=lambda v: v["id"])))
    elif args.command == "users":
        iam = client(endpoint, "iam", args.account, management)
        details = iam.get_account_authorization_details(Filter=["User", "Group"])
        users = [
            {
                "name": u["UserName"],
                "path": u["Path"],
                "tags": {t["Key"]: t["Value"] for t in u.get("Tags", [])},
                "groups": sorted(u.get("GroupList", [])),
                "managed": sorted(p["PolicyArn"] for p in u.get("AttachedManagedPolicies", [])),
                "access_keys": [k["AccessKeyId"] for k in iam.list_access_keys(UserName=u["UserName"])["AccessKeyMetadata"]],
            }
            for u in details["UserDetailList"]
        ]
        groups = [
            {
                "name": g["GroupName"],
                "path": g["Path"],
                "managed": sorted(p["PolicyArn"] for p in g.get("AttachedManagedPolicies", [])),
            }
            for g in details["GroupDetailList"]
        ]
        print(json.dumps({"users": sorted(users, key=lambda u: u["name"]), "groups": sorted(groups, key=lambda g: g["name"])}))
    elif args.command == "iam":
        iam = client(endpoint, "iam", args.account, management)
        getattr(iam, args.call)(**json.loads(args.args))
        print("{}")
    elif args.command == "remove-account":
        org.remove_account_from_organization(AccountId=args.account)
        print("{}")
    elif args.command == "provider":
        iam = client(endpoint, "iam", args.account, management)
        arn = f"arn:aws:iam::{args.account}:saml-provider/{args.name}"
        try:
            print(json.dumps({"metadata": iam.get_saml_provider(SAMLProviderArn=arn)["SAMLMetadataDocument"]}))
        except iam.exceptions.NoSuchEntityException:
            print("null")
    return 0


if __name__ == "__main__":
    sys.exit(main())
