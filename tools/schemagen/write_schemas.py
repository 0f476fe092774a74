#!/usr/bin/env python3
"""Write one GraphQL introspection result per Taegis gateway from the schemagen model.

    python3 tools/schemagen/write_schemas.py MODEL.json OUT_DIR [--evidence EVIDENCE.json]
        [--builtins INTROSPECTION.json] [--quiet]

Reads ``model.json`` (written by ``extract.py``) and writes ``OUT_DIR/<endpoint>.json``
(``{"data": {"__schema": ...}}``, keys sorted, types sorted by name, indent 2, the format of
``codegen/schemas/*.json``) for every gateway, plus ``OUT_DIR/report.json``.

What the wheel does not say is filled in by fixed rules, overridden by the evidence file:

* nullability: everything is nullable (fields, list items, return types), except that a
  required Python argument (no default) becomes a non-null argument (``T!``);
* scalars: str -> String, int -> Int, float -> Float, bool -> Boolean,
  dict / Any / object -> JSONObject (a custom scalar declared here);
* the ID rule: a ``str`` field, argument or root field whose name ends in ``id``/``ids``
  after a word boundary (start of the name, ``_``, or a lower-case letter / digit followed by
  ``Id``/``ID``/``Ids``/``IDs``) is ``ID`` (a list of ``ID`` for lists);
* evidence entries (coordinate -> GraphQL type, with a source) replace the computed type.
* evidence additions (types, fields, root fields, each with a source; legacy ones
  ``deprecated``) add what the wheel lacks; the model's own fields are never replaced.

Only the Python standard library is used. See README.md.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_BUILTINS = os.path.join(HERE, "builtins.json")

# gateway_id (host:path) -> endpoint name used for the file name
ENDPOINTS = {
    "api:/graphql": "main",
    "tenants:/public/query": "tenants",
    "api:/events/query": "events",
    "api:/agent-graphql": "agent",
    "api:/cql-metadata/query": "cql-metadata",
    "api:/fast-ioc/query": "fast-ioc",
    "api:/multi-tenant-ioc/query": "multi-tenant-ioc",
}

JSON_SCALAR = "JSONObject"
JSON_SCALAR_DESCRIPTION = (
    "Arbitrary JSON value. The Python SDK types these as dict/Any and never names the real "
    "scalar (schemagen placeholder name).")
PLACEHOLDER_DESCRIPTION = (
    "Referenced by the model but not defined in it; declared by schemagen as a scalar "
    "placeholder.")

PY_SCALARS = {"str": "String", "int": "Int", "float": "Float", "bool": "Boolean",
              "dict": JSON_SCALAR, "Any": JSON_SCALAR, "object": JSON_SCALAR,
              "list": JSON_SCALAR, "None": JSON_SCALAR, "TaegisEnum": "String"}
BUILTIN_SCALARS = ("Boolean", "Float", "ID", "Int", "String")
# Standard descriptions (graphql-js / graphql-core); main.json's own ones win when present.
BUILTIN_SCALAR_DESCRIPTIONS = {
    "Boolean": "The `Boolean` scalar type represents `true` or `false`.",
    "Float": "The `Float` scalar type represents signed double-precision fractional values as "
             "specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point).",
    "ID": "The `ID` scalar type represents a unique identifier, often used to refetch an object "
          "or as key for a cache. The ID type appears in a JSON response as a String; however, it "
          "is not intended to be human-readable. When expected as an input type, any string (such "
          "as `\"4\"`) or integer (such as `4`) input value will be accepted as an ID.",
    "Int": "The `Int` scalar type represents non-fractional signed whole numeric values. Int can "
           "represent values between -(2^31) and 2^31 - 1.",
    "String": "The `String` scalar type represents textual data, represented as UTF-8 character "
              "sequences. The String type is most often used by GraphQL to represent free-form "
              "human-readable text.",
}
TRIVIAL_DESCRIPTIONS = {"No developer notes.", "None.", ""}
ROOT_TYPES = (("query", "Query"), ("mutation", "Mutation"), ("subscription", "Subscription"))

# The ID rule: `id`/`ids` (any case) as the whole name or after `_`, or `Id`/`ID`/`Ids`/`IDs`
# right after a lower-case letter or digit (camelCase word boundary).
ID_RE = re.compile(r"(?:^|_)(?i:ids?)$|(?<=[a-z0-9])I[dD][sS]?$")


def id_rule(name: str) -> bool:
    return bool(ID_RE.search(name))


# --------------------------------------------------------------------------
# GraphQL type strings <-> introspection type references
# --------------------------------------------------------------------------


def parse_type(s: str) -> Any:
    """'[ID!]!' -> ('NON_NULL', ('LIST', ('NON_NULL', 'ID')))."""
    s = s.strip()
    if s.endswith("!"):
        return ("NON_NULL", parse_type(s[:-1]))
    if s.startswith("[") and s.endswith("]"):
        return ("LIST", parse_type(s[1:-1]))
    if not re.fullmatch(r"[_A-Za-z][_0-9A-Za-z]*", s):
        raise ValueError(f"not a GraphQL type: {s!r}")
    return s


def type_str(t: Any) -> str:
    if isinstance(t, str):
        return t
    if t[0] == "NON_NULL":
        return type_str(t[1]) + "!"
    return "[" + type_str(t[1]) + "]"


def base_name(t: Any) -> str:
    while not isinstance(t, str):
        t = t[1]
    return t


def list_depth(t: Any) -> int:
    d = 0
    while not isinstance(t, str):
        d += t[0] == "LIST"
        t = t[1]
    return d


# --------------------------------------------------------------------------
# Model -> per-gateway merged definitions
# --------------------------------------------------------------------------


class Gateway:
    def __init__(self, endpoint: str, gateway_id: str):
        self.endpoint = endpoint
        self.gateway_id = gateway_id
        self.services: List[str] = []
        # name -> {"kind", "description", "fields": OrderedDict(name -> field), "values", "members",
        #          "defined_by": [services]}
        self.types: Dict[str, Dict[str, Any]] = collections.OrderedDict()
        self.roots: Dict[str, Dict[str, Any]] = {k: collections.OrderedDict() for k, _ in ROOT_TYPES}
        self.conflicts: List[Dict[str, Any]] = []
        self.notes: List[str] = []
        self.rule_ids: List[str] = []
        self.placeholders: List[str] = []
        self.evidence_applied: List[Dict[str, Any]] = []
        self.additions: List[Dict[str, Any]] = []


def endpoint_of(service: Dict[str, Any]) -> Tuple[str, str]:
    gw = service.get("gateway_id") or "{}:{}".format(service.get("host", "api"),
                                                    service.get("gateway", "/graphql"))
    if gw in ENDPOINTS:
        return ENDPOINTS[gw], gw
    path = gw.split(":", 1)[-1].strip("/")
    name = re.sub(r"/(query|graphql)$", "", path).replace("/", "-") or "main"
    return name, gw


def real_description(text: Optional[str], name: str) -> Optional[str]:
    if text is None:
        return None
    t = text.strip()
    if t in TRIVIAL_DESCRIPTIONS or t == f"{name}.":
        return None
    return t


def gql_type(ref: Dict[str, Any], name: str, coord: str, gw: Gateway,
             required: bool = False) -> Any:
    """Nullable GraphQL type for a model type reference (ID rule applied on `name`)."""
    def conv(r: Dict[str, Any]) -> Any:
        if "list" in r:
            return ("LIST", conv(r["list"]))
        if "union" in r:
            gw.notes.append(f"{coord}: inline Python Union typed {JSON_SCALAR}")
            return JSON_SCALAR
        n = r.get("name", "Any")
        if n == "str" and id_rule(name):
            return "ID"
        return PY_SCALARS.get(n, n)
    t = conv(ref)
    if base_name(t) == "ID" and ref_base(ref) == "str":
        gw.rule_ids.append(coord)
    if required:
        t = ("NON_NULL", t)
    return t


def ref_base(ref: Dict[str, Any]) -> Optional[str]:
    while "list" in ref:
        ref = ref["list"]
    return ref.get("name")


def richness(t: Any, types: Dict[str, Dict[str, Any]]) -> Tuple[int, int, int]:
    b = base_name(t)
    kind = types.get(b, {}).get("kind")
    rank = (3 if kind in ("OBJECT", "INPUT_OBJECT", "UNION") else 2 if kind == "ENUM"
            else 1 if b in (JSON_SCALAR, "ID") else 0)
    return (list_depth(t), rank, type_str(t).count("!"))


def build_gateways(model: Dict[str, Any]) -> Dict[str, Gateway]:
    gateways: Dict[str, Gateway] = {}
    services = model["services"]
    for sname in sorted(services):
        svc = services[sname]
        ep, gid = endpoint_of(svc)
        gw = gateways.setdefault(ep, Gateway(ep, gid))
        gw.services.append(sname)
        # types (objects / inputs)
        for tname, t in svc.get("types", {}).items():
            kind = t.get("graphql_kind") or (
                "INPUT_OBJECT" if tname.lower().endswith(("input", "inputs")) else "OBJECT")
            d = gw.types.get(tname)
            if d is None:
                d = gw.types[tname] = {"kind": kind, "fields": collections.OrderedDict(),
                                       "description": real_description(t.get("description"), tname),
                                       "defined_by": [], "kind_by_name": True}
            elif d["kind"] != kind:
                gw.conflicts.append({"type": tname, "kind": [d["kind"], kind],
                                     "services": d["defined_by"] + [sname],
                                     "chosen": d["kind"]})
            d["defined_by"].append(sname)
            if t.get("graphql_kind_basis") != "name":
                d["kind_by_name"] = False  # some service reaches it from a root field
            for f in t.get("fields", []):
                fname = f["name"]
                coord = f"{tname}.{fname}"
                ft = gql_type(f["type"], fname, coord, gw)
                cur = d["fields"].get(fname)
                if cur is None:
                    d["fields"][fname] = {
                        "type": ft, "by": {sname: type_str(ft)},
                        "deprecated": bool(f.get("deprecated")),
                        "reason": f.get("deprecation_reason"),
                        "description": real_description(f.get("description"), fname)}
                    continue
                if sname in cur["by"]:  # duplicated declaration inside one dataclass
                    gw.notes.append(f"{coord}: declared twice in {sname}, first kept")
                    continue
                cur["by"][sname] = type_str(ft)
                if f.get("deprecated") and not cur["deprecated"]:
                    cur["deprecated"], cur["reason"] = True, f.get("deprecation_reason")
                if type_str(ft) != type_str(cur["type"]):
                    cur.setdefault("conflict", True)
        for ename, e in svc.get("enums", {}).items():
            d = gw.types.get(ename)
            if d is None:
                d = gw.types[ename] = {"kind": "ENUM", "values": collections.OrderedDict(),
                                       "description": real_description(e.get("description"), ename),
                                       "defined_by": []}
            elif d["kind"] != "ENUM":
                gw.conflicts.append({"type": ename, "kind": [d["kind"], "ENUM"],
                                     "services": d["defined_by"] + [sname], "chosen": d["kind"]})
                continue
            d["defined_by"].append(sname)
            for v in e.get("values", []):
                cur = d["values"].setdefault(v["name"], {"deprecated": False, "reason": None,
                                                         "description": None})
                if v.get("deprecated") and not cur["deprecated"]:
                    cur["deprecated"], cur["reason"] = True, v.get("deprecation_reason")
                if v.get("description"):
                    cur["description"] = cur["description"] or v["description"]
        for uname, u in svc.get("unions", {}).items():
            d = gw.types.get(uname)
            if d is None:
                d = gw.types[uname] = {"kind": "UNION", "members": [], "description": None,
                                       "defined_by": []}
            elif d["kind"] != "UNION":
                gw.conflicts.append({"type": uname, "kind": [d["kind"], "UNION"],
                                     "services": d["defined_by"] + [sname], "chosen": d["kind"]})
                continue
            d["defined_by"].append(sname)
            for m in u.get("members", []):
                if m not in d["members"]:
                    d["members"].append(m)
        # root fields
        for f in svc.get("root_fields", []):
            kind = f.get("kind", "query")
            root = dict(ROOT_TYPES)[kind]
            if f["name"] in gw.roots[kind]:
                gw.notes.append(f"{root}.{f['name']}: defined by several services, first kept "
                                f"({gw.roots[kind][f['name']]['service']}, {sname})")
                continue
            args = collections.OrderedDict()
            for a in f.get("arguments", []):
                coord = f"{root}.{f['name']}({a['name']}:)"
                args[a["name"]] = {"type": gql_type(a.get("type", {"name": "Any"}), a["name"], coord,
                                                    gw, required=bool(a.get("required")))}
            r = f.get("returns", {})
            ret: Any = PY_SCALARS.get(r.get("name") or "Any", r.get("name") or "Any")
            if r.get("name") == "str" and id_rule(f["name"]):
                ret = "ID"
                gw.rule_ids.append(f"{root}.{f['name']}")
            for _ in range(r.get("list_depth", 0)):
                ret = ("LIST", ret)
            gw.roots[kind][f["name"]] = {
                "service": sname, "args": args, "type": ret,
                "deprecated": bool(f.get("deprecated")), "reason": f.get("deprecation_reason"),
                "description": real_description(f.get("description"), f["name"])}
    # resolve field type conflicts: keep the richest, record
    for gw in gateways.values():
        for tname, d in gw.types.items():
            for fname, fd in d.get("fields", {}).items():
                if fd.pop("conflict", False):
                    cands = {s: parse_type(ts) for s, ts in fd["by"].items()}
                    best = max(cands.values(), key=lambda t: richness(t, gw.types))
                    fd["type"] = best
                    gw.conflicts.append({"type": tname, "field": fname, "types": fd["by"],
                                         "chosen": type_str(best)})
    return gateways


# --------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------

COORD_RE = re.compile(r"^([_A-Za-z][_0-9A-Za-z]*)(?:\.([_A-Za-z][_0-9A-Za-z]*)"
                      r"(?:\(([_A-Za-z][_0-9A-Za-z]*):\))?)?$")
KINDS = ("OBJECT", "INPUT_OBJECT")


def load_evidence(path: Optional[str]) -> Tuple[List[Dict[str, Any]], Dict[str, Dict[str, Any]]]:
    """(entries, scalars) of an evidence file; see README.md for the format."""
    if not path:
        return [], {}
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    entries = data.get("entries", []) if isinstance(data, dict) else data
    scalars = {s["name"]: s for s in (data.get("scalars", []) if isinstance(data, dict) else [])}
    for i, e in enumerate(entries):
        m = COORD_RE.match(e.get("coordinate") or "")
        if not m:
            raise SystemExit(f"{path}: entry {i}: bad coordinate {e.get('coordinate')!r}")
        want = ("type",) if m.group(2) else ("kind",)
        for k in want + ("source",):
            if not e.get(k):
                raise SystemExit(f"{path}: entry {i} ({e['coordinate']}) lacks {k!r}")
        if m.group(2):
            parse_type(e["type"])
        elif e["kind"] not in KINDS:
            raise SystemExit(f"{path}: entry {i}: kind must be one of {KINDS}")
    for name, sc in scalars.items():
        if not sc.get("source"):
            raise SystemExit(f"{path}: scalar {name} lacks 'source'")
    return entries, scalars


def load_evidence_additions(path: Optional[str]) -> Dict[str, List[Dict[str, Any]]]:
    if not path:
        return {"types": [], "fields": []}
    with open(path, encoding="utf-8") as fh:
        return load_additions(path, json.load(fh))


ADD_KINDS = ("OBJECT", "INPUT_OBJECT", "ENUM", "SCALAR")
NAME_RE = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


def load_additions(path: str, data: Any) -> Dict[str, List[Dict[str, Any]]]:
    """Validate the ``additions`` section: {"types": [...], "fields": [...]}; see README.md."""
    add = data.get("additions", {}) if isinstance(data, dict) else {}
    types, fields = add.get("types", []), add.get("fields", [])

    def check_field(where: str, f: Dict[str, Any], coord_key: str) -> None:
        for k in (coord_key, "type"):
            if not f.get(k):
                raise SystemExit(f"{path}: {where} lacks {k!r}")
        parse_type(f["type"])
        for a in f.get("args", []):
            if not a.get("name") or not a.get("type") or not NAME_RE.match(a["name"]):
                raise SystemExit(f"{path}: {where}: an argument needs a name and a type")
            parse_type(a["type"])
        if "deprecated" in f and not (isinstance(f["deprecated"], str) and f["deprecated"]):
            raise SystemExit(f"{path}: {where}: 'deprecated' must be a non-empty reason")

    for i, t in enumerate(types):
        where = f"additions.types[{i}] ({t.get('name')})"
        for k in ("name", "kind", "gateway", "source"):
            if not t.get(k):
                raise SystemExit(f"{path}: {where} lacks {k!r}")
        if not NAME_RE.match(t["name"]) or t["kind"] not in ADD_KINDS:
            raise SystemExit(f"{path}: {where}: bad name or kind (one of {ADD_KINDS})")
        if t["kind"] in KINDS:
            if not t.get("fields"):
                raise SystemExit(f"{path}: {where}: an object / input object needs fields")
            for j, f in enumerate(t["fields"]):
                check_field(f"{where} field {j}", f, "name")
                if t["kind"] == "INPUT_OBJECT" and f.get("args"):
                    raise SystemExit(f"{path}: {where}: input fields take no arguments")
        elif t["kind"] == "ENUM" and not t.get("values"):
            raise SystemExit(f"{path}: {where}: an enum needs values")
    for i, f in enumerate(fields):
        where = f"additions.fields[{i}] ({f.get('coordinate')})"
        check_field(where, f, "coordinate")
        m = COORD_RE.match(f["coordinate"])
        if not m or not m.group(2) or m.group(3):
            raise SystemExit(f"{path}: {where}: coordinate must be Type.field")
        for k in ("gateway", "source"):
            if not f.get(k):
                raise SystemExit(f"{path}: {where} lacks {k!r}")
    return {"types": types, "fields": fields}


def _added_field(f: Dict[str, Any], source: str) -> Dict[str, Any]:
    d: Dict[str, Any] = {
        "type": parse_type(f["type"]), "by": {}, "added": source,
        "deprecated": bool(f.get("deprecated")), "reason": f.get("deprecated") or None,
        "description": f.get("description"),
        "args": collections.OrderedDict((a["name"], {"type": parse_type(a["type"]),
                                                      **({"default": a["default"]} if "default" in a else {}),
                                                      **({"description": a["description"]}
                                                         if a.get("description") else {})})
                                        for a in f.get("args", []))}
    if "default" in f:
        d["default"] = f["default"]
    return d


def apply_additions(gateways: Dict[str, Gateway],
                    additions: Dict[str, List[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """Add types, fields and root fields the model lacks. Returns the additions that added
    nothing (unknown gateway, or every name already present); what was added is recorded per
    gateway in ``gw.additions``. The model always wins: an existing field is never replaced."""
    unused: List[Dict[str, Any]] = []
    for t in additions.get("types", []):
        gw = gateways.get(t["gateway"])
        if gw is None:
            unused.append({"type": t["name"], "gateway": t["gateway"], "why": "no such gateway"})
            continue
        d = gw.types.get(t["name"])
        if d is None:
            d = gw.types[t["name"]] = {"kind": t["kind"], "description": t.get("description"),
                                       "defined_by": [], "added": t["source"]}
            if t["kind"] in KINDS:
                d["fields"] = collections.OrderedDict()
            elif t["kind"] == "ENUM":
                d["values"] = collections.OrderedDict()
            if t["kind"] == "SCALAR":
                gw.additions.append({"type": t["name"], "kind": "SCALAR"})
                continue
        elif d["kind"] != t["kind"]:
            raise SystemExit(f"additions: {t['gateway']} {t['name']} is a {d['kind']} in the model, "
                             f"not a {t['kind']}")
        added = []
        for f in t.get("fields", []) if t["kind"] in KINDS else []:
            if f["name"] not in d["fields"]:
                d["fields"][f["name"]] = _added_field(f, f.get("source") or t["source"])
                added.append(f["name"])
        for v in t.get("values", []) if t["kind"] == "ENUM" else []:
            v = v if isinstance(v, dict) else {"name": v}
            if v["name"] not in d["values"]:
                d["values"][v["name"]] = {"deprecated": bool(v.get("deprecated")),
                                          "reason": v.get("deprecated") or None,
                                          "description": v.get("description")}
                added.append(v["name"])
        if added:
            gw.additions.append({"type": t["name"], "kind": t["kind"], "added": added,
                                 "new_type": not d.get("defined_by")})
        else:
            unused.append({"type": t["name"], "gateway": t["gateway"], "why": "already present"})
    for f in additions.get("fields", []):
        tname, fname, _ = COORD_RE.match(f["coordinate"]).groups()
        gw = gateways.get(f["gateway"])
        root_kind = {v: k for k, v in ROOT_TYPES}.get(tname)
        if gw is None:
            unused.append({"coordinate": f["coordinate"], "gateway": f["gateway"],
                           "why": "no such gateway"})
            continue
        if root_kind is not None:
            container = gw.roots[root_kind]
        elif tname in gw.types and gw.types[tname]["kind"] in KINDS:
            container = gw.types[tname]["fields"]
            if gw.types[tname]["kind"] == "INPUT_OBJECT" and f.get("args"):
                raise SystemExit(f"additions: {f['coordinate']}: input fields take no arguments")
        else:
            unused.append({"coordinate": f["coordinate"], "gateway": f["gateway"],
                           "why": "no such object / input object"})
            continue
        if fname in container:
            unused.append({"coordinate": f["coordinate"], "gateway": f["gateway"],
                           "why": "already present"})
            continue
        container[fname] = _added_field(f, f["source"])
        gw.additions.append({"coordinate": f["coordinate"], "type": f["type"],
                             "deprecated": bool(f.get("deprecated"))})
    return unused


def apply_evidence(gateways: Dict[str, Gateway], entries: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    unused = []
    for e in entries:
        tname, fname, arg = COORD_RE.match(e["coordinate"]).groups()
        hit = False
        for ep, gw in sorted(gateways.items()):
            if e.get("gateway") and e["gateway"] != ep:
                continue
            if fname is None:  # a type: its kind (object <-> input object)
                d = gw.types.get(tname)
                if d is None or d["kind"] not in KINDS:
                    continue
                gw.evidence_applied.append({"coordinate": tname, "computed": d["kind"],
                                            "evidence": e["kind"], "changed": d["kind"] != e["kind"]})
                d["kind"] = e["kind"]
                hit = True
                continue
            target = None
            root_kind = {v: k for k, v in ROOT_TYPES}.get(tname)
            if root_kind is not None and fname in gw.roots[root_kind]:
                target = gw.roots[root_kind][fname]
            elif tname in gw.types and fname in gw.types[tname].get("fields", {}):
                target = gw.types[tname]["fields"][fname]
            if target is not None and arg is not None:
                target = target["args"].get(arg) if "args" in target else None
            if target is None:
                continue
            new = parse_type(e["type"])
            before = type_str(target["type"])
            target["type"] = new
            target["evidence"] = e["source"]
            if "default" in e:  # GraphQL literal text of an argument / input field default
                target["default"] = e["default"]
            gw.evidence_applied.append({"coordinate": e["coordinate"], "computed": before,
                                        "evidence": e["type"], "changed": before != e["type"]})
            hit = True
        if not hit:
            unused.append(e)
    return unused


# --------------------------------------------------------------------------
# Introspection output
# --------------------------------------------------------------------------


def type_ref(t: Any, kinds: Dict[str, str]) -> Dict[str, Any]:
    if isinstance(t, str):
        return {"kind": kinds[t], "name": t, "ofType": None}
    return {"kind": t[0], "name": None, "ofType": type_ref(t[1], kinds)}


def load_builtins(path: str) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]], Dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)["data"]["__schema"]
    intro = [t for t in schema["types"] if t["name"].startswith("__")]
    descs = {t["name"]: t["description"] for t in schema["types"]
             if t["kind"] == "SCALAR" and t["name"] in BUILTIN_SCALARS}
    return intro, schema["directives"], descs


def finish_gateway(gw: Gateway, scalars: Optional[Dict[str, Dict[str, Any]]] = None) -> None:
    """Declare missing types, fix empty objects and a missing Query type."""
    referenced: Dict[str, str] = {}

    def ref(t: Any, where: str) -> None:
        b = base_name(t)
        referenced.setdefault(b, where)
    for kind, _ in ROOT_TYPES:
        for fname, f in gw.roots[kind].items():
            ref(f["type"], fname)
            for a in f["args"].values():
                ref(a["type"], fname)
    for tname, d in gw.types.items():
        for f in d.get("fields", {}).values():
            ref(f["type"], tname)
            for a in f.get("args", {}).values():  # only additions give type fields arguments
                ref(a["type"], tname)
        for m in d.get("members", []):
            ref(m, tname)
    for tname, d in list(gw.types.items()):
        if d["kind"] in ("OBJECT", "INPUT_OBJECT") and not d["fields"]:
            gw.notes.append(f"{tname}: no fields in the model, declared as a scalar")
            d.update(kind="SCALAR", description=PLACEHOLDER_DESCRIPTION)
            gw.placeholders.append(tname)
        if d["kind"] == "ENUM" and not d["values"]:
            gw.notes.append(f"{tname}: enum without values, declared as a scalar")
            d.update(kind="SCALAR", description=PLACEHOLDER_DESCRIPTION)
            gw.placeholders.append(tname)
    for name, where in sorted(referenced.items()):
        if name in gw.types or name in BUILTIN_SCALARS or name == JSON_SCALAR:
            continue
        if scalars and name in scalars:  # a custom scalar declared by the evidence file
            gw.types[name] = {"kind": "SCALAR", "description": scalars[name].get("description"),
                              "defined_by": []}
            continue
        gw.types[name] = {"kind": "SCALAR", "description": PLACEHOLDER_DESCRIPTION,
                          "defined_by": []}
        gw.placeholders.append(name)
        gw.notes.append(f"{name}: referenced (by {where}) but not defined, declared as a scalar")
    if JSON_SCALAR in referenced and JSON_SCALAR not in gw.types:
        gw.types[JSON_SCALAR] = {"kind": "SCALAR", "description": JSON_SCALAR_DESCRIPTION,
                                 "defined_by": []}
    for tname, d in gw.types.items():
        if d["kind"] == "UNION":
            bad = [m for m in d["members"] if gw.types.get(m, {}).get("kind") != "OBJECT"]
            if bad:
                gw.notes.append(f"{tname}: union members that are not objects dropped: {bad}")
                d["members"] = [m for m in d["members"] if m not in bad]
    if not gw.roots["query"]:
        gw.roots["query"]["_schemagen"] = {
            "args": {}, "type": "Boolean", "deprecated": False, "reason": None,
            "description": "Placeholder: the model has no query on this gateway."}
        gw.notes.append("no query in the model: placeholder Query._schemagen added")


def render(gw: Gateway, builtins) -> Dict[str, Any]:
    intro, directives, scalar_descs = builtins
    for name in ("Query", "Mutation", "Subscription") + BUILTIN_SCALARS + (JSON_SCALAR,):
        if name in gw.types and gw.types[name].get("defined_by"):
            raise SystemExit(f"{gw.endpoint}: the model defines a type named {name}")
    kinds = {n: d["kind"] for n, d in gw.types.items()}
    kinds.update({s: "SCALAR" for s in BUILTIN_SCALARS})
    kinds[JSON_SCALAR] = "SCALAR"
    for _, root in ROOT_TYPES:
        kinds[root] = "OBJECT"
    used_scalars = {"String", "Boolean"}  # introspection itself uses them

    def tr(t: Any) -> Dict[str, Any]:
        b = base_name(t)
        if b in BUILTIN_SCALARS:
            used_scalars.add(b)
        return type_ref(t, kinds)

    def dep(d: Dict[str, Any]) -> Tuple[bool, Optional[str]]:
        if not d.get("deprecated"):
            return False, None
        return True, d.get("reason") or "No longer supported"

    def input_value(name: str, d: Dict[str, Any]) -> Dict[str, Any]:
        isdep, reason = dep(d)
        if isdep and type_str(d["type"]).endswith("!"):
            gw.notes.append(f"{name}: deprecated and non-null; deprecation dropped")
            isdep, reason = False, None
        return {"defaultValue": d.get("default"), "deprecationReason": reason,
                "description": d.get("description"), "isDeprecated": isdep, "name": name,
                "type": tr(d["type"])}

    def field(name: str, d: Dict[str, Any]) -> Dict[str, Any]:
        isdep, reason = dep(d)
        return {"args": [input_value(a, ad) for a, ad in d.get("args", {}).items()],
                "deprecationReason": reason, "description": d.get("description"),
                "isDeprecated": isdep, "name": name, "type": tr(d["type"])}

    def blank(kind: str, name: str, description: Optional[str]) -> Dict[str, Any]:
        return {"description": description, "enumValues": None, "fields": None,
                "inputFields": None, "interfaces": None, "kind": kind, "name": name,
                "possibleTypes": None}

    types: List[Dict[str, Any]] = []
    for kind, root in ROOT_TYPES:
        if gw.roots[kind]:
            t = blank("OBJECT", root, None)
            t["fields"] = [field(n, f) for n, f in gw.roots[kind].items()]
            t["interfaces"] = []
            types.append(t)
    for name, d in gw.types.items():
        t = blank(d["kind"], name, d.get("description"))
        if d["kind"] == "OBJECT":
            t["fields"] = [field(n, f) for n, f in d["fields"].items()]
            t["interfaces"] = []
        elif d["kind"] == "INPUT_OBJECT":
            t["inputFields"] = [input_value(n, f) for n, f in d["fields"].items()]
        elif d["kind"] == "ENUM":
            t["enumValues"] = []
            for v, vd in d["values"].items():
                isdep, reason = dep(vd)
                t["enumValues"].append({"deprecationReason": reason,
                                        "description": vd.get("description"),
                                        "isDeprecated": isdep, "name": v})
        elif d["kind"] == "UNION":
            t["possibleTypes"] = [{"kind": "OBJECT", "name": m, "ofType": None}
                                  for m in d["members"]]
        types.append(t)
    for s in sorted(used_scalars):
        types.append(blank("SCALAR", s, scalar_descs.get(s, BUILTIN_SCALAR_DESCRIPTIONS[s])))
    types.extend(json.loads(json.dumps(intro)))
    types.sort(key=lambda t: t["name"])
    schema = {
        "directives": json.loads(json.dumps(directives)),
        "mutationType": {"name": "Mutation"} if gw.roots["mutation"] else None,
        "queryType": {"name": "Query"},
        "subscriptionType": {"name": "Subscription"} if gw.roots["subscription"] else None,
        "types": types,
    }
    return {"data": {"__schema": schema}}


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(model: Dict[str, Any], out_dir: str, evidence_path: Optional[str] = None,
              builtins_path: str = DEFAULT_BUILTINS,
              compare: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    gateways = build_gateways(model)
    entries, scalars = load_evidence(evidence_path)
    additions = load_evidence_additions(evidence_path)
    unused_additions = apply_additions(gateways, additions)
    unused = apply_evidence(gateways, entries)
    builtins = load_builtins(builtins_path)
    os.makedirs(out_dir, exist_ok=True)
    report: Dict[str, Any] = {
        "model": {k: model.get("source", {}).get(k) for k in ("distribution", "version", "wheel_sha256")},
        "evidence": {"file": os.path.basename(evidence_path) if evidence_path else None,
                     "entries": len(entries),
                     "unused": [{"coordinate": e["coordinate"], "gateway": e.get("gateway"),
                                 "type": e.get("type") or e.get("kind")} for e in unused],
                     "additions": len(additions["types"]) + len(additions["fields"]),
                     "additions_unused": unused_additions},
        "id_rule": ID_RE.pattern,
        "json_scalar": JSON_SCALAR,
        "gateways": collections.OrderedDict(),
    }
    for ep in sorted(gateways):
        gw = gateways[ep]
        finish_gateway(gw, scalars)
        doc = render(gw, builtins)
        with open(os.path.join(out_dir, f"{ep}.json"), "w", encoding="utf-8") as fh:
            fh.write(dumps(doc))
        if compare and ep in compare:
            prop = propose(ep, compare[ep], doc)
            with open(os.path.join(out_dir, f"proposed-evidence-{ep}.json"), "w",
                      encoding="utf-8") as fh:
                fh.write(dumps(prop))
            report.setdefault("proposals", {})[ep] = {
                "entries": len(prop["entries"]), "scalars": [x["name"] for x in prop["scalars"]],
                "only_in_old": prop["only_in_old"]}
        kinds = collections.Counter(d["kind"] for d in gw.types.values())
        merged = [n for n, d in gw.types.items() if len(d.get("defined_by", [])) > 1]
        conflicting = sorted({c["type"] for c in gw.conflicts})
        applied = gw.evidence_applied
        report["gateways"][ep] = {
            "gateway": gw.gateway_id,
            "services": gw.services,
            "root_fields": {k: len(gw.roots[k]) for k, _ in ROOT_TYPES},
            "deprecated_root_fields": sum(f["deprecated"] for k, _ in ROOT_TYPES
                                          for f in gw.roots[k].values()),
            "types_written": len(doc["data"]["__schema"]["types"]),
            "objects": kinds["OBJECT"], "input_objects": kinds["INPUT_OBJECT"],
            "enums": kinds["ENUM"], "unions": kinds["UNION"],
            "custom_scalars": sorted(n for n, d in gw.types.items() if d["kind"] == "SCALAR"),
            "types_merged": len(merged),
            "kind_guessed_by_name": sorted(n for n, d in gw.types.items() if d.get("kind_by_name")),
            "types_conflicting": len(conflicting),
            "conflicts": gw.conflicts,
            "rule_id_fields": len(set(gw.rule_ids)),
            "rule_id_coordinates": sorted(set(gw.rule_ids)),
            "evidence_applied": len(applied),
            "evidence_changed_type": sum(a["changed"] for a in applied),
            "evidence": applied,
            "additions": gw.additions,
            "placeholders": sorted(gw.placeholders),
            "notes": gw.notes,
        }
    with open(os.path.join(out_dir, "report.json"), "w", encoding="utf-8") as fh:
        fh.write(dumps(report))
    return report


# --------------------------------------------------------------------------
# Proposals: evidence entries that would reproduce another schema's types
# --------------------------------------------------------------------------


def _tstr(ref: Dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return _tstr(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return "[" + _tstr(ref["ofType"]) + "]"
    return ref["name"]


def _coords(schema: Dict[str, Any]) -> Tuple[Dict[str, Tuple[str, Any]], Dict[str, Dict[str, Any]]]:
    """{coordinate: (type string, default)} for every field, input field and argument;
    {name: type}."""
    out: Dict[str, Tuple[str, Any]] = {}
    types = {t["name"]: t for t in schema["types"] if not t["name"].startswith("__")}
    for t in types.values():
        for f in t.get("fields") or []:
            out[f"{t['name']}.{f['name']}"] = (_tstr(f["type"]), None)
            for a in f.get("args") or []:
                out[f"{t['name']}.{f['name']}({a['name']}:)"] = (_tstr(a["type"]), a.get("defaultValue"))
        for f in t.get("inputFields") or []:
            out[f"{t['name']}.{f['name']}"] = (_tstr(f["type"]), f.get("defaultValue"))
    return out, types


def propose(endpoint: str, old_path: str, new_doc: Dict[str, Any]) -> Dict[str, Any]:
    """Evidence entries that make NEW agree with OLD wherever both have the coordinate."""
    with open(old_path, encoding="utf-8") as fh:
        old = json.load(fh)["data"]["__schema"]
    new = new_doc["data"]["__schema"]
    oc, ot = _coords(old)
    nc, nt = _coords(new)
    src = f"{os.path.basename(old_path)} (hand-made, see tools/schemagen/handmade-provenance.md)"
    entries, scalars = [], {}
    for name in sorted(set(ot) & set(nt)):
        if ot[name]["kind"] != nt[name]["kind"] and {ot[name]["kind"], nt[name]["kind"]} <= set(KINDS):
            entries.append({"coordinate": name, "gateway": endpoint, "kind": ot[name]["kind"],
                            "source": src})
    for c in sorted(set(oc) & set(nc)):
        if oc[c] != nc[c]:
            e = {"coordinate": c, "gateway": endpoint, "type": oc[c][0], "source": src,
                 "generated": nc[c][0]}
            if oc[c][1] is not None:
                e["default"] = oc[c][1]
            entries.append(e)
            b = base_name(parse_type(oc[c][0]))
            if ot.get(b, {}).get("kind") == "SCALAR" and b not in BUILTIN_SCALARS and b not in nt:
                scalars[b] = {"name": b, "description": ot[b].get("description"), "source": src}
    return {"entries": entries, "scalars": sorted(scalars.values(), key=lambda x: x["name"]),
            "only_in_old": sorted(set(oc) - set(nc)) + sorted(set(ot) - set(nt) - set(scalars))}


def print_report(report: Dict[str, Any], out=sys.stdout) -> None:
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(f"{'endpoint':18} {'q/m/s':>12} {'types':>6} {'obj':>5} {'input':>5} {'enum':>5} "
      f"{'union':>5} {'merged':>6} {'confl':>5} {'ID-rule':>7} {'evid':>4}")
    for ep, g in report["gateways"].items():
        r = g["root_fields"]
        p(f"{ep:18} {r['query']:>4}/{r['mutation']:>3}/{r['subscription']:>3} "
          f"{g['types_written']:>6} {g['objects']:>5} {g['input_objects']:>5} {g['enums']:>5} "
          f"{g['unions']:>5} {g['types_merged']:>6} {g['types_conflicting']:>5} "
          f"{g['rule_id_fields']:>7} {g['evidence_applied']:>4}")
        for c in g["conflicts"]:
            p(f"  conflict {c}")
        if g["placeholders"]:
            p(f"  placeholders: {', '.join(g['placeholders'])}")
        for n in g["notes"]:
            p(f"  note: {n}")
    ev = report["evidence"]
    p(f"evidence: {ev['entries']} entries, unused: {len(ev['unused'])}; additions: "
      f"{ev.get('additions', 0)}, unused: {len(ev.get('additions_unused', []))}")
    for u in ev.get("additions_unused", []):
        p(f"  addition unused: {u.get('coordinate') or u.get('type')} ({u['gateway']}): {u['why']}")
    for u in ev["unused"]:
        p(f"  unused: {u['coordinate']} ({u['gateway'] or 'any gateway'})")
    for ep, pr in report.get("proposals", {}).items():
        p(f"proposed evidence for {ep}: {pr['entries']} entries, scalars {pr['scalars']}, "
          f"only in the compared schema: {pr['only_in_old']}")


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model.json written by extract.py")
    ap.add_argument("out_dir", help="directory for <endpoint>.json and report.json")
    ap.add_argument("--evidence", help="evidence JSON (see README.md)")
    ap.add_argument("--builtins", default=DEFAULT_BUILTINS,
                    help="introspection file to copy directives and __ types from (default %(default)s)")
    ap.add_argument("--compare", action="append", default=[], metavar="ENDPOINT=FILE",
                    help="also write OUT_DIR/proposed-evidence-ENDPOINT.json: evidence entries that "
                         "would make the generated schema agree with FILE (repeatable)")
    ap.add_argument("--quiet", action="store_true", help="do not print the report")
    args = ap.parse_args(argv)
    with open(args.model, encoding="utf-8") as fh:
        model = json.load(fh)
    compare = dict(c.split("=", 1) for c in args.compare)
    report = write_all(model, args.out_dir, args.evidence, args.builtins, compare)
    if not args.quiet:
        print_report(report)
        print(f"wrote {len(report['gateways'])} schemas and report.json to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
