"""The layering a newcomer is promised (README's map, issue 26): bots → conversation → use cases
(core.service) → reading / music / store; the music domain ranks over records, never the store; the
label vocabulary stands alone; nothing below imports what is above it; no import circle; no class
under core/ with more than 20 public methods. Read from the source (every import, lazy ones too), so
a new arrow fails here before a reviewer has to spot it."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "core", "models", "evaluation")
MAX_PUBLIC_METHODS = 20


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every project module `path` imports, at the top or inside a function (the project writes
    absolute imports only; a relative one fails here)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"{path}: relative import"
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        out.update(n for n in names if n.split(".")[0] in PACKAGES)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    known = set(files)

    def resolve(name: str):
        """`from core.store import Store` names an attribute: the longest prefix that is a module."""
        parts = name.split(".")
        return next((".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in known), None)

    return {mod: {r for r in map(resolve, imports_of(path)) if r and r != mod} for mod, path in files.items()}


def arrows(graph, source_prefix: str, target_prefixes: tuple[str, ...]) -> list[str]:
    return sorted(f"{src} → {dst}" for src, dsts in graph.items() if src == source_prefix or src.startswith(source_prefix + ".")
                  for dst in dsts if any(dst == t or dst.startswith(t + ".") for t in target_prefixes))


def test_the_core_never_imports_what_stands_above_it(graph):
    assert arrows(graph, "core", ("bot", "evaluation", "scripts", "tests")) == []
    assert arrows(graph, "models", ("bot", "evaluation", "core.service", "core.store")) == []


def test_the_music_domain_reads_records_never_the_store(graph):
    store = ("core.store.base", "core.store.sqlite", "core.store.postgres", "core.store.votes", "core.service", "bot")
    assert arrows(graph, "core.music", store) == []
    assert "core.store" not in {d for s, ds in graph.items() if s.startswith("core.music") for d in ds}  # the package's door
    assert arrows(graph, "core.reading", ("core.store", "core.service", "core.music", "bot")) == []


def test_the_bots_reach_data_only_through_the_use_cases(graph):
    assert arrows(graph, "bot", ("core.store",)) == []


def test_the_label_vocabulary_stands_alone(graph):
    assert graph["core.emotions"] == set()


def test_no_import_circle(graph):
    """Tarjan's strongly connected components over every import, lazy ones included."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    # a package's __init__ importing its own modules is not a circle through them
    circles = [c for c in circles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert circles == []


def public_methods(cls: type) -> list[str]:
    """The public methods and properties a caller sees on `cls`, inherited ones included."""
    return sorted(name for name, member in inspect.getmembers(cls)
                  if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
                  and name not in ("register",))  # typing.Protocol plumbing


def core_classes():
    for path in sorted((ROOT / "core").rglob("*.py")):
        module = importlib.import_module(module_name(path))
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                yield f"{module.__name__}.{cls.__qualname__}", cls


def test_no_class_under_core_has_more_than_20_public_methods():
    big = {name: len(public_methods(cls)) for name, cls in core_classes() if len(public_methods(cls)) > MAX_PUBLIC_METHODS}
    assert big == {}


def test_importing_the_vocabulary_and_the_music_domain_loads_no_model_and_no_driver():
    """`import core.emotions` used to load OpenCV (through models.faces); the music domain, the
    SQLite driver (through core.store)."""
    code = ("import sys, core.emotions, core.music.recommender, core.music.catalog, core.music.spotify; "
            "print(sorted(m for m in ('cv2', 'onnxruntime', 'torch', 'aiosqlite', 'psycopg', 'models.faces') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"
