"""The package's shape: commands only in footfall.cli, no import cycles anywhere, and
bumble (the ble-sim extra) needed only by what uses it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOST = REPO / "host" / "footfall"
# package -> its folder; every module under them is checked (the unix port's stand-ins in
# footfall/sim/mpy and mpy_ble are MicroPython scripts, not modules of these packages)
PACKAGES = {
    "footfall": HOST,
    "footfall_core": REPO / "firmware" / "footfall_core",
    "footfall_fw": REPO / "firmware" / "footfall_fw",
}


def modules() -> dict[str, Path]:
    """Every module of PACKAGES by dotted name (a package by its own name)."""
    found = {}
    for package, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "mpy" in parts or "mpy_ble" in parts:
                continue
            dotted = [package, *parts]
            if dotted[-1] == "__init__":
                dotted.pop()
            found[".".join(dotted)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that `name` imports, at its top or inside a function."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    out.add(sub)
                elif base in known:
                    out.add(base)
    out.discard(name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a path back to its start) through each strongly connected group."""
    found: list[list[str]] = []
    seen: set[str] = set()
    for start in sorted(graph):
        if start in seen:
            continue
        stack = [(start, [start])]
        visited = {start}
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    found.append([*path, start])
                    seen.update(path)
                    stack.clear()
                    break
                if nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return found


def test_the_cycle_finder_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_host_the_core_or_the_firmware_is_part_of_an_import_cycle() -> None:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert "footfall.sim" in graph and "footfall_fw.app" in graph  # the walk found them
    found = [" -> ".join(cycle) for cycle in cycles(graph)]
    assert not found, "import cycles: " + "; ".join(found)


def argparse_uses(path: Path) -> list[str]:
    """Where a module imports argparse, names Namespace, or reads attributes of `args`."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names]
            if any(n.split(".")[0] == "argparse" or n == "Namespace" for n in names):
                hits.append(f"{path.name}:{node.lineno}: imports argparse")
        elif isinstance(node, ast.Attribute) and node.attr == "Namespace":
            hits.append(f"{path.name}:{node.lineno}: Namespace")
        elif isinstance(node, ast.Name) and node.id in ("Namespace", "argparse"):
            hits.append(f"{path.name}:{node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "args":
                hits.append(f"{path.name}:{node.lineno}: args.{node.attr}")
    return hits


def test_only_footfall_cli_parses_arguments_domain_modules_take_values() -> None:
    outside = [p for p in sorted(HOST.rglob("*.py")) if "cli" not in p.relative_to(HOST).parts]
    assert len(outside) > 20
    hits = [hit for path in outside for hit in argparse_uses(path)]
    assert not hits, hits


def test_the_argparse_check_sees_a_namespace_in_a_domain_module(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import argparse\n\ndef run(args: argparse.Namespace):\n    return args.out\n")
    assert len(argparse_uses(bad)) == 4


# Run in a fresh interpreter where `import bumble` fails, as in an install without the
# ble-sim extra: import every footfall module, print `footfall --help`'s status, then make
# the one thing that needs bumble, a virtual radio, and print what the CLI would report.
WITHOUT_BUMBLE = """
import contextlib, importlib, io, pkgutil, sys

class NoBumble:
    def find_spec(self, name, path=None, target=None):
        if name == "bumble" or name.startswith("bumble."):
            raise ImportError(f"No module named {name!r} (blocked)")

sys.meta_path.insert(0, NoBumble())
import footfall
from footfall import cli
from footfall.errors import MissingExtra

names = [m.name for m in pkgutil.walk_packages(footfall.__path__, "footfall.")]
for name in names:
    if ".mpy" not in name and not name.endswith("__main__"):
        try:
            importlib.import_module(name)
        except MissingExtra as exc:
            print("extra", name, cli.fail(exc))
print("imported", len(names))
with contextlib.redirect_stdout(io.StringIO()) as shown:
    try:
        cli.main(["--help"])
    except SystemExit as exc:
        print("help", exc.code, "sim" in shown.getvalue(), file=sys.stderr)
assert "bumble" not in sys.modules
"""

# The modules of the ble-sim extra: each asks for bumble first thing, so importing one
# without it is MissingExtra (exit 1, naming the extra), never a bare ImportError.
BLE_SIM_MODULES = {
    "footfall.sim.ble_bridge",
    "footfall.sim.ble_peripheral",
    "footfall.sim.ble_serve",
    "footfall.transport.ble_bumble",
    "footfall.transport.ble_hci",
}


@pytest.mark.e2e
def test_without_bumble_only_the_extras_modules_ask_for_it_and_the_cli_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_BUMBLE], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    asked = {line.split()[1] for line in out if line.startswith("extra ")}
    assert asked == BLE_SIM_MODULES
    assert all(line.endswith(" 1") for line in out if line.startswith("extra "))
    assert out[-1].startswith("imported ") and int(out[-1].split()[1]) > 40
    err = proc.stderr.splitlines()
    said = "footfall: bumble is not installed; it comes with pip install 'footfall[ble-sim]'"
    assert err[-1] == "help 0 True"
    assert err[:-1] == [said] * len(BLE_SIM_MODULES)


def test_no_domain_module_imports_the_command_line() -> None:
    known = modules()
    wrong = [
        f"{name} imports {dep}"
        for name, path in known.items()
        if name.startswith("footfall.") and not name.startswith("footfall.cli")
        for dep in sorted(imports(name, path, known))
        if dep == "footfall.cli" or dep.startswith("footfall.cli.")
    ]
    assert not wrong, wrong
