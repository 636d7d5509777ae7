"""A name bound from itself many times (``s = s.strip()``, ``p = p.parent``, common in
path and text handling) made the resolver and the payload evaluator follow every binding
from every binding: 2 ** n or n ** depth lookups (262 s for one function of 30 such lines).
Counted here, not timed: the lookups must stay about quadratic in the bindings."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from auditor.scan import payload, resolve
from tests.conftest import make_policy


def _write(tmp_path: Path, line: str, n: int) -> None:
    body = [f"    {line}"] * n
    (tmp_path / "app.py").write_text(
        "\n".join(["import os", "", "def f(p):", *body, "    os.system(p)", ""])
    )


def _counted(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> list[int]:
    count = [0]
    original = getattr(cls, name)

    def wrapper(self: object, *args: object) -> object:
        count[0] += 1
        return original(self, *args)

    monkeypatch.setattr(cls, name, wrapper)
    return count


@pytest.mark.parametrize("line", ["p = p.parent", "p = p.strip()", "p = p + '/x'"])
@pytest.mark.parametrize("n", [30, 100])
def test_a_name_bound_from_itself_n_times_costs_about_n_squared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, n: int
) -> None:
    _write(tmp_path, line, n)
    bindings = _counted(monkeypatch, resolve.Resolver, "_binding")
    names = _counted(monkeypatch, payload.Evaluator, "_name")
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert [f.rule for f in result.findings] == ["AUD101"]
    # 30 lines: 2,791 binding lookups and 931 names evaluated; before, 268 million
    assert bindings[0] < 5 * n * n, bindings[0]
    assert names[0] < 5 * n * n, names[0]


@pytest.mark.parametrize("n", [30, 100])
def test_what_a_function_returns_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    """``f1`` returns ``f0() or f0()``, ``f2`` returns ``f1() or f1()``..., ``f0`` the
    sandbox's runner (so that every branch is read, for a host runner that would win), and
    ``f4()`` is called n times: what a call returns (auditor.scan.resolve's ``_returned``)
    is read once per function, not once per path through the chain at every call."""
    lines = ["from auditor import sandbox", "", "def f0():", "    return sandbox.run"]
    for i in range(1, 5):
        lines += [f"def f{i}():", f"    return f{i - 1}() or f{i - 1}()"]
    lines += ["def go(c):", *[f"    f4()(c + '{i}')" for i in range(n)], ""]
    (tmp_path / "app.py").write_text("\n".join(lines))
    returned = _counted(monkeypatch, resolve.Resolver, "_returned")
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert {(f.sink, f.isolated) for f in result.findings} == {("auditor.sandbox.run", True)}
    assert len(result.findings) == n
    # 30 calls: 38 reads of what a call returns; without reading each function once, 930
    assert returned[0] < 10 * n, returned[0]
