"""moto's server with service-managed StackSets targeted the way CloudFormation targets them, for
the StackSets engine tests and benchmark.

moto 5.2.5 serves service-managed StackSets and creates each stack instance's resources in its
account, but it reads only the top-level `Accounts` of CreateStackInstances and DeleteStackInstances
(which CloudFormation allows for self-managed StackSets only), so for OU targets it ignores
`DeploymentTargets.Accounts` and `AccountFilterType` (an INTERSECTION target gets the whole OU) and
deletes nothing; it looks one level of child OUs deep; it deploys to the management account; it
keeps no `OrganizationalUnitIds` on the stack set and no `OrganizationalUnitId` or status reason on
its instances; UpdateStackSet changes no resource of the instances; and no operation keeps its
OperationPreferences (here ListStackSetOperations returns them, as CloudFormation does). This replaces exactly those
parts, following "DeploymentTargets" and "DescribeStackSet" (AWS CloudFormation API Reference), and
then runs moto's server unchanged:

    python tests/support/moto_stacksets.py -H 127.0.0.1 -p PORT

Its CloudFormation side of IAM is partial too: AWS::IAM::Role keeps inline policies as objects
(which breaks GetAccountAuthorizationDetails), ignores ManagedPolicyArns, and updates only the
description; AWS::IAM::ManagedPolicy cannot be updated. The role and managed policy handlers
below do what CloudFormation does for the properties awsfed's templates use
("AWS::IAM::Role", "AWS::IAM::ManagedPolicy", CloudFormation Template Reference).

moto ignores AWS::IAM::SAMLProvider in templates, so a hub role's trust, which names its
provider by `Ref` in the same template, would name nobody (a provider created by hand beforehand
does not help: the `Ref` still resolves to nothing). The resource below creates the provider
through IAM and answers `Ref` with its ARN, as CloudFormation does.

moto still does not run automatic deployment (an account joining a targeted OU gets nothing until
CreateStackInstances). Operations finish at
once with SUCCEEDED, as in moto.
"""

import json
import sys

from moto import server
from moto.cloudformation import models
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.iam import models as iam
from moto.utilities.utils import get_partition
from moto.moto_api._internal import mock_random


def _org(stackset):
    return stackset.instances.org_backend


def _subtree(org, ou_ids):
    """The given OU ids (or the root) and every OU below them, at any depth."""
    found = set(ou_ids)
    changed = True
    while changed:
        changed = False
        for ou in org.ou:
            if ou.parent_id in found and ou.id not in found:
                found.add(ou.id)
                changed = True
    return found


def _targeted_accounts(stackset, targets):
    org = _org(stackset)
    ous = _subtree(org, targets.get("OrganizationalUnitIds", []))
    listed = set(targets.get("Accounts", []))
    management = org.org.master_account_id if org.org else None
    in_ous = [
        a.id for a in org.accounts if a.parent_id in ous and a.status == "ACTIVE" and a.id != management
    ]
    kind = targets.get("AccountFilterType", "NONE")
    if kind == "INTERSECTION":
        return [a for a in in_ous if a in listed]
    if kind == "DIFFERENCE":
        return [a for a in in_ous if a not in listed]
    if kind == "UNION":
        return in_ous + sorted(listed - set(in_ous))
    return in_ous


def _parent_of(stackset, account):
    for a in _org(stackset).accounts:
        if a.id == account:
            return a.parent_id
    return None


def _preferences(response):
    """The request's OperationPreferences, numbers as numbers (moto keeps none of them)."""
    given = response._get_params().get("OperationPreferences") or {}
    return {k: (v if k == "RegionOrder" else int(v) if str(v).isdigit() else v) for k, v in given.items()}


def _operation(response, stackset, action, accounts, regions):
    operation_id = str(mock_random.uuid4())
    operation = stackset._create_operation(operation_id, action, "SUCCEEDED", accounts, regions)
    # Kept as CloudFormation keeps them, so ListStackSetOperations shows what each call asked for.
    operation["OperationPreferences"] = _preferences(response)
    return operation_id


def create_stack_instances(self):
    name = self._get_param("StackSetName")
    regions = self._get_param("Regions", [])
    targets = self._get_params().get("DeploymentTargets") or {}
    stackset = self.cloudformation_backend.describe_stack_set(name)
    if stackset.permission_model != "SERVICE_MANAGED" or not targets.get("OrganizationalUnitIds"):
        raise ValidationError(message="this test server serves service-managed StackSets with OU targets only")
    accounts = _targeted_accounts(stackset, targets)
    recorded = getattr(stackset, "organizational_unit_ids", [])
    stackset.organizational_unit_ids = sorted(set(recorded) | set(targets["OrganizationalUnitIds"]))
    stackset.instances.create_instances(
        accounts, regions, dict(stackset.parameters or {}), {}, permission_model="SERVICE_MANAGED"
    )
    for instance in stackset.instances.stack_instances:
        instance.organizational_unit_id = _parent_of(stackset, instance.account_id)
    return ActionResult({"OperationId": _operation(self, stackset, "CREATE", accounts, regions)})


def delete_stack_instances(self):
    name = self._get_param("StackSetName")
    regions = self._get_param("Regions", [])
    targets = self._get_params().get("DeploymentTargets") or {}
    stackset = self.cloudformation_backend.describe_stack_set(name)
    if not targets.get("OrganizationalUnitIds"):
        raise ValidationError(message="DeploymentTargets.OrganizationalUnitIds are required")
    # An instance goes whether or not its account is still in the OU (CloudFormation deletes the
    # instances the stack set has there).
    ous = _subtree(_org(stackset), targets["OrganizationalUnitIds"])
    listed = set(targets.get("Accounts", []))
    kind = targets.get("AccountFilterType", "NONE")
    accounts = []
    for instance in stackset.instances.stack_instances:
        in_ou = getattr(instance, "organizational_unit_id", None) in ous
        if kind == "INTERSECTION":
            chosen = in_ou and instance.account_id in listed
        elif kind == "DIFFERENCE":
            chosen = in_ou and instance.account_id not in listed
        else:
            chosen = in_ou
        if chosen:
            accounts.append(instance.account_id)
    stackset.instances.delete(accounts, regions)
    if kind == "NONE":
        stackset.organizational_unit_ids = [
            o for o in getattr(stackset, "organizational_unit_ids", []) if o not in targets["OrganizationalUnitIds"]
        ]
    return ActionResult({"OperationId": _operation(self, stackset, "DELETE", accounts, regions)})


def update_stack_set(self):
    name = self._get_param("StackSetName")
    template = self._get_param("TemplateBody")
    stackset = self.cloudformation_backend.describe_stack_set(name)
    description = self._get_param("Description")
    if template:
        stackset.template = template
        stackset.instances.template = template
    if description is not None:
        stackset.description = description
    accounts = []
    regions = set()
    for instance in stackset.instances.stack_instances:
        if template:
            instance.template = template
            instance.stack.update(template)
        accounts.append(instance.account_id)
        regions.add(instance.region_name)
    return ActionResult({"OperationId": _operation(self, stackset, "UPDATE", accounts, sorted(regions))})


def describe_stack_set(self):
    stackset = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
    described = {
        "StackSetName": stackset.name,
        "StackSetId": stackset.id,
        "StackSetARN": stackset.arn,
        "Description": stackset.description,
        "Status": stackset.status,
        "TemplateBody": stackset.template,
        # moto's serializer turns these two dicts into CloudFormation's lists.
        "Parameters": dict(stackset.parameters or {}),
        "Tags": dict(stackset.tags or {}),
        "PermissionModel": stackset.permission_model,
        "OrganizationalUnitIds": list(getattr(stackset, "organizational_unit_ids", [])),
    }
    return ActionResult({"StackSet": described})


def list_stack_set_operations(self):
    """By name or by id, deleted stack sets too (CloudFormation finds a deleted one by its id)."""
    wanted = self._get_param("StackSetName")
    for stackset in self.cloudformation_backend.stacksets.values():
        if wanted == stackset.id or (wanted == stackset.name and stackset.status != "DELETED"):
            return ActionResult({"Summaries": stackset.operations})
    raise ValidationError(message=f"StackSet {wanted} not found")


def list_stack_instances(self):
    stackset = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
    summaries = []
    for instance in stackset.instances.stack_instances:
        summary = instance.to_dict()
        summary["StackSetId"] = stackset.id
        summary["OrganizationalUnitId"] = getattr(instance, "organizational_unit_id", None)
        summary["StatusReason"] = ""
        summaries.append(summary)
    return ActionResult({"Summaries": summaries})


def _iam(account_id, region_name):
    return iam.iam_backends[account_id][get_partition(region_name)]


def _text(document):
    return document if isinstance(document, str) else json.dumps(document)


def _set_role(backend, role, properties):
    """Trust, inline policies, managed policies and session duration as the template says."""
    role.assume_role_policy_document = _text(properties["AssumeRolePolicyDocument"])
    role.max_session_duration = properties.get("MaxSessionDuration", 3600)
    role.description = properties.get("Description", "")
    wanted = {p["PolicyName"]: _text(p["PolicyDocument"]) for p in properties.get("Policies", [])}
    for name in list(role.policies):
        if name not in wanted:
            role.delete_policy(name)
    for name, document in wanted.items():
        role.put_policy(name, document)
    arns = set(properties.get("ManagedPolicyArns", []))
    for arn in list(role.managed_policies):
        if arn not in arns:
            backend.detach_role_policy(arn, role.name)
    for arn in sorted(arns - set(role.managed_policies)):
        backend.attach_role_policy(arn, role.name)


_create_role = iam.Role.create_from_cloudformation_json.__func__


def role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = dict(cloudformation_json["Properties"])
    cloudformation_json = {**cloudformation_json, "Properties": {**properties, "Policies": []}}
    role = _create_role(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    _set_role(_iam(account_id, region_name), role, properties)
    return role


def role_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    _set_role(_iam(account_id, region_name), original_resource, cloudformation_json["Properties"])
    return original_resource


_delete_role = iam.Role.delete_from_cloudformation_json.__func__


def role_delete(cls, resource_name, cloudformation_json, account_id, region_name):
    backend = _iam(account_id, region_name)
    for role in backend.roles.values():
        if role.name == resource_name:
            for arn in list(role.managed_policies):
                backend.detach_role_policy(arn, role.name)
    _delete_role(cls, resource_name, cloudformation_json, account_id, region_name)


def policy_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    backend = _iam(account_id, region_name)
    document = _text(cloudformation_json["Properties"]["PolicyDocument"])
    for version in list(original_resource.versions):
        if not version.is_default:
            backend.delete_policy_version(original_resource.arn, version.version_id)
    backend.create_policy_version(original_resource.arn, document, True)
    return original_resource


class SamlProviderResource(CloudFormationModel):
    """AWS::IAM::SAMLProvider; `Ref` is the provider's ARN."""

    # moto files a model under the service its module is in.
    __module__ = "moto.iam.saml_provider_resource"

    def __init__(self, arn):
        self.arn = arn

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::SAMLProvider"

    @property
    def physical_resource_id(self):
        return self.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", resource_name)
        created = _iam(account_id, region_name).create_saml_provider(name, properties["SamlMetadataDocument"])
        return cls(created.arn)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        document = cloudformation_json["Properties"]["SamlMetadataDocument"]
        _iam(account_id, region_name).update_saml_provider(original_resource.arn, document)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        name = cloudformation_json.get("Properties", {}).get("Name", resource_name)
        arn = name if name.startswith("arn:") else f"arn:{get_partition(region_name)}:iam::{account_id}:saml-provider/{name}"
        _iam(account_id, region_name).delete_saml_provider(arn)


iam.Role.create_from_cloudformation_json = classmethod(role_create)
iam.Role.update_from_cloudformation_json = classmethod(role_update)
iam.Role.delete_from_cloudformation_json = classmethod(role_delete)
iam.ManagedPolicy.update_from_cloudformation_json = classmethod(policy_update)
CloudFormationResponse.create_stack_instances = create_stack_instances
CloudFormationResponse.delete_stack_instances = delete_stack_instances
CloudFormationResponse.update_stack_set = update_stack_set
CloudFormationResponse.describe_stack_set = describe_stack_set
CloudFormationResponse.list_stack_instances = list_stack_instances
CloudFormationResponse.list_stack_set_operations = list_stack_set_operations
assert models.StackSet  # the patched calls use moto's own StackSet objects

if __name__ == "__main__":
    server.main(sys.argv[1:])
