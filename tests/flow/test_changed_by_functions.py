"""Another module's constants changed by a function handed the container first
(``operator.iadd(k.L, [x])``, ``list.extend(k.L, [x])``, ``bisect.insort(k.L, x)``,
``heapq.heappush(k.L, x)``: the table of rules/mutators.toml) or rebound through a
``__setattr__`` (``object.__setattr__(k, "A", x)``, ``k.__setattr__("A", x)``,
``k.__dict__.__setitem__("A", x)``) are not constants (attack round trust8, t16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

CONSTS = "A = 'uptime'\nL = ['uptime']\n"
SITES = {
    "from pkg.consts import A, L\nimport os, subprocess\n"
    "def go():\n    os.system(A)\n    subprocess.run(L)\n": "imported",
    "from pkg import consts\nimport os, subprocess\n"
    "def go():\n    os.system(consts.A)\n    subprocess.run(consts.L)\n": "attribute",
}
WRITES = {
    "object.__setattr__(k, 'A', x)": "A",
    "k.__setattr__('A', x)": "A",
    "k.__dict__.__setitem__('A', x)": "A",
    "operator.iadd(k.L, [x])": "L",
    "list.extend(k.L, [x])": "L",
    "bisect.insort(k.L, x)": "L",
    "heapq.heappush(k.L, x)": "L",
    "heappush(k.L, x)": "L",
    "dict.update(k.L, c=x)": "L",
}


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("write", WRITES)
def test_a_constant_changed_so_from_another_file_is_not_one(
    tmp_path: Path, site: str, write: str
) -> None:
    web = (
        "import sys, operator, bisect, heapq\nfrom heapq import heappush\n"
        "from pkg import consts as k\n"
        f"def setup():\n    x = sys.argv[1]\n    {write}\n"
    )
    found = scan_files(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/consts.py": CONSTS, "pkg/web.py": web, "pkg/app.py": site},
    )
    changed = WRITES[write]
    line = 4 if changed == "A" else 5
    [finding] = [f for f in found if f.path.endswith("app.py") and f.line == line]
    assert finding.payload == "dynamic", (write, finding.message)
    others = [f for f in found if f.path.endswith("app.py") and f.line != line]
    assert [f.payload for f in others] == ["constant"], write  # the other name is untouched
