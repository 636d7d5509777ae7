"""Precision of the project-wide stage on what the real-code evaluation found wrong: one
caller's value leaking into another's result, arguments that are not the payload, tuple
unpacking (benchmarks/origins_eval.py; issue 15)."""

from __future__ import annotations

from pathlib import Path

from auditor.findings import Finding
from tests.conftest import scan_files


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    return scan_files(tmp_path, files)


def test_a_helper_returns_what_each_caller_passed_not_what_any_caller_did(
    tmp_path: Path,
) -> None:
    [finding] = _scan(
        tmp_path,
        {
            "m.py": """
            import platform, subprocess, urllib.request
            def _inner(x):
                return x.strip()
            def to_text(obj):
                return _inner(obj)
            def fetch(url):
                return to_text(urllib.request.urlopen(url).read())
            def deploy():
                subprocess.run(to_text(platform.node()), shell=True)
            """
        },
    )
    # the network response fetch() passes does not reach deploy()'s call (a value of the
    # program: a literal, ``to_text(" ls -l ")``, is now what the helpers return for it, a
    # constant: tests/flow/test_inline_returns.py)
    assert finding.origin == "internal" and finding.risk == "high"


def test_the_same_helper_still_carries_a_source_to_its_own_caller(tmp_path: Path) -> None:
    [finding] = _scan(
        tmp_path,
        {
            "m.py": """
            import subprocess, urllib.request
            def _inner(x):
                return x.strip()
            def to_text(obj):
                return _inner(obj)
            def deploy(url):
                subprocess.run(to_text(urllib.request.urlopen(url).read()), shell=True)
            """
        },
    )
    assert (finding.origin, finding.rule) == ("remote-input", "AUD001")
    notes = [s.kind for s in finding.flow]
    assert notes[0] == "source" and notes[-1] == "reaches"


def test_exec_globals_and_an_environment_are_not_the_payload(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "m.py": """
            import os
            def run(code):
                exec(code, {"HOME": os.environ["HOME"]})
            def spawn(path, argv):
                os.execve(path, argv, {"TOKEN": os.environ["TOKEN"]})
            """
        },
    )
    assert [f.origin for f in findings] == ["parameter", "parameter"]


def test_a_tuple_unpacked_from_a_source_carries_it(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "m.py": """
            import os, sys, optparse
            x, y = sorted(sys.argv)
            os.system(x)
            parser = optparse.OptionParser()
            opts, args = parser.parse_args()
            os.system(args[0])
            for name, value in os.environ.items():
                os.system(value)
            """
        },
    )
    assert [f.origin for f in findings] == ["user-input", "user-input", "environment"]
    assert all(f.payload == "dynamic" for f in findings)


def test_a_program_from_the_environment_is_not_said_to_be_chosen_by_its_arguments(
    tmp_path: Path,
) -> None:
    """``[editor, path]`` with the editor from ``$EDITOR`` and the path from model output:
    the request reaches the arguments, not the program (gptme's useredit.py was "a program
    chosen by model output"). Where the program itself is the model's, it says so."""
    found = _scan(
        tmp_path,
        {
            "m.py": """
            import os, subprocess
            from openai import OpenAI
            client = OpenAI()
            def edit():
                name = client.responses.create(model="m", input="x").output_text
                editor = os.environ.get("EDITOR", "nano")
                subprocess.run([editor, name])
                subprocess.run([name, "--help"])
            """,
        },
    )
    by_line = {f.line: f for f in found}
    both, alone = by_line[8], by_line[9]
    assert (both.rule, both.origin) == ("AUD002", "llm-output")
    assert "chosen at run time by the environment (environment) with arguments from model" in (
        both.message
    )
    assert (alone.rule, alone.origin) == ("AUD002", "llm-output")
    assert "runs a program chosen by model output (llm-output)" in alone.message


def test_iterating_over_what_a_connection_holds_is_not_a_message(tmp_path: Path) -> None:
    # django/db/backends/base/creation.py: a list of the database backend's, not messages
    [finding] = _scan(
        tmp_path,
        {
            "m.py": """
            import importlib
            class Creation:
                def __init__(self, connection):
                    self.connection = connection
                def mark(self):
                    for name in self.connection.features.expected_failures:
                        importlib.import_module(name)
            """
        },
    )
    assert finding.origin != "remote-input" and finding.risk != "critical"
