"""A worker that runs code reads its requests from the input the process started with
(sys.__stdin__, once it has redirected sys.stdin): that input is standard input, a user-input
source (rules/sources.toml), in whichever file of the project it is read."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy


def _scan(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, str | None]]:
    for name, code in {"app/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return [(Path(f.path).name, f.rule, f.origin) for f in result.findings]


def test_a_worker_runs_what_it_reads_from_its_original_input(tmp_path: Path) -> None:
    # a code-running worker (dspy's local interpreter) redirects sys.stdin and reads its
    # requests from sys.__stdin__, in another file than the exec
    found = _scan(
        tmp_path,
        {
            "app/protocol.py": """\
                import json
                import sys

                def receive():
                    line = sys.__stdin__.readline()
                    return json.loads(line)
                """,
            "app/worker.py": """\
                from app.protocol import receive

                class Session:
                    def execute(self, request):
                        exec(compile(request["code"], "<interpreter>", "exec"), {})

                def main():
                    session = Session()
                    while True:
                        session.execute(receive())
                """,
        },
    )
    assert found == [("worker.py", "AUD103", "user-input")]
