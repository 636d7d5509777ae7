"""What an argv really runs (issue 15, part A): launchers peeled off by the table of
rules/launchers.toml. Every entry of the table carries its own examples (Fixit-style), which
this file runs; the hostile and tricky cases below pin down the reading rules themselves."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from auditor.judge.launcher_table import Example
from auditor.judge.launchers import (
    KINDS,
    LauncherTableError,
    Peeled,
    Word,
    builtin_table,
    example_parts,
    example_words,
    load_table,
    peel,
    peel_shell,
    program_name,
)

TABLE = builtin_table()
EXAMPLES = [
    (launcher.name, example) for launcher in TABLE.launchers for example in launcher.examples
]


def run_example(example: Example) -> Peeled:
    if example.argv is not None:
        return peel(example_words(example.argv))
    assert example.shell is not None
    result = peel_shell(example_parts(example.shell), holes_split=example.holes_split)
    assert result is not None, example.shell
    return result[1]


def fields(peeled: Peeled) -> dict[str, object]:
    found = dataclasses.asdict(peeled)
    del found["note"]
    del found["installs"]  # said by the scanner's cases (tests/scanner/test_runs.py)
    del found["input_words"]  # said by the cases of xargs below
    return found


def argv(*items: str) -> Peeled:
    return peel(example_words(items))


# --- The table and its examples ---------------------------------------------------------------


def test_every_launcher_has_examples_and_a_source() -> None:
    for launcher in TABLE.launchers:
        assert launcher.examples, f"{launcher.name} has no example"
        assert len(launcher.source) > 20, f"{launcher.name}: say where its table came from"


@pytest.mark.parametrize(
    ("name", "example"), EXAMPLES, ids=[f"{n}:{i}" for i, (n, _) in enumerate(EXAMPLES)]
)
def test_table_example(name: str, example: Example) -> None:
    got = run_example(example)
    assert fields(got) == dict(example.expected), (example.argv or example.shell, got)
    if got.kind == "unknown":
        assert got.note, "an unknown result says why"


def test_the_table_covers_the_issue_families() -> None:
    programs = set(TABLE.by_program) | {f"{b} (builtin)" for b in TABLE.builtins}
    names = set(TABLE.by_name)
    required_programs = {
        "sudo", "doas", "pkexec", "su", "runuser",
        "env", "timeout", "nice", "ionice", "nohup", "stdbuf", "setsid", "taskset", "chrt",
        "flock", "time", "xargs",
        "unshare", "systemd-run", "nsenter", "bwrap", "firejail", "chroot", "docker", "podman",
        "kubectl", "ssh",
        "sh", "bash", "dash", "zsh", "ksh", "busybox", "cmd", "powershell", "pwsh",
        "python", "python3", "perl", "ruby", "node", "php",
    }  # fmt: skip
    assert required_programs <= programs, required_programs - programs
    assert {"docker exec", "docker run", "podman exec", "podman run", "kubectl exec"} <= names
    for name in ("sudo", "doas", "pkexec", "su", "runuser"):
        assert TABLE.by_name[name].privileged, name
    assert [n for n, launcher in TABLE.by_name.items() if launcher.privileged] == [
        "sudo", "sudoedit", "doas", "pkexec", "su", "runuser",
    ]  # fmt: skip


def test_the_table_is_read_once() -> None:
    assert builtin_table() is builtin_table()


# --- Reading rules: the brief's cases, hostile and tricky ones ---------------------------------


def test_launchers_of_launchers() -> None:
    got = argv("sudo", "-u", "x", "env", "A=1", "timeout", "5", "bash", "-c", "$cmd")
    assert got.via == ("sudo", "env", "timeout", "bash -c")
    assert (got.kind, got.start, got.privileged, got.language) == ("shell", 9, True, "sh")


def test_sudo_with_a_dynamic_user_runs_rm() -> None:
    got = argv("sudo", "-u", "$user", "rm", "-rf", "$path")
    assert (got.via, got.kind, got.start, got.privileged) == (("sudo",), "program", 3, True)


def test_the_issue_list() -> None:
    """Issue 15's examples of what the first argv item hides."""
    assert fields(argv("bash", "-c", "$x")) == fields(
        Peeled(("bash -c",), False, "shell", 2, language="sh")
    )
    assert argv("sudo", "$x").kind == "program"
    assert argv("$sys.executable", "-c", "$code").via == ("python -c",)
    ssh = argv("ssh", "--", "host", "$x")
    assert (ssh.via, ssh.kind, ssh.start, ssh.joined) == (("ssh",), "shell", 3, True)
    docker = argv("docker", "exec", "c", "sh", "-c", "$x")
    assert (docker.via, docker.kind, docker.start) == (("docker exec", "sh -c"), "shell", 5)
    script = argv("$sys.executable", "$script_path")
    assert (script.kind, script.start, script.language) == ("script", 1, "python")
    module = argv("$sys.executable", "-m", "http.server")
    assert (module.kind, module.start) == ("module", 2)


@pytest.mark.parametrize(
    ("items", "start"),
    [
        (("sudo", "-u", "bash", "rm", "x"), 3),  # the user is named bash
        (("sudo", "-p", "bash -c 'rm -rf /'", "ls"), 3),  # a prompt that reads like a command
        (("sudo", "-u", "--", "ls"), 3),  # -u takes "--" as its value
        (("sudo", "-u", "-s", "ls"), 3),  # ... and "-s" too
        (("timeout", "-s", "sh", "5", "ls"), 4),
        (("timeout", "-k", "--", "5", "ls"), 4),
        (("env", "-u", "sudo", "ls"), 3),
        (("nice", "-n", "-5", "ls"), 3),
        (("docker", "exec", "-e", "sh=-c", "-w", "/bin", "c", "ls"), 7),
        (("ssh", "-l", "sudo", "-i", "sh", "host", "ls"), 6),
    ],
)
def test_option_values_that_look_like_commands(items: tuple[str, ...], start: int) -> None:
    got = argv(*items)
    assert (got.kind, got.start) == ("program" if items[0] != "ssh" else "shell", start), got


@pytest.mark.parametrize(
    ("items", "kind", "start"),
    [
        (("sudo", "--", "-weird"), "program", 2),
        (("env", "--", "A=1", "ls"), "program", 3),  # env reads assignments after --
        (("sudo", "--", "A=1", "ls"), "program", 2),  # sudo does not
        (("bash", "--", "-c", "x"), "script", 2),  # -c is the script's name
        (("python3", "--", "-c"), "script", 2),
        (("timeout", "--", "5", "--", "ls"), "program", 3),  # the second -- is the program
        (("pkexec", "--", "ls"), "program", 1),  # pkexec has no --
    ],
)
def test_double_dash(items: tuple[str, ...], kind: str, start: int) -> None:
    got = argv(*items)
    assert (got.kind, got.start) == (kind, start), got


@pytest.mark.parametrize(
    "items",
    [
        ("timeout", "--frobnicate", "5", "ls"),  # an option the table does not know
        ("timeout", "--ver", "5", "ls"),  # an ambiguous prefix (--verbose, --version)
        ("timeout", "--verbose=1", "5", "ls"),  # a flag given a value
        ("python3", "-c"),  # a missing value
        ("nice", "-n"),
        ("bwrap", "--bind", "/a"),  # --bind takes two words
        ("sudo", "-Ex", "ls"),  # an unknown letter in a cluster
        ("docker", "run", "--rm", "--no-such-flag", "alpine"),
    ],
)
def test_what_the_table_cannot_read_is_unknown(items: tuple[str, ...]) -> None:
    got = argv(*items)
    assert got.kind == "unknown", got
    assert got.note


@pytest.mark.parametrize(
    ("items", "index"),
    [
        (("timeout", "$t", "ls"), 1),  # DURATION, or an option
        (("ssh", "$host", "uptime"), 1),  # -oProxyCommand=... would run a local command
        (("docker", "exec", "-it", "$container", "sh"), 3),
        (("docker", "$verb", "c"), 1),
        (("su", "$user", "-c", "id"), 1),
        (("su", "-c", "id", "$user"), 3),  # GNU permutation: read as an option too
        (("perl", "-e", "print 1", "$arg"), 3),  # perl reads options after -e
        (("node", "-e", "x", "$arg"), 3),
        (("chroot", "$dir", "ls"), 1),
        (("sudo", "-u", "x", "timeout", "$t", "ls"), 4),  # through another launcher
    ],
)
def test_a_dynamic_word_where_an_option_may_stand(items: tuple[str, ...], index: int) -> None:
    got = argv(*items)
    assert (got.kind, got.start) == ("unknown", index), got
    assert "run time" in (got.note or ""), got.note


@pytest.mark.parametrize(
    ("items", "kind", "start"),
    [
        # where what runs starts, a dynamic word is what runs, chosen at run time (it may be
        # an option too, which only changes which program that is)
        (("env", "-i", "$opt", "A=1", "ls"), "program", 2),
        (("ssh", "host", "-p", "$port", "$x"), "shell", 4),
        (("bash", "$x"), "script", 1),
        (("bash", "-c", "$x"), "shell", 2),
    ],
)
def test_a_dynamic_word_where_what_runs_starts(
    items: tuple[str, ...], kind: str, start: int
) -> None:
    got = argv(*items)
    assert (got.kind, got.start) == (kind, start), got


def test_a_known_head_settles_a_dynamic_word() -> None:
    assert argv("sudo", "--user=$u", "ls").start == 2
    assert argv("sudo", "-u$u", "ls").start == 2
    assert argv("timeout", "--signal=$s", "5", "ls").start == 3
    assert argv("env", "PATH=$p", "ls").start == 2  # an assignment, whatever its value
    assert argv("docker", "run", "--name=$n", "alpine", "id").start == 4
    flags_then_hole = argv("timeout", "-v$x", "5", "ls")  # -v then something unknown
    assert flags_then_hole.kind == "unknown"
    assert argv("chroot", "/srv/$jail", "ls").choosers == (1,)  # not an option: an operand


def test_a_dynamic_program_after_a_launcher() -> None:
    got = argv("sudo", "$x", "--flag")
    assert (got.kind, got.start, got.privileged) == ("program", 1, True)
    got = argv("nohup", "$x")
    assert (got.via, got.kind, got.start) == (("nohup",), "program", 1)


def test_anchored_command_ignores_dynamic_words_before_double_dash() -> None:
    got = argv("kubectl", "exec", "$pod", "-c", "$container", "--", "ls")
    assert (got.via, got.kind, got.start) == (("kubectl exec",), "program", 6)


def test_gnu_permutation() -> None:
    got = argv("su", "-", "app", "-c", "id")
    assert (got.via, got.kind, got.start) == (("su -c",), "shell", 4)
    got = argv("su", "app", "run.sh", "-m")  # an option among the command's words
    assert got.kind == "unknown"
    assert "permutation" in (got.note or "")


def test_program_names() -> None:
    assert program_name(Word("/usr/bin/sudo")) == "sudo"
    assert program_name(Word("C:\\Windows\\System32\\CMD.EXE")) == "cmd"
    assert program_name(Word(None, tail="/bin/python3")) == "python3"
    assert program_name(Word(None, tail="python3")) is None  # python3, or mypython3?
    assert program_name(Word("")) is None
    assert argv("python3.12", "-c", "x").via == ("python -c",)
    assert argv("pypy3", "x.py").via == ("python",)
    assert argv("perl5.36.0", "-e", "1").via == ("perl -e",)
    assert argv("python-config", "--libs").via == ()  # not an interpreter
    assert argv("pythonista", "x").via == ()


def test_an_interpreter_chosen_at_run_time_is_a_chooser() -> None:
    got = argv("$venv/bin/python", "-c", "print(1)")
    assert (got.via, got.kind, got.choosers) == (("python -c",), "code", (0,))
    assert argv("$sys.executable", "-c", "print(1)").choosers == ()


def test_nothing_and_no_launcher() -> None:
    assert fields(peel([])) == fields(Peeled((), False, "program", 0))
    assert fields(argv("ls", "-l")) == fields(Peeled((), False, "program", 0))
    assert fields(argv("$x", "-c", "y")) == fields(Peeled((), False, "program", 0))
    assert fields(argv("sudo")) == fields(Peeled(("sudo",), True, "program", 1))
    assert argv("exec", "ls").via == ()  # exec is a shell's own command: not in an argv


def test_attached_values_have_an_offset() -> None:
    got = argv("su", "-cid")
    assert (got.kind, got.start, got.offset) == ("shell", 1, 2)
    got = argv("flock", "/tmp/l", "--command", "x")
    assert (got.kind, got.start, got.offset) == ("shell", 3, 0)


def test_cmd_and_powershell_read_the_rest_of_the_line() -> None:
    got = argv("cmd", "/C", "echo", "a", "&", "calc")
    assert (got.via, got.kind, got.start, got.joined) == (("cmd /c",), "shell", 2, True)
    assert argv("cmd", "/c").kind == "program"  # /c with nothing after it runs nothing
    got = argv("pwsh", "-NoP", "-COMMAND", "Get-Item", "$p")
    assert (got.via, got.start, got.joined) == (("pwsh -Command",), 3, True)
    got = argv("pwsh", "--command", "x")
    assert got.via == ("pwsh -Command",)
    assert argv("pwsh", "-cwa", "$args", "a").via == ("pwsh -CommandWithArgs",)


# --- Shell strings ----------------------------------------------------------------------------


def shell(command: str, **kwargs: bool) -> tuple[tuple[str | None, ...], Peeled]:
    result = peel_shell(example_parts(command), **kwargs)
    assert result is not None
    return result


def test_peel_shell_splits_the_first_simple_command() -> None:
    words, got = shell("sudo «cmd» --x")
    assert words == ("sudo", None, "--x")
    assert (got.via, got.kind, got.start, got.privileged) == (("sudo",), "program", 1, True)
    words, got = shell("LANG=C nice -n 5 «tool» 2>&1 | tee log; rm -rf /")
    assert words == ("nice", "-n", "5", None)
    assert (got.via, got.kind, got.start) == (("nice",), "program", 3)
    words, got = shell("cd /srv && sudo make install")
    assert (words, got.via, got.start) == (("cd", "/srv"), (), 0)  # only the first command


def test_peel_shell_holes_may_split() -> None:
    _, got = shell("sudo -u «user» rm -rf /tmp/x")
    assert got.kind == "unknown"  # the hole may hold "root sh -c ..."
    _, got = shell("sudo -u «user» rm -rf /tmp/x", holes_split=False)
    assert (got.kind, got.start) == ("program", 3)  # every hole went through shlex.quote
    _, got = shell("timeout 5 «cmd»")
    assert (got.kind, got.start) == ("program", 2)  # the payload itself may split: still it


def test_peel_shell_expansions_are_dynamic() -> None:
    words, got = shell('sudo $CMD "$ARG"')
    assert words == ("sudo", None, None)
    assert (got.kind, got.start) == ("program", 1)
    words, got = shell('bash -c "$(curl -s $URL)"')
    assert words == ("bash", "-c", None)
    assert (got.via, got.kind, got.start) == (("bash -c",), "shell", 2)
    words, _ = shell("ssh host 'ls $HOME'")
    assert words == ("ssh", "host", "ls $HOME")  # single quotes: plain text


def test_peel_shell_builtins_only_where_the_shell_reads_a_command() -> None:
    _, got = shell("exec sudo -E python3 x.py")
    assert (got.via, got.kind, got.start, got.privileged) == (
        ("exec", "sudo", "python"), "script", 4, True,
    )  # fmt: skip
    _, got = shell("sudo exec ls")
    assert (got.via, got.start) == (("sudo",), 1)  # sudo runs a program named exec
    _, got = shell("eval «x»")
    assert (got.kind, got.joined) == ("shell", True)


def test_peel_shell_cannot_split() -> None:
    assert peel_shell(example_parts("sudo 'unterminated")) is None
    assert peel_shell(example_parts('bash -c "echo')) is None
    words, got = shell("A=1 B=2")
    assert words == ()
    assert (got.kind, got.start) == ("program", 0)


# --- The table's own checks -------------------------------------------------------------------

MINIMAL = """
[style.gnu]
long = "prefix"

[[launcher]]
name = "python"
source = "a test table"
style = "gnu"
programs = ["python"]
values = ["-c"]
modes = { "-c" = "code" }
last = ["-c"]
then = "script"
language = "py"
examples = [
  { argv = ["python", "-c", "x"], via = ["python -c"], kind = "code", start = 2, language = "py" },
]
"""


def test_a_minimal_table_loads_and_peels() -> None:
    table = load_table(MINIMAL, "t.toml")
    got = peel(example_words(["python", "-c", "$x"]), table=table)
    assert (got.via, got.kind, got.start) == (("python -c",), "code", 2)
    assert peel(example_words(["sudo", "ls"]), table=table).via == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('programs = ["python"]', 'programs = ["python"]\nflagz = ["-x"]'), "unknown key 'flagz'"),
        (('kind = "code"', 'kind = "codes"'), "'kind' must be one of"),
        (('"-c" = "code"', '"-c" = "eval"'), "mode of '-c' must be one of"),
        (('"-c" = "code"', '"-x" = "code"'), "'modes' names '-x'"),
        (('values = ["-c"]', 'flags = ["-c"]'), "'-c' is a flag: mode 'code' needs a value"),
        (('style = "gnu"', 'style = "posix"'), "'style' names no [style.posix] table"),
        (('then = "script"', 'then = "scripts"'), "'then' must be one of"),
        (('values = ["-c"]', 'values = ["c"]'), "'c' does not start with"),
        (('values = ["-c"]', 'values = ["-c", "-c"]'), "option '-c' is listed twice"),
        (('language = "py"\n', ""), "'language'?"),
        (('programs = ["python"]', 'programs = ["Python"]'), "a lower-case basename"),
        (('programs = ["python"]', "programs = 3"), "'programs' must be a list"),
        (("start = 2", 'start = "2"'), "'start' must be a int"),
        (('source = "a test table"\n', ""), "missing key 'source'"),
        (('long = "prefix"', 'long = "some"'), "'long' must be one of"),
        (('name = "python"', 'name = "py"'), "no launcher named 'python'"),
        (("[[launcher]]", "[[launchers]]"), "unknown top-level key 'launchers'"),
        (('then = "script"', 'then = "dispatch"'), "'subcommands' goes with then = 'dispatch'"),
        (('last = ["-c"]', 'last = ["-c"]\nchoosers = ["IMAGE"]'), "'choosers' names 'IMAGE'"),
        (('"-c" = "code"', '"-c" = "unknown"'), "needs a note saying why"),
        (("[style.gnu]", "[style.gnu"), "t.toml:"),
        (('last = ["-c"]', 'last = ["-c"]\nchooser-assignments = "PATH="'), "needs 'assignments'"),
        (('programs = ["python"]', 'programs = ["python"]\nflag-patterns = ["("]'), "bad regular"),
        (
            ('last = ["-c"]', 'last = ["-c"]\nsetting-choosers = ["core\\\\.pager"]'),
            "go with then = 'nothing'",
        ),
        (('then = "script"', 'then = "nothing"\nsetting-shells = { "a" = "" }'), "prefixes"),
        (('then = "script"', 'then = "program"\nsubcommands = { x = "python" }'), "'subcommands'"),
    ],
)
def test_table_errors_name_the_entry_and_the_key(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in MINIMAL
    with pytest.raises(LauncherTableError) as caught:
        load_table(MINIMAL.replace(old, new, 1), "t.toml")
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith("t.toml")


def test_table_errors_name_the_launcher() -> None:
    bad = MINIMAL.replace('kind = "code"', 'kind = "codes"')
    with pytest.raises(LauncherTableError, match=r"launcher #1 \(python\): example #1"):
        load_table(bad, "t.toml")


def test_subcommands_must_name_launchers() -> None:
    text = MINIMAL + textwrap.dedent(
        """
        [[launcher]]
        name = "docker"
        source = "a test table"
        style = "gnu"
        programs = ["docker"]
        then = "dispatch"
        subcommands = { exec = "docker exec" }
        """
    )
    with pytest.raises(LauncherTableError, match="subcommand 'exec' names no launcher"):
        load_table(text, "t.toml")


def test_kinds_are_the_documented_ones() -> None:
    assert KINDS == ("program", "shell", "code", "script", "module", "unknown")
    for launcher in TABLE.launchers:
        for example in launcher.examples:
            assert example.expected["kind"] in KINDS


# --- Whatever the argv, the answer is well formed ------------------------------------------------


def _vocabulary() -> list[str]:
    words = {"--", "-", "x", "$d", "--$d", "-$d", "A=1", "A=$d", "$d/bin/python", "''"}
    for launcher in TABLE.launchers:
        words.update(launcher.programs)
        words.update(launcher.subcommands)
        for option in launcher.options:
            words.update(option.aliases)
            words.update(f"{alias}=v" for alias in option.aliases if alias.startswith("--"))
    return sorted(words)


def check_well_formed(words: tuple[str | None, ...] | list[str], got: Peeled) -> None:
    n = len(words)
    assert got.kind in KINDS
    assert 0 <= got.start <= n
    assert all(0 <= c < n for c in got.choosers), got
    assert all(isinstance(v, str) and v for v in got.via)
    if got.kind == "unknown":
        assert got.note
    if got.kind in ("shell", "code", "script", "module"):
        assert got.start < n, got
        assert got.language, got
    if got.offset:
        assert got.start < n
        text = words[got.start]
        assert text is None or got.offset <= len(text)


def test_any_argv_gets_a_well_formed_answer() -> None:
    import random

    rng = random.Random(15)
    vocabulary = _vocabulary()
    starts = sorted(TABLE.by_program)
    for _ in range(4000):
        items = [rng.choice(starts)] + [rng.choice(vocabulary) for _ in range(rng.randrange(8))]
        check_well_formed(items, argv(*items))


def test_any_shell_string_gets_a_well_formed_answer() -> None:
    import random

    rng = random.Random(15)
    vocabulary = [*_vocabulary(), "«h»", ";", "|", "&&", "'a b'", '"$x"', "2>&1", "(", ")"]
    starts = sorted(TABLE.by_program) + sorted(TABLE.builtins)
    for _ in range(3000):
        items = [rng.choice(starts)] + [rng.choice(vocabulary) for _ in range(rng.randrange(8))]
        result = peel_shell(example_parts(" ".join(items)))
        if result is not None:
            check_well_formed(result[0], result[1])
