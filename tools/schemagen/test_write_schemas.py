"""Unit tests for write_schemas.py: a tiny inline model, no network, no wheel.

    python3 -m unittest tools/schemagen/test_write_schemas.py
"""

import copy
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import write_schemas as ws  # noqa: E402

S = lambda: {"name": "str", "optional": True}  # noqa: E731


def field(name, ref, **kw):
    return dict({"name": name, "python_name": name, "type": ref, "deprecated": False}, **kw)


def arg(name, ref, required):
    return {"name": name, "python_name": name, "type": ref, "required": required}


def ret(name, depth=0):
    return {"name": name, "list_depth": depth}


def service(gateway_id, root_fields, types=None, enums=None, unions=None):
    return {"gateway_id": gateway_id, "root_fields": root_fields, "types": types or {},
            "enums": enums or {}, "unions": unions or {}}


MODEL = {
    "source": {"distribution": "taegis-sdk-python", "version": "test"},
    "services": {
        # two projections of Widget on /graphql: merged field by field
        "alpha": service("api:/graphql", [
            {"name": "widget", "kind": "query", "description": "Get a widget.", "deprecated": False,
             "arguments": [arg("id", {"name": "str", "optional": False}, True),
                           arg("ownerIDs", {"list": {"name": "str"}, "optional": True}, False),
                           arg("userIDs", {"list": {"name": "str"}, "optional": True}, False),
                           arg("paid", {"name": "str"}, False)],
             "returns": ret("Widget")},
            {"name": "widgets", "kind": "query", "description": "No developer notes.",
             "deprecated": True, "deprecation_reason": "use widget",
             "arguments": [], "returns": ret("Widget", 1)},
            {"name": "saveWidget", "kind": "mutation", "description": None, "deprecated": False,
             "arguments": [arg("input", {"name": "WidgetInput"}, True)],
             "returns": ret("Gadget")},
        ], types={
            "Widget": {"description": "Widget.", "graphql_kind": "OBJECT", "fields": [
                field("id", S()), field("name", S()),
                field("color", {"name": "Color", "optional": True}),
                field("extra", {"name": "dict", "optional": True}),
                field("old_name", S(), deprecated=True, deprecation_reason="use name")]},
            "WidgetInput": {"description": "WidgetInput.", "graphql_kind": "INPUT_OBJECT",
                            "fields": [field("name", S()), field("tenant_id", S())]},
        }, enums={
            "Color": {"description": "Color.", "values": [
                {"name": "RED"}, {"name": "BLUE", "deprecated": True,
                                  "deprecation_reason": "no more blue"}]},
        }),
        "beta": service("api:/graphql", [
            {"name": "widgetCount", "kind": "query", "description": None, "deprecated": False,
             "arguments": [], "returns": ret("int")},
        ], types={
            "Widget": {"description": "Widget.", "graphql_kind": "OBJECT", "fields": [
                field("id", S()), field("size", {"name": "int", "optional": True}),
                field("name", {"name": "Label", "optional": True})]},
            "Label": {"description": "Label.", "graphql_kind": "OBJECT",
                      "fields": [field("text", S())]},
        }),
        "gamma": service("tenants:/public/query", [
            {"name": "ping", "kind": "query", "description": None, "deprecated": False,
             "arguments": [], "returns": ret("bool")},
        ]),
    },
}

EVIDENCE = {
    "entries": [
        {"coordinate": "Query.widget(userIDs:)", "gateway": "main", "type": "[String!]",
         "source": "test"},
        {"coordinate": "Widget.id", "type": "ID!", "source": "test"},
        {"coordinate": "Nowhere.field", "type": "Int", "source": "test"},
    ],
}


def find(schema, name):
    return next(t for t in schema["types"] if t["name"] == name)


def tstr(ref):
    return ws._tstr(ref)


class WriteSchemasTest(unittest.TestCase):
    def run_writer(self, model=MODEL, evidence=EVIDENCE):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        ev = None
        if evidence is not None:
            ev = os.path.join(tmp.name, "evidence.json")
            with open(ev, "w") as fh:
                json.dump(evidence, fh)
        out = os.path.join(tmp.name, "out")
        report = ws.write_all(copy.deepcopy(model), out, ev)
        docs = {}
        for f in sorted(os.listdir(out)):
            with open(os.path.join(out, f)) as fh:
                docs[f] = fh.read()
        return report, docs

    def schema(self, docs, ep="main"):
        return json.loads(docs[f"{ep}.json"])["data"]["__schema"]

    def test_one_file_per_gateway_and_root_types(self):
        report, docs = self.run_writer()
        self.assertEqual(sorted(docs), ["main.json", "report.json", "tenants.json"])
        main, tenants = self.schema(docs), self.schema(docs, "tenants")
        self.assertEqual(main["queryType"], {"name": "Query"})
        self.assertEqual(main["mutationType"], {"name": "Mutation"})
        self.assertIsNone(main["subscriptionType"])
        self.assertIsNone(tenants["mutationType"])  # no mutations: no Mutation type
        self.assertNotIn("Mutation", [t["name"] for t in tenants["types"]])
        self.assertEqual(report["gateways"]["main"]["root_fields"],
                         {"query": 3, "mutation": 1, "subscription": 0})

    def test_nullable_by_default(self):
        _, docs = self.run_writer(evidence=None)
        main = self.schema(docs)
        q = {f["name"]: f for f in find(main, "Query")["fields"]}
        self.assertEqual(tstr(q["widgets"]["type"]), "[Widget]")
        self.assertEqual(tstr(q["widgetCount"]["type"]), "Int")
        w = {f["name"]: tstr(f["type"]) for f in find(main, "Widget")["fields"]}
        self.assertEqual(w["size"], "Int")
        self.assertEqual(w["color"], "Color")
        self.assertFalse(any(v.endswith("!") for v in w.values()))

    def test_required_argument_is_non_null(self):
        _, docs = self.run_writer(evidence=None)
        q = {f["name"]: f for f in find(self.schema(docs), "Query")["fields"]}
        args = {a["name"]: tstr(a["type"]) for a in q["widget"]["args"]}
        self.assertEqual(args["id"], "ID!")
        self.assertEqual(args["paid"], "String")  # `paid` ends in "id" but not after a boundary
        m = {f["name"]: f for f in find(self.schema(docs), "Mutation")["fields"]}
        self.assertEqual(tstr(m["saveWidget"]["args"][0]["type"]), "WidgetInput!")

    def test_id_rule(self):
        for name in ("id", "ids", "ID", "iDs", "tenant_id", "tenant_ids", "tenantId", "tenantID",
                     "userIDs", "roleIds", "host2Id"):
            self.assertTrue(ws.id_rule(name), name)
        for name in ("paid", "valid", "uuid", "GUID", "idea", "identity", "width", "android"):
            self.assertFalse(ws.id_rule(name), name)
        _, docs = self.run_writer(evidence=None)
        main = self.schema(docs)
        q = {f["name"]: f for f in find(main, "Query")["fields"]}
        args = {a["name"]: tstr(a["type"]) for a in q["widget"]["args"]}
        self.assertEqual(args["ownerIDs"], "[ID]")
        self.assertEqual(args["userIDs"], "[ID]")
        inp = {f["name"]: tstr(f["type"]) for f in find(main, "WidgetInput")["inputFields"]}
        self.assertEqual(inp["tenant_id"], "ID")
        self.assertEqual(inp["name"], "String")

    def test_evidence_overrides_rule(self):
        report, docs = self.run_writer()
        main = self.schema(docs)
        q = {f["name"]: f for f in find(main, "Query")["fields"]}
        args = {a["name"]: tstr(a["type"]) for a in q["widget"]["args"]}
        self.assertEqual(args["userIDs"], "[String!]")  # evidence, not the rule
        self.assertEqual(args["ownerIDs"], "[ID]")  # the rule
        w = {f["name"]: tstr(f["type"]) for f in find(main, "Widget")["fields"]}
        self.assertEqual(w["id"], "ID!")
        g = report["gateways"]["main"]
        self.assertEqual(g["evidence_applied"], 2)
        self.assertEqual([u["coordinate"] for u in report["evidence"]["unused"]], ["Nowhere.field"])

    def test_evidence_kind_and_scalar(self):
        ev = {"entries": [{"coordinate": "Widget.name", "type": "Time", "source": "t"},
                          {"coordinate": "WidgetInput.name", "type": "String", "default": "\"x\"",
                           "source": "t"},
                          {"coordinate": "Label", "kind": "INPUT_OBJECT", "source": "t"}],
              "scalars": [{"name": "Time", "description": "RFC 3339", "source": "t"}]}
        report, docs = self.run_writer(evidence=ev)
        main = self.schema(docs)
        self.assertEqual(find(main, "Time")["description"], "RFC 3339")
        self.assertEqual(find(main, "Label")["kind"], "INPUT_OBJECT")
        self.assertNotIn("Time", report["gateways"]["main"]["placeholders"])
        name = find(main, "WidgetInput")["inputFields"][0]
        self.assertEqual((name["name"], name["defaultValue"]), ("name", '"x"'))

    def test_merge_of_two_projections(self):
        report, docs = self.run_writer(evidence=None)
        main = self.schema(docs)
        w = find(main, "Widget")
        self.assertEqual([f["name"] for f in w["fields"]],
                         ["id", "name", "color", "extra", "old_name", "size"])
        names = {f["name"]: tstr(f["type"]) for f in w["fields"]}
        self.assertEqual(names["name"], "Label")  # richer than String
        self.assertEqual(names["extra"], ws.JSON_SCALAR)
        self.assertEqual(find(main, ws.JSON_SCALAR)["kind"], "SCALAR")
        g = report["gateways"]["main"]
        self.assertEqual(g["types_merged"], 1)
        self.assertEqual(g["types_conflicting"], 1)
        self.assertEqual(g["conflicts"], [{"type": "Widget", "field": "name", "chosen": "Label",
                                           "types": {"alpha": "String", "beta": "Label"}}])
        old = next(f for f in w["fields"] if f["name"] == "old_name")
        self.assertTrue(old["isDeprecated"])
        self.assertEqual(old["deprecationReason"], "use name")

    def test_enum_and_root_deprecation_and_descriptions(self):
        _, docs = self.run_writer(evidence=None)
        main = self.schema(docs)
        vals = {v["name"]: v for v in find(main, "Color")["enumValues"]}
        self.assertFalse(vals["RED"]["isDeprecated"])
        self.assertTrue(vals["BLUE"]["isDeprecated"])
        self.assertEqual(vals["BLUE"]["deprecationReason"], "no more blue")
        q = {f["name"]: f for f in find(main, "Query")["fields"]}
        self.assertTrue(q["widgets"]["isDeprecated"])
        self.assertEqual(q["widgets"]["deprecationReason"], "use widget")
        self.assertEqual(q["widget"]["description"], "Get a widget.")
        self.assertIsNone(q["widgets"]["description"])  # "No developer notes." dropped
        self.assertIsNone(find(main, "Widget")["description"])  # "Widget." dropped

    def test_missing_type_declared(self):
        report, docs = self.run_writer(evidence=None)
        main = self.schema(docs)
        gadget = find(main, "Gadget")
        self.assertEqual(gadget["kind"], "SCALAR")
        self.assertEqual(report["gateways"]["main"]["placeholders"], ["Gadget"])
        # every referenced named type exists
        names = {t["name"] for t in main["types"]}

        def base(r):
            return base(r["ofType"]) if r["ofType"] else r["name"]
        for t in main["types"]:
            for f in (t["fields"] or []) + (t["inputFields"] or []):
                self.assertIn(base(f["type"]), names)
                for a in f.get("args") or []:
                    self.assertIn(base(a["type"]), names)

    def test_types_sorted_and_canonical(self):
        _, docs = self.run_writer()
        main = self.schema(docs)
        names = [t["name"] for t in main["types"]]
        self.assertEqual(names, sorted(names))
        self.assertIn("__Schema", names)
        self.assertIn("deprecated", [d["name"] for d in main["directives"]])
        text = docs["main.json"]
        self.assertEqual(text, json.dumps(json.loads(text), indent=2, sort_keys=True,
                                          ensure_ascii=False) + "\n")

    def test_deterministic(self):
        _, a = self.run_writer()
        _, b = self.run_writer()
        self.assertEqual(a, b)
        shuffled = copy.deepcopy(MODEL)
        shuffled["services"] = dict(reversed(list(shuffled["services"].items())))
        _, c = self.run_writer(model=shuffled)
        self.assertEqual(a, c)

    ADDITIONS = {
        "types": [
            {"name": "Gizmo", "kind": "OBJECT", "gateway": "main", "source": "guide X",
             "fields": [{"name": "id", "type": "ID!"},
                        {"name": "parts", "type": "[Part]",
                         "args": [{"name": "first", "type": "Int", "default": "10"}]}]},
            {"name": "Part", "kind": "OBJECT", "gateway": "main", "source": "guide X",
             "fields": [{"name": "label", "type": "String"}]},
            {"name": "GizmoState", "kind": "ENUM", "gateway": "main", "source": "guide X",
             "values": ["ON", {"name": "OFF", "deprecated": "gone"}]},
            {"name": "Stamp", "kind": "SCALAR", "gateway": "main", "source": "guide X",
             "description": "a stamp"},
            {"name": "Color", "kind": "ENUM", "gateway": "main", "source": "guide Y",
             "values": ["RED", "GREEN"]},
            {"name": "Widget", "kind": "OBJECT", "gateway": "main", "source": "guide Y",
             "fields": [{"name": "name", "type": "Int"}, {"name": "weight", "type": "Float"}]},
            {"name": "Ghost", "kind": "OBJECT", "gateway": "nowhere", "source": "s",
             "fields": [{"name": "x", "type": "Int"}]},
        ],
        "fields": [
            {"coordinate": "Query.gizmo", "gateway": "main", "type": "Gizmo",
             "args": [{"name": "id", "type": "ID!"}, {"name": "at", "type": "Stamp"}],
             "deprecated": "legacy: corpus/x.graphql", "description": "Old API.",
             "source": "corpus/x.graphql"},
            {"coordinate": "Subscription.gizmoChanged", "gateway": "main", "type": "Gizmo",
             "source": "corpus/y.graphql"},
            {"coordinate": "WidgetInput.state", "gateway": "main", "type": "GizmoState",
             "default": "ON", "source": "guide X"},
            {"coordinate": "Widget.id", "gateway": "main", "type": "Int", "source": "s"},
            {"coordinate": "Nowhere.x", "gateway": "main", "type": "Int", "source": "s"},
        ],
    }

    def test_additions(self):
        ev = copy.deepcopy(EVIDENCE)
        ev["additions"] = self.ADDITIONS
        ev["entries"].append({"coordinate": "Gizmo.id", "type": "String!", "source": "t"})
        report, docs = self.run_writer(evidence=ev)
        main = self.schema(docs)
        g = find(main, "Gizmo")
        self.assertEqual(g["kind"], "OBJECT")
        f = {x["name"]: x for x in g["fields"]}
        self.assertEqual(tstr(f["id"]["type"]), "String!")  # evidence entries apply to additions
        self.assertEqual([(a["name"], a["defaultValue"]) for a in f["parts"]["args"]],
                         [("first", "10")])
        self.assertEqual(find(main, "Stamp")["description"], "a stamp")
        self.assertNotIn("Stamp", report["gateways"]["main"]["placeholders"])
        st = {v["name"]: v for v in find(main, "GizmoState")["enumValues"]}
        self.assertTrue(st["OFF"]["isDeprecated"])
        self.assertEqual(st["OFF"]["deprecationReason"], "gone")
        q = {x["name"]: x for x in find(main, "Query")["fields"]}
        self.assertTrue(q["gizmo"]["isDeprecated"])
        self.assertEqual(q["gizmo"]["deprecationReason"], "legacy: corpus/x.graphql")
        self.assertEqual(q["gizmo"]["description"], "Old API.")
        self.assertEqual([(a["name"], tstr(a["type"])) for a in q["gizmo"]["args"]],
                         [("id", "ID!"), ("at", "Stamp")])
        self.assertEqual(main["subscriptionType"], {"name": "Subscription"})
        inp = {x["name"]: x for x in find(main, "WidgetInput")["inputFields"]}
        self.assertEqual((tstr(inp["state"]["type"]), inp["state"]["defaultValue"]),
                         ("GizmoState", "ON"))
        # existing types: only missing fields / values are added, the model wins
        self.assertEqual([v["name"] for v in find(main, "Color")["enumValues"]],
                         ["RED", "BLUE", "GREEN"])
        w = {x["name"]: tstr(x["type"]) for x in find(main, "Widget")["fields"]}
        self.assertEqual(w["weight"], "Float")
        self.assertEqual(w["name"], "Label")
        self.assertEqual(w["id"], "ID!")
        unused = report["evidence"]["additions_unused"]
        self.assertEqual(sorted(u.get("coordinate") or u["type"] for u in unused),
                         ["Ghost", "Nowhere.x", "Widget.id"])
        self.assertEqual(report["evidence"]["additions"], 12)
        self.assertIn({"coordinate": "Query.gizmo", "type": "Gizmo", "deprecated": True},
                      report["gateways"]["main"]["additions"])
        self.assertNotIn("Gizmo", [t["name"] for t in self.schema(docs, "tenants")["types"]])

    def test_additions_nested_inputs_and_a_type_added_twice(self):
        # The legacy orchestration shape: input objects nesting added input objects and an
        # added enum, used as a non-null root argument; a second entry for a new object type
        # adds its missing fields after the first.
        add = {
            "types": [
                {"name": "Mode", "kind": "ENUM", "gateway": "main", "values": ["A", "B"],
                 "source": "s"},
                {"name": "OuterInput", "kind": "INPUT_OBJECT", "gateway": "main", "source": "s",
                 "fields": [{"name": "name", "type": "String!"},
                            {"name": "inner", "type": "InnerInput!"},
                            {"name": "many", "type": "[InnerInput]"},
                            {"name": "modes", "type": "[Mode!]"}]},
                {"name": "InnerInput", "kind": "INPUT_OBJECT", "gateway": "main", "source": "s",
                 "fields": [{"name": "typeId", "type": "ID!"}]},
                {"name": "Thing", "kind": "OBJECT", "gateway": "main", "source": "s1",
                 "fields": [{"name": "id", "type": "ID"}]},
                {"name": "Thing", "kind": "OBJECT", "gateway": "main", "source": "s2",
                 "fields": [{"name": "id", "type": "String"}, {"name": "docs", "type": "String"}]},
            ],
            "fields": [{"coordinate": "Mutation.makeThing", "gateway": "main", "type": "Thing",
                        "args": [{"name": "thing", "type": "OuterInput!"}],
                        "deprecated": "legacy: go sdk", "source": "s"}],
        }
        report, docs = self.run_writer(evidence={"entries": [], "additions": add})
        main = self.schema(docs)
        outer = {x["name"]: tstr(x["type"]) for x in find(main, "OuterInput")["inputFields"]}
        self.assertEqual(outer, {"name": "String!", "inner": "InnerInput!",
                                 "many": "[InnerInput]", "modes": "[Mode!]"})
        self.assertEqual(find(main, "InnerInput")["kind"], "INPUT_OBJECT")
        thing = {x["name"]: tstr(x["type"]) for x in find(main, "Thing")["fields"]}
        self.assertEqual(thing, {"id": "ID", "docs": "String"})  # the first entry wins
        m = {x["name"]: x for x in find(main, "Mutation")["fields"]}
        self.assertEqual([(a["name"], tstr(a["type"])) for a in m["makeThing"]["args"]],
                         [("thing", "OuterInput!")])
        for name in ("Mode", "OuterInput", "InnerInput", "Thing"):
            self.assertNotIn(name, report["gateways"]["main"]["placeholders"])
        self.assertEqual(report["evidence"]["additions_unused"], [])

    def test_additions_validation(self):
        bad = [
            {"types": [{"name": "X", "kind": "OBJECT", "gateway": "main", "source": "s"}]},
            {"types": [{"name": "X", "kind": "UNION", "gateway": "main", "source": "s",
                        "fields": [{"name": "a", "type": "Int"}]}]},
            {"types": [{"name": "X", "kind": "OBJECT", "gateway": "main",
                        "fields": [{"name": "a", "type": "Int"}]}]},
            {"fields": [{"coordinate": "Query.x", "type": "Int", "gateway": "main"}]},
            {"fields": [{"coordinate": "Query.x", "type": "[Int", "gateway": "main",
                         "source": "s"}]},
            {"fields": [{"coordinate": "Query.x(a:)", "type": "Int", "gateway": "main",
                         "source": "s"}]},
            {"fields": [{"coordinate": "Query.x", "type": "Int", "gateway": "main",
                         "source": "s", "deprecated": True}]},
            {"types": [{"name": "Widget", "kind": "ENUM", "gateway": "main", "source": "s",
                        "values": ["A"]}]},
        ]
        for b in bad:
            with self.subTest(b=b), self.assertRaises((SystemExit, ValueError)):
                self.run_writer(evidence={"entries": [], "additions": b})

    def test_parse_type_round_trip(self):
        for s in ("ID", "ID!", "[ID]", "[ID!]!", "[[String]]"):
            self.assertEqual(ws.type_str(ws.parse_type(s)), s)
        with self.assertRaises(ValueError):
            ws.parse_type("[ID")


if __name__ == "__main__":
    unittest.main()
