"""auditor.scan.cst_parse: libcst's parse without validating each node the parser builds,
while every node built otherwise (the codemods' rewrites) is still validated."""

from __future__ import annotations

import threading
from pathlib import Path

import libcst as cst
import pytest
from libcst._nodes.base import CSTValidationError

from auditor.scan import cst_parse

CODE = '''\
import os


@decorator(1, *a, **k)
async def go(x: int = 2, /, *, y: "str" = f"{x!r:>{w}}") -> None:
    """doc"""
    async with a as (b, c):
        match x:
            case [1, *rest] if rest:
                os.system(x); print(-x ** 2, not x, x if y else lambda: (yield))
    return [i for i in range(3) if i] or {**k} and {1, 2} @ x[1:2, ...]
'''


def test_the_tree_is_the_one_libcst_builds() -> None:
    ours = cst_parse.parse_module(CODE)
    assert ours.code == CODE
    assert ours.deep_equals(cst.parse_module(CODE))


def test_the_auditors_own_sources_parse_the_same() -> None:
    for path in sorted(Path(cst_parse.__file__).parent.glob("*.py"))[:8]:
        text = path.read_text()
        assert cst_parse.parse_module(text).deep_equals(cst.parse_module(text)), path


def test_nodes_built_after_a_parse_are_validated() -> None:
    cst_parse.parse_module(CODE)
    with pytest.raises(CSTValidationError):
        cst.Name("not an identifier")


def test_a_syntax_error_leaves_validation_on() -> None:
    with pytest.raises(cst.ParserSyntaxError):
        cst_parse.parse_module("def (:\n")
    with pytest.raises(CSTValidationError):
        cst.Name("")


def test_nodes_another_thread_builds_during_a_parse_are_validated() -> None:
    """Another thread's parse in progress (its id in the set) does not turn off the
    validation of the nodes this thread builds."""
    other = threading.get_ident() + 1
    with cst_parse._lock:
        cst_parse._parsing.add(other)
        cst.CSTNode.__post_init__ = cst_parse._post_init  # type: ignore[method-assign,assignment]
    try:
        with pytest.raises(CSTValidationError):
            cst.Name("")
    finally:
        with cst_parse._lock:
            cst_parse._parsing.discard(other)
            cst.CSTNode.__post_init__ = cst_parse._validating  # type: ignore[method-assign,assignment]


def test_the_parsers_nodes_are_not_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    validate = cst.Name._validate

    def counting(node: cst.Name) -> None:
        checked.append(node.value)
        validate(node)

    monkeypatch.setattr(cst.Name, "_validate", counting)
    cst_parse.parse_module("x = y\n")
    assert checked == []
    cst.parse_module("x = y\n")
    assert checked == ["x", "y"]


def _installed_during_parse(monkeypatch: pytest.MonkeyPatch) -> object:
    """The ``__post_init__`` in place while libcst parses (seen from inside the parse)."""
    seen: list[object] = []
    parse = cst.parse_module

    def spying(source: str) -> cst.Module:
        seen.append(cst.CSTNode.__post_init__)
        return parse(source)

    monkeypatch.setattr(cst, "parse_module", spying)
    cst_parse.parse_module("x = y\n")
    return seen[0]


def test_a_parse_alone_installs_no_check_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """The only thread alive: no per-node check of the building thread (it cost about as
    much as the validation it skipped)."""
    assert threading.active_count() == 1
    assert _installed_during_parse(monkeypatch) is cst_parse._skip
    with pytest.raises(CSTValidationError):
        cst.Name("")


def test_with_another_thread_alive_its_nodes_are_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another thread alive during a parse: the check by thread is in place, and a node that
    thread builds while this one parses is validated."""
    build, built = threading.Event(), threading.Event()
    outcome: list[str] = []

    def other() -> None:
        build.wait(10)
        try:
            cst.Name("")
            outcome.append("not validated")
        except CSTValidationError:
            outcome.append("validated")
        built.set()

    parse = cst.parse_module
    installed: list[object] = []

    def parsing(source: str) -> cst.Module:
        installed.append(cst.CSTNode.__post_init__)
        build.set()  # the other thread builds its node now, while this one is parsing
        built.wait(10)
        return parse(source)

    monkeypatch.setattr(cst, "parse_module", parsing)
    thread = threading.Thread(target=other)
    thread.start()
    try:
        cst_parse.parse_module("x = y\n")
    finally:
        thread.join(10)
    assert installed == [cst_parse._post_init]
    assert outcome == ["validated"]
