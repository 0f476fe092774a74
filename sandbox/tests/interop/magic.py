"""Drives taegis-magic (the official Taegis CLI, unchanged) against the sandbox.

Environment: TAEGIS_API_URL, CLIENT_ID, CLIENT_SECRET, TAEGIS_TENANT_ID, SANDBOX_TENANTS (as
for python_sdk.py), HOME (a scratch folder already configured by the real `taegis configure
regions add local URL` process, the way magic's documentation says) and
OAUTHLIB_INSECURE_TRANSPORT=1.

Magic takes seconds to import, so the commands run in this one interpreter through its own
typer app (`taegis_magic.cli.app`, what the `taegis` script calls), each with the arguments a
user types. Every answer is cross-checked against the Python SDK 2.0.4 asking the same sandbox.
Fails (exit 1) on a failed command, a wrong or inconsistent result, and any "not found.
Removing from query string" warning.
"""

import os
import signal
import sys

from typer.testing import CliRunner

from interop_common import catch_warnings, check, checks_passed, fail_on_schema_gaps

from taegis_magic.cli import app
from taegis_sdk_python import GraphQLService
from taegis_sdk_python.commons.alerts.search import alerts_search
from taegis_sdk_python.commons.events.search import events_search
from taegis_sdk_python.services.investigations2.types import InvestigationsV2Arguments
from taegis_sdk_python.services.tenants4.types import TenantsQuery
from taegis_sdk_python.services.users.types import TDRUsersSearchInput

API_URL = os.environ["TAEGIS_API_URL"]
TENANT_ID = os.environ["TAEGIS_TENANT_ID"]
EXPECTED_TENANTS = int(os.environ["SANDBOX_TENANTS"])
ALERTS_CQL = "FROM alert WHERE severity >= 0.1 EARLIEST=-7d"
INVESTIGATIONS_CQL = "status = 'OPEN'"
EVENTS_CQL = "FROM process EARLIEST=-1h | head 25"
COMMAND_TIMEOUT_S = 120


class CommandTimedOut(Exception):
    """A magic command ran longer than COMMAND_TIMEOUT_S (e.g. a paging loop that never ends)."""


def on_alarm(_signum, _frame):
    raise CommandTimedOut(f"no answer within {COMMAND_TIMEOUT_S} s")


ran = []


def magic(*args):
    """Runs one magic command in this interpreter; returns its result rows."""
    line = "taegis " + " ".join(f"'{a}'" if " " in a else a for a in args)
    signal.alarm(COMMAND_TIMEOUT_S)
    result = CliRunner().invoke(app, list(args), standalone_mode=False)
    signal.alarm(0)
    if result.exit_code != 0 or result.exception is not None:
        print(f"FAIL: {line} -> exit {result.exit_code}: {result.exception!r}", file=sys.stderr)
        print(result.output, file=sys.stderr)
        sys.exit(1)
    rows = result.return_value.results
    ran.append(f"{line} -> {len(rows)} rows")
    return rows


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    # Magic configures its loggers at import; catch on the root logger after that.
    catch_warnings()
    sdk = GraphQLService(environment="sandbox", environments={"sandbox": API_URL}, tenant_id=TENANT_ID)
    region = ["--region", "local"]
    tenant = ["--tenant", TENANT_ID]

    # Clients: the bootstrap client is in its own tenant's list.
    rows = magic("clients", "search", *region, *tenant)
    check(any(r["client_id"] == os.environ["CLIENT_ID"] for r in rows), "clients search: bootstrap client")

    # Tenants (v4 on /graphql): every seeded tenant, the same as the SDK's tenants4.
    rows = magic("tenants", "search", *region)
    ids = sorted(int(r["id_"]) for r in rows)
    check(len(ids) == EXPECTED_TENANTS, f"tenants search: {len(ids)} tenants, {EXPECTED_TENANTS} seeded")
    direct = sdk.tenants4.query.tenants(TenantsQuery(count=2500))
    check(ids == sorted(int(t.id_) for t in direct.tenants), "tenants search equals tenants4")

    # Current subject: the calling client, as the SDK sees it.
    rows = magic("subjects", "current-subject", *region)
    subject = sdk.subjects.query.current_subject()
    check(len(rows) == 1 and rows[0]["id_"] == subject.id_, "current subject equals the SDK's")

    # Users: the same users the SDK finds.
    rows = magic("users", "search", *region, *tenant)
    found = sdk.users.query.tdr_users_search(TDRUsersSearchInput())
    check(len(rows) > 0, "users search finds users")
    check(
        sorted(r["id_"] for r in rows) == sorted(u.id_ for u in found.results),
        "users search equals the SDK's tdrUsersSearch",
    )

    # Alerts: a CQL search across every part (on a tenant whose alerts fill several parts);
    # each alert matches, the same alerts as the SDK's own helper.
    busy = None
    for t in sorted(ids):
        with sdk(tenant_id=str(t)):
            parts = alerts_search(sdk, ALERTS_CQL)
        if parts[0].alerts.total_parts >= 2:
            busy = str(t)
            break
    check(busy is not None, "a tenant has alerts in several parts")
    rows = magic("alerts", "search", *region, "--tenant", busy, "--cell", ALERTS_CQL, "--limit", "10000")
    check(all(r["metadata"]["severity"] >= 0.1 for r in rows), "every alert has severity >= 0.1")
    expected = [a.id_ for part in parts for a in part.alerts.list_]
    check(len(rows) == len(expected) > 100, f"alerts search: {len(rows)} rows across parts")
    check(sorted(r["id_"] for r in rows) == sorted(expected), "alerts search equals the SDK helper's")
    check(len(set(expected)) == len(expected), "no alert twice across parts")

    # Investigations v2: every open investigation, page by page, as many as totalCount says.
    rows = magic("investigations", "search", *region, *tenant, "--cell", INVESTIGATIONS_CQL)
    first = sdk.investigations2.query.investigations_v2(
        InvestigationsV2Arguments(page=1, per_page=1, cql=INVESTIGATIONS_CQL)
    )
    check(len(rows) == first.total_count, f"investigations search: {len(rows)} of {first.total_count}")
    check(len({r["id_"] for r in rows}) == len(rows), "no investigation twice")
    check(all(r["status"] == "OPEN" for r in rows), "every investigation is open")

    # Events: the eventQuery subscription over WebSocket, then eventPage to the end.
    rows = magic("events", "search", *region, *tenant, "--cell", EVENTS_CQL)
    pages = events_search(sdk, EVENTS_CQL)
    expected = sum(len(r.result.rows or []) for page in pages for r in page if r.result)
    check(len(rows) == expected == 25, f"events search: {len(rows)} rows, SDK {expected}, head 25")

    # A plain query of another service (rules, answered by the sandbox's schema mock).
    rows = magic("rules", "type", *region, *tenant, "--rule-type", "REGEX")
    check(len(rows) > 0, "rules type REGEX returns rules")

    fail_on_schema_gaps()
    for line in ran:
        print(f"magic: {line}")
    print(f"magic interop: {len(ran)} commands, {checks_passed()} checks passed, no schema warnings")


if __name__ == "__main__":
    main()
