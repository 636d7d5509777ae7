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
