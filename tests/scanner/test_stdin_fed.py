"""A shell or interpreter started with nothing to run reads its commands from its standard
input (``["bash"]``, ``[sys.executable, "-"]``, ``["sh", "-s"]``): what runs is what the
call feeds it there. An agent's persistent shell (``Popen(["bash"], stdin=PIPE)`` and
``proc.stdin.write(command)``) is exactly that: it must not pass as a constant command."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import make_policy

CASES = [
    # (the call, rule, payload)
    ('subprocess.Popen(["bash"], stdin=subprocess.PIPE, text=True)', "AUD101", "dynamic"),
    ('subprocess.Popen(["sh", "-s"], stdin=subprocess.PIPE)', "AUD101", "dynamic"),
    ('subprocess.run(["bash"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run([sys.executable, "-"], input=cmd, text=True)', "AUD103", "dynamic"),
    ('subprocess.run(["sudo", "-s"], input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["bash"], stdin=open(cmd))', "AUD101", "dynamic"),
    # a shell string whose command reads its input
    ('subprocess.Popen("bash -s", shell=True, stdin=subprocess.PIPE)', "AUD101", "dynamic"),
    ('subprocess.run("sh", shell=True, input=cmd, text=True)', "AUD101", "dynamic"),
    ('subprocess.run(["bash"], shell=True, input=cmd, text=True)', "AUD101", "dynamic"),
    ('os.system("bash")', "AUD201", "constant"),
    # what it reads is known, or the caller's own input
    ('subprocess.run(["bash"], input="echo hi", text=True)', "AUD301", "constant"),
    ('subprocess.run(["bash"])', "AUD301", "constant"),
    ('subprocess.run(["bash"], stdin=None)', "AUD301", "constant"),
    ('subprocess.run(["bash"], stdin=subprocess.DEVNULL)', "AUD301", "constant"),
    ('subprocess.run(["bash", "-c", "echo hi"], stdin=subprocess.PIPE)', "AUD201", "constant"),
    ('subprocess.run("sh", shell=True, input="ls", text=True)', "AUD201", "constant"),
    ('subprocess.run("sh -c ls", shell=True, input=cmd, text=True)', "AUD201", "constant"),
    # os.popen opened to be written to returns the pipe to the shell's input (a mode that is
    # not a constant may be "w"); read, the shell reads the caller's own input
    ('os.popen("sh", "w")', "AUD101", "dynamic"),
    ('os.popen("sh", mode="w")', "AUD101", "dynamic"),
    ('os.popen("python3 -", "w")', "AUD103", "dynamic"),
    ('os.popen("bash", cmd)', "AUD101", "dynamic"),
    ('os.popen("bash", *cmd)', "AUD101", "dynamic"),
    ('os.popen("sh", "r")', "AUD201", "constant"),
    ('os.popen("sh")', "AUD201", "constant"),
    ('os.popen("sort", "w")', "AUD201", "constant"),
]


@pytest.mark.parametrize(("line", "rule", "payload"), CASES)
def test_what_a_shell_reads_from_its_input_is_its_payload(
    tmp_path: Path, line: str, rule: str, payload: str
) -> None:
    (tmp_path / "app.py").write_text(
        f"import os\nimport subprocess\nimport sys\n\n\ndef run(cmd):\n    {line}\n"
    )
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    [finding] = result.findings
    assert (finding.rule, finding.payload) == (rule, payload)
