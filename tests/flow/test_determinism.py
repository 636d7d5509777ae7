"""The project stage gives the same flows whatever order the files' results come in: the
largest files first on a cold run, the cached ones first when a file changed. Two callers
pass user input (the same origin) to one wrapper; the flow shown is the first one computed,
which followed the order results came in."""

from __future__ import annotations

from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy

PADDING = "".join(f"X{n} = {n}\n" for n in range(400))  # z.py is the largest file


def _flow_start(root: Path, cache: Path) -> str:
    result = scan(
        [root], policy=make_policy(root=str(root)), jobs=1, use_cache=True, cache_dir=cache
    )
    [finding] = [f for f in result.findings if f.path.endswith("tools.py")]
    assert finding.origin == "user-input"
    return Path(finding.flow[0].path).name


def test_the_flow_does_not_depend_on_which_results_were_cached(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    (root / "tools.py").write_text("import os\n\n\ndef run(c):\n    os.system(c)\n")
    (root / "a.py").write_text("import sys\n\nfrom tools import run\n\nrun(sys.argv[1])\n")
    (root / "u.py").write_text("VALUE = 1\n")
    (root / "z.py").write_text("from tools import run\n\n" + PADDING + "run(input())\n")
    cache = tmp_path / "cache"
    cold = _flow_start(root, cache)
    (root / "u.py").write_text("VALUE = 2\n")  # an unrelated change: the stage runs again
    warm = _flow_start(root, cache)
    assert cold == warm == "a.py"  # the first caller in the order the files were found


def test_of_two_equally_dangerous_reaches_the_choice_does_not_follow_the_order() -> None:
    """The reach met first won a tie, and which is met first followed sets of names: the
    flow shown for ansible-core's local connection (file, either way) changed with
    PYTHONHASHSEED. The shorter flow wins, then the one whose steps come first."""
    from auditor.findings import Step
    from auditor.flow.propagate import Reach, _best

    short = Reach("file", (Step("b.py", 3, 1, "a file's content"),))
    long = Reach("file", (Step("a.py", 1, 1, "a file's content"), Step("a.py", 2, 1, "x")))
    other = Reach("file", (Step("a.py", 9, 1, "a file's content"),))
    assert _best(short, long) is short and _best(long, short) is short
    assert _best(short, other) is other and _best(other, short) is other
    worse = Reach("user-input", long.flow)
    assert _best(short, worse) is worse and _best(worse, short) is worse


def test_the_parameters_an_attribute_reads_come_in_the_order_they_are_read() -> None:
    """What a base's attribute is set from is instantiated parameter by parameter, and
    what is instantiated first takes the budget: in a set's order, the flows shown for
    ansible-core changed with PYTHONHASHSEED (local.py:120, console.py or the connection
    stub's standard input)."""
    from auditor.flow.propagate import _params_read

    labels = [
        ("p", "Base.__init__", "zeta"),
        ("q", "shlex.quote", ("p", "Base.__init__", "alpha")),
        ("p", "Base.__init__", "zeta"),
        ("p", "Base.setup", "mid"),
    ]
    assert _params_read(labels) == [
        ("Base.__init__", "zeta"),
        ("Base.__init__", "alpha"),
        ("Base.setup", "mid"),
    ]


def test_the_sanitizers_of_a_parameters_ways_come_in_a_fixed_order() -> None:
    """Of two equally dangerous sanitized reaches the first merged gives the value its
    sanitizer, which keys the instantiations' memo: a frozenset's order (PYTHONHASHSEED)
    changed which call was instantiated and so the flows."""
    from auditor.flow.propagate import ordered_notes

    one = frozenset(["shlex.quote", None, "int", "\0cut shlex.quote"])
    other = frozenset(reversed(["shlex.quote", None, "int", "\0cut shlex.quote"]))
    assert ordered_notes(one) == ordered_notes(other)
    assert ordered_notes(one) == [None, "\0cut shlex.quote", "int", "shlex.quote"]
