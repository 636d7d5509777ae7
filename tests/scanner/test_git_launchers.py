"""git's sub-commands whose options or operands run a command (clone -u, fetch/pull/ls-remote
--upload-pack, push --receive-pack/--exec, archive --exec, rebase -x, submodule foreach, bisect
run, config NAME VALUE, difftool -x, grep -O, daemon --access-hook): a value known only at run
time there is a command chosen at run time (AUD101 where git runs it through a shell, AUD102
otherwise), not "a fixed program with arguments" (AUD203 allow). git reads options among its
operands, so a word known only at run time where an option may stand (git clone URL without
--) chooses too; after -- it is data. Constant calls keep their verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.judge.launchers import example_words, load_table, peel
from tests.conftest import scan_run_line

CASES = [
    # (the call, rule, action, via)
    ('subprocess.run(["git", "clone", "--upload-pack", x, "https://x/y.git"])', "AUD102",
     "isolate", ("git clone",)),
    ('subprocess.run(["git", "clone", "-u", x, "https://x/y.git", "dir"])', "AUD102", "isolate",
     ("git clone",)),
    ('subprocess.run(["git", "clone", "--upload-pack=" + x, "https://x/y.git"])', "AUD102",
     "isolate", ("git clone",)),
    ('subprocess.run(["git", "fetch", "--upload-pack", x, "origin"])', "AUD102", "isolate",
     ("git fetch",)),
    ('subprocess.run(["git", "pull", "--upload-pack", x, "origin"])', "AUD102", "isolate",
     ("git pull",)),
    ('subprocess.run(["git", "ls-remote", "--upload-pack", x, "origin"])', "AUD102", "isolate",
     ("git ls-remote",)),
    ('subprocess.run(["git", "push", "--receive-pack", x, "origin"])', "AUD102", "isolate",
     ("git push",)),
    ('subprocess.run(["git", "push", "--exec", x, "origin"])', "AUD102", "isolate",
     ("git push",)),
    ('subprocess.run(["git", "submodule", "foreach", x])', "AUD101", "isolate",
     ("git submodule foreach",)),
    ('subprocess.run(["git", "submodule", "foreach", "--recursive", x])', "AUD101", "isolate",
     ("git submodule foreach",)),
    ('subprocess.run(["git", "bisect", "run", x])', "AUD102", "isolate", ("git bisect run",)),
    ('subprocess.run(["git", "bisect", "run", "sh", "-c", x])', "AUD101", "isolate",
     ("git bisect run", "sh -c")),
    ('subprocess.run(["git", "rebase", "--exec", x, "HEAD~3"])', "AUD101", "isolate",
     ("git rebase -x",)),
    ('subprocess.run(["git", "rebase", "-x", x, "main"])', "AUD101", "isolate",
     ("git rebase -x",)),
    ('subprocess.run(["git", "config", "core.pager", x])', "AUD102", "isolate", ("git config",)),
    ('subprocess.run(["git", "config", "--global", "core.sshCommand", x])', "AUD102", "isolate",
     ("git config",)),
    ('subprocess.run(["git", "config", "alias.up", "!" + x])', "AUD101", "isolate",
     ("git config alias.up",)),
    ('subprocess.run(["git", "config", x, "1"])', "AUD102", "isolate", ("git config",)),
    ('subprocess.run(["git", "difftool", "-x", x, "HEAD~1"])', "AUD102", "isolate",
     ("git difftool",)),
    ('subprocess.run(["git", "difftool", "--extcmd", x])', "AUD102", "isolate",
     ("git difftool",)),
    ('subprocess.run(["git", "grep", "-O" + x, "TODO"])', "AUD102", "isolate", ("git grep",)),
    ('subprocess.run(["git", "grep", "--open-files-in-pager=" + x, "TODO"])', "AUD102",
     "isolate", ("git grep",)),
    ('subprocess.run(["git", "archive", "--remote", "r", "--exec", x, "HEAD"])', "AUD102",
     "isolate", ("git archive",)),
    ('subprocess.run(["git", "daemon", "--access-hook=" + x, "/srv/git"])', "AUD102",
     "isolate", ("git daemon",)),
    # options before the sub-command are kept
    ('subprocess.run(["git", "-c", "core.pager=" + x, "clone", "https://x/y.git"])', "AUD102",
     "isolate", ("git clone",)),
    # a word known only at run time where git reads options among its operands
    ('subprocess.run(["git", "clone", x, "dir"])', "AUD102", "isolate", ("git clone",)),
    ('subprocess.run(["git", "grep", x])', "AUD102", "isolate", ("git grep",)),
    ('subprocess.run(["git", "submodule", x])', "AUD102", "isolate", ("git submodule",)),
    # constant controls
    ('subprocess.run(["git", "clone", "https://x/y.git", "dir"])', "AUD301", "allow", ()),
    ('subprocess.run(["git", "clone", "--upload-pack", "git-upload-pack", "https://x/y.git"])',
     "AUD301", "allow", ("git clone",)),
    ('subprocess.run(["git", "submodule", "foreach", "git pull"])', "AUD301", "allow", ()),
    ('subprocess.run(["git", "rebase", "--exec", "make test", "HEAD~3"])', "AUD301", "allow",
     ()),
    ('subprocess.run(["git", "config", "alias.ll", "!ls -l"])', "AUD301", "allow", ()),
    ('subprocess.run(["git", "config", "core.pager", "less -R"])', "AUD301", "allow",
     ("git config",)),
    # a fixed program (git) with data built at run time
    ('subprocess.run(["git", "clone", "--", x, "dir"])', "AUD203", "allow", ()),
    ('subprocess.run(["git", "config", "user.email", x])', "AUD203", "allow", ()),
    ('subprocess.run(["git", "log", x])', "AUD203", "allow", ()),
    ('subprocess.run(["git", "grep", "-e", x, "--", "src"])', "AUD203", "allow", ()),
    ('subprocess.run(["git", "submodule", "update", "--init", x])', "AUD203", "allow", ()),
    ('subprocess.run(["git", "bisect", "run", "./check.sh", x])', "AUD203", "allow",
     ("git bisect run",)),
]  # fmt: skip


@pytest.mark.parametrize(("line", "rule", "action", "via"), CASES)
def test_what_git_runs(
    tmp_path: Path, line: str, rule: str, action: str, via: tuple[str, ...]
) -> None:
    finding = scan_run_line(tmp_path, line)
    got = (finding.rule, finding.action, tuple(finding.via))
    assert got == (rule, action, via), finding.message


TABLE = """
[style.gnu]
long = "prefix"

[[launcher]]
name = "python"
source = "a test table"
style = "gnu"
programs = ["python"]
then = "script"
language = "sh"
examples = [{ argv = ["python", "x"], via = ["python"], kind = "script", start = 1 }]

[[launcher]]
name = "tool"
source = "a test table"
style = "gnu"
programs = ["tool"]
values = ["-c"]
choosers = ["-c"]
then = "nothing"
subcommands = { set = "tool set" }
examples = [{ argv = ["tool", "x"], via = [], kind = "program", start = 0 }]

[[launcher]]
name = "tool set"
label = "tool set"
source = "a test table"
style = "gnu"
permute = "none"
then = "nothing"
language = "sh"
setting-choosers = ["hook\\\\..+"]
setting-shells = { "alias\\\\..+" = "!" }
examples = [{ argv = ["tool", "set", "a", "b"], via = [], kind = "program", start = 0 }]
"""


@pytest.mark.parametrize(
    ("argv", "via", "kind", "start", "choosers", "offset"),
    [
        (["tool", "set", "hook.x", "$v"], ("tool set",), "program", 4, (3,), 0),
        (["tool", "set", "hooks", "$v"], (), "program", 0, (), 0),
        (["tool", "set", "alias.x", "!$v"], ("tool set alias.x",), "shell", 3, (), 1),
        (["tool", "set", "alias.x", "$v"], ("tool set alias.x",), "shell", 3, (), 0),
        (["tool", "set", "alias.x", "st$v"], ("tool set",), "program", 4, (3,), 0),
        (["tool", "set", "alias.x", "!ls"], ("tool set alias.x",), "shell", 3, (), 1),
        (["tool", "set", "alias.x", "status"], (), "program", 0, (), 0),
        (["tool", "-c", "$c", "set", "a", "b"], ("tool set",), "program", 6, (2,), 0),
        (["tool", "-c", "$c", "other"], ("tool",), "program", 4, (2,), 0),
        (["tool", "other", "set", "hook.x", "$v"], (), "program", 0, (), 0),
    ],
)
def test_sub_command_tables_and_settings(
    argv: list[str],
    via: tuple[str, ...],
    kind: str,
    start: int,
    choosers: tuple[int, ...],
    offset: int,
) -> None:
    """A launcher that runs nothing of its own (then = "nothing") may hand its words to a
    sub-command's table; a setting's value chooses what runs or is a shell command."""
    table = load_table(TABLE, "t.toml")
    got = peel(example_words(argv), table=table)
    assert (got.via, got.kind, got.start, got.choosers, got.offset) == (
        via,
        kind,
        start,
        choosers,
        offset,
    )
