"""A dispatcher whose sub-command is chosen at run time (busybox's applet, docker exec or
ps, pip install or list) chooses what runs; and launchers that run a command through a
terminal session, a group, a database client, an editor or an environment runner (tmux,
screen, sg, parallel, fakeroot, mysql -e, vim -c, emacs --eval, poetry/pipenv/conda run,
socat, tcpdump -z). A value known only at run time there is not "a fixed program with
arguments" (AUD203 allow); constant calls stay constant."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_run_line

CASES = [
    # (the call, rule, action, via)
    # a sub-command chosen at run time
    ('subprocess.run(["busybox", x, "-c", "id"])', "AUD102", "isolate", ("busybox",)),
    ('subprocess.run(["docker", x, "c1", "sh", "-c", "id"])', "AUD102", "isolate", ("docker",)),
    ('subprocess.run(["kubectl", x, "pod", "--", "sh"])', "AUD102", "isolate", ("kubectl",)),
    ('subprocess.run(["pip", x, "requests"])', "AUD102", "isolate", ("pip",)),
    ('subprocess.run(["npm", x, "left-pad"])', "AUD102", "isolate", ("npm",)),
    ('subprocess.run(["uv", x, "tool"])', "AUD102", "isolate", ("uv",)),
    ('subprocess.run(["uv", "pip", x, "requests"])', "AUD102", "isolate", ("uv pip",)),
    ('subprocess.run(["pipx", x, "black"])', "AUD102", "isolate", ("pipx",)),
    ('subprocess.run(["podman", x, "c1", "sh"])', "AUD102", "isolate", ("podman",)),
    ('subprocess.run(["bun", x])', "AUD102", "isolate", ("bun",)),
    # ... a known sub-command that runs nothing keeps the dispatcher a fixed program
    ('subprocess.run(["docker", "logs", x])', "AUD203", "allow", ()),
    ('subprocess.run(["pip", "show", x])', "AUD203", "allow", ()),
    # sessions, groups, wrappers
    ('subprocess.run(["tmux", "new-session", "-d", x])', "AUD101", "isolate",
     ("tmux new-session",)),
    ('subprocess.run(["tmux", "send-keys", "-t", "job", x, "Enter"])', "AUD101", "isolate",
     ("tmux send-keys",)),
    ('subprocess.run(["tmux", x, "-t", "job"])', "AUD102", "isolate", ("tmux",)),
    ('subprocess.run(["tmux", "kill-session", "-t", x])', "AUD203", "allow", ()),
    ('subprocess.run(["screen", "-dmS", "job", x])', "AUD102", "isolate", ("screen",)),
    ('subprocess.run(["sg", "staff", "-c", x])', "AUD101", "isolate", ("sg -c",)),
    ('subprocess.run(["sg", "staff", x])', "AUD101", "isolate", ("sg",)),
    ('subprocess.run(["parallel", x, ":::", "a"])', "AUD101", "isolate", ("parallel",)),
    ('subprocess.run(["fakeroot", x])', "AUD102", "isolate", ("fakeroot",)),
    ('subprocess.run(["fakeroot", "dpkg-deb", "-b", x])', "AUD203", "allow", ("fakeroot",)),
    # clients and editors that run code
    ('subprocess.run(["mysql", "-e", x])', "AUD103", "isolate", ("mysql -e",)),
    ('subprocess.run(["mysql", "app"], input=x, text=True)', "AUD103", "isolate", ("mysql",)),
    ('subprocess.run(["vim", "-es", "-c", x])', "AUD103", "isolate", ("vim -c",)),
    ('subprocess.run(["emacs", "--batch", "--eval", x])', "AUD103", "isolate",
     ("emacs --eval",)),
    # environment runners
    ('subprocess.run(["poetry", "run", x])', "AUD102", "isolate", ("poetry run",)),
    ('subprocess.run(["pipenv", "run", x])', "AUD102", "isolate", ("pipenv run",)),
    ('subprocess.run(["conda", "run", "-n", "ml", x])', "AUD102", "isolate", ("conda run",)),
    ('subprocess.run(["conda", "run", "-n", x, "pytest"])', "AUD102", "isolate",
     ("conda run",)),
    ('subprocess.run(["poetry", "run", "pytest", x])', "AUD203", "allow", ("poetry run",)),
    # addresses and hooks
    ('subprocess.run(["socat", "TCP-LISTEN:80", "EXEC:" + x])', "AUD102", "isolate",
     ("socat",)),
    ('subprocess.run(["tcpdump", "-w", "c", "-G", "60", "-z", x])', "AUD102", "isolate",
     ("tcpdump",)),
    # constant controls
    ('subprocess.run(["tmux", "new-session", "-d", "top"])', "AUD201", "convert",
     ("tmux new-session",)),
    ('subprocess.run(["mysql", "-e", "SELECT 1"])', "AUD302", "allow", ("mysql -e",)),
    ('subprocess.run(["busybox", "ls", "/"])', "AUD301", "allow", ()),
]  # fmt: skip


@pytest.mark.parametrize(("line", "rule", "action", "via"), CASES)
def test_what_the_launcher_runs(
    tmp_path: Path, line: str, rule: str, action: str, via: tuple[str, ...]
) -> None:
    finding = scan_run_line(tmp_path, line)
    got = (finding.rule, finding.action, tuple(finding.via))
    assert got == (rule, action, via), finding.message
