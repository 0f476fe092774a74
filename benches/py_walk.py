"""Python side of the tenant walk: the official Taegis Python SDK (taegis-sdk-python 2.0.4)
lists every tenant by cursor pagination, 100 per page (the page size of
`taegis tenants list --all`), and writes one JSON line per tenant to stdout, as
`taegis tenants list --all --jsonl` does. The SDK introspects the schema on first use; that
is part of the job as a user runs it.

Environment: TAEGIS_API_URL, TAEGIS_TENANTS_URL, CLIENT_ID, CLIENT_SECRET, TAEGIS_TENANT_ID,
HOME (a temporary folder: the SDK caches tokens there), OAUTHLIB_INSECURE_TRANSPORT=1.
"""

import os
import sys

from taegis_sdk_python import GraphQLService
from taegis_sdk_python.services.tenants.types import TenantsQuery

service = GraphQLService(
    environment="sandbox",
    environments={"sandbox": os.environ["TAEGIS_API_URL"]},
    tenant_id=os.environ["TAEGIS_TENANT_ID"],
)
out = sys.stdout
count = 0
with service(url=os.environ["TAEGIS_TENANTS_URL"]):
    cursor = None
    while True:
        page = service.tenants.query.tenants(
            tenants_query=TenantsQuery(max_results=100, cursor_pos=cursor)
        )
        for tenant in page.results:
            out.write(tenant.to_json())
            out.write("\n")
            count += 1
        if not page.has_more or not page.cursor_pos:
            break
        cursor = page.cursor_pos
print(f"python walk: {count} tenants", file=sys.stderr)
