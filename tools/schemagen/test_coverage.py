"""Unit tests for coverage.py: tiny inline models and schemas, no network, no wheel.

    python3 -m unittest tools/schemagen/test_coverage.py
"""

import contextlib
import copy
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import coverage as cov  # noqa: E402

S = {"name": "str", "optional": True}


def field(name, deprecated=None):
    f = {"name": name, "python_name": name, "type": S, "deprecated": bool(deprecated)}
    if deprecated:
        f["deprecation_reason"] = deprecated
    return f


def arg(name):
    return {"name": name, "python_name": name, "type": S, "required": False}


MODEL = {
    "source": {"distribution": "taegis-sdk-python", "version": "test"},
    "services": {
        "a": {
            "gateway_id": "api:/graphql",
            "root_fields": [
                {"name": "widget", "kind": "query", "deprecated": False,
                 "arguments": [arg("id"), arg("tenantID")]},
                {"name": "oldWidget", "kind": "query", "deprecated": True,
                 "deprecation_reason": "use widget", "arguments": []},
                {"name": "addWidget", "kind": "mutation", "deprecated": False,
                 "arguments": [arg("input")]},
            ],
            "types": {
                "Widget": {"fields": [field("id"), field("name", deprecated="use label")],
                           "graphql_kind": "OBJECT", "graphql_kind_basis": "usage"},
                "WidgetInput": {"fields": [field("name")], "graphql_kind": "INPUT_OBJECT",
                                "graphql_kind_basis": "usage"},
                "Unused": {"fields": [field("x")], "graphql_kind": "OBJECT",
                           "graphql_kind_basis": "name"},
            },
            "enums": {"Color": {"values": [{"name": "RED"}, {"name": "Green"}]}},
            "unions": {"Thing": {"members": ["Widget"]}},
        },
        # a second projection of Widget on the same gateway: merged (one more field)
        "b": {
            "gateway_id": "api:/graphql",
            "root_fields": [],
            "types": {"Widget": {"fields": [field("id"), field("color")],
                                 "graphql_kind": "OBJECT", "graphql_kind_basis": "usage"}},
            "enums": {}, "unions": {},
        },
        "t": {
            "gateway_id": "tenants:/public/query",
            "root_fields": [{"name": "tenant", "kind": "query", "deprecated": False,
                             "arguments": [arg("id")]}],
            "types": {}, "enums": {}, "unions": {},
        },
    },
}


def tref(name, kind="SCALAR"):
    return {"kind": kind, "name": name, "ofType": None}


def sfield(name, args=(), deprecated=None):
    return {"name": name, "args": [{"name": a, "type": tref("String")} for a in args],
            "type": tref("String"), "isDeprecated": deprecated is not None,
            "deprecationReason": deprecated}


def stype(kind, name, **kw):
    t = {"kind": kind, "name": name, "fields": None, "inputFields": None, "enumValues": None,
         "possibleTypes": None}
    t.update(kw)
    return t


def main_schema():
    return {"data": {"__schema": {
        "queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"},
        "subscriptionType": None,
        "types": [
            stype("OBJECT", "Query", fields=[sfield("widget", ["id", "tenantID"]),
                                             sfield("oldWidget", deprecated="use widget")]),
            stype("OBJECT", "Mutation", fields=[sfield("addWidget", ["input"])]),
            stype("OBJECT", "Widget", fields=[sfield("id"), sfield("name", deprecated="use label"),
                                              sfield("color")]),
            stype("INPUT_OBJECT", "WidgetInput",
                  inputFields=[{"name": "name", "type": tref("String"), "isDeprecated": False,
                                "deprecationReason": None}]),
            # kind guessed by name in the model: evidence may have turned it into an input
            stype("INPUT_OBJECT", "Unused",
                  inputFields=[{"name": "x", "type": tref("String"), "isDeprecated": False,
                                "deprecationReason": None}]),
            stype("ENUM", "Color", enumValues=[
                {"name": "RED", "isDeprecated": False, "deprecationReason": None},
                {"name": "Green", "isDeprecated": False, "deprecationReason": None}]),
            stype("UNION", "Thing", possibleTypes=[tref("Widget", "OBJECT")]),
        ]}}}


def tenants_schema():
    return {"__schema": {"queryType": {"name": "Query"}, "types": [
        stype("OBJECT", "Query", fields=[sfield("tenant", ["id"])])]}}


def find(types, name):
    return next(t for t in types if t["name"] == name)


def run(schemas=None, model=MODEL):
    schemas = schemas or {"main": main_schema(), "tenants": tenants_schema()}
    return cov.coverage(model, {ep: cov.Schema(doc) for ep, doc in schemas.items()})


def missing(result, kind):
    return [(m["endpoint"], m["coordinate"], m["reason"]) for m in result[kind]["missing"]]


class CoverageTest(unittest.TestCase):
    def test_complete(self):
        r = run()
        totals = {k: (e["total"], e["present"]) for k, e in r.items()}
        self.assertEqual(totals, {
            "root fields": (4, 4), "arguments": (4, 4),
            "types": (5, 5),  # Widget merged: one fact for two services
            "fields": (5, 5),  # Widget.id once, Widget.color from service b
            "enum values": (2, 2), "union members": (1, 1), "deprecations": (2, 2)})
        self.assertTrue(all(e["percent"] == 100.0 for e in r.values()))
        widget = next(f for f in cov.model_facts(MODEL)["fields"].values()
                      if f.coordinate == "Widget.id")
        self.assertEqual(widget.services, ["a", "b"])

    def test_missing_root_field_and_its_arguments(self):
        s = main_schema()
        q = find(s["data"]["__schema"]["types"], "Query")
        q["fields"] = [f for f in q["fields"] if f["name"] != "widget"]
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual(missing(r, "root fields"),
                         [("main", "Query.widget", "field Query.widget absent")])
        self.assertEqual([m[1] for m in missing(r, "arguments")],
                         ["Query.widget(id:)", "Query.widget(tenantID:)"])
        self.assertEqual(r["root fields"]["percent"], 75.0)

    def test_missing_argument(self):
        s = main_schema()
        find(find(s["data"]["__schema"]["types"], "Query")["fields"], "widget")["args"].pop()
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual(missing(r, "arguments"),
                         [("main", "Query.widget(tenantID:)", "argument tenantID absent")])
        self.assertEqual(missing(r, "root fields"), [])

    def test_missing_field_of_merged_type(self):
        s = main_schema()
        w = find(s["data"]["__schema"]["types"], "Widget")
        w["fields"] = [f for f in w["fields"] if f["name"] != "color"]
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual(missing(r, "fields"),
                         [("main", "Widget.color", "field Widget.color absent")])
        self.assertEqual(r["fields"]["missing"][0]["services"], ["b"])

    def test_missing_input_field(self):
        s = main_schema()
        find(s["data"]["__schema"]["types"], "WidgetInput")["inputFields"] = [
            {"name": "other", "type": tref("String")}]
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual([m[1] for m in missing(r, "fields")], ["WidgetInput.name"])

    def test_missing_enum_value(self):
        s = main_schema()
        find(s["data"]["__schema"]["types"], "Color")["enumValues"].pop()
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual(missing(r, "enum values"), [("main", "Color.Green", "value absent")])

    def test_missing_union_member(self):
        s = main_schema()
        find(s["data"]["__schema"]["types"], "Thing")["possibleTypes"] = []
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual(missing(r, "union members"), [("main", "Thing|Widget", "member absent")])

    def test_missing_deprecation(self):
        s = main_schema()
        name = find(find(s["data"]["__schema"]["types"], "Widget")["fields"], "name")
        name.update(isDeprecated=False, deprecationReason=None)
        old = find(find(s["data"]["__schema"]["types"], "Query")["fields"], "oldWidget")
        old["deprecationReason"] = "No longer supported"
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual(missing(r, "deprecations"), [
            ("main", "Query.oldWidget",
             'reason "No longer supported", model says "use widget"'),
            ("main", "Widget.name", "not deprecated")])
        self.assertEqual(missing(r, "fields"), [])

    def test_enum_value_deprecation(self):
        model = copy.deepcopy(MODEL)
        model["services"]["a"]["enums"]["Color"]["values"][0].update(
            deprecated=True, deprecation_reason="use Green")
        r = run(model=model)
        self.assertEqual(missing(r, "deprecations"),
                         [("main", "Color.RED", "not deprecated")])
        s = main_schema()
        find(s["data"]["__schema"]["types"], "Color")["enumValues"][0].update(
            isDeprecated=True, deprecationReason="use Green")
        self.assertEqual(missing(run({"main": s, "tenants": tenants_schema()}, model),
                                 "deprecations"), [])

    def test_type_kind(self):
        s = main_schema()
        types = s["data"]["__schema"]["types"]
        find(types, "WidgetInput")["kind"] = "OBJECT"
        find(types, "WidgetInput")["fields"] = find(types, "WidgetInput")["inputFields"]
        types.remove(find(types, "Thing"))
        r = run({"main": s, "tenants": tenants_schema()})
        self.assertEqual(missing(r, "types"), [
            ("main", "WidgetInput", "kind OBJECT, model says INPUT_OBJECT"),
            ("main", "Thing", "type absent")])
        self.assertEqual(missing(r, "union members"),
                         [("main", "Thing|Widget", "union Thing absent")])

    def test_gateway_matters(self):
        # tenant on main instead of tenants: still missing from its own gateway's schema
        s = main_schema()
        find(s["data"]["__schema"]["types"], "Query")["fields"].append(sfield("tenant", ["id"]))
        r = run({"main": s})
        self.assertEqual(missing(r, "root fields"),
                         [("tenants", "Query.tenant", "no tenants schema given")])

    def test_cli(self):
        with tempfile.TemporaryDirectory() as d:
            paths = {}
            for name, doc in (("model", MODEL), ("main", main_schema()),
                              ("tenants", tenants_schema())):
                paths[name] = os.path.join(d, f"{name}.json")
                with open(paths[name], "w") as fh:
                    json.dump(doc, fh)

            def cli(*argv):
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    code = cov.main(list(argv))
                return code, out.getvalue()

            code, text = cli(paths["model"], paths["main"], paths["tenants"])
            self.assertEqual(code, 0, text)
            self.assertIn("fields                5        5  100.00%", text)
            # only main: tenants' root field and argument are missing (1 of 4 each)
            code, text = cli(paths["model"], paths["main"], "--json")
            self.assertEqual(code, 1)
            doc = json.loads(text)
            self.assertFalse(doc["ok"])
            self.assertEqual(doc["below_min"], ["root fields", "arguments"])
            self.assertEqual(doc["kinds"]["root fields"]["percent"], 75.0)
            code, text = cli(paths["model"], paths["main"], "--min", "75")
            self.assertEqual(code, 0, text)
            self.assertIn("missing root fields (1):", text)
            self.assertIn("tenants: Query.tenant: no tenants schema given (t)", text)
            code, _ = cli(paths["model"], paths["main"], "--min", "75.01")
            self.assertEqual(code, 1)
            # ENDPOINT=FILE for another file name; unknown names are refused
            code, _ = cli(paths["model"], paths["main"], f"tenants={paths['main']}")
            self.assertEqual(code, 1)
            with contextlib.redirect_stderr(io.StringIO()):
                code, _ = cli(paths["model"], paths["model"])
            self.assertEqual(code, 2)

    def test_percent_rounds_down(self):
        self.assertEqual(cov.percent(9999, 10000), 99.99)
        self.assertEqual(cov.percent(99999, 100000), 99.99)
        self.assertEqual(cov.percent(0, 0), 100.0)


if __name__ == "__main__":
    unittest.main()
