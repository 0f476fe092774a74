#!/usr/bin/env python3
"""Extract a GraphQL-oriented model of every Taegis service from the official
Python SDK wheel (``taegis-sdk-python``), reading its source with ``ast``.

The package is never imported: its generated dataclasses declare some
attributes twice (a deprecated snake_case GraphQL field next to its camelCase
replacement) and importing would keep only the last declaration.

Usage (from the repository root):

    python3 tools/schemagen/extract.py PATH            # unzipped wheel dir, package dir or .whl
    python3 tools/schemagen/extract.py --download      # pip download into a temp dir first
    python3 tools/schemagen/extract.py PATH -o OUT.json --summary-only

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import ast
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from typing import Any, Dict, Iterable, List, Optional, Tuple

PACKAGE = "taegis_sdk_python"
DIST = "taegis-sdk-python"
DEFAULT_VERSION = "2.0.4"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "model.json")

# Python annotation names that are not GraphQL type names.
BUILTINS = {"str", "int", "float", "bool", "dict", "Any", "list", "object"}
OPTIONAL_NAMES = {"Optional"}
UNION_NAMES = {"Union"}
LIST_NAMES = {"list", "List", "Sequence", "tuple", "Tuple", "set", "Set"}
DICT_NAMES = {"dict", "Dict", "Mapping"}
OPEN_ENUM = "TaegisEnum"  # Union[SomeEnum, TaegisEnum]: SDK accepts unknown enum values

OPERATION_FILES = (
    ("query", "queries.py", "execute_query"),
    ("mutation", "mutations.py", "execute_mutation"),
    ("subscription", "subscriptions.py", "execute_subscription"),
)

KNOWN_TOTALS = {
    "services": 63,
    "query": 535,
    "mutation": 414,
    "subscription": 7,
    "api:/graphql root fields (about)": 860,
}


# --------------------------------------------------------------------------
# Source access: a directory (unzipped wheel or the package itself) or a .whl
# --------------------------------------------------------------------------


class PackageSource:
    """Read files of the ``taegis_sdk_python`` package from a dir or a wheel."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.wheel_sha256: Optional[str] = None
        self.wheel_name: Optional[str] = None
        self._zip: Optional[zipfile.ZipFile] = None
        self._root: Optional[str] = None
        if os.path.isfile(self.path) and self.path.endswith(".whl"):
            self._zip = zipfile.ZipFile(self.path)
            self.wheel_name = os.path.basename(self.path)
            with open(self.path, "rb") as fh:
                self.wheel_sha256 = hashlib.sha256(fh.read()).hexdigest()
        elif os.path.isdir(self.path):
            if os.path.isfile(os.path.join(self.path, "service_core.py")) and os.path.isdir(
                os.path.join(self.path, "services")
            ):
                self._root = self.path
            elif os.path.isdir(os.path.join(self.path, PACKAGE)):
                self._root = os.path.join(self.path, PACKAGE)
            else:
                wheels = sorted(f for f in os.listdir(self.path) if f.endswith(".whl"))
                if not wheels:
                    raise SystemExit(f"no {PACKAGE}/ package or .whl found under {self.path}")
                self.__init__(os.path.join(self.path, wheels[-1]))
        else:
            raise SystemExit(f"not a directory or .whl file: {self.path}")

    def read(self, rel: str) -> Optional[str]:
        if self._zip is not None:
            try:
                return self._zip.read(f"{PACKAGE}/{rel}").decode("utf-8")
            except KeyError:
                return None
        full = os.path.join(self._root, rel)
        if not os.path.isfile(full):
            return None
        with open(full, encoding="utf-8") as fh:
            return fh.read()

    def service_dirs(self) -> List[str]:
        if self._zip is not None:
            names = set()
            prefix = f"{PACKAGE}/services/"
            for n in self._zip.namelist():
                if n.startswith(prefix) and n.endswith("/__init__.py"):
                    rest = n[len(prefix):].split("/")
                    if len(rest) == 2:
                        names.add(rest[0])
            return sorted(names)
        base = os.path.join(self._root, "services")
        return sorted(
            d for d in os.listdir(base)
            if os.path.isfile(os.path.join(base, d, "__init__.py"))
        )


def download_wheel(version: str, dest: str) -> str:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps",
           f"{DIST}=={version}", "-d", dest]
    subprocess.run(cmd, check=True)
    wheels = [f for f in os.listdir(dest) if f.endswith(".whl")]
    if not wheels:
        raise SystemExit("pip download produced no wheel")
    return os.path.join(dest, wheels[0])


# --------------------------------------------------------------------------
# Annotations
# --------------------------------------------------------------------------


def _name_of(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # typing.Optional, t.List ...
        return node.attr
    return None


def _union_members(node: ast.AST) -> Optional[List[ast.AST]]:
    """Members of ``Union[a, b]`` or ``a | b``; None if not a union."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left = _union_members(node.left) or [node.left]
        right = _union_members(node.right) or [node.right]
        return left + right
    if isinstance(node, ast.Subscript) and _name_of(node.value) in UNION_NAMES:
        sl = node.slice
        return list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
    return None


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None or (
        isinstance(node, ast.Name) and node.id == "NoneType")


def parse_annotation(node: Optional[ast.AST]) -> Dict[str, Any]:
    """Turn a Python annotation into a type reference.

    Shapes:
      {"name": N, "optional": bool[, "open_enum": true][, "forward_ref": true]}
      {"list": <typeref>, "optional": bool}
      {"union": [<typeref>...], "optional": bool}
    ``optional`` means the annotation admits None (Optional[...], ``| None``),
    it says nothing about GraphQL nullability.
    """
    if node is None:
        return {"name": "Any", "optional": True, "missing": True}
    # forward reference: "ClassName" or "Optional[ClassName]"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            inner = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return {"name": node.value, "optional": False, "forward_ref": True}
        ref = parse_annotation(inner)
        ref["forward_ref"] = True
        return ref
    if _is_none(node):
        return {"name": "None", "optional": True}

    members = _union_members(node)
    if members is not None:
        optional = any(_is_none(m) for m in members)
        open_enum = any(_name_of(m) == OPEN_ENUM for m in members)
        rest = [m for m in members if not _is_none(m) and _name_of(m) != OPEN_ENUM]
        if not rest:  # Union[None] or Union[TaegisEnum]
            ref = {"name": OPEN_ENUM if open_enum else "None", "optional": optional}
            return ref
        if len(rest) == 1:
            ref = parse_annotation(rest[0])
        else:
            ref = {"union": [parse_annotation(m) for m in rest], "optional": False}
        if optional:
            ref["optional"] = True
        if open_enum:
            ref["open_enum"] = True
        return ref

    if isinstance(node, ast.Subscript):
        outer = _name_of(node.value)
        sl = node.slice
        if outer in OPTIONAL_NAMES:
            ref = parse_annotation(sl)
            ref["optional"] = True
            return ref
        if outer in LIST_NAMES:
            elt = sl.elts[0] if isinstance(sl, ast.Tuple) else sl
            return {"list": parse_annotation(elt), "optional": False}
        if outer in DICT_NAMES:
            return {"name": "dict", "optional": False, "args": _slice_text(sl)}
        return {"name": outer or ast.unparse(node), "optional": False,
                "args": _slice_text(sl)}

    name = _name_of(node)
    if name is not None:
        if name in ("List", "Sequence"):
            name = "list"
        if name == "Dict":
            name = "dict"
        return {"name": name, "optional": False}
    return {"name": ast.unparse(node), "optional": False, "unparsed": True}


def base_and_depth(ref: Dict[str, Any]) -> Tuple[Optional[str], int]:
    """Innermost named type and list depth; (None, depth) for unions."""
    depth = 0
    while "list" in ref:
        depth += 1
        ref = ref["list"]
    return ref.get("name"), depth


def named_types(ref: Dict[str, Any]) -> Iterable[str]:
    if "list" in ref:
        yield from named_types(ref["list"])
    elif "union" in ref:
        for m in ref["union"]:
            yield from named_types(m)
    elif "name" in ref:
        yield ref["name"]


def _slice_text(sl: ast.AST) -> str:
    if isinstance(sl, ast.Tuple):
        return ", ".join(ast.unparse(e) for e in sl.elts)
    return ast.unparse(sl)


def ann_text(node: Optional[ast.AST]) -> Optional[str]:
    return None if node is None else ast.unparse(node)


# --------------------------------------------------------------------------
# types.py
# --------------------------------------------------------------------------


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def _is_enum_class(cls: ast.ClassDef) -> bool:
    return any(_name_of(b) in ("Enum", "IntEnum", "StrEnum") for b in cls.bases)


def _is_dataclass(cls: ast.ClassDef) -> bool:
    for d in cls.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if _name_of(target) in ("dataclass", "dataclass_json"):
            return True
    return False


def parse_field(stmt: ast.AnnAssign) -> Dict[str, Any]:
    """One dataclass attribute: ``x: Optional[T] = field(default=None, metadata=config(...))``."""
    py_name = stmt.target.id if isinstance(stmt.target, ast.Name) else ast.unparse(stmt.target)
    out: Dict[str, Any] = {
        "name": py_name,  # replaced by the GraphQL name when config(field_name=...) is present
        "python_name": py_name,
        "annotation": ann_text(stmt.annotation),
        "type": parse_annotation(stmt.annotation),
        "deprecated": False,
    }
    graphql_name = None
    value = stmt.value
    if isinstance(value, ast.Call) and _name_of(value.func) == "field":
        for kw in value.keywords:
            if kw.arg == "default":
                lit = _literal(kw.value)
                if lit is not None:
                    out["default"] = lit
            elif kw.arg == "default_factory":
                out["default_factory"] = ast.unparse(kw.value)
            elif kw.arg == "metadata" and isinstance(kw.value, ast.Call) and \
                    _name_of(kw.value.func) == "config":
                for ckw in kw.value.keywords:
                    if ckw.arg == "field_name":
                        graphql_name = _literal(ckw.value)
                    elif ckw.arg == "metadata":
                        meta = _literal(ckw.value)
                        if isinstance(meta, dict):
                            if meta.get("deprecated"):
                                out["deprecated"] = True
                            if meta.get("deprecation_reason") is not None:
                                out["deprecation_reason"] = meta["deprecation_reason"]
                            extra = {k: v for k, v in meta.items()
                                     if k not in ("deprecated", "deprecation_reason")}
                            if extra:
                                out["metadata"] = extra
                        else:
                            out["metadata_unparsed"] = ast.unparse(ckw.value)
                    elif ckw.arg in ("encoder", "decoder"):
                        out.setdefault("codec", []).append(ckw.arg)
    elif value is not None:
        lit = _literal(value)
        if lit is not None:
            out["default"] = lit
    if graphql_name is not None:
        out["name"] = graphql_name
    else:
        out["graphql_name_missing"] = True
    return out


def parse_types_module(src: str) -> Dict[str, Any]:
    tree = ast.parse(src)
    objects: Dict[str, Any] = collections.OrderedDict()
    enums: Dict[str, Any] = collections.OrderedDict()
    unions: Dict[str, Any] = collections.OrderedDict()
    other: List[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            doc = ast.get_docstring(node)
            if _is_enum_class(node):
                values = []
                for s in node.body:
                    if isinstance(s, ast.Assign) and len(s.targets) == 1 and \
                            isinstance(s.targets[0], ast.Name):
                        v = _literal(s.value)
                        values.append({"name": v if isinstance(v, str) else ast.unparse(s.value),
                                       "python_name": s.targets[0].id})
                if node.name in enums:
                    other.append(f"duplicate enum class {node.name}")
                enums[node.name] = {
                    "description": doc,
                    "bases": [ast.unparse(b) for b in node.bases],
                    "values": values,
                }
            elif _is_dataclass(node):
                fields = [parse_field(s) for s in node.body if isinstance(s, ast.AnnAssign)]
                if node.name in objects:
                    other.append(f"duplicate dataclass {node.name}")
                objects[node.name] = {"description": doc, "fields": fields}
            else:
                other.append(f"class {node.name} is neither dataclass nor enum")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            members = _union_members(node.value) if node.value is not None else None
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and members:
                unions[targets[0].id] = {
                    "members": [_name_of(m) or ast.unparse(m) for m in members],
                }
            else:
                other.append("module assignment: " + ast.unparse(node)[:120])
    return {"objects": objects, "enums": enums, "unions": unions, "notes": other}


# --------------------------------------------------------------------------
# queries.py / mutations.py / subscriptions.py
# --------------------------------------------------------------------------


def _deprecation_from_warning(call: ast.Call) -> Optional[str]:
    """``log.warning(f"GraphQL Query `{endpoint}` is deprecated: 'REASON'")`` -> REASON."""
    if not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.JoinedStr):
        text = "".join(
            v.value if isinstance(v, ast.Constant) else "{}" for v in arg.values)
    elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        text = arg.value
    else:
        return None
    marker = "is deprecated:"
    if marker not in text:
        return None
    reason = text.split(marker, 1)[1].strip()
    if len(reason) >= 2 and reason[0] == reason[-1] and reason[0] in "'\"":
        reason = reason[1:-1]
    return reason


def parse_operation(fn: ast.FunctionDef, kind: str, execute_name: str) -> Optional[Dict[str, Any]]:
    endpoint = None
    deprecated = False
    reason = None
    variables: List[Tuple[str, Optional[str]]] = []
    selection = None
    selection_present = False
    execute_seen = None
    for stmt in ast.walk(fn):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == "endpoint":
            v = _literal(stmt.value)
            if isinstance(v, str):
                endpoint = v
        elif isinstance(stmt, ast.Call):
            fname = ast.unparse(stmt.func)
            if fname.endswith(".warning") or fname.endswith(".warn"):
                r = _deprecation_from_warning(stmt)
                if r is not None:
                    deprecated, reason = True, r
            elif fname.endswith("." + execute_name) or fname.split(".")[-1].startswith("execute_"):
                execute_seen = fname.split(".")[-1]
                for kw in stmt.keywords:
                    if kw.arg == "endpoint" and endpoint is None:
                        v = _literal(kw.value)
                        if isinstance(v, str):
                            endpoint = v
                    elif kw.arg == "variables" and isinstance(kw.value, ast.Dict):
                        for k, v in zip(kw.value.keys, kw.value.values):
                            key = _literal(k) if k is not None else None
                            src_arg = None
                            if isinstance(v, ast.Call) and v.args and isinstance(v.args[0], ast.Name):
                                src_arg = v.args[0].id
                            elif isinstance(v, ast.Name):
                                src_arg = v.id
                            variables.append((key, src_arg))
                    elif kw.arg == "output":
                        selection_present = True
                        if isinstance(kw.value, ast.Call) and kw.value.args:
                            selection = _name_of(kw.value.args[0]) or ast.unparse(kw.value.args[0])
    if endpoint is None:
        return None

    # Python parameters: required = no default.
    params = fn.args.args[1:] if fn.args.args and fn.args.args[0].arg == "self" else fn.args.args
    n_def = len(fn.args.defaults)
    py_args: Dict[str, Dict[str, Any]] = collections.OrderedDict()
    for i, a in enumerate(params):
        has_default = i >= len(params) - n_def
        info = {"annotation": ann_text(a.annotation), "type": parse_annotation(a.annotation),
                "required": not has_default}
        if has_default:
            d = fn.args.defaults[i - (len(params) - n_def)]
            lit = _literal(d)
            if not (isinstance(d, ast.Constant) and d.value is None):
                info["default"] = lit if lit is not None else ast.unparse(d)
        py_args[a.arg] = info
    for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults):
        py_args[a.arg] = {"annotation": ann_text(a.annotation), "type": parse_annotation(a.annotation),
                          "required": d is None}

    arguments = []
    used = set()
    for gql, src_arg in variables:
        info = py_args.get(src_arg, {})
        used.add(src_arg)
        entry = {"name": gql, "python_name": src_arg}
        entry.update(info)
        if not info:
            entry["unmatched"] = True
        arguments.append(entry)
    unused = [p for p in py_args if p not in used]

    ret = parse_annotation(fn.returns)
    ret_base, ret_depth = base_and_depth(ret)
    stream = kind == "subscription" and ret_depth > 0
    returns = {
        "annotation": ann_text(fn.returns),
        "type": ret,
        "name": ret_base,
        "list": (ret_depth - 1 if stream else ret_depth) > 0,
        "list_depth": ret_depth - 1 if stream else ret_depth,
        "selection": selection,
    }
    if stream:
        returns["stream"] = True  # the outer list is one item per subscription event
    if selection_present and selection is None:
        returns["scalar"] = True  # output="" : no selection set, a scalar/JSON result
    field = {
        "name": endpoint,
        "kind": kind,
        "python_name": fn.name,
        "description": ast.get_docstring(fn),
        "deprecated": deprecated,
    }
    if deprecated:
        field["deprecation_reason"] = reason
    field["arguments"] = arguments
    field["returns"] = returns
    if unused:
        field["python_args_not_sent"] = unused
    if execute_seen and execute_seen != execute_name:
        field["execute_call"] = execute_seen
    return field


def parse_operations_module(src: str, kind: str, execute_name: str) -> Tuple[List[Dict[str, Any]], List[str]]:
    tree = ast.parse(src)
    fields, notes = [], []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        seen = collections.Counter()
        for m in node.body:
            if not isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) or m.name.startswith("_"):
                continue
            seen[m.name] += 1
            f = parse_operation(m, kind, execute_name)
            if f is None:
                notes.append(f"{node.name}.{m.name}: no endpoint found")
                continue
            f["python_class"] = node.name
            fields.append(f)
        for name, c in seen.items():
            if c > 1:
                notes.append(f"{node.name}.{name} defined {c} times (all kept)")
    return fields, notes


# --------------------------------------------------------------------------
# Service __init__.py, _consts.py, service_core.py
# --------------------------------------------------------------------------


def parse_consts(src: Optional[str]) -> Dict[str, Any]:
    """Module-level constants: strings and CIMultiDict(...)/dict(...) keyword maps."""
    out: Dict[str, Any] = {}
    if not src:
        return out
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            v = node.value
            if isinstance(v, ast.Call) and all(kw.arg for kw in v.keywords) and v.keywords:
                out[name] = {kw.arg: _literal(kw.value) for kw in v.keywords}
            else:
                lit = _literal(v)
                if lit is not None:
                    out[name] = lit
    return out


def parse_service_core_defaults(src: Optional[str]) -> Dict[str, Any]:
    """Defaults set in ServiceCore.__init__ (``self._gateway = None`` etc.)."""
    out = {"gateway": None, "urls": "environments", "input_value_deprecation": True}
    if not src:
        return out
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.ClassDef) and node.name == "ServiceCore":
            out.update(_self_assignments(node))
    return out


def _self_assignments(cls: ast.ClassDef) -> Dict[str, Any]:
    found: Dict[str, Any] = {}
    for fn in cls.body:
        if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
            for stmt in ast.walk(fn):
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    t = stmt.targets[0]
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        if t.attr == "_gateway":
                            found["gateway"] = _literal(stmt.value)
                        elif t.attr == "_urls":
                            found["urls"] = ast.unparse(stmt.value)
                        elif t.attr == "_input_value_deprecation":
                            found["input_value_deprecation"] = _literal(stmt.value)
    return found


def parse_service_init(src: str, defaults: Dict[str, Any], default_gateway: str) -> Dict[str, Any]:
    tree = ast.parse(src)
    cls = None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(_name_of(b) == "ServiceCore" for b in node.bases):
            cls = node
            break
    if cls is None:  # fall back to any class
        cls = next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
    info = dict(defaults)
    name = None
    doc = None
    if cls is not None:
        name, doc = cls.name, ast.get_docstring(cls)
        info.update(_self_assignments(cls))
    gateway = info.get("gateway") or default_gateway
    urls = info.get("urls") or "environments"
    host = "tenants" if "TENANTS" in urls.upper() else "api"
    return {
        "class": name,
        "description": doc,
        "host": host,
        "urls": urls,
        "gateway": gateway,
        "gateway_id": f"{host}:{gateway}",
        "input_value_deprecation": info.get("input_value_deprecation", True),
        "gateway_explicit": bool(cls is not None and _self_assignments(cls).get("gateway")),
    }


def parse_registry(src: Optional[str]) -> Dict[str, str]:
    """GraphQLService properties: service class name -> attribute name."""
    out: Dict[str, str] = {}
    if not src:
        return out
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef):
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.Call) and isinstance(stmt.func, ast.Name) and \
                        stmt.func.id.endswith("Service") and stmt.args and \
                        isinstance(stmt.args[0], ast.Name) and stmt.args[0].id == "self":
                    out[stmt.func.id] = node.name
    return out


# --------------------------------------------------------------------------
# Usage analysis: input vs output types
# --------------------------------------------------------------------------


def classify_usage(service: Dict[str, Any]) -> None:
    objects, enums, unions = service["types"], service["enums"], service["unions"]
    defined = set(objects) | set(enums) | set(unions)

    def closure(roots: Iterable[str]) -> set:
        seen, stack = set(), [r for r in roots if r in defined]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in objects:
                for f in objects[n]["fields"]:
                    stack.extend(t for t in named_types(f["type"]) if t in defined)
            elif n in unions:
                stack.extend(m for m in unions[n]["members"] if m in defined)
        return seen

    in_roots, out_roots = [], []
    for f in service["root_fields"]:
        for a in f["arguments"]:
            in_roots.extend(named_types(a.get("type", {})))
        out_roots.extend(named_types(f["returns"]["type"]))
        if f["returns"].get("selection"):
            out_roots.append(f["returns"]["selection"])
    inputs, outputs = closure(in_roots), closure(out_roots)
    for table in (objects, enums, unions):
        for name, t in table.items():
            usage = ("both" if name in inputs and name in outputs else
                     "input" if name in inputs else
                     "output" if name in outputs else "unreferenced")
            t["usage"] = usage
            if table is objects:
                if usage in ("input", "output"):
                    t["graphql_kind"] = "INPUT_OBJECT" if usage == "input" else "OBJECT"
                    t["graphql_kind_basis"] = "usage"
                elif usage == "unreferenced":
                    t["graphql_kind"] = ("INPUT_OBJECT" if name.lower().endswith(("input", "inputs"))
                                         else "OBJECT")
                    t["graphql_kind_basis"] = "name"
                else:
                    t["graphql_kind"] = None
                    t["graphql_kind_basis"] = "conflict"
    unresolved = set()
    for name, t in objects.items():
        for f in t["fields"]:
            for n in named_types(f["type"]):
                if n not in defined and n not in BUILTINS and n != OPEN_ENUM:
                    unresolved.add(n)
    for f in service["root_fields"]:
        refs = [a.get("type", {}) for a in f["arguments"]] + [f["returns"]["type"]]
        for r in refs:
            for n in named_types(r):
                if n not in defined and n not in BUILTINS and n != OPEN_ENUM:
                    unresolved.add(n)
    service["unresolved_type_names"] = sorted(unresolved)

    def category(n: str) -> str:
        if n in objects:
            return {"input": "input_object", "both": "object_and_input"}.get(
                objects[n]["usage"], "object")
        if n in enums:
            return "enum"
        if n in unions:
            return "union"
        if n in BUILTINS:
            return "builtin"
        return "unresolved"

    def annotate(ref: Dict[str, Any]) -> None:
        if "list" in ref:
            annotate(ref["list"])
        elif "union" in ref:
            for m in ref["union"]:
                annotate(m)
        elif "name" in ref:
            ref["category"] = category(ref["name"])

    for t in objects.values():
        for f in t["fields"]:
            annotate(f["type"])
    for f in service["root_fields"]:
        for a in f["arguments"]:
            if "type" in a:
                annotate(a["type"])
        annotate(f["returns"]["type"])


# --------------------------------------------------------------------------
# Whole extraction
# --------------------------------------------------------------------------


def extract(src: PackageSource) -> Dict[str, Any]:
    consts = parse_consts(src.read("_consts.py"))
    default_gateway = consts.get("DEFAULT_GATEWAY", "/graphql")
    core_defaults = parse_service_core_defaults(src.read("service_core.py"))
    registry = parse_registry(src.read("services/__init__.py"))
    version_src = src.read("_version.py")
    version = parse_consts(version_src).get("__version__") if version_src else None

    services: Dict[str, Any] = collections.OrderedDict()
    for sdir in src.service_dirs():
        init_src = src.read(f"services/{sdir}/__init__.py") or ""
        svc = parse_service_init(init_src, core_defaults, default_gateway)
        svc["attribute"] = registry.get(svc["class"] or "", None)
        notes: List[str] = []
        types_src = src.read(f"services/{sdir}/types.py")
        parsed = parse_types_module(types_src) if types_src else {
            "objects": {}, "enums": {}, "unions": {}, "notes": ["no types.py"]}
        notes.extend(parsed["notes"])
        root_fields: List[Dict[str, Any]] = []
        for kind, fname, execute_name in OPERATION_FILES:
            osrc = src.read(f"services/{sdir}/{fname}")
            if osrc is None:
                continue
            fields, n = parse_operations_module(osrc, kind, execute_name)
            root_fields.extend(fields)
            notes.extend(n)
        svc["root_fields"] = root_fields
        svc["types"] = parsed["objects"]
        svc["enums"] = parsed["enums"]
        svc["unions"] = parsed["unions"]
        classify_usage(svc)
        # duplicated attribute declarations inside dataclasses
        dups = []
        for tname, t in svc["types"].items():
            c = collections.Counter(f["python_name"] for f in t["fields"])
            g = collections.Counter(f["name"] for f in t["fields"])
            for py, k in c.items():
                if k > 1:
                    dups.append({"type": tname, "python_name": py,
                                 "graphql_names": [f["name"] for f in t["fields"] if f["python_name"] == py]})
            for gn, k in g.items():
                if k > 1:
                    notes.append(f"{tname}: GraphQL field {gn} declared {k} times")
        svc["duplicated_attributes"] = dups
        svc["input_types"] = sorted(n for n, t in svc["types"].items() if t["usage"] in ("input", "both"))
        svc["output_types"] = sorted(n for n, t in svc["types"].items() if t["usage"] in ("output", "both"))
        svc["notes"] = notes
        services[sdir] = svc

    model = {
        "source": {
            "distribution": DIST,
            "version": version,
            "wheel": src.wheel_name,
            "wheel_sha256": src.wheel_sha256,
            "default_gateway": default_gateway,
            "hosts": {
                "api": (consts.get("TAEGIS_ENVIRONMENT_URLS") or {}),
                "tenants": (consts.get("TAEGIS_TENANTS_URLS") or {}),
            },
        },
        "notes": [
            "Generated by tools/schemagen/extract.py from the wheel's source via ast; see README.md.",
            "'optional' in a type reference is the Python annotation (Optional/None default), "
            "not GraphQL nullability: every dataclass field is Optional in the wheel.",
            "Builtin names are Python types (str, int, float, bool, dict, Any); the wheel never "
            "names GraphQL scalars (ID, Time, JSON, ...).",
            "Enum value deprecations are not present in the wheel.",
        ],
        "services": services,
    }
    model["summary"] = summarize(model)
    return model


def summarize(model: Dict[str, Any]) -> Dict[str, Any]:
    services = model["services"]
    kinds = collections.Counter()
    gateways: Dict[str, Any] = collections.OrderedDict()
    by_gw_kind: Dict[Tuple[str, str], Dict[str, List[str]]] = collections.defaultdict(
        lambda: collections.defaultdict(list))
    type_total = enum_total = union_total = input_total = 0
    deprecated_fields = deprecated_root = dup_attrs = 0
    for sname, s in services.items():
        gw = s["gateway_id"]
        g = gateways.setdefault(gw, {"services": [], "query": 0, "mutation": 0, "subscription": 0,
                                     "root_fields": 0, "types": 0, "input_types": 0,
                                     "enums": 0, "unions": 0})
        g["services"].append(sname)
        for f in s["root_fields"]:
            kinds[f["kind"]] += 1
            g[f["kind"]] += 1
            g["root_fields"] += 1
            by_gw_kind[(gw, f["kind"])][f["name"]].append(sname)
            deprecated_root += bool(f["deprecated"])
        g["types"] += len(s["types"])
        g["input_types"] += len(s["input_types"])
        g["enums"] += len(s["enums"])
        g["unions"] += len(s["unions"])
        type_total += len(s["types"])
        input_total += len(s["input_types"])
        enum_total += len(s["enums"])
        union_total += len(s["unions"])
        dup_attrs += len(s["duplicated_attributes"])
        deprecated_fields += sum(f["deprecated"] for t in s["types"].values() for f in t["fields"])

    repeats = []
    for (gw, kind), names in sorted(by_gw_kind.items()):
        for name, svcs in sorted(names.items()):
            if len(svcs) > 1:
                repeats.append({"gateway": gw, "kind": kind, "name": name, "services": svcs})
    # same name as both query and mutation etc. on one gateway (legal GraphQL, listed for info)
    cross = []
    for gw in gateways:
        kinds_by_name = collections.defaultdict(set)
        for kind in ("query", "mutation", "subscription"):
            for name in by_gw_kind.get((gw, kind), {}):
                kinds_by_name[name].add(kind)
        cross.extend({"gateway": gw, "name": n, "kinds": sorted(k)}
                     for n, k in sorted(kinds_by_name.items()) if len(k) > 1)
    # the same root field name on several gateways
    across = collections.defaultdict(set)
    for (gw, kind), names in by_gw_kind.items():
        for name in names:
            across[(kind, name)].add(gw)
    multi_gateway = [{"kind": k, "name": n, "gateways": sorted(g)}
                     for (k, n), g in sorted(across.items()) if len(g) > 1]
    # type names defined by several services of one gateway, and whether their fields agree
    type_conflicts = []
    shared_types = 0
    for gw, g in gateways.items():
        defs = collections.defaultdict(list)
        for sname in g["services"]:
            s = services[sname]
            for tname, t in s["types"].items():
                defs[tname].append((sname, tuple(sorted(f["name"] for f in t["fields"]))))
            for ename, e in s["enums"].items():
                defs[ename].append((sname, ("enum",) + tuple(sorted(v["name"] for v in e["values"]))))
            for uname, u in s["unions"].items():
                defs[uname].append((sname, ("union",) + tuple(sorted(u["members"]))))
        for tname, lst in sorted(defs.items()):
            if len(lst) > 1:
                shared_types += 1
                if len({sig for _, sig in lst}) > 1:
                    type_conflicts.append({"gateway": gw, "type": tname,
                                           "services": [s for s, _ in lst]})
        g["distinct_type_names"] = len(defs)
    return {
        "services": len(services),
        "root_fields": dict(kinds, total=sum(kinds.values())),
        "types": type_total,
        "input_types": input_total,
        "enums": enum_total,
        "unions": union_total,
        "deprecated_root_fields": deprecated_root,
        "deprecated_type_fields": deprecated_fields,
        "duplicated_attribute_declarations": dup_attrs,
        "gateways": gateways,
        "root_field_repeats_within_gateway": repeats,
        "root_field_names_in_several_kinds": cross,
        "root_field_names_on_several_gateways": multi_gateway,
        "type_names_shared_within_gateway": shared_types,
        "type_name_conflicts_within_gateway": type_conflicts,
    }


def print_summary(model: Dict[str, Any], out=sys.stdout) -> None:
    s = model["summary"]
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(f"{DIST} {model['source']['version']}  wheel={model['source']['wheel']}")
    p(f"services: {s['services']} (known {KNOWN_TOTALS['services']})")
    rf = s["root_fields"]
    for k in ("query", "mutation", "subscription"):
        p(f"{k}: {rf.get(k, 0)} (known {KNOWN_TOTALS[k]})")
    p(f"root fields total: {rf['total']}; deprecated: {s['deprecated_root_fields']}")
    p(f"types (dataclasses): {s['types']} of which input: {s['input_types']}; enums: {s['enums']}; "
      f"unions: {s['unions']}; deprecated type fields: {s['deprecated_type_fields']}; "
      f"duplicated attribute declarations: {s['duplicated_attribute_declarations']}")
    p("per gateway:")
    for gw, g in s["gateways"].items():
        p(f"  {gw}: services={len(g['services'])} root={g['root_fields']} "
          f"(q={g['query']} m={g['mutation']} s={g['subscription']}) types={g['types']} "
          f"input={g['input_types']} enums={g['enums']} unions={g['unions']} "
          f"distinct type names={g['distinct_type_names']}  [{', '.join(g['services'])}]")
    p(f"root field names repeated within one gateway+kind: {len(s['root_field_repeats_within_gateway'])}")
    for r in s["root_field_repeats_within_gateway"]:
        p(f"  {r['gateway']} {r['kind']} {r['name']}: {', '.join(r['services'])}")
    p(f"root field names on several gateways: {len(s['root_field_names_on_several_gateways'])}")
    for r in s["root_field_names_on_several_gateways"]:
        p(f"  {r['kind']} {r['name']}: {', '.join(r['gateways'])}")
    if s["root_field_names_in_several_kinds"]:
        p("names used by several operation kinds on one gateway:")
        for r in s["root_field_names_in_several_kinds"]:
            p(f"  {r['gateway']} {r['name']}: {', '.join(r['kinds'])}")
    p(f"type names defined by several services of one gateway: {s['type_names_shared_within_gateway']}, "
      f"with differing definitions: {len(s['type_name_conflicts_within_gateway'])}")
    for sname, svc in model["services"].items():
        if svc["unresolved_type_names"]:
            p(f"  unresolved names in {sname}: {svc['unresolved_type_names']}")
        for n in svc["notes"]:
            p(f"  note {sname}: {n}")


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", help="unzipped wheel dir, the taegis_sdk_python package dir, or a .whl")
    ap.add_argument("--download", action="store_true", help="pip download the wheel into a temp dir")
    ap.add_argument("--version", default=DEFAULT_VERSION, help="version for --download (default %(default)s)")
    ap.add_argument("-o", "--output", default=DEFAULT_OUTPUT, help="model JSON path (default %(default)s)")
    ap.add_argument("--summary-only", action="store_true", help="print the summary, write nothing")
    args = ap.parse_args(argv)
    if not args.path and not args.download:
        ap.error("give PATH or --download")
    tmp = None
    try:
        path = args.path
        if args.download:
            tmp = tempfile.TemporaryDirectory(prefix="taegis-wheel-")
            path = download_wheel(args.version, tmp.name)
        model = extract(PackageSource(path))
    finally:
        if tmp is not None:
            tmp.cleanup()
    if not args.summary_only:
        with open(args.output, "w", encoding="utf-8") as fh:
            json.dump(model, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
    print_summary(model)
    if not args.summary_only:
        print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
