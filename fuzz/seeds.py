#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from the API guides' examples.

Usage: seeds.py GUIDES_DIR REPO_DIR OUT_DIR

- decode_responses: every JSON object found in the guides (example answers and request
  bodies), plus each one's `data` member alone;
- validate_operation: every GraphQL document in the guides (in code blocks and inside the
  `query` of example request bodies) and every checked-in operation under queries/;
- schema_load: a small introspection result made from the guides' types, and a slice of each
  bundled schema (whole schemas are large: libFuzzer would spend its time re-reading them).
"""
import hashlib
import json
import os
import sys


def balanced(text, start, open_ch="{", close_ch="}"):
    """The balanced {...} starting at text[start], or None."""
    depth = 0
    in_str = False
    esc = False
    for i in range(start, len(text)):
        c = text[i]
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
            continue
        if c == '"':
            in_str = True
        elif c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def graphql_blocks(text):
    """Documents that start with `query` or `mutation` at a line start and balance."""
    out = []
    for keyword in ("query ", "mutation ", "query{", "{\n"):
        pos = 0
        while True:
            pos = text.find(keyword, pos)
            if pos < 0:
                break
            if pos == 0 or text[pos - 1] in "\n\"'":
                brace = text.find("{", pos)
                if brace >= 0:
                    # Skip a variable list with default values in braces? Not in the guides.
                    body = balanced(text, brace, "{", "}")
                    if body:
                        out.append(text[pos:brace] + body)
            pos += len(keyword)
    return out


def json_objects(text):
    out = []
    pos = 0
    while True:
        pos = text.find("{", pos)
        if pos < 0:
            break
        candidate = balanced(text, pos)
        if candidate:
            try:
                out.append(json.loads(candidate))
            except ValueError:
                pass
        pos += 1
    return out


def write(directory, data):
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main():
    guides, repo, out = sys.argv[1:4]
    texts = []
    for name in sorted(os.listdir(guides)):
        if name.endswith(".txt"):
            with open(os.path.join(guides, name), encoding="utf-8") as f:
                texts.append(f.read())

    responses = os.path.join(out, "decode_responses")
    operations = os.path.join(out, "validate_operation")
    schemas = os.path.join(out, "schema_load")
    counts = {"decode_responses": 0, "validate_operation": 0, "schema_load": 0}

    for text in texts:
        for obj in json_objects(text):
            write(responses, json.dumps(obj))
            counts["decode_responses"] += 1
            if isinstance(obj, dict):
                if isinstance(obj.get("data"), (dict, list)):
                    write(responses, json.dumps(obj["data"]))
                    counts["decode_responses"] += 1
                if isinstance(obj.get("query"), str):
                    write(operations, obj["query"])
                    counts["validate_operation"] += 1
        for doc in graphql_blocks(text):
            write(operations, doc)
            counts["validate_operation"] += 1

    for endpoint in ("main", "tenants"):
        qdir = os.path.join(repo, "queries", endpoint)
        for name in sorted(os.listdir(qdir)):
            with open(os.path.join(qdir, name), encoding="utf-8") as f:
                write(operations, f.read())
                counts["validate_operation"] += 1

    # Introspection seeds: the bundled schemas cut down to the root types and a few more.
    for endpoint in ("main", "tenants"):
        with open(os.path.join(repo, "schema", endpoint + ".json"), encoding="utf-8") as f:
            schema = json.load(f)
        root = schema.get("data", schema)["__schema"]
        keep = {"Query", "Mutation", "String", "ID", "Int", "Boolean", "Float"}
        for t in root["types"][:12]:
            keep.add(t["name"])
        small = dict(root)
        small["types"] = [t for t in root["types"] if t["name"] in keep]
        write(schemas, json.dumps({"data": {"__schema": small}}))
        write(schemas, json.dumps({"__schema": small}))
        counts["schema_load"] += 2
    write(schemas, '{"data":{"__schema":{"queryType":{"name":"Query"},"types":[{"kind":"OBJECT","name":"Query","fields":[{"name":"x","args":[],"type":{"kind":"SCALAR","name":"String","ofType":null},"isDeprecated":false}],"interfaces":[]},{"kind":"SCALAR","name":"String"}],"directives":[]}}}')
    counts["schema_load"] += 1

    for target, n in counts.items():
        print(f"seeds: {target}: {n} seed inputs")


if __name__ == "__main__":
    main()
