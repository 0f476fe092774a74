"""Drives the official Taegis Python SDK (taegis-sdk-python 2.0.4) against the sandbox.

Environment: TAEGIS_API_URL, TAEGIS_TENANTS_URL, CLIENT_ID, CLIENT_SECRET, TAEGIS_TENANT_ID
(the lines `sandbox serve` prints), SANDBOX_TENANTS (how many tenants were seeded), HOME (a
temporary folder: the SDK caches tokens there) and OAUTHLIB_INSECURE_TRANSPORT=1.

Fails (exit 1) on any error, any wrong result, and any "field ... not found. Removing from query
string" warning: the SDK silently drops fields its introspected schema lacks.
"""

import logging
import os
import time
import uuid

from interop_common import catch_warnings, check, checks_passed, fail_on_schema_gaps
from taegis_sdk_python import GraphQLService
from taegis_sdk_python.authentication import get_token_by_oauth
from taegis_sdk_python.commons.alerts.search import alerts_search
from taegis_sdk_python.commons.events.search import events_search
from taegis_sdk_python.services.alerts.types import (
    GetByIDRequestInput,
    ResolutionStatus,
    UpdateResolutionRequestInput,
)
from taegis_sdk_python.services.clients.types import ClientsSearchInput
from taegis_sdk_python.services.events.types import EventQueryOptions
from taegis_sdk_python.services.investigations2.types import (
    AddCommentToInvestigationInput,
    AddEvidenceToInvestigationInput,
    AlertResolutionStatus,
    CloseInvestigationInput,
    CommentsV2Arguments,
    CreateInvestigationInput,
    InvestigationCloseStatus,
    InvestigationsV2Arguments,
    InvestigationV2Arguments,
    RemoveEvidenceFromInvestigationInput,
    UpdateInvestigationV2Input,
)
from taegis_sdk_python.services.tenants.types import OrderDir, TenantOrderField, TenantsQuery
from taegis_sdk_python.services.tenants4.types import TenantsQuery as TenantsQueryV4
from taegis_sdk_python.services.users.types import TDRUsersSearchInput
from taegis_sdk_python.tokens import decode_token_claims, get_token_exp

API_URL = os.environ["TAEGIS_API_URL"]
TENANTS_URL = os.environ["TAEGIS_TENANTS_URL"]
TENANT_ID = os.environ["TAEGIS_TENANT_ID"]
EXPECTED_TENANTS = int(os.environ["SANDBOX_TENANTS"])


catch_warnings()
logging.getLogger().setLevel(logging.WARNING)


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


def alerts(service):
    """Alerts: CQL search in parts (the SDK's own helper), get by IDs, resolve."""
    cql = "FROM alert WHERE severity >= 0.6 AND status = 'OPEN' EARLIEST=-7d"
    parts = alerts_search(service, cql)
    found = [a for part in parts for a in part.alerts.list_]
    ids = [a.id_ for a in found]
    check(len(found) > 0, "alerts search finds open alerts")
    check(len(set(ids)) == len(ids), "no alert twice across parts")
    check(parts[0].alerts.total_results == len(found), "totalResults counts every part")
    check(all(a.metadata.severity >= 0.6 and a.status == ResolutionStatus.OPEN for a in found),
          "every alert matches the CQL")
    everything = [a for part in alerts_search(service, "FROM alert EARLIEST=-7d") for a in part.alerts.list_]
    matching = {a.id_ for a in everything if a.metadata.severity >= 0.6 and a.status == ResolutionStatus.OPEN}
    check(matching == set(ids), "the filtered search misses no matching alert")

    got = service.alerts.query.alerts_service_retrieve_alerts_by_id(GetByIDRequestInput(i_ds=ids[:3]))
    check(sorted(a.id_ for a in got.alerts.list_) == sorted(ids[:3]), "alerts by IDs")
    service.alerts.mutation.alerts_service_update_resolution_info(
        UpdateResolutionRequestInput(
            alert_ids=[ids[0]], resolution_status=ResolutionStatus.FALSE_POSITIVE, reason="interop"
        )
    )
    again = {a.id_ for part in alerts_search(service, cql) for a in part.alerts.list_}
    check(ids[0] not in again and len(again) == len(ids) - 1, "a resolved alert leaves the open search")
    resolved = service.alerts.query.alerts_service_retrieve_alerts_by_id(GetByIDRequestInput(i_ds=[ids[0]]))
    check(resolved.alerts.list_[0].status == ResolutionStatus.FALSE_POSITIVE, "resolution is stored")
    return ids[1:]


def investigations(service, alert_ids):
    """Investigations v2: create with alerts, get, update, add/remove alerts, comment, close."""
    inv2 = service.investigations2
    created = inv2.mutation.create_investigation_v2(
        CreateInvestigationInput(title="interop case", priority=3, alerts=alert_ids[:2])
    )
    linked = lambda inv: sorted(e.alert_id for e in inv.alerts_evidence or [])  # noqa: E731
    check(created.title == "interop case" and linked(created) == sorted(alert_ids[:2]),
          "created with its alerts")
    got = inv2.query.investigation_v2(InvestigationV2Arguments(id_=created.id_))
    check(got.id_ == created.id_, "investigation by id")
    updated = inv2.mutation.update_investigation_v2(UpdateInvestigationV2Input(id_=created.id_, title="renamed"))
    check(updated.title == "renamed", "update changes the title")
    inv2.mutation.add_evidence_to_investigation(
        AddEvidenceToInvestigationInput(investigation_id=created.id_, alerts=[alert_ids[2]])
    )
    inv2.mutation.remove_evidence_from_investigation(
        RemoveEvidenceFromInvestigationInput(investigation_id=created.id_, alerts=[alert_ids[0]])
    )
    got = inv2.query.investigation_v2(InvestigationV2Arguments(id_=created.id_))
    check(linked(got) == sorted(alert_ids[1:3]), f"alerts after add and remove: {linked(got)}")
    inv2.mutation.add_comment_to_investigation(
        AddCommentToInvestigationInput(investigation_id=created.id_, comment="seen by interop")
    )
    comments = inv2.query.comments_v2(CommentsV2Arguments(investigation_id=created.id_))
    check([c.comment for c in comments.comments] == ["seen by interop"], "the comment reads back")
    closed = inv2.mutation.close_investigation(
        CloseInvestigationInput(
            id_=created.id_,
            reason="interop",
            status=InvestigationCloseStatus.CLOSED_INFORMATIONAL,
            alerts_resolution_status=AlertResolutionStatus.NOT_ACTIONABLE,
        )
    )
    check(closed.status.value == "CLOSED_INFORMATIONAL", f"closed: {closed.status}")
    resolved = service.alerts.query.alerts_service_retrieve_alerts_by_id(
        GetByIDRequestInput(i_ds=alert_ids[1:3])
    )
    check(all(a.status == ResolutionStatus.NOT_ACTIONABLE for a in resolved.alerts.list_),
          "closing resolves the investigation's alerts")

    seen, page, total = [], 1, None
    while True:
        result = inv2.query.investigations_v2(InvestigationsV2Arguments(page=page, per_page=7, cql=""))
        total = result.total_count if total is None else total
        check(result.total_count == total, "totalCount is stable while paging")
        if not result.investigations:
            break
        seen.extend(i.id_ for i in result.investigations)
        page += 1
        check(page < 1_000, "investigation paging terminates")
    check(len(seen) == total and len(set(seen)) == total, f"paged {len(seen)} of {total}, none twice")
    check(created.id_ in seen, "the new investigation is listed")


def events(service):
    """Events: the eventQuery subscription over WebSocket, then eventPage to the end."""
    options = EventQueryOptions(timestamp_ascending=True, page_size=300, max_rows=1000)
    pages = events_search(service, "FROM process EARLIEST=-1h", options=options)
    rows = [row for page in pages for r in page if r.result for row in (r.result.rows or [])]
    check(len(pages) > 1, f"events came in several pages ({len(pages)})")
    check(len(rows) == 1000, f"events search stops at maxRows: {len(rows)} rows")
    keys = [row.get("resource_id") or row.get("id") for row in rows]
    check(None not in keys and len(set(keys)) == len(keys), "no event row twice across pages")


def people_and_tenants(service):
    """Users search, current subject, tenants v4 on /graphql, a plain query of another service."""
    subject = service.subjects.query.current_subject()
    check(bool(subject.id_) and subject.id_ == service.subjects.query.current_subject().id_,
          "current subject is stable")
    users = service.users.query.tdr_users_search(TDRUsersSearchInput(per_page=10))
    check(len(users.results) > 0 and users.total_count >= len(users.results), "users search")
    again = service.users.query.tdrusers_by_ids(user_ids=[u.id_ for u in users.results[:2]])
    check(sorted(u.id_ for u in again) == sorted(u.id_ for u in users.results[:2]), "users by IDs")
    v4 = service.tenants4.query.tenants(TenantsQueryV4(count=EXPECTED_TENANTS + 10))
    check(v4.total_count == EXPECTED_TENANTS and len(v4.tenants) == EXPECTED_TENANTS, "tenants v4")
    rules = service.rules.query.rules(page=1, count=5)
    check(len(rules) == 5, f"a mocked service answers its schema's shape: {len(rules)} rules")


def main():
    for exclude in (True, False):
        run(exclude)
    service = GraphQLService(environment="sandbox", environments={"sandbox": API_URL}, tenant_id=TENANT_ID)
    people_and_tenants(service)
    investigations(service, alerts(service))
    events(service)
    fail_on_schema_gaps()
    print(f"python interop: {checks_passed()} checks passed, no schema warnings")


if __name__ == "__main__":
    main()
