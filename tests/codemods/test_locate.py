"""The codemods' short cuts change speed, never rewrites: the sites' calls found by pairing
libcst's calls with the ``ast`` ones sit where libcst's PositionProvider puts them, the
transform that descends only into the nodes holding a site (and the unused-import removal
that knows its answer) writes the same file as the full metadata, transform and removal,
and the fast name counts are libcst visitors' counts, on real code."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import libcst as cst
import pytest
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from auditor import codemod_support, planning
from auditor.judge.policy import load_policy
from auditor.plans import FilePlan
from auditor.rewrite_context import RewriteContext
from auditor.sandbox.config import Settings
from auditor.scan.analyze import Context
from auditor.unused_imports import _libcst_context
from tests.conftest import REPO, cli_in_a_new_process

STDLIB = Path(os.__file__).parent
# standard library modules with sites of every codemod (os.system, os.popen, Popen with a
# shell, exec of generated code...), and the example backend
REAL = [
    *(
        STDLIB / name
        for name in (
            "platform.py",
            "webbrowser.py",
            "pydoc.py",
            "uuid.py",
            "pty.py",
            "pdb.py",
            "timeit.py",
        )
    ),
    *sorted((REPO / "examples" / "llm_backend").rglob("*.py")),
]
POLICY = load_policy(None)


def _plan(path: Path) -> FilePlan:
    data = path.read_bytes()
    rel = path.name
    return planning.plan_source(
        data,
        str(path),
        rel,
        path,
        Context(POLICY),
        planning.selected_codemods(None),
        None,
        Settings(),
    )


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_the_plan_is_the_full_metadata_plan(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _plan(path)
    located: list[bool] = []
    real_locate = codemod_support._locate

    def spy(*args: object) -> object:
        found = real_locate(*args)  # type: ignore[arg-type]
        located.append(found is not None)
        return found

    monkeypatch.setattr(codemod_support, "_locate", spy)
    again = _plan(path)
    # libcst's metadata for every node, and its own unused-import removal
    monkeypatch.setattr(codemod_support, "_locate", lambda *args: None)
    monkeypatch.setattr(
        codemod_support,
        "remove_unused_imports",
        lambda context, tree: RemoveImportsVisitor(_libcst_context(context)).transform_module(tree),
    )
    monkeypatch.setattr(
        codemod_support,
        "remove_unused_import_by_node",
        lambda context, node, index: RemoveImportsVisitor.remove_unused_import_by_node(
            _libcst_context(context), node
        ),
    )
    full = _plan(path)
    assert (fast.updated, fast.sites, fast.reviews, fast.rewritten, fast.error) == (
        full.updated,
        full.sites,
        full.reviews,
        full.rewritten,
        full.error,
    )
    assert again.updated == fast.updated
    assert all(located)  # the short cut was taken on each run of a codemod...
    assert located or not fast.rewritten  # ...and a codemod that rewrote a site ran


def test_the_codemods_resolve_only_the_metadata_a_rewrite_asks_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolved: Counter[str] = Counter()
    real = MetadataWrapper.resolve_many

    def spy(self: MetadataWrapper, providers: Any) -> Any:
        resolved.update(p.__name__ for p in providers)
        return real(self, providers)

    monkeypatch.setattr(MetadataWrapper, "resolve_many", spy)
    # four calls routed to the sandbox, nothing asks where a node is or what encloses it
    tools = REPO / "examples" / "llm_backend" / "app" / "tools.py"
    assert _plan(tools).rewritten == Counter({"route-to-sandbox": 4})
    assert not resolved, resolved
    # an import a rewrite made unused: found from the module-level imports, not libcst's scopes
    dropped: list[str] = []
    real_by_node, real_fallback = (
        codemod_support.remove_unused_import_by_node,
        RemoveImportsVisitor.remove_unused_import_by_node,
    )

    def by_node(context: Any, node: Any, index: Any) -> None:
        dropped.append("ours")
        real_by_node(context, node, index)

    def fallback(context: Any, node: Any) -> None:
        dropped.append("libcst")
        real_fallback(context, node)

    monkeypatch.setattr(codemod_support, "remove_unused_import_by_node", by_node)
    monkeypatch.setattr(RemoveImportsVisitor, "remove_unused_import_by_node", fallback)
    for path in REAL:  # the parents come from the pairing of the calls, never libcst's
        _plan(path)
    assert resolved["ScopeProvider"] and not resolved["ParentNodeProvider"], resolved
    assert dropped and set(dropped) == {"ours"}, dropped


def test_some_real_module_is_rewritten() -> None:
    changed = [p.name for p in REAL if _plan(p).changed]
    assert len(changed) >= 5, changed


@pytest.mark.parametrize("path", REAL[:6], ids=lambda p: p.name)
def test_every_call_is_where_the_position_provider_puts_it(path: Path) -> None:
    text = path.read_text()
    module = cst.parse_module(text)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    calls = [n for n in positions if isinstance(n, cst.Call)]
    expected = {}
    for call in calls:
        pos = positions[call]
        expected[(pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1)] = call
    sites = {key: key for key in expected}  # any value: every call is a "site"
    found = codemod_support._locate(module, text, sites)  # type: ignore[arg-type]
    assert found is not None
    assert len(found.sites) == len(calls) > 20
    for key, call in expected.items():  # each call's own place
        span = found.calls[id(call)]
        assert (span.line, span.column + 1, span.end_line, span.end_column + 1) == key
    assert {id(n) for n in calls} == set(found.sites)
    for node_id in found.sites:  # each call's parent is the one libcst's provider knows
        call = next(c for c in calls if id(c) == node_id)
        assert found.parents[node_id] is _parents(module).get(call)


_PARENTS: dict[int, dict[cst.CSTNode, cst.CSTNode]] = {}


def _parents(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    from libcst.metadata import ParentNodeProvider

    if id(module) not in _PARENTS:
        resolved = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
        _PARENTS[id(module)] = dict(resolved)
    return _PARENTS[id(module)]


class _Uses(cst.CSTVisitor):
    """libcst's own visit, counting as the codemods did before the fast count."""

    def __init__(self, imports: bool) -> None:
        self.imports = imports
        self.uses: Counter[str] = Counter()

    def visit_Name(self, node: cst.Name) -> None:
        self.uses[node.value] += 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        return self.imports

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return self.imports


@pytest.mark.parametrize("path", REAL[:6], ids=lambda p: p.name)
def test_the_fast_name_counts_are_libcsts(path: Path) -> None:
    module = cst.parse_module(path.read_text())
    without, with_imports = _Uses(imports=False), _Uses(imports=True)
    module.visit(without)
    module.visit(with_imports)
    assert codemod_support._name_uses(module) == without.uses
    assert codemod_support._names_in(module) == set(with_imports.uses)


def test_only_a_class_without_hooks_of_its_own_skips_the_nodes_without_sites() -> None:
    from auditor.codemods.route_to_sandbox import RouteToSandbox

    for cls in planning.CODEMODS.values():  # the shipped codemods take the short cut
        assert codemod_support._prunable(cls), cls

    class Counting(RouteToSandbox):
        seen: ClassVar[list[str]] = []

        def visit_Name(self, node: cst.Name) -> None:
            self.seen.append(node.value)

    assert not codemod_support._prunable(Counting)
    module = cst.parse_module("import os\nos.system(cmd)\nprint(x)\n")
    codemod = Counting(RewriteContext(), policy=POLICY, sandbox_settings=Settings())
    rewritten = codemod.transform_module(module)
    assert "x" in Counting.seen  # its own visit sees every node, not only the site's holders
    assert "sandbox.system(cmd)" in rewritten.code


def test_planning_does_not_import_libcsts_codemod_framework(tmp_path: Path) -> None:
    """libcst.codemod imports libcst.matchers: 0.2 s of a report's start-up. A plan that
    rewrites a call and removes the import it made unused needs neither."""
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n")
    (tmp_path / "job.py").write_text("import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    done = cli_in_a_new_process(["migrate", "--no-cache", "-j", "1", str(tmp_path)])
    assert done["code"] == 0, done["err"]
    assert "-import os\n" in str(done["out"]) and "+    sandbox.system(cmd)" in str(done["out"])
    modules = set(done["modules"])  # type: ignore[call-overload]
    assert "libcst" in modules  # it did plan (libcst parsed the file)...
    assert not {"libcst.codemod", "libcst.matchers"} & modules  # ...without the framework
