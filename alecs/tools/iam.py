"""Identity and Access Management (IAM v3): users, roles, groups, API clients and their credentials."""

from __future__ import annotations

from typing import Any

from alecs.tools.call import ToolCall
from alecs.tools.spec import path, query, tool, whole_body

API = "identity-management/v3"
BASE = "/identity-management/v3"
ADMIN = f"{BASE}/user-admin"
TS = "iam"

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
    tree = await call.get(f"{ADMIN}/groups")
    return {"groups": _flatten(tree if isinstance(tree, list) else [])}


TOOLS = [
    tool("list-users", TS, "List users", "Control Center users (uiIdentityId, login, email, lock state), "
         "optionally only those with access to a group.", "GET", f"{ADMIN}/ui-identities", API, GROUP_Q,
         query("authGrants", "Include each user's role per group.", bool),
         items=".", columns=("uiIdentityId", "uiUserName", "email", "isLocked", "lastLoginDate")),
    tool("get-user", TS, "Get user", "One user's profile and, by default, roles per group (authGrants).", "GET",
         f"{ADMIN}/ui-identities/{{uiIdentityId}}", API, USER,
         query("authGrants", "Include roles per group (default true).", bool, default=True),
         query("notifications", "Include notification settings.", bool)),
    tool("set-user-roles", TS, "Set user roles",
         "Replace a user's roles per group (authGrants). Destructive: grants and removes access.", "PUT",
         f"{ADMIN}/ui-identities/{{uiIdentityId}}/auth-grants", API, USER,
         whole_body("authGrants", "List of {groupId, roleId}, e.g. [{\"groupId\": 10001, \"roleId\": 16}].",
                    list[dict[str, Any]]), destructive=True, idempotent=True),
    tool("list-roles", TS, "List roles", "Roles (standard and custom) with how many users hold them.", "GET",
         f"{ADMIN}/roles", API, GROUP_Q, query("users", "Include the users holding each role.", bool),
         items=".", columns=("roleId", "roleName", "type", "numUsers")),
    tool("get-role", TS, "Get role", "One role with the roles it grants and its users.", "GET",
         f"{ADMIN}/roles/{{roleId}}", API, ROLE,
         query("grantedRoles", "Include the granted roles (default true).", bool, default=True),
         query("users", "Include the users holding it.", bool)),
    tool("list-iam-groups", TS, "List access groups",
         "The account's group hierarchy (groupId, name, parent, depth) that roles are granted on.", "GET",
         f"{ADMIN}/groups", API, handler=list_groups, items="groups",
         columns=("path", "groupId", "parentGroupId")),
    tool("list-api-clients", TS, "List API clients", "API clients of the account (clientId, name, owner, "
         "active credentials).", "GET", f"{BASE}/api-clients", API, items=".",
         columns=("clientId", "clientName", "clientType", "authorizedUsers", "activeCredentialCount", "isLocked")),
    tool("get-api-client", TS, "Get API client",
         "One API client with its API access, group access and credentials.", "GET",
         f"{BASE}/api-clients/{{clientId}}", API, CLIENT,
         query("apiAccess", "Include APIs and access levels (default true).", bool, default=True),
         query("groupAccess", "Include groups and roles (default true).", bool, default=True),
         query("credentials", "Include credentials (default true).", bool, default=True)),
    tool("list-api-credentials", TS, "List API credentials",
         "Credentials of an API client (client tokens, status, expiry; never secrets).", "GET",
         f"{BASE}/api-clients/{{clientId}}/credentials", API, CLIENT, items=".",
         columns=("credentialId", "clientToken", "status", "expiresOn", "description")),
    tool("create-api-credential", TS, "Create API credential",
         "Create a credential for an API client; the answer holds its client secret, shown only once. "
         "Destructive: it grants API access (an API client has at most two credentials).", "POST",
         f"{BASE}/api-clients/{{clientId}}/credentials", API, CLIENT, destructive=True),
    tool("deactivate-api-credential", TS, "Deactivate API credential",
         "Deactivate a credential: calls signed with it stop working. Destructive.", "POST",
         f"{BASE}/api-clients/{{clientId}}/credentials/{{credentialId}}/deactivate", API, CLIENT, CREDENTIAL,
         destructive=True, idempotent=True),
]
