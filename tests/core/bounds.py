"""Load footfall_core with every integer operation checked against the 2**30 small-int limit.

MicroPython on a 32-bit board keeps ints in -2**30 .. 2**30 - 1 as "small ints"; anything
outside becomes a heap-allocated long int (slow, and a MemoryError under heap_lock). The
64-bit unix port and CPython never notice. So the test rewrites the core's source: every
binary operation, augmented assignment and unary minus is wrapped in a check that raises
`SmallIntOverflow` when an int result leaves the range, and `FloatInCore` when a float
appears (float constants and `/` are refused at load). Temporaries are checked too, not only
stored values: `a * b >> 10` fails if `a * b` alone overflows. Errors name file, line, code.
Not checked: builtin calls such as pow() or sum() (the core uses operators).
"""

import ast
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

SMALL_INT_MIN = -(2**30)
SMALL_INT_MAX = 2**30 - 1


class SmallIntOverflow(ArithmeticError):
    pass


class FloatInCore(TypeError):
    pass


def _check(value: object, where: str) -> object:
    """Called only when a result is an int outside the range (or not an int at all)."""
    if isinstance(value, float):
        raise FloatInCore(f"{where}: float {value!r}")
    if isinstance(value, int) and not SMALL_INT_MIN <= value <= SMALL_INT_MAX:
        raise SmallIntOverflow(f"{where}: {value} is outside the 31-bit small-int range")
    return value


class _Wrap(ast.NodeTransformer):
    def __init__(self, filename: str, source: str):
        self.filename = filename
        self.lines = source.splitlines()

    def _where(self, lineno: int) -> str:
        return f"{self.filename}:{lineno}: {self.lines[lineno - 1].strip()}"

    def _call(self, node: ast.expr, lineno: int) -> ast.expr:
        # Inline, for speed:  (v if type(v := NODE) is int and MIN <= v <= MAX
        #                        else __check__(v, where))
        def v() -> ast.Name:  # a fresh node per use: compile() mishandles shared nodes
            return ast.Name("ffchk_v_", ast.Load())

        in_range = ast.BoolOp(
            ast.And(),
            [
                ast.Compare(
                    ast.Attribute(
                        ast.NamedExpr(ast.Name("ffchk_v_", ast.Store()), node),
                        "__class__",
                        ast.Load(),
                    ),
                    [ast.Is()],
                    [ast.Name("int", ast.Load())],
                ),
                ast.Compare(
                    ast.Constant(SMALL_INT_MIN),
                    [ast.LtE(), ast.LtE()],
                    [v(), ast.Constant(SMALL_INT_MAX)],
                ),
            ],
        )
        where = ast.Constant(self._where(lineno))
        fail = ast.Call(ast.Name("__check__", ast.Load()), [v(), where], [])
        return ast.IfExp(in_range, v(), fail)

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, float):
            raise FloatInCore(f"{self._where(node.lineno)}: float constant")
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Div):
            raise FloatInCore(f"{self._where(node.lineno)}: true division")
        return ast.copy_location(self._call(node, node.lineno), node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.USub | ast.Invert):
            return ast.copy_location(self._call(node, node.lineno), node)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.stmt:
        # x op= v  ->  x = check(x op v); the core's targets have no side effects.
        self.generic_visit(node)
        load = _as_load(node.target)
        value = self._call(ast.BinOp(load, node.op, node.value), node.lineno)
        return ast.copy_location(ast.Assign([node.target], value), node)


def _as_load(target: ast.expr) -> ast.expr:
    # Re-parsing the target as an expression gives it (and only it) a Load context; the
    # walrus targets inside keep their Store context.
    return ast.parse(ast.unparse(target), mode="eval").body


def checked_code(source: str, filename: str):
    """Compile `source` with every int operation range-checked (see module docstring)."""
    tree = _Wrap(Path(filename).name, source).visit(ast.parse(source, filename))
    return compile(ast.fix_missing_locations(tree), filename, "exec", dont_inherit=True)


class _CheckedLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):  # never the .pyc cache: it holds the plain code
        return checked_code(self.get_data(self.path).decode(), self.path)

    def exec_module(self, module: ModuleType) -> None:
        module.__check__ = _check
        super().exec_module(module)


class _Finder:
    def __init__(self, root: Path):
        self.root = root

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "footfall_core" and not fullname.startswith("footfall_core."):
            return None
        parts = fullname.split(".")
        if len(parts) == 1:
            file, pkg = self.root / "__init__.py", [str(self.root)]
        else:
            file, pkg = self.root.joinpath(*parts[1:]).with_suffix(".py"), None
        if not file.exists():
            return None
        loader = _CheckedLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(
            fullname, file, loader=loader, submodule_search_locations=pkg
        )


@contextmanager
def checked_core(root: Path) -> Iterator[None]:
    """Within the block, `import footfall_core...` gives the range-checked modules."""
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "footfall_core"}
    for k in saved:
        del sys.modules[k]
    finder = _Finder(root)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k.split(".")[0] == "footfall_core"]:
            del sys.modules[k]
        sys.modules.update(saved)
