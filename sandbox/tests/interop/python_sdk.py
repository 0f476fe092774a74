"""Drives the official Taegis Python SDK (taegis-sdk-python 2.0.4) against the sandbox.

Environment: TAEGIS_API_URL, TAEGIS_TENANTS_URL, CLIENT_ID, CLIENT_SECRET, TAEGIS_TENANT_ID
(the lines `sandbox serve` prints), SANDBOX_TENANTS (how many tenants were seeded), HOME (a
temporary folder: the SDK caches tokens there) and OAUTHLIB_INSECURE_TRANSPORT=1.

Fails (exit 1) on any error, any wrong result, and any "field ... not found. Removing from query
string" warning: the SDK silently drops fields its introspected schema lacks.
"""

import logging
import os
import sys
import time
import uuid

from taegis_sdk_python import GraphQLService
from taegis_sdk_python.authentication import get_token_by_oauth
from taegis_sdk_python.services.clients.types import ClientsSearchInput
from taegis_sdk_python.services.tenants.types import OrderDir, TenantOrderField, TenantsQuery
from taegis_sdk_python.tokens import decode_token_claims, get_token_exp

API_URL = os.environ["TAEGIS_API_URL"]
TENANTS_URL = os.environ["TAEGIS_TENANTS_URL"]
TENANT_ID = os.environ["TAEGIS_TENANT_ID"]
EXPECTED_TENANTS = int(os.environ["SANDBOX_TENANTS"])


class Catch(logging.Handler):
    """Collects every warning the SDK logs."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


CATCH = Catch()
logging.getLogger().addHandler(CATCH)
logging.getLogger().setLevel(logging.WARNING)

checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)


def expect_error(fn, needle, what):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the SDK raises several kinds
        check(needle in str(exc), f"{what}: expected an error containing {needle!r}, got {exc!r}")
        return
    check(False, f"{what}: expected an error containing {needle!r}, got success")


def run(exclude_deprecated_output):
    label = "without" if exclude_deprecated_output else "with"
    service = GraphQLService(
        environment="sandbox",
        environments={"sandbox": API_URL},
        tenant_id=TENANT_ID,
        exclude_deprecated_output=exclude_deprecated_output,
    )

    # Token by client credentials (HTTP Basic, form-encoded grant), JWT-shaped with exp.
    token = service.access_token
    check(token.count(".") == 2, "access token is JWT-shaped")
    check(get_token_exp(token) > time.time(), "token exp is in the future")
    claims = decode_token_claims(token)
    check(claims.get("sub") == os.environ["CLIENT_ID"], "token sub is the client_id")
    check(claims.get("https://missione/octolabs/io/tenantIds") == TENANT_ID, "tenant claim")

    # Clients: create, duplicate, search, get, rotate, delete.
    name = f"interop-{label}-{uuid.uuid4().hex[:8]}"
    created = service.clients.mutation.create_client(name=name, roles=None)
    client = created.client
    secret = created.client_secret
    check(client is not None and client.name == name, "createClient returns the client")
    check(bool(secret), "createClient returns a secret")
    check(client.roles == "tenantAnalyst", f"default role is tenantAnalyst, got {client.roles}")
    client_id = client.client_id
    check(bool(client_id), "created client has a client_id")
    check(bool(get_token_by_oauth(API_URL, client_id, secret)), "new credentials get a token")

    expect_error(
        lambda: service.clients.mutation.create_client(name=name, roles=None),
        "Existing client in tenant",
        "duplicate client name",
    )

    found = service.clients.query.clients_search(
        filters=ClientsSearchInput(name=f"interop-{label}-%", per_page=50)
    )
    check(found.total_count >= 1, "clientsSearch finds the new client")
    check(any(c.id_ == client.id_ for c in found.results), "search results include the client")
    old = service.clients.query.clients(name=name)
    check(len(old) == 1 and old[0].id_ == client.id_, "deprecated clients query finds it")
    got = service.clients.query.client(id_=client_id)
    check(got.id_ == client.id_, "client by client_id")

    rotated = service.clients.mutation.rotate_client_secret(id_=client.id_)
    new_secret = rotated.client_secret
    check(bool(new_secret) and new_secret != secret, "rotation returns a new secret")
    expect_error(lambda: get_token_by_oauth(API_URL, client_id, secret), "invalid_client", "old secret")
    check(bool(get_token_by_oauth(API_URL, client_id, new_secret)), "new secret gets a token")

    deleted = service.clients.mutation.delete_client(id_=client.id_)
    check(deleted.id_ == client.id_, "deleteClient returns the client")
    expect_error(
        lambda: get_token_by_oauth(API_URL, client_id, new_secret), "invalid_client", "deleted client"
    )
    after = service.clients.query.clients_search(filters=ClientsSearchInput(name=name))
    check(after.total_count == 0, "deleted client is gone")

    # Tenants: cursor walk and page numbers, through the tenants service's own URL.
    with service(url=TENANTS_URL):
        seen = []
        cursor = None
        pages = 0
        while True:
            page = service.tenants.query.tenants(
                tenants_query=TenantsQuery(max_results=17, cursor_pos=cursor)
            )
            pages += 1
            check(page.count == len(page.results), "count matches results")
            check(page.total_count == EXPECTED_TENANTS, f"totalCount {page.total_count}")
            seen.extend(t.id_ for t in page.results)
            if not page.has_more:
                break
            cursor = page.cursor_pos
            check(bool(cursor), "cursorPos is set while hasMore")
            check(pages < 10_000, "cursor walk terminates")
        check(len(seen) == EXPECTED_TENANTS, f"cursor walk saw {len(seen)} tenants")
        check(len(set(seen)) == len(seen), "cursor walk yields each tenant once")
        check(seen == sorted(seen, key=int), "default order is by id")

        second = service.tenants.query.tenants(
            tenants_query=TenantsQuery(max_results=10, page_num=2)
        )
        check([t.id_ for t in second.results] == seen[10:20], "page 2 is the second ten")

        by_name = service.tenants.query.tenants(
            tenants_query=TenantsQuery(
                max_results=5, order_by=TenantOrderField.NAME, order_dir=OrderDir.DESC
            )
        )
        names = [t.name for t in by_name.results]
        check(names == sorted(names, key=str.lower, reverse=True), "ordered by name desc")
        partner = service.tenants.query.tenants(tenants_query=TenantsQuery(ids=[TENANT_ID]))
        check(partner.results[0].id_ == TENANT_ID, "tenant by id")


def main():
    for exclude in (True, False):
        run(exclude)
    missing = [m for m in CATCH.messages if "not found" in m or "Removing from query" in m]
    if missing:
        for message in missing:
            print(f"FAIL: schema gap reported by the SDK: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"python interop: {checks} checks passed, no schema warnings")


if __name__ == "__main__":
    main()
