"""Sizes a reader can hold in mind: no module of the apps over 600 lines (migrations
aside), no function over 80 lines unless it is a table of data (named below)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "competitions", "adjudication", "leaderboard", "scoring_site")
MODULE_LINES = 600
FUNCTION_LINES = 80
# Functions that are one literal: the demo competition's description.
TABLES_OF_DATA = {("competitions/demo.py", "demo_description")}


def app_modules(root: Path = ROOT):
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(root).as_posix(), path.read_text()


def long_modules(modules) -> list[str]:
    return [
        f"{path}: {source.count(chr(10))} lines"
        for path, source in modules
        if source.count("\n") > MODULE_LINES
    ]


def long_functions(modules) -> list[str]:
    found = []
    for path, source in modules:
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            lines = node.end_lineno - node.lineno + 1
            if lines > FUNCTION_LINES and (path, node.name) not in TABLES_OF_DATA:
                found.append(f"{path}:{node.lineno} {node.name}: {lines} lines")
    return found


def test_no_module_over_600_lines():
    assert long_modules(app_modules()) == []


def test_no_function_over_80_lines():
    assert long_functions(app_modules()) == []


def test_the_checks_report_what_is_too_long():
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    source = f"def short():\n    return 1\n\n\nasync def long():\n{body}\n"
    module = [("adjudication/long.py", source + "\n" * MODULE_LINES)]
    assert long_functions(module) == ["adjudication/long.py:5 long: 81 lines"]
    assert long_modules(module) == [f"adjudication/long.py: {source.count(chr(10)) + 600} lines"]
    assert long_functions([("competitions/demo.py", f"def demo_description():\n{body}\n")]) == []
