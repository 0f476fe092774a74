"""Python side of the per-request overhead: the official Taegis Python SDK
(taegis-sdk-python 2.0.4) sends the `tenants` query for one tenant by ID, the request
`benches/overhead.rs` times, against the same sandbox.

The SDK introspects the schema and fetches a token on first use, so the script warms up
first (WARMUP requests, default 50), then times REQUESTS requests (default 1000) one after the
other and prints one JSON line: per-request mean, median, p99, min in microseconds.

Environment: as benches/py_walk.py.
"""

import json
import os
import statistics
import time

from taegis_sdk_python import GraphQLService
from taegis_sdk_python.services.tenants.types import TenantsQuery

tenant_id = os.environ["TAEGIS_TENANT_ID"]
service = GraphQLService(
    environment="sandbox",
    environments={"sandbox": os.environ["TAEGIS_API_URL"]},
    tenant_id=tenant_id,
)
warmup = int(os.environ.get("WARMUP", "50"))
requests = int(os.environ.get("REQUESTS", "1000"))
with service(url=os.environ["TAEGIS_TENANTS_URL"]):

    def one():
        page = service.tenants.query.tenants(
            tenants_query=TenantsQuery(ids=[tenant_id], max_results=1)
        )
        assert len(page.results) == 1 and page.results[0].id_ == tenant_id

    for _ in range(warmup):
        one()
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        one()
        times.append(time.perf_counter() - t0)
times.sort()
us = [t * 1e6 for t in times]
print(
    json.dumps(
        {
            "requests": requests,
            "mean_us": statistics.fmean(us),
            "median_us": statistics.median(us),
            "p99_us": us[min(len(us) - 1, int(0.99 * len(us)))],
            "min_us": us[0],
        }
    )
)
