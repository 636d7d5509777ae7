"""Programs that run code or commands through some of their arguments (fish -c, awk PROGRAM,
find -exec, tar --to-command, git -c core.pager=...) or read them from their input (fish,
sqlite3, ipython, sh /dev/stdin): a run-time value there is code, a shell command or a
program chosen at run time, never "a fixed program with arguments" (an attacker's
reproducers, /tmp/attack/lau and /tmp/attack/stdin). Constant calls stay constant."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_run_line

CASES = [
    # (the call, rule, risk, action, via)
    ('subprocess.run(["fish", "-c", x])', "AUD101", "high", "isolate", ("fish -c",)),
    ('subprocess.run(["ipython", "-c", x])', "AUD103", "high", "isolate", ("ipython -c",)),
    ('subprocess.run(["awk", x])', "AUD103", "high", "isolate", ("awk",)),
    ('subprocess.run(["gawk", "-f", x, "data"])', "AUD102", "high", "isolate", ("awk -f",)),
    ('subprocess.run(["find", ".", "-exec", x, ";"])', "AUD102", "high", "isolate", ("find",)),
    (
        'subprocess.run(["find", ".", "-execdir", "sh", "-c", x, ";"])',
        "AUD101",
        "high",
        "isolate",
        ("find", "sh -c"),
    ),
    ('subprocess.run(["strace", "-o", "/dev/null", x])', "AUD102", "high", "isolate", ("strace",)),
    ('subprocess.run(["lua", "-e", x])', "AUD103", "high", "isolate", ("lua -e",)),
    ('subprocess.run(["Rscript", "-e", x])', "AUD103", "high", "isolate", ("Rscript -e",)),
    ('subprocess.run(["gdb", "-batch", "-ex", x])', "AUD102", "high", "isolate", ("gdb",)),
    (
        'subprocess.run(["git", "-c", "core.pager=" + x, "log"])',
        "AUD102",
        "high",
        "isolate",
        ("git",),
    ),
    (
        'subprocess.run(["tar", "xf", "a.tar", "--to-command", x])',
        "AUD101",
        "high",
        "isolate",
        ("tar --to-command",),
    ),
    ('subprocess.run(["sed", "-e", x, "f"])', "AUD103", "high", "isolate", ("sed -e",)),
    # what they read from their input, fed at run time
    ('subprocess.run(["fish"], input=x, text=True)', "AUD101", "high", "isolate", ("fish",)),
    ('subprocess.run(["ipython"], input=x, text=True)', "AUD103", "high", "isolate", ("ipython",)),
    (
        'subprocess.run(["sqlite3", "db"], input=x, text=True)',
        "AUD103",
        "high",
        "isolate",
        ("sqlite3",),
    ),
    (
        'subprocess.run(["sh", "/dev/stdin"], input=x, text=True)',
        "AUD101",
        "high",
        "isolate",
        ("sh",),
    ),
    ('subprocess.run(["lua"], input=x, text=True)', "AUD103", "high", "isolate", ("lua",)),
    ('subprocess.run(["perl"], input=x, text=True)', "AUD103", "high", "isolate", ("perl",)),
    # sudo -S reads a password from its input, not a command: ls is what runs
    (
        'subprocess.run(["sudo", "-S", "ls"], input=x, text=True)',
        "AUD301",
        "low",
        "allow",
        ("sudo",),
    ),
    # a word known only at run time where git reads its options may be -c core.pager=...
    ('subprocess.run(["git", *x])', "AUD102", "high", "isolate", ("git",)),
    # constant controls
    ('subprocess.run(["git", "--version"])', "AUD301", "low", "allow", ()),
    (
        'subprocess.run(["awk", "-F:", "{print $1}", "/etc/passwd"])',
        "AUD302",
        "low",
        "allow",
        ("awk",),
    ),
    (
        'subprocess.run(["find", ".", "-name", "*.pyc", "-exec", "rm", "{}", "+"])',
        "AUD301",
        "low",
        "allow",
        ("find",),
    ),
    ('subprocess.run(["fish", "-c", "echo hi"])', "AUD201", "medium", "convert", ("fish -c",)),
    (
        'subprocess.run(["sqlite3", "db"], input=".tables", text=True)',
        "AUD301",
        "low",
        "allow",
        ("sqlite3",),
    ),
    ('subprocess.run(["git", "-C", x, "status"])', "AUD203", "medium", "allow", ()),
    ('subprocess.run(["git", "log", x])', "AUD203", "medium", "allow", ()),
    ('subprocess.run(["tar", "-czf", "out.tgz", "-C", x, "."])', "AUD203", "medium", "allow", ()),
    ('subprocess.run(["find", x, "-name", "*.log", "-delete"])', "AUD203", "medium", "allow", ()),
]


@pytest.mark.parametrize(("line", "rule", "risk", "action", "via"), CASES)
def test_what_the_launcher_runs(
    tmp_path: Path, line: str, rule: str, risk: str, action: str, via: tuple[str, ...]
) -> None:
    finding = scan_run_line(tmp_path, line)
    assert (finding.rule, finding.risk, finding.action, tuple(finding.via)) == (
        rule,
        risk,
        action,
        via,
    ), finding.message
