"""The import rules of docs/architecture.md, checked on source text with ``ast``.

Every ``import`` counts, at the top of a module or inside a function or class, so a
wrong-way arrow cannot hide in a function body; so does ``apps.get_model("<app>", ...)``
for the layering rules (a model reached by name is an arrow all the same). Nothing is
imported or executed: the checks read files (or strings, in the checker's own tests).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Left to right: an app imports only apps to its left (and scoring_site's plumbing).
APPS = ("accounts", "competitions", "adjudication", "leaderboard")
PACKAGES = (*APPS, "scoring_site")

# scoring_site's wiring: the modules that put the apps together, so they may import every
# app. Everything else in scoring_site is plumbing, which imports no app and no wiring.
# The Celery app (scoring_site.celery) is plumbing: it finds the apps' tasks through
# INSTALLED_APPS when a worker starts and imports none of them.
WIRING = (
    "scoring_site.settings",  # the package and every module in it
    "scoring_site.urls",
    "scoring_site.api_urls",
    "scoring_site.routing",
    "scoring_site.asgi",
)

NOQA = re.compile(r"noqa(?::\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)?|type:\s*ignore\S*")


@dataclass(frozen=True)
class Import:
    path: str  # the importing file, relative to the project root
    line: int
    importer: str  # its dotted module name
    target: str  # the module imported (``from a import b`` is ``a.b`` when that is a module)
    in_function: bool  # inside a def or class body
    commented: bool  # a why-comment on its line or the line above (in-function ones)
    by_name: bool = False  # ``get_model("<app>", ...)``: no import, so not a cycle's edge

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def module_name(path: str) -> str:
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_wiring(module: str) -> bool:
    return any(module == w or module.startswith(w + ".") for w in WIRING)


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in PACKAGES else None


def read_tree(root: Path) -> dict[str, str]:
    """Every ``.py`` of the apps and scoring_site (migrations aside), by relative path."""
    sources = {}
    for package in PACKAGES:
        for file in sorted((root / package).rglob("*.py")):
            relative = file.relative_to(root)
            if "migrations" not in relative.parts:
                sources[relative.as_posix()] = file.read_text(encoding="utf-8")
    return sources


def _comments(source: str) -> dict[int, str]:
    """Line number → the comment on it, with noqa and type-ignore directives taken out."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = NOQA.sub("", token.string.lstrip("#")).strip()
    return found


def _says_why(text: str | None) -> bool:
    return bool(text and re.search(r"[A-Za-z]{2}", text))


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _statements(tree: ast.AST) -> Iterable[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement, and whether it sits inside a def, lambda or class body."""

    def walk(node: ast.AST, nested: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, nested
            scope = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            yield from walk(child, nested or isinstance(child, scope))

    yield from walk(tree, False)


def scan(sources: Mapping[str, str]) -> list[Import]:
    """The imports of ``sources`` (relative path → text)."""
    modules = {module_name(path) for path in sources}
    found: list[Import] = []
    for path, source in sources.items():
        module = module_name(path)
        comments = _comments(source)
        statements = sorted(_statements(ast.parse(source, path)), key=lambda s: s[0].lineno)
        covered_until = -1  # last line of an in-function import whose comment covers the next
        for node, nested in statements:
            lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
            commented = not nested or (
                any(_says_why(comments.get(n)) for n in lines)
                or _says_why(comments.get(node.lineno - 1))
                or covered_until == node.lineno - 1  # one comment above a run of imports
            )
            if nested and commented:
                covered_until = lines[-1]
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(node, module, path.endswith("__init__.py"))
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in dict.fromkeys(targets):
                found.append(Import(path, node.lineno, module, target, nested, commented))
        found.extend(_models_by_name(ast.parse(source, path), path, module))
    return sorted(found, key=lambda i: (i.path, i.line))


def _models_by_name(tree: ast.AST, path: str, module: str) -> Iterable[Import]:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        label = node.args[0]
        if name == "get_model" and isinstance(label, ast.Constant) and label.value in APPS:
            yield Import(path, node.lineno, module, f"{label.value}.models", False, True, True)


def layering_violations(imports: Iterable[Import]) -> list[str]:
    """An app importing an app to its right, or scoring_site's wiring."""
    found = []
    for i in imports:
        source, target = app_of(i.importer), app_of(i.target)
        if source not in APPS or target is None or source == target:
            continue
        if target == "scoring_site":
            if is_wiring(i.target):
                found.append(f"{i.where}: {source} imports the wiring {i.target}")
        elif APPS.index(target) > APPS.index(source):
            found.append(f"{i.where}: {source} imports {i.target} ({target} comes after it)")
    return found


def plumbing_violations(imports: Iterable[Import]) -> list[str]:
    """scoring_site's plumbing importing an app or the wiring."""
    found = []
    for i in imports:
        if app_of(i.importer) != "scoring_site" or is_wiring(i.importer):
            continue
        if app_of(i.target) in APPS:
            found.append(f"{i.where}: plumbing {i.importer} imports the app module {i.target}")
        elif is_wiring(i.target):
            found.append(f"{i.where}: plumbing {i.importer} imports the wiring {i.target}")
    return found


def cycles(imports: Iterable[Import]) -> list[str]:
    """Each import cycle among the project's modules, as a path of file:line arrows."""
    edges: dict[str, dict[str, Import]] = {}
    for i in imports:
        if app_of(i.target) and i.target != i.importer and not i.by_name:
            edges.setdefault(i.importer, {}).setdefault(i.target, i)
    found = []
    for component in _strongly_connected(edges):
        path = _cycle_in(component, edges)
        arrows = [edges[a][b] for a, b in zip(path, path[1:], strict=False)]
        found.append(
            " → ".join(path) + " (" + ", ".join(f"{a.where} {a.target}" for a in arrows) + ")"
        )
    return found


def _strongly_connected(edges: Mapping[str, Mapping[str, Import]]) -> list[set[str]]:
    """Tarjan's components of more than one module, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def _cycle_in(component: set[str], edges: Mapping[str, Mapping[str, Import]]) -> list[str]:
    """A shortest cycle through the component's first module (breadth first)."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges.get(node, ())):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child in component and child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def uncommented(imports: Iterable[Import]) -> list[str]:
    """In-function imports with no comment saying why they are not at the top."""
    seen = set()
    found = []
    for i in imports:
        if i.in_function and not i.commented and i.where not in seen:
            seen.add(i.where)
            found.append(f"{i.where}: import of {i.target} in a function says not why")
    return found
