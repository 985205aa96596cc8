"""Identity and Access Management (IAM v3) as the sandbox simulates it.

Seeded: groups 10001 (Sandbox Corp) > 10002 (Sandbox Web); roles 3 Admin, 13 Accounting, 16 Reporting;
users A-B-1SANDBX (jsmith, Admin on 10001) and A-B-2SANDBX (mrossi, Reporting on 10002); API client
sandbox0client01 (also answered as `self`) with one ACTIVE credential 14111. A client keeps at most two
credentials that are not deleted.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse
from alecs.sandbox.ids import ACCOUNT

BASE = "/identity-management/v3"
ADMIN = f"{BASE}/user-admin"
CREATED = "2024-03-01T10:00:00.000Z"
MAX_CREDENTIALS = 2


def _error(status: int, title: str, detail: str, kind: str) -> HttpError:
    return HttpError(status, title, detail, type_=f"/identity-management/error-types/{kind}")


class IamSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.groups = {10001: {"groupId": 10001, "groupName": "Sandbox Corp", "parentGroupId": None},
                       10002: {"groupId": 10002, "groupName": "Sandbox Web", "parentGroupId": 10001}}
        self.roles = {
            3: {"roleId": 3, "roleName": "Admin", "roleDescription": "Full access to every application.",
                "type": "standard", "grantedRoles": [{"grantedRoleId": 1, "grantedRoleName": "Administration",
                                                      "grantedRoleDescription": "Manage users and groups"}]},
            13: {"roleId": 13, "roleName": "Accounting", "roleDescription": "Read-only access to billing.",
                 "type": "standard", "grantedRoles": [{"grantedRoleId": 7, "grantedRoleName": "Billing Center",
                                                       "grantedRoleDescription": "View invoices"}]},
            16: {"roleId": 16, "roleName": "Reporting", "roleDescription": "Access to all reports.",
                 "type": "custom", "grantedRoles": [{"grantedRoleId": 9, "grantedRoleName": "Reports",
                                                     "grantedRoleDescription": "View reports"}]},
        }
        self.users = {
            "A-B-1SANDBX": self._user("A-B-1SANDBX", "John", "Smith", "jsmith", [(10001, 3)]),
            "A-B-2SANDBX": self._user("A-B-2SANDBX", "Mario", "Rossi", "mrossi", [(10002, 16)]),
        }
        self.clients = {"sandbox0client01": {
            "clientId": "sandbox0client01", "clientName": "alecs-sandbox", "clientType": "CLIENT",
            "clientDescription": "Automation for the sandbox account.", "accessToken": "akab-sandbox-access-token",
            "authorizedUsers": ["jsmith"], "notificationEmails": ["jsmith@example.com"], "createdBy": "jsmith",
            "createdDate": CREATED, "isLocked": False, "allowAccountSwitch": False, "canAutoCreateCredential": False,
            "apiAccess": {"allAccessibleApis": False, "apis": [
                {"apiId": 5101, "apiName": "Reporting API", "accessLevel": "READ-ONLY", "endPoint": "/reporting-api"},
                {"apiId": 5801, "apiName": "Property Manager (PAPI)", "accessLevel": "READ-WRITE",
                 "endPoint": "/papi"}]},
            "groupAccess": {"cloneAuthorizedUserGroups": False, "groups": [
                {"groupId": 10001, "groupName": "Sandbox Corp", "roleId": 3, "roleName": "Admin", "subGroups": []}]},
        }}
        self.credentials: dict[str, dict[int, dict[str, Any]]] = {"sandbox0client01": {
            14111: self._credential(14111, "Sandbox automation")}}

    # -- builders ----------------------------------------------------------------------------------
    def _user(self, uid: str, first: str, last: str, login: str, grants: list[tuple[int, int]]) -> dict[str, Any]:
        return {"uiIdentityId": uid, "firstName": first, "lastName": last, "uiUserName": login,
                "email": f"{login}@example.com", "accountId": ACCOUNT.removeprefix("act_"),
                "lastLoginDate": "2025-01-10T08:00:00.000Z", "additionalAuthentication": "MFA",
                "additionalAuthenticationConfigured": True, "country": "USA", "phone": "(617) 555-0100",
                "contactType": "Technical Decision Maker", "isLocked": False, "timeZone": "GMT",
                "preferredLanguage": "English", "sessionTimeOut": 64800, "passwordExpiryDate": "2026-01-10T08:00:00Z",
                "notifications": {"enableEmailNotifications": True, "options": {
                    "passwordExpiry": True, "newUserNotification": True, "upgrade": [], "proactive": []}},
                "authGrants": [self._grant(g, r) for g, r in grants]}

    def _grant(self, group: int, role: int) -> dict[str, Any]:
        return {"groupId": group, "groupName": self.groups[group]["groupName"], "roleId": role,
                "roleName": self.roles[role]["roleName"], "roleDescription": self.roles[role]["roleDescription"],
                "isBlocked": False, "subGroups": []}

    def _credential(self, number: int, description: str) -> dict[str, Any]:
        return {"credentialId": number, "clientToken": f"akab-{secrets.token_hex(8)}-{secrets.token_hex(8)}",
                "status": "ACTIVE", "createdOn": self.account.iso(), "expiresOn": "2027-01-01T00:00:00.000Z",
                "maxAllowedExpiry": "2027-01-01T00:00:00.000Z", "description": description}

    # -- routes ------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", f"{ADMIN}/ui-identities", self._list_users)
        r.add("GET", f"{ADMIN}/ui-identities/{{uiIdentityId}}", self._get_user)
        r.add("PUT", f"{ADMIN}/ui-identities/{{uiIdentityId}}/auth-grants", self._put_grants)
        r.add("GET", f"{ADMIN}/roles", self._list_roles)
        r.add("GET", f"{ADMIN}/roles/{{roleId}}", self._get_role)
        r.add("GET", f"{ADMIN}/groups", self._groups)
        r.add("GET", f"{BASE}/api-clients", self._list_clients)
        r.add("GET", f"{BASE}/api-clients/{{clientId}}", self._get_client)
        r.add("GET", f"{BASE}/api-clients/{{clientId}}/credentials", self._list_credentials)
        r.add("POST", f"{BASE}/api-clients/{{clientId}}/credentials", self._create_credential)
        r.add("GET", f"{BASE}/api-clients/{{clientId}}/credentials/{{credentialId}}",
              lambda q: self._find_credential(q))
        r.add("POST", f"{BASE}/api-clients/{{clientId}}/credentials/{{credentialId}}/deactivate", self._deactivate)

    def _find_user(self, uid: str) -> dict[str, Any]:
        user = self.users.get(uid)
        if user is None:
            raise _error(404, "Not Found", f"User {uid} does not exist.", "not-found")
        return user

    def _list_users(self, q: SimRequest) -> list[dict[str, Any]]:
        users = list(self.users.values())
        if q.query.get("groupId"):
            users = [u for u in users if any(str(g["groupId"]) == q.query["groupId"] for g in u["authGrants"])]
        with_grants = q.query.get("authGrants") == "true"
        return [{k: v for k, v in u.items() if with_grants or k not in ("authGrants", "notifications")}
                for u in users]

    def _get_user(self, q: SimRequest) -> dict[str, Any]:
        user = self._find_user(q.params["uiIdentityId"])
        drop = {k for k, flag in (("authGrants", "authGrants"), ("notifications", "notifications"))
                if q.query.get(flag) != "true"}
        return {k: v for k, v in user.items() if k not in drop}

    def _put_grants(self, q: SimRequest) -> list[dict[str, Any]]:
        user = self._find_user(q.params["uiIdentityId"])
        data = q.json
        if not isinstance(data, list) or not data:
            raise _error(400, "Bad Request", "authGrants must be a non-empty array.", "bad-request")
        grants = []
        for item in data:
            group, role = (item or {}).get("groupId"), (item or {}).get("roleId")
            if group not in self.groups:
                raise _error(400, "Invalid group", f"Group {group} does not exist in this account.", "invalid-group")
            if role not in self.roles:
                raise _error(400, "Invalid role", f"Role {role} does not exist or cannot be granted.",
                             "invalid-role")
            grants.append(self._grant(group, role))
        user["authGrants"] = grants
        return grants

    def _role_view(self, role: dict[str, Any], q: SimRequest) -> dict[str, Any]:
        holders = [u for u in self.users.values() if any(g["roleId"] == role["roleId"] for g in u["authGrants"])]
        out = {k: v for k, v in role.items() if k != "grantedRoles" or q.query.get("grantedRoles") == "true"}
        out |= {"numUsers": len(holders), "createdBy": "akamai", "createdDate": CREATED,
                "modifiedBy": "akamai", "modifiedDate": CREATED, "actions": {"edit": role["type"] == "custom",
                                                                             "delete": role["type"] == "custom"}}
        if q.query.get("users") == "true":
            out["users"] = [{k: u[k] for k in ("uiIdentityId", "firstName", "lastName", "email", "accountId",
                                               "lastLoginDate")} for u in holders]
        return out

    def _list_roles(self, q: SimRequest) -> list[dict[str, Any]]:
        roles = list(self.roles.values())
        if q.query.get("groupId"):
            roles = [r for r in roles if any(str(g["groupId"]) == q.query["groupId"] and g["roleId"] == r["roleId"]
                                             for u in self.users.values() for g in u["authGrants"])]
        return [self._role_view(r, q) for r in roles]

    def _get_role(self, q: SimRequest) -> dict[str, Any]:
        role = self.roles.get(int(q.params["roleId"])) if q.params["roleId"].isdigit() else None
        if role is None:
            raise _error(404, "Not Found", f"Role {q.params['roleId']} does not exist.", "not-found")
        return self._role_view(role, q)

    def _groups(self, q: SimRequest) -> list[dict[str, Any]]:
        def node(group: dict[str, Any]) -> dict[str, Any]:
            children = [node(g) for g in self.groups.values() if g["parentGroupId"] == group["groupId"]]
            out = {k: v for k, v in group.items() if v is not None} | {
                "createdDate": CREATED, "createdBy": "akamai", "modifiedDate": CREATED, "modifiedBy": "akamai",
                "subGroups": children}
            return out
        return [node(g) for g in self.groups.values() if g["parentGroupId"] is None]

    def _client_id(self, value: str) -> str:
        client_id = "sandbox0client01" if value == "self" else value
        if client_id not in self.clients:
            raise _error(404, "Not Found", f"API client {value} does not exist.", "not-found")
        return client_id

    def _active_count(self, client_id: str) -> int:
        return sum(1 for c in self.credentials[client_id].values() if c["status"] == "ACTIVE")

    def _list_clients(self, q: SimRequest) -> list[dict[str, Any]]:
        return [{k: v for k, v in c.items() if k not in ("apiAccess", "groupAccess")}
                | {"activeCredentialCount": self._active_count(str(c["clientId"]))} for c in self.clients.values()]

    def _get_client(self, q: SimRequest) -> dict[str, Any]:
        client_id = self._client_id(q.params["clientId"])
        out = copy.deepcopy(self.clients[client_id]) | {"activeCredentialCount": self._active_count(client_id)}
        for flag in ("apiAccess", "groupAccess"):
            if q.query.get(flag) != "true":
                out.pop(flag)
        if q.query.get("credentials") == "true":
            out["credentials"] = list(self.credentials[client_id].values())
        return out

    def _list_credentials(self, q: SimRequest) -> list[dict[str, Any]]:
        return list(self.credentials[self._client_id(q.params["clientId"])].values())

    def _create_credential(self, q: SimRequest) -> SimResponse:
        client_id = self._client_id(q.params["clientId"])
        live = [c for c in self.credentials[client_id].values() if c["status"] != "DELETED"]
        if len(live) >= MAX_CREDENTIALS:
            raise _error(400, "Credential limit reached", f"API client {client_id} already has {MAX_CREDENTIALS} "
                         "credentials; delete one before creating another.", "credential-limit")
        number = 14000 + self.account.next_id()
        credential = self._credential(number, "Created through the API")
        self.credentials[client_id][number] = credential
        return SimResponse(201, credential | {"clientSecret": secrets.token_urlsafe(32)},
                           {"Location": f"{BASE}/api-clients/{client_id}/credentials/{number}"})

    def _find_credential(self, q: SimRequest) -> dict[str, Any]:
        creds = self.credentials[self._client_id(q.params["clientId"])]
        found = creds.get(int(q.params["credentialId"])) if q.params["credentialId"].isdigit() else None
        if found is None:
            raise _error(404, "Not Found", f"Credential {q.params['credentialId']} does not exist.", "not-found")
        return found

    def _deactivate(self, q: SimRequest) -> SimResponse:
        self._find_credential(q)["status"] = "INACTIVE"
        return SimResponse(204)
