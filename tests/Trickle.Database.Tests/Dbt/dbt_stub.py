#!/usr/bin/env python3
"""Renders the trickle dbt package's macros as dbt would run them, with Jinja2 and a minimal stand-in for dbt's context.

dbt itself cannot be installed on the test machines, so this provides what the macros use of it: config, this, model,
sql, context (the macros by name), statement (capturing what it would execute), run_query (capturing too), return,
exceptions, execute, local_md5, modules, graph, log, run_hooks. As dbt does, a materialization becomes a macro named
materialization_<name>_<adapter> and every macro is a global, so that `return` works across calls.

Usage: dbt_stub.py --macros DIR [--macros DIR…] --node NODE.json (--materialize | --run-operation MODEL_NAME) --out SQL
Writes the SQL that would run, in order, to --out (one statement block after another); exits 1 with the message when
a macro raises a compiler error.
"""
import argparse
import glob
import hashlib
import json
import re
import sys

import jinja2
import jinja2.ext


class Return(Exception):
    def __init__(self, value):
        super().__init__("return")
        self.value = value


class CompilerError(Exception):
    pass


def macro_sources(path):
    """Each {% macro %} (and {% materialization %}, renamed as dbt does) of a file, as a template of its own."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"{%-?\s*materialization\s+(\w+)\s*,\s*adapter\s*=\s*'(\w+)'\s*-?%}",
                  r"{% macro materialization_\1_\2() %}", text)
    text = re.sub(r"{%-?\s*endmaterialization\s*-?%}", "{% endmacro %}", text)
    pattern = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(.*?{%-?\s*endmacro\s*-?%}", re.S)
    return [(m.group(1), m.group(0)) for m in pattern.finditer(text)]


class Config:
    def __init__(self, values):
        self.values = values

    def get(self, key, default=None):
        return self.values.get(key, default)

    def require(self, key):
        return self.values[key]


class Relation:
    def __init__(self, schema, identifier):
        self.schema, self.identifier = schema, identifier

    def incorporate(self, **_):
        return self

    def __str__(self):
        return f'"{self.schema}"."{self.identifier}"'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--macros", action="append", required=True)
    parser.add_argument("--node", required=True, help="the model node (a manifest entry) as JSON")
    parser.add_argument("--nodes", help="every node of the manifest, for graph (run-operation)")
    parser.add_argument("--materialize", action="store_true")
    parser.add_argument("--run-operation")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    node = json.load(open(args.node, encoding="utf-8"))
    nodes = json.load(open(args.nodes, encoding="utf-8")) if args.nodes else {node["unique_id"]: node}
    executed = []

    env = jinja2.Environment(extensions=[jinja2.ext.do], undefined=jinja2.StrictUndefined)

    def wrap(macro):
        def call(*a, **k):
            try:
                return macro(*a, **k)
            except Return as r:
                return r.value
        return call

    def do_return(value):
        raise Return(value)

    def statement(name=None, fetch_result=False, auto_begin=True, language="sql", caller=None):
        executed.append(str(caller()))
        return ""

    def run_query(sql):
        executed.append(str(sql))
        return []

    def raise_compiler_error(message):
        raise CompilerError(message)

    class Modules:
        re = re

    class Graph:
        def __init__(self, nodes):
            self.nodes = nodes

    env.globals.update({
        "return": do_return,
        "statement": statement,
        "run_query": run_query,
        "exceptions": type("Exceptions", (), {"raise_compiler_error": staticmethod(raise_compiler_error)}),
        "execute": True,
        "local_md5": lambda text: hashlib.md5(text.encode("utf-8")).hexdigest(),
        "modules": Modules,
        "graph": Graph(nodes),
        "log": lambda message, info=False: print(message, file=sys.stderr),
        "run_hooks": lambda hooks, **_: "",
        "pre_hooks": [],
        "post_hooks": [],
        "model": node,
        "sql": node["compiled_code"],
        "config": Config(node["config"]),
        "this": Relation(node["schema"], node["config"].get("alias") or node["alias"]),
    })
    env.globals["context"] = env.globals
    # A template copies the globals when it is loaded: every macro name is bound first to a stand-in that calls the
    # macro as loaded later, so that macros can call each other whatever the order they are loaded in.
    sources = [item for directory in args.macros for path in sorted(glob.glob(f"{directory}/*.sql")) for item in macro_sources(path)]
    implementations = {}
    for name, _ in sources:
        env.globals[name] = (lambda macro_name: lambda *a, **k: implementations[macro_name](*a, **k))(name)
    for name, source in sources:
        implementations[name] = wrap(getattr(env.from_string(source).module, name))

    try:
        if args.materialize:
            result = env.globals["materialization_stream_table_postgres"]()
            assert result["relations"], "the materialization returns the relation it built"
        else:
            env.globals["trickle_install"](model_name=args.run_operation)
    except CompilerError as error:
        print(f"Compilation Error: {error}", file=sys.stderr)
        return 1
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("\n".join(executed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
