"""moto's server with the sso-admin calls moto 5.2.5 does not serve, for the Identity Center tests.

moto stores the tags given to CreatePermissionSet but serves no call that reads or changes them
(ListTagsForResource, TagResource, UntagResource), and has no permissions boundary calls
(Get/Put/DeletePermissionsBoundary…PermissionSet). This adds exactly those, over moto's own
permission set objects, and then runs moto's server unchanged:

    python tests/support/moto_identity_center.py -H 127.0.0.1 -p PORT

Nothing else of moto changes; the allow/deny side of Identity Center is never judged by moto.
"""

import json
import sys

from moto import server
from moto.ssoadmin.exceptions import ResourceNotFoundException
from moto.ssoadmin.responses import SSOAdminResponse


def _permission_set(response, arn_param):
    backend = response.ssoadmin_backend
    return backend._find_permission_set(
        response._get_param("InstanceArn"), response._get_param(arn_param)
    )


def list_tags_for_resource(self):
    permission_set = _permission_set(self, "ResourceArn")
    return json.dumps({"Tags": list(permission_set.tags or [])})


def tag_resource(self):
    permission_set = _permission_set(self, "ResourceArn")
    tags = {t["Key"]: t["Value"] for t in (permission_set.tags or [])}
    for tag in self._get_param("Tags") or []:
        tags[tag["Key"]] = tag["Value"]
    permission_set.tags = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    return "{}"


def untag_resource(self):
    permission_set = _permission_set(self, "ResourceArn")
    gone = set(self._get_param("TagKeys") or [])
    permission_set.tags = [t for t in (permission_set.tags or []) if t["Key"] not in gone]
    return "{}"


def get_permissions_boundary_for_permission_set(self):
    permission_set = _permission_set(self, "PermissionSetArn")
    boundary = getattr(permission_set, "permissions_boundary", None)
    if boundary is None:
        # What AWS answers for a set without a boundary.
        raise ResourceNotFoundException(message="Permissions boundary not found")
    return json.dumps({"PermissionsBoundary": boundary})


def put_permissions_boundary_to_permission_set(self):
    permission_set = _permission_set(self, "PermissionSetArn")
    permission_set.permissions_boundary = self._get_param("PermissionsBoundary")
    return "{}"


def delete_permissions_boundary_from_permission_set(self):
    permission_set = _permission_set(self, "PermissionSetArn")
    permission_set.permissions_boundary = None
    return "{}"


for _function in (
    list_tags_for_resource,
    tag_resource,
    untag_resource,
    get_permissions_boundary_for_permission_set,
    put_permissions_boundary_to_permission_set,
    delete_permissions_boundary_from_permission_set,
):
    setattr(SSOAdminResponse, _function.__name__, _function)

if __name__ == "__main__":
    server.main(sys.argv[1:])
