"""moto's server with service-managed StackSets targeted the way CloudFormation targets them, for
the StackSets engine tests and benchmark.

moto 5.2.5 serves service-managed StackSets and creates each stack instance's resources in its
account, but it reads only the top-level `Accounts` of CreateStackInstances and DeleteStackInstances
(which CloudFormation allows for self-managed StackSets only), so for OU targets it ignores
`DeploymentTargets.Accounts` and `AccountFilterType` (an INTERSECTION target gets the whole OU) and
deletes nothing; it looks one level of child OUs deep; it deploys to the management account; it
keeps no `OrganizationalUnitIds` on the stack set and no `OrganizationalUnitId` or status reason on
its instances; and UpdateStackSet changes no resource of the instances. This replaces exactly those
parts, following "DeploymentTargets" and "DescribeStackSet" (AWS CloudFormation API Reference), and
then runs moto's server unchanged:

    python tests/support/moto_stacksets.py -H 127.0.0.1 -p PORT

moto still does not run automatic deployment (an account joining a targeted OU gets nothing until
CreateStackInstances) and still ignores AWS::IAM::SAMLProvider in templates. Operations finish at
once with SUCCEEDED, as in moto.
"""

import sys

from moto import server
from moto.cloudformation import models
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
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


def _operation(stackset, action, accounts, regions):
    operation_id = str(mock_random.uuid4())
    stackset._create_operation(operation_id, action, "SUCCEEDED", accounts, regions)
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
    return ActionResult({"OperationId": _operation(stackset, "CREATE", accounts, regions)})


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
    return ActionResult({"OperationId": _operation(stackset, "DELETE", accounts, regions)})


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
    return ActionResult({"OperationId": _operation(stackset, "UPDATE", accounts, sorted(regions))})


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


CloudFormationResponse.create_stack_instances = create_stack_instances
CloudFormationResponse.delete_stack_instances = delete_stack_instances
CloudFormationResponse.update_stack_set = update_stack_set
CloudFormationResponse.describe_stack_set = describe_stack_set
CloudFormationResponse.list_stack_instances = list_stack_instances
assert models.StackSet  # the patched calls use moto's own StackSet objects

if __name__ == "__main__":
    server.main(sys.argv[1:])
