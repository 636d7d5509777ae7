"""A worker that runs code reads its requests from the input the process started with
(sys.__stdin__, once it has redirected sys.stdin): that input is standard input, a user-input
source (rules/sources.toml), in whichever file of the project it is read."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files


def _scan(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, str | None]]:
    found = scan_files(tmp_path, {"app/__init__.py": "", **files})
    return [(Path(f.path).name, f.rule, f.origin) for f in found]


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
