"""Unit tests for tools/schemagen/extract.py on small inline source snippets.

Run from the repository root (no network, stdlib only):

    python3 -m unittest tools/schemagen/test_extract.py
"""

import ast
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import extract as ex  # noqa: E402


def ann(text):
    return ex.parse_annotation(ast.parse(text, mode="eval").body)


TYPES_SRC = textwrap.dedent('''
    """Demo Types and Enums."""
    from dataclasses import dataclass, field
    from enum import Enum
    from typing import Any, Optional, Union
    from dataclasses_json import config, dataclass_json
    from taegis_sdk_python._consts import TaegisEnum
    from taegis_sdk_python.utils import encode_enum, decode_enum


    class AssetState(str, Enum):
        """AssetState."""

        ALL = "All"
        ACTIVE = "Active"


    class Color(str, Enum):
        """Color."""

        RED = "RED"


    @dataclass_json
    @dataclass(order=True, eq=True, frozen=True)
    class Widget:
        """Widget."""

        id_: Optional[str] = field(default=None, metadata=config(field_name="id"))
        tenant_id: Optional[str] = field(
            default=None,
            metadata=config(
                metadata={"deprecated": True, "deprecation_reason": "use tenantId"},
                field_name="tenant_id",
            ),
        )
        tenant_id: Optional[str] = field(
            default=None, metadata=config(field_name="tenantID")
        )
        state: Optional[Union[AssetState, TaegisEnum]] = field(
            default=None,
            metadata=config(
                field_name="state",
                encoder=encode_enum,
                decoder=lambda x: decode_enum(AssetState, x),
            ),
        )
        parts: Optional[list["Part"]] = field(default=None, metadata=config(field_name="parts"))
        extra: Optional[dict] = field(default=None, metadata=config(field_name="extra"))
        blob: Optional[Any] = field(default=None, metadata=config(field_name="blob"))


    @dataclass_json
    @dataclass(order=True, eq=True, frozen=True)
    class Part:
        """Part."""

        name: Optional[str] = field(default=None, metadata=config(field_name="name"))
        widget: Optional["Widget"] = field(default=None, metadata=config(field_name="widget"))


    @dataclass_json
    @dataclass(order=True, eq=True, frozen=True)
    class WidgetFilterInput:
        """WidgetFilterInput."""

        color: Optional[Union[Color, TaegisEnum]] = field(
            default=None, metadata=config(field_name="color")
        )
        not_: Optional["WidgetFilterInput"] = field(default=None, metadata=config(field_name="not"))


    @dataclass_json
    @dataclass(order=True, eq=True, frozen=True)
    class Orphan:
        """Orphan."""

        x: Optional[int] = field(default=None, metadata=config(field_name="x"))


    @dataclass_json
    @dataclass(order=True, eq=True, frozen=True)
    class OrphanInput:
        """OrphanInput."""

        x: Optional[int] = field(default=None, metadata=config(field_name="x"))


    Thing = Union[
        Widget,
        Part,
    ]
''')

QUERIES_SRC = textwrap.dedent('''
    """Demo Query."""
    from __future__ import annotations
    import logging
    from typing import TYPE_CHECKING, Optional
    from taegis_sdk_python.utils import build_output_string, prepare_input
    from taegis_sdk_python.services.demo.types import *

    log = logging.getLogger(__name__)


    class TaegisSDKDemoQuery:
        """Taegis Demo Query operations."""

        def __init__(self, service):
            self.service = service

        def widget(self, id_: str) -> Widget:
            """Get a widget."""
            endpoint = "widget"

            result = self.service.execute_query(
                endpoint=endpoint,
                variables={
                    "id": prepare_input(id_),
                },
                output=build_output_string(Widget),
            )
            if result.get(endpoint) is not None:
                return Widget.from_dict(result.get(endpoint))
            raise GraphQLNoRowsInResultSetError("for query widget")

        def widgets(
            self,
            tenant_id: str,
            filter_: Optional[WidgetFilterInput] = None,
            state: AssetState | TaegisEnum | None = None,
            ids: Optional[list[str]] = None,
        ) -> list[Widget]:
            """List widgets."""
            endpoint = "widgetsV1"

            log.warning(
                f"GraphQL Query `{endpoint}` is deprecated: 'Use \\'widgetsV2\\' instead'"
            )

            result = self.service.execute_query(
                endpoint=endpoint,
                variables={
                    "filter": prepare_input(filter_),
                    "tenantID": prepare_input(tenant_id),
                    "state": prepare_input(state),
                    "ids": prepare_input(ids),
                },
                output=build_output_string(Widget),
            )
            if result.get(endpoint) is not None:
                return Widget.schema().load([r or {} for r in result.get(endpoint)], many=True)
            raise GraphQLNoRowsInResultSetError("for query widgetsV1")

        def count(self, opts: WidgetFilterInput = WidgetFilterInput.from_dict({"not": None})) -> int:
            """Count."""
            endpoint = "widgetCount"

            result = self.service.execute_query(
                endpoint=endpoint,
                variables={
                    "opts": prepare_input(opts),
                },
                output="",
            )
            if result.get(endpoint) is not None:
                return result.get(endpoint)
            raise GraphQLNoRowsInResultSetError("for query widgetCount")
''')

SUBSCRIPTIONS_SRC = textwrap.dedent('''
    class TaegisSDKDemoSubscription:
        def __init__(self, service):
            self.service = service

        def widget_events(self, in_: Optional[WidgetFilterInput] = None) -> list[Widget]:
            """Stream widgets."""
            endpoint = "widgetEvents"

            result = self.service.execute_subscription(
                endpoint=endpoint,
                variables={
                    "in": prepare_input(in_),
                },
                output=build_output_string(Widget),
            )
            if any(r.get(endpoint) for r in result):
                return Widget.schema().load([r.get(endpoint, {}) or {} for r in result], many=True)
            raise GraphQLNoRowsInResultSetError("for subscription widgetEvents")
''')

MUTATIONS_SRC = textwrap.dedent('''
    class TaegisSDKDemoMutation:
        def __init__(self, service):
            self.service = service

        def delete_widget(self, id_: str) -> bool:
            """Delete."""
            endpoint = "deleteWidget"

            log.warning(
                f"GraphQL Mutation `{endpoint}` is deprecated: 'gone'"
            )
            result = self.service.execute_mutation(
                endpoint=endpoint,
                variables={
                    "id": prepare_input(id_),
                },
                output="",
            )
            return result.get(endpoint)
''')

INIT_DEFAULT = textwrap.dedent('''
    """Demo Service."""
    from taegis_sdk_python.service_core import ServiceCore


    class DemoService(ServiceCore):
        """Taegis Demo Service."""

        @property
        def query(self):
            return self._queries
''')

INIT_AGENT = textwrap.dedent('''
    from taegis_sdk_python.service_core import ServiceCore


    class AgentService(ServiceCore):
        """Taegis Agent Service."""

        def __init__(self, service):
            super().__init__(service)
            self._gateway = "/agent-graphql"
''')

INIT_TENANTS = textwrap.dedent('''
    from taegis_sdk_python._consts import TAEGIS_TENANTS_URLS
    from taegis_sdk_python.service_core import ServiceCore


    class TenantsService(ServiceCore):
        """Taegis Tenants Service."""

        def __init__(self, service):
            super().__init__(service)
            self._urls = TAEGIS_TENANTS_URLS
            self._gateway = "/public/query"
            self._input_value_deprecation = False
''')

CORE_SRC = textwrap.dedent('''
    class ServiceCore:
        def __init__(self, service):
            self.service = service
            self._urls = self.service._environments
            self._gateway = None
            self._input_value_deprecation = True
''')

CONSTS_SRC = textwrap.dedent('''
    from multidict import CIMultiDict
    TAEGIS_ENVIRONMENT_URLS = CIMultiDict(charlie="https://api.example", us1="https://api.example")
    TAEGIS_TENANTS_URLS = CIMultiDict(charlie="https://tenants.example")
    DEFAULT_GATEWAY = "/graphql"
''')


class AnnotationTests(unittest.TestCase):
    def test_optional_list_nesting(self):
        r = ann("Optional[list[str]]")
        self.assertTrue(r["optional"])
        self.assertEqual(r["list"], {"name": "str", "optional": False})
        self.assertEqual(ex.base_and_depth(r), ("str", 1))
        r = ann("Optional[List[List[Foo]]]")
        self.assertEqual(ex.base_and_depth(r), ("Foo", 2))
        self.assertTrue(r["optional"])
        self.assertFalse(r["list"]["optional"])

    def test_open_enum_union(self):
        r = ann("Optional[Union[Color, TaegisEnum]]")
        self.assertEqual((r["name"], r["optional"], r["open_enum"]), ("Color", True, True))
        r = ann("Color | TaegisEnum | None")
        self.assertEqual((r["name"], r["optional"], r["open_enum"]), ("Color", True, True))
        r = ann("list[Union[Color, TaegisEnum]]")
        self.assertEqual(r["list"]["name"], "Color")
        self.assertTrue(r["list"]["open_enum"])
        self.assertFalse(r["optional"])

    def test_pep604_optional(self):
        r = ann("int | None")
        self.assertEqual((r["name"], r["optional"]), ("int", True))
        r = ann("typing.Optional[str]")
        self.assertEqual((r["name"], r["optional"]), ("str", True))

    def test_real_union_kept(self):
        r = ann("Union[A, B, None]")
        self.assertEqual([m["name"] for m in r["union"]], ["A", "B"])
        self.assertTrue(r["optional"])
        self.assertEqual(sorted(ex.named_types(r)), ["A", "B"])

    def test_forward_refs(self):
        r = ann('Optional["Fwd"]')
        self.assertEqual((r["name"], r["optional"], r["forward_ref"]), ("Fwd", True, True))
        r = ann("Optional[list['Fwd']]")
        self.assertEqual(r["list"]["name"], "Fwd")
        self.assertTrue(r["list"]["forward_ref"])
        r = ann('"Optional[Fwd]"')
        self.assertEqual((r["name"], r["optional"]), ("Fwd", True))

    def test_dict_and_any(self):
        self.assertEqual(ann("Optional[dict]")["name"], "dict")
        r = ann("dict[str, Any]")
        self.assertEqual((r["name"], r["args"]), ("dict", "str, Any"))
        self.assertEqual(ann("Any"), {"name": "Any", "optional": False})
        self.assertEqual(ex.base_and_depth(ann("list[dict[str, Any]]")), ("dict", 1))


class TypesModuleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parsed = ex.parse_types_module(TYPES_SRC)

    def test_duplicated_attribute_kept_twice(self):
        fields = self.parsed["objects"]["Widget"]["fields"]
        tenant = [f for f in fields if f["python_name"] == "tenant_id"]
        self.assertEqual([f["name"] for f in tenant], ["tenant_id", "tenantID"])
        self.assertEqual([f["deprecated"] for f in tenant], [True, False])
        self.assertEqual(tenant[0]["deprecation_reason"], "use tenantId")
        self.assertNotIn("deprecation_reason", tenant[1])

    def test_graphql_names_and_order(self):
        names = [f["name"] for f in self.parsed["objects"]["Widget"]["fields"]]
        self.assertEqual(names, ["id", "tenant_id", "tenantID", "state", "parts", "extra", "blob"])
        f = self.parsed["objects"]["Widget"]["fields"][0]
        self.assertEqual((f["python_name"], f["annotation"]), ("id_", "Optional[str]"))

    def test_enum_field_codec_and_type(self):
        state = self.parsed["objects"]["Widget"]["fields"][3]
        self.assertEqual(state["type"]["name"], "AssetState")
        self.assertTrue(state["type"]["open_enum"])
        self.assertEqual(state["codec"], ["encoder", "decoder"])

    def test_enum_values_use_string_value(self):
        e = self.parsed["enums"]["AssetState"]
        self.assertEqual([(v["name"], v["python_name"]) for v in e["values"]],
                         [("All", "ALL"), ("Active", "ACTIVE")])
        self.assertEqual(e["description"], "AssetState.")

    def test_union_alias(self):
        self.assertEqual(self.parsed["unions"]["Thing"]["members"], ["Widget", "Part"])
        self.assertEqual(self.parsed["notes"], [])


class OperationTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fields, cls.notes = ex.parse_operations_module(QUERIES_SRC, "query", "execute_query")
        cls.f = {f["name"]: f for f in fields}

    def test_endpoint_not_python_name(self):
        self.assertIn("widgetsV1", self.f)
        self.assertEqual(self.f["widgetsV1"]["python_name"], "widgets")
        self.assertEqual(self.notes, [])

    def test_required_vs_optional_and_variable_order(self):
        args = self.f["widgetsV1"]["arguments"]
        self.assertEqual([a["name"] for a in args], ["filter", "tenantID", "state", "ids"])
        self.assertEqual([a["required"] for a in args], [False, True, False, False])
        self.assertEqual(args[1]["python_name"], "tenant_id")
        self.assertEqual(args[2]["type"]["name"], "AssetState")
        self.assertTrue(args[2]["type"]["optional"])
        self.assertEqual(self.f["widget"]["arguments"][0]["annotation"], "str")
        self.assertTrue(self.f["widget"]["arguments"][0]["required"])

    def test_non_none_default(self):
        a = self.f["widgetCount"]["arguments"][0]
        self.assertFalse(a["required"])
        self.assertIn("from_dict", a["default"])

    def test_deprecation_from_log_warning(self):
        self.assertTrue(self.f["widgetsV1"]["deprecated"])
        self.assertEqual(self.f["widgetsV1"]["deprecation_reason"], "Use 'widgetsV2' instead")
        self.assertFalse(self.f["widget"]["deprecated"])
        self.assertEqual(self.f["widgetsV1"]["description"], "List widgets.")

    def test_returns(self):
        r = self.f["widgetsV1"]["returns"]
        self.assertEqual((r["name"], r["list"], r["selection"]), ("Widget", True, "Widget"))
        r = self.f["widget"]["returns"]
        self.assertEqual((r["name"], r["list"]), ("Widget", False))
        r = self.f["widgetCount"]["returns"]
        self.assertEqual((r["name"], r["list"], r.get("scalar")), ("int", False, True))

    def test_subscription_stream_list_removed(self):
        fields, _ = ex.parse_operations_module(SUBSCRIPTIONS_SRC, "subscription", "execute_subscription")
        r = fields[0]["returns"]
        self.assertEqual((fields[0]["name"], r["name"], r["list"], r["stream"]),
                         ("widgetEvents", "Widget", False, True))

    def test_mutation_deprecation_and_scalar(self):
        fields, _ = ex.parse_operations_module(MUTATIONS_SRC, "mutation", "execute_mutation")
        f = fields[0]
        self.assertEqual((f["name"], f["kind"], f["deprecation_reason"]), ("deleteWidget", "mutation", "gone"))
        self.assertEqual(f["returns"]["name"], "bool")


class ServiceInitTests(unittest.TestCase):
    def setUp(self):
        self.defaults = ex.parse_service_core_defaults(CORE_SRC)

    def test_default_gateway(self):
        s = ex.parse_service_init(INIT_DEFAULT, self.defaults, "/graphql")
        self.assertEqual((s["gateway"], s["host"], s["gateway_id"]), ("/graphql", "api", "api:/graphql"))
        self.assertFalse(s["gateway_explicit"])
        self.assertTrue(s["input_value_deprecation"])

    def test_explicit_gateway(self):
        s = ex.parse_service_init(INIT_AGENT, self.defaults, "/graphql")
        self.assertEqual(s["gateway_id"], "api:/agent-graphql")
        self.assertTrue(s["gateway_explicit"])

    def test_tenants_host(self):
        s = ex.parse_service_init(INIT_TENANTS, self.defaults, "/graphql")
        self.assertEqual((s["host"], s["gateway"]), ("tenants", "/public/query"))
        self.assertFalse(s["input_value_deprecation"])

    def test_consts(self):
        c = ex.parse_consts(CONSTS_SRC)
        self.assertEqual(c["DEFAULT_GATEWAY"], "/graphql")
        self.assertEqual(c["TAEGIS_TENANTS_URLS"], {"charlie": "https://tenants.example"})


class EndToEndTests(unittest.TestCase):
    """A fake package on disk: two services on /graphql, one on the tenants host."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = os.path.join(self.tmp.name, ex.PACKAGE)
        files = {
            "_consts.py": CONSTS_SRC,
            "service_core.py": CORE_SRC,
            "_version.py": '__version__ = "9.9.9"\n',
            "services/__init__.py": "class GraphQLService:\n    @property\n    def demo(self):\n"
                                    "        self._demo = DemoService(self)\n",
            "services/demo/__init__.py": INIT_DEFAULT,
            "services/demo/types.py": TYPES_SRC,
            "services/demo/queries.py": QUERIES_SRC,
            "services/demo/mutations.py": MUTATIONS_SRC,
            "services/demo/subscriptions.py": SUBSCRIPTIONS_SRC,
            "services/demo2/__init__.py": INIT_DEFAULT.replace("DemoService", "Demo2Service"),
            "services/demo2/types.py": TYPES_SRC,
            "services/demo2/queries.py": QUERIES_SRC,  # same root names: a repeat on one gateway
            "services/tenants/__init__.py": INIT_TENANTS,
            "services/tenants/types.py": TYPES_SRC,
            "services/tenants/queries.py": QUERIES_SRC,
        }
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as fh:
                fh.write(text)
        self.model = ex.extract(ex.PackageSource(self.tmp.name))

    def tearDown(self):
        self.tmp.cleanup()

    def test_services_and_gateways(self):
        m = self.model
        self.assertEqual(m["source"]["version"], "9.9.9")
        self.assertEqual(list(m["services"]), ["demo", "demo2", "tenants"])
        self.assertEqual(m["services"]["demo"]["attribute"], "demo")
        self.assertEqual(m["services"]["tenants"]["gateway_id"], "tenants:/public/query")
        s = m["summary"]
        self.assertEqual(s["root_fields"], {"query": 9, "mutation": 1, "subscription": 1, "total": 11})
        self.assertEqual(s["gateways"]["api:/graphql"]["services"], ["demo", "demo2"])

    def test_input_output_classification(self):
        svc = self.model["services"]["demo"]
        t = svc["types"]
        self.assertEqual(t["Widget"]["usage"], "output")
        self.assertEqual(t["Part"]["usage"], "output")  # via forward ref in Widget.parts
        self.assertEqual(t["WidgetFilterInput"]["usage"], "input")
        self.assertEqual(t["WidgetFilterInput"]["graphql_kind"], "INPUT_OBJECT")
        self.assertEqual(svc["enums"]["Color"]["usage"], "input")
        self.assertEqual(svc["enums"]["AssetState"]["usage"], "both")
        self.assertEqual((t["Orphan"]["usage"], t["Orphan"]["graphql_kind"]), ("unreferenced", "OBJECT"))
        self.assertEqual(t["OrphanInput"]["graphql_kind"], "INPUT_OBJECT")
        self.assertEqual(svc["input_types"], ["WidgetFilterInput"])
        self.assertEqual(svc["unresolved_type_names"], [])
        self.assertEqual(svc["duplicated_attributes"],
                         [{"type": "Widget", "python_name": "tenant_id",
                           "graphql_names": ["tenant_id", "tenantID"]}])
        cat = svc["types"]["Widget"]["fields"][4]["type"]["list"]["category"]
        self.assertEqual(cat, "object")

    def test_repeats_reported(self):
        s = self.model["summary"]
        repeats = {(r["gateway"], r["name"]) for r in s["root_field_repeats_within_gateway"]}
        self.assertIn(("api:/graphql", "widgetsV1"), repeats)
        self.assertNotIn("tenants:/public/query", {g for g, _ in repeats})
        multi = {r["name"]: r["gateways"] for r in s["root_field_names_on_several_gateways"]}
        self.assertEqual(multi["widget"], ["api:/graphql", "tenants:/public/query"])

    def test_wheel_input(self):
        whl = os.path.join(self.tmp.name, "demo-9.9.9-py3-none-any.whl")
        import zipfile
        with zipfile.ZipFile(whl, "w") as z:
            base = os.path.join(self.tmp.name, ex.PACKAGE)
            for dirpath, _, files in os.walk(base):
                for f in files:
                    full = os.path.join(dirpath, f)
                    z.write(full, os.path.relpath(full, self.tmp.name))
        m = ex.extract(ex.PackageSource(whl))
        self.assertEqual(m["source"]["wheel"], "demo-9.9.9-py3-none-any.whl")
        self.assertEqual(len(m["source"]["wheel_sha256"]), 64)
        self.assertEqual(m["summary"]["root_fields"], self.model["summary"]["root_fields"])


if __name__ == "__main__":
    unittest.main()
