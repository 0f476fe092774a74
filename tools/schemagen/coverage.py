#!/usr/bin/env python3
"""How much of the Python SDK model is in a set of introspection schemas.

Usage::

    python3 tools/schemagen/coverage.py MODEL.json SCHEMA.json... [--all] [--min PCT] [--json]

``MODEL.json`` is what ``extract.py`` writes. Each ``SCHEMA.json`` is an introspection result
(``{"data":{"__schema":...}}`` or ``{"__schema":...}``) for one gateway, named by its file stem
(``main.json`` = ``/graphql``, ``tenants.json``, ``events.json``, ``agent.json``,
``cql-metadata.json``, ``fast-ioc.json``, ``multi-tenant-ioc.json``) or given as
``ENDPOINT=FILE``. Every fact of every service of the model is looked up in the schema of the
service's gateway (types defined by several services of one gateway are merged: one fact per
gateway and coordinate):

- ``root fields``: every query / mutation / subscription (``Query.x``, ``Mutation.x``,
  ``Subscription.x``) on the gateway's root types;
- ``arguments``: every argument of every root field (``Query.x(arg:)``);
- ``types``: every dataclass, enum and union, with its kind (``OBJECT`` / ``INPUT_OBJECT``
  when the model infers it from usage; either when the model only guessed it by name);
- ``fields``: every field of every object and input type (``Type.field``);
- ``enum values`` (``Enum.VALUE``) and ``union members`` (``Union|Member``);
- ``deprecations``: every deprecated root field, field (and argument / enum value, which 2.0.4
  has none of) is deprecated in the schema, with the model's reason.

Prints a table per kind (total, present, percent) and the missing facts (the first 10 per
kind, ``--all`` for every one); ``--json`` prints one JSON object instead (every missing fact).
Exit 1 when a kind is below ``--min`` percent (default 100), 2 on bad input.

Standard library only.
"""

import argparse
import collections
import json
import os
import sys
from typing import Any, Dict, List, Optional, Set, Tuple

# gateway_id (host:path) -> endpoint name (the schema file stem), the writer's own table.
from write_schemas import ENDPOINTS  # noqa: E402  (same folder)
KINDS = ("root fields", "arguments", "types", "fields", "enum values", "union members",
         "deprecations")
ROOTS = {"query": ("Query", "queryType"), "mutation": ("Mutation", "mutationType"),
         "subscription": ("Subscription", "subscriptionType")}
DEFAULT_SHOWN = 10


def endpoint_of(service: Dict[str, Any]) -> str:
    gid = service.get("gateway_id") or "{}:{}".format(service.get("host", "api"),
                                                       service.get("gateway", "/graphql"))
    return ENDPOINTS.get(gid, gid)


class Fact:
    """One coordinate on one endpoint, with what the services of the model say about it."""

    def __init__(self, endpoint: str, coordinate: str):
        self.endpoint = endpoint
        self.coordinate = coordinate
        self.services: List[str] = []
        self.kinds: Set[str] = set()  # types: kinds known from usage
        self.reasons: Set[str] = set()  # deprecations: the model's reasons (non-empty ones)
        self.enum_value = False  # deprecations: of an enum value (else a field or argument)


def model_facts(model: Dict[str, Any]) -> Dict[str, Dict[Tuple[str, str], Fact]]:
    """Every fact of the model, per kind, keyed by (endpoint, coordinate)."""
    facts: Dict[str, Dict[Tuple[str, str], Fact]] = {k: collections.OrderedDict() for k in KINDS}

    def add(kind: str, ep: str, coord: str, service: str) -> Fact:
        f = facts[kind].get((ep, coord))
        if f is None:
            f = facts[kind][(ep, coord)] = Fact(ep, coord)
        if service not in f.services:
            f.services.append(service)
        return f

    def deprecation(ep: str, coord: str, sname: str, d: Dict[str, Any],
                    enum_value: bool = False) -> None:
        if d.get("deprecated"):
            f = add("deprecations", ep, coord, sname)
            f.enum_value = enum_value
            reason = d.get("deprecation_reason")
            if isinstance(reason, str) and reason:
                f.reasons.add(reason)

    for sname in sorted(model.get("services", {})):
        svc = model["services"][sname]
        ep = endpoint_of(svc)
        for rf in svc.get("root_fields", []):
            coord = f"{ROOTS[rf['kind']][0]}.{rf['name']}"
            add("root fields", ep, coord, sname)
            deprecation(ep, coord, sname, rf)
            for arg in rf.get("arguments", []):
                acoord = f"{coord}({arg['name']}:)"
                add("arguments", ep, acoord, sname)
                deprecation(ep, acoord, sname, arg)
        for tname, t in svc.get("types", {}).items():
            f = add("types", ep, tname, sname)
            if t.get("graphql_kind") and t.get("graphql_kind_basis", "usage") == "usage":
                f.kinds.add(t["graphql_kind"])
            for fld in t.get("fields", []):
                coord = f"{tname}.{fld['name']}"
                add("fields", ep, coord, sname)
                deprecation(ep, coord, sname, fld)
        for ename, e in svc.get("enums", {}).items():
            add("types", ep, ename, sname).kinds.add("ENUM")
            for v in e.get("values", []):
                coord = f"{ename}.{v['name']}"
                add("enum values", ep, coord, sname)
                deprecation(ep, coord, sname, v, enum_value=True)
        for uname, u in svc.get("unions", {}).items():
            add("types", ep, uname, sname).kinds.add("UNION")
            for m in u.get("members", []):
                add("union members", ep, f"{uname}|{m}", sname)
    return facts


class Schema:
    """Lookups into one introspection result."""

    def __init__(self, doc: Dict[str, Any]):
        s = doc.get("data", doc).get("__schema")
        if not isinstance(s, dict):
            raise ValueError("not an introspection result (no __schema)")
        self.types = {t["name"]: t for t in s.get("types", [])}
        self.roots = {}
        for kind, (default, key) in ROOTS.items():
            ref = s.get(key)
            self.roots[default] = ref.get("name") if isinstance(ref, dict) else None

    def fields(self, tname: str) -> Optional[Dict[str, Any]]:
        t = self.types.get(self.roots.get(tname) or tname)
        if t is None:
            return None
        return {f["name"]: f for f in (t.get("fields") or t.get("inputFields") or [])}

    def field(self, coord: str) -> Tuple[Optional[Dict[str, Any]], str]:
        """The field/input value at ``Type.field`` or ``Type.field(arg:)``, or why not."""
        tname, rest = coord.split(".", 1)
        arg = None
        if rest.endswith(":)"):
            rest, arg = rest[:-2].split("(", 1)
        fields = self.fields(tname)
        if fields is None:
            return None, f"type {tname} absent"
        f = fields.get(rest)
        if f is None:
            return None, f"field {tname}.{rest} absent"
        if arg is None:
            return f, ""
        a = {x["name"]: x for x in f.get("args") or []}.get(arg)
        return (a, "") if a is not None else (None, f"argument {arg} absent")


def check(fact: Fact, kind: str, schema: Optional[Schema]) -> Optional[str]:
    """None when the schema has the fact, else why not."""
    if schema is None:
        return f"no {fact.endpoint} schema given"
    c = fact.coordinate
    if kind in ("root fields", "arguments", "fields"):
        return schema.field(c)[1] or None
    if kind == "types":
        t = schema.types.get(c)
        if t is None:
            return "type absent"
        allowed = fact.kinds or {"OBJECT", "INPUT_OBJECT"}
        if t["kind"] not in allowed:
            return f"kind {t['kind']}, model says {'/'.join(sorted(allowed))}"
        return None
    if kind == "enum values":
        ename, value = c.split(".", 1)
        t = schema.types.get(ename)
        if t is None:
            return f"enum {ename} absent"
        names = {v["name"] for v in t.get("enumValues") or []}
        return None if value in names else "value absent"
    if kind == "union members":
        uname, member = c.split("|", 1)
        t = schema.types.get(uname)
        if t is None:
            return f"union {uname} absent"
        names = {m["name"] for m in t.get("possibleTypes") or []}
        return None if member in names else "member absent"
    if kind == "deprecations":
        if fact.enum_value:
            ename, value = c.split(".", 1)
            t = schema.types.get(ename)
            got = {v["name"]: v for v in (t or {}).get("enumValues") or []}.get(value)
            why = "" if got else f"enum value {c} absent"
        else:
            got, why = schema.field(c)
        if got is None:
            return why
        if not got.get("isDeprecated"):
            return "not deprecated"
        if fact.reasons and got.get("deprecationReason") not in fact.reasons:
            return (f"reason {json.dumps(got.get('deprecationReason'))}, model says "
                    f"{' / '.join(json.dumps(r) for r in sorted(fact.reasons))}")
        return None
    raise ValueError(kind)


def coverage(model: Dict[str, Any], schemas: Dict[str, Schema]) -> Dict[str, Any]:
    result: Dict[str, Any] = collections.OrderedDict()
    for kind, facts in model_facts(model).items():
        missing = []
        for f in facts.values():
            why = check(f, kind, schemas.get(f.endpoint))
            if why:
                missing.append({"endpoint": f.endpoint, "coordinate": f.coordinate,
                                "reason": why, "services": f.services})
        total = len(facts)
        result[kind] = {"total": total, "present": total - len(missing),
                        "percent": percent(total - len(missing), total), "missing": missing}
    return result


def percent(present: int, total: int) -> float:
    """Rounded down to 2 decimals, so that only a complete kind shows 100.0."""
    return 100.0 if total == 0 else (present * 10000 // total) / 100


def below(entry: Dict[str, Any], minimum: float) -> bool:
    return entry["present"] * 100 < minimum * entry["total"]


def load_schemas(specs: List[str]) -> Dict[str, Tuple[str, Schema]]:
    known = set(ENDPOINTS.values())
    out: Dict[str, Tuple[str, Schema]] = {}
    for spec in specs:
        if "=" in spec:
            ep, path = spec.split("=", 1)
        else:
            path = spec
            ep = os.path.basename(path)
            ep = ep[:-5] if ep.endswith(".json") else ep
        if ep not in known:
            raise ValueError(f"{spec}: unknown endpoint {ep!r} (name the file after one of "
                             f"{', '.join(sorted(known))}, or pass ENDPOINT=FILE)")
        if ep in out:
            raise ValueError(f"{spec}: a second schema for {ep}")
        with open(path, encoding="utf-8") as fh:
            try:
                out[ep] = (path, Schema(json.load(fh)))
            except ValueError as e:
                raise ValueError(f"{path}: {e}")
    return out


def print_table(result: Dict[str, Any], shown: Optional[int], out=None) -> None:
    p = lambda s="": print(s, file=out or sys.stdout)  # noqa: E731
    p(f"{'kind':15} {'total':>7} {'present':>8} {'percent':>8}")
    for kind, e in result.items():
        p(f"{kind:15} {e['total']:7} {e['present']:8} {e['percent']:7.2f}%")
    for kind, e in result.items():
        if not e["missing"]:
            continue
        p()
        p(f"missing {kind} ({len(e['missing'])}):")
        for m in e["missing"][:shown]:
            p(f"  {m['endpoint']}: {m['coordinate']}: {m['reason']} "
              f"({', '.join(m['services'])})")
        if shown is not None and len(e["missing"]) > shown:
            p(f"  ... and {len(e['missing']) - shown} more (--all)")


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model.json written by extract.py")
    ap.add_argument("schemas", nargs="+", metavar="SCHEMA", help="ENDPOINT.json or ENDPOINT=FILE")
    ap.add_argument("--all", action="store_true", help="list every missing fact")
    ap.add_argument("--min", type=float, default=100.0, metavar="PCT",
                    help="exit 1 when a kind is below PCT percent (default %(default)s)")
    ap.add_argument("--json", action="store_true", help="print JSON (every missing fact)")
    args = ap.parse_args(argv)
    try:
        with open(args.model, encoding="utf-8") as fh:
            model = json.load(fh)
        schemas = load_schemas(args.schemas)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    result = coverage(model, {ep: s for ep, (_, s) in schemas.items()})
    failing = [k for k, e in result.items() if below(e, args.min)]
    src = model.get("source", {})
    if args.json:
        json.dump({"model": {k: src.get(k) for k in ("distribution", "version", "wheel_sha256")},
                   "services": len(model.get("services", {})),
                   "schemas": {ep: path for ep, (path, _) in sorted(schemas.items())},
                   "min": args.min, "ok": not failing, "below_min": failing, "kinds": result},
                  sys.stdout, indent=1)
        print()
    else:
        print(f"coverage of {src.get('distribution')} {src.get('version')} "
              f"({len(model.get('services', {}))} services) in "
              f"{', '.join(os.path.basename(p) for p, _ in schemas.values())}")
        print_table(result, None if args.all else DEFAULT_SHOWN)
        if failing:
            print(f"\nbelow {args.min:g}%: {', '.join(failing)}")
    return 1 if failing else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `coverage.py ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
