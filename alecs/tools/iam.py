"""Identity and Access Management (IAM v3): users, roles, groups, API clients and their credentials."""

from __future__ import annotations

from typing import Any

from alecs.tools import shapes
from alecs.tools.call import ToolCall
from alecs.tools.declare import Api, Toolset, path, query, whole_body
from alecs.tools.spec import ToolSpec

BASE = "/identity-management/v3"
IAM = Toolset("iam", "Identity and access: users, roles, groups, API clients and credentials")
api = Api("identity-management/v3", toolset=IAM, base=BASE, network="production")
ADMIN = f"{BASE}/user-admin"

USER = path("uiIdentityId", "User ID, e.g. A-B-1CDE2F (see list-users).")
ROLE = path("roleId", "Role ID, e.g. 16 (see list-roles).", int, ge=1)
CLIENT = path("clientId", "API client ID, e.g. a3kd93jd9kdk3rea, or self for the client making the call.")
CREDENTIAL = path("credentialId", "Credential ID, e.g. 14111 (see list-api-credentials).", int, ge=1)
GROUP_Q = query("groupId", "Only this group, e.g. 10001.", int, ge=1)


def _flatten(groups: list[dict[str, Any]], depth: int = 0, parent: int | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for group in groups:
        rows.append({"groupId": group.get("groupId"), "groupName": group.get("groupName"),
                     "parentGroupId": group.get("parentGroupId", parent), "depth": depth,
                     "path": "  " * depth + str(group.get("groupName"))})
        rows.extend(_flatten(group.get("subGroups") or [], depth + 1, group.get("groupId")))
    return rows


async def list_groups(call: ToolCall, args: dict[str, Any]) -> Any:
    """The account's group tree flattened into rows with depth and parent."""
    tree = await call.get(f"{ADMIN}/groups")
    return {"groups": _flatten(tree if isinstance(tree, list) else [])}


TOOLS: list[ToolSpec] = [
    api.get("list-users", "/user-admin/ui-identities", title="List users",
            doc="Control Center users (uiIdentityId, login, email, lock state), optionally only those with access "
                "to a group.",
            params=(GROUP_Q, query("authGrants", "Include each user's role per group.", bool)),
            items=".", columns=("uiIdentityId", "uiUserName", "email", "isLocked", "lastLoginDate")),
    api.get("get-user", "/user-admin/ui-identities/{uiIdentityId}", title="Get user",
            doc="One user's profile and, by default, roles per group (authGrants).",
            params=(USER, query("authGrants", "Include roles per group (default true).", bool, default=True),
                    query("notifications", "Include notification settings.", bool))),
    api.put("set-user-roles", "/user-admin/ui-identities/{uiIdentityId}/auth-grants", title="Set user roles",
            doc="Replace a user's roles per group (authGrants). Destructive: grants and removes access.",
            params=(USER,
                    whole_body("authGrants", "Every role of the user, e.g. [{\"groupId\": 10001, \"roleId\": 16}].",
                               shapes.AuthGrants)),
            destructive=True, idempotent=True,
            confirm=True),
    api.get("list-roles", "/user-admin/roles", title="List roles",
            doc="Roles (standard and custom) with how many users hold them.",
            params=(GROUP_Q, query("users", "Include the users holding each role.", bool)),
            items=".", columns=("roleId", "roleName", "type", "numUsers")),
    api.get("get-role", "/user-admin/roles/{roleId}", title="Get role",
            doc="One role with the roles it grants and its users.",
            params=(ROLE, query("grantedRoles", "Include the granted roles (default true).", bool, default=True),
                    query("users", "Include the users holding it.", bool))),
    api.get("list-iam-groups", "/user-admin/groups", title="List access groups",
            doc="The account's group hierarchy (groupId, name, parent, depth) that roles are granted on.",
            handler=list_groups, items="groups", columns=("path", "groupId", "parentGroupId")),
    api.get("list-api-clients", "/api-clients", title="List API clients",
            doc="API clients of the account (clientId, name, owner, active credentials).",
            items=".",
            columns=("clientId", "clientName", "clientType", "authorizedUsers", "activeCredentialCount", "isLocked")),
    api.get("get-api-client", "/api-clients/{clientId}", title="Get API client",
            doc="One API client with its API access, group access and credentials.",
            params=(CLIENT, query("apiAccess", "Include APIs and access levels (default true).", bool, default=True),
                    query("groupAccess", "Include groups and roles (default true).", bool, default=True),
                    query("credentials", "Include credentials (default true).", bool, default=True))),
    api.get("list-api-credentials", "/api-clients/{clientId}/credentials", title="List API credentials",
            doc="Credentials of an API client (client tokens, status, expiry; never secrets).",
            params=(CLIENT,),
            items=".", columns=("credentialId", "clientToken", "status", "expiresOn", "description")),
    api.post("create-api-credential", "/api-clients/{clientId}/credentials", title="Create API credential",
             doc="Create a credential for an API client; the answer holds its client secret, shown only once. "
                 "Destructive: it grants API access (an API client has at most two credentials).",
             params=(CLIENT,),
             destructive=True),
    api.post("deactivate-api-credential", "/api-clients/{clientId}/credentials/{credentialId}/deactivate",
             title="Deactivate API credential",
             doc="Deactivate a credential: calls signed with it stop working. Destructive.",
             params=(CLIENT, CREDENTIAL),
             destructive=True, idempotent=True,
             confirm=True),
]
