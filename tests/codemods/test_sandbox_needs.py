"""rules/sandbox_needs.toml: every program entry's examples (Fixit style) migrate as the
table says; the table is well formed; commands are read into programs as documented."""

from __future__ import annotations

import pytest
from libcst.codemod import CodemodContext, TransformSuccess, transform_module

from auditor.codemods.route_to_sandbox import RouteToSandbox
from auditor.judge.policy import load_policy
from auditor.sandbox.config import Settings
from auditor.sandbox.profiles import PROFILES
from auditor.sandbox_needs import (
    LANGS,
    PYTHON,
    Example,
    Program,
    TableError,
    parse_table,
    read_command,
    split_commands,
    table,
    taken_away,
)
from auditor.scan.analyze import Context, analyze_source

POLICY = load_policy(None)
TEMPLATE = """\
import os
import subprocess
import sys


def example(pkg, url, repo, host, path, name, cmd, pid):
    {code}
"""

EXAMPLES = [
    pytest.param(program, example, id=f"{program.names[0]}-{i}")
    for program in table().programs
    for i, example in enumerate(program.examples)
]


@pytest.mark.parametrize(("program", "example"), EXAMPLES)
def test_table_example(program: Program, example: Example) -> None:
    source = TEMPLATE.format(code=example.code)
    codemod = RouteToSandbox(
        CodemodContext(filename="mod.py"), policy=POLICY, sandbox_settings=Settings()
    )
    result = transform_module(codemod, source)
    assert isinstance(result, TransformSuccess), result
    (outcome,) = codemod.outcomes
    if example.declined is not None:
        assert not outcome.rewritten
        assert outcome.reason_key == f"needs-{example.declined}", outcome.reason
        return
    assert outcome.rewritten, outcome.reason
    effect = outcome.effect
    assert effect is not None and effect.profile == "standard"
    if not program.wrapper:  # the entry's own program was read
        names = (*program.names, *program.modules)
        assert any(p.split()[0].startswith(names) for p in effect.programs), effect.programs
    assert effect.granted == example.granted
    assert set(example.needed) <= set(effect.needed)
    assert ("network=True" in result.code) == ("network" in example.granted)
    assert not set(effect.lost) & set(effect.granted)
    # the rewritten call re-scans as isolated
    scanned = analyze_source(result.code.encode(), "mod.py", "mod.py", Context(POLICY))
    assert scanned.findings and all(f.isolated for f in scanned.findings)


def test_every_entry_has_examples_and_every_capability_is_used() -> None:
    programs = table().programs
    assert all(p.examples for p in programs)
    used = {c for p in programs for c in p.needs | p.may}
    assert set(table().capabilities) <= used


def test_profiles_take_what_the_sandbox_profiles_say() -> None:
    """Read from auditor/sandbox/profiles.py (new namespaces) and the allow-listed view
    every profile builds (auditor/sandbox/view.py): no home, /var or /run, no device but
    /dev/null's kind, nothing writable but the working folder and a private /tmp; scrubbed
    environment, no capabilities, limits. strict differs only in what it shows."""
    namespaces = ("network", "processes", "hostname", "ipc")
    view = ("home", "files", "services", "devices", "write")
    expected = (*namespaces, "environment", *view, "privileges", "limits")
    assert taken_away("standard") == expected
    assert taken_away("strict") == expected
    assert set(PROFILES) == {"standard", "strict"}  # a new profile needs its words here


@pytest.mark.parametrize("name", ["home", "files", "devices", "write", "privileges"])
def test_what_strict_shows_differently_has_words_of_its_own(name: str) -> None:
    """strict shows less than standard (no /opt, /sys or /dev/pts, a few /etc files, the
    working folder read-only and only when asked): its words must not be standard's."""
    capability = table().capabilities[name]
    for lang in LANGS:
        assert capability.lost("strict", lang) != capability.lost("standard", lang)


@pytest.mark.parametrize("lang", LANGS)
def test_every_capability_has_words_for_each_profile_taking_it(lang: str) -> None:
    for profile in PROFILES:
        for name in taken_away(profile):
            capability = table().capabilities[name]
            text = capability.lost(profile, lang)
            assert text.startswith(capability.label(lang) + ":"), text
            assert "{" not in text
    assert table().capabilities["home"].lost("strict") != table().capabilities["home"].lost(
        "standard"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[program]]\nnames = ['x']\nneeds = ['netwrk']\nexamples = [{code = 'x'}]",
         "program 1 (x).needs: unknown capability 'netwrk'"),
        ("[[program]]\nnames = ['x']", "program 1 (x): every entry needs examples"),
        ("[[program]]\nnames = ['x']\nneed = []\nexamples = [{code = 'x'}]",
         "program 1 (x): unknown key 'need'"),
        ("[[program]]\nnames = ['x']\nexamples = [{code = 'x'}]\n"
         "[[program]]\nnames = ['x']\nexamples = [{code = 'y'}]",
         "program 2 (x): 'x' is listed twice"),
        ("[capability.network]\ngive_back = {standard = 'network=True'}\n"
         "en = {label = 'n'}\npt-BR = {label = 'r'}", "give_back: one keyword per profile"),
        ("names = [", "rules/sandbox_needs.toml: "),
    ],
)  # fmt: skip
def test_mistakes_in_the_table_name_the_entry(text: str, message: str) -> None:
    with pytest.raises(TableError, match=r"^rules/sandbox_needs\.toml: ") as caught:
        parse_table(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("segments", "commands"),
    [
        (["pip install -r req.txt"], [["pip", "install", "-r", "req.txt"]]),
        (["curl -s ", None, " | sh"], [["curl", "-s", None], ["sh"]]),
        (["A=1 make && ", PYTHON, " -m pip"], [["A=1", "make"], [PYTHON, "-m", "pip"]]),
        (["echo 'a | b'; ls $HOME"], [["echo", "a | b"], ["ls", None]]),
        (["git -C ", None, "/x fetch"], [["git", "-C", None, "fetch"]]),
        (["(cd /tmp && tar cf x.tar .)"], [["cd", "/tmp"], ["tar", "cf", "x.tar", "."]]),
    ],
)  # fmt: skip
def test_shell_strings_split_into_simple_commands(
    segments: list[str | None], commands: list[list[str | None]]
) -> None:
    assert split_commands(segments) == commands


@pytest.mark.parametrize(
    ("words", "label", "needs", "known"),
    [
        ([PYTHON, "-m", "pip", "install", "x"], "pip install", {"network"}, True),
        (["/usr/bin/python3.12", "-I", "-m", "pip", "list"], "pip list", set(), True),
        (["python3", "-c", "print(1)"], "python3 -c", set(), False),
        (["python3", "script.py"], "python3 script.py", set(), False),
        (["/usr/local/bin/pip3.11", "--timeout", "5", "download", "x"], "pip3.11 download",
         {"network"}, True),
        (["env", "-u", "HOME", "X=1", "nice", "-n", "5", "git", "-C", "d", "pull"], "git pull",
         {"network"}, True),
        (["timeout", "-s", "KILL", "30", "wget", "u"], "wget", {"network"}, True),
        (["git", None, "x"], "git …", set(), True),  # subcommand built at run time: may
        (["uname", "-a"], "uname", {"hostname"}, True),
        (["my-tool", "--flag"], "my-tool", set(), False),
        ([None, "install"], "", set(), False),
        (["X=1"], "", set(), True),  # only an assignment: nothing runs
    ],
)  # fmt: skip
def test_programs_are_read_from_their_words(
    words: list[str | None], label: str, needs: set[str], known: bool
) -> None:
    reading = read_command(words)
    assert (reading.label, set(reading.needs), reading.known) == (label, needs, known)


def test_a_subcommand_built_at_run_time_makes_its_needs_possible() -> None:
    reading = read_command(["git", None])
    assert "network" in reading.may and not reading.needs


@pytest.mark.parametrize(
    ("code", "declined"),
    [
        # the host's /var/tmp and /tmp are not in the sandbox's view: routed there, tar
        # would write an archive nobody sees, du would measure the sandbox's own folders
        ('os.system("tar czf - /etc/hostname > /var/tmp/backup.tgz " + path)', "files"),
        ('subprocess.check_output("du -sh /var/tmp | cut -f1 " + path, shell=True)', "files"),
        ('os.system("cat --file=/srv/data/x " + path)', "files"),
        ('os.system("ls /tmp " + path)', "files"),
        ('os.system("gzip -c " + path + " >/opt/out.gz")', "write"),  # /opt: read-only
        ('os.system("grep -q x " + path + " > /dev/null 2>&1")', None),
        ('os.system("sort " + path + " > sorted.txt")', None),  # the working folder
        # a home folder by the shell's tilde (/tmp/atk9t-cases/8-migrate-cwd-tmp): hidden
        ('os.system("ls ~root " + path)', "files"),
        ('os.system("cat ~/.ssh/id_rsa " + path)', "files"),
        ("os.system(\"echo '~root' \" + path)", None),  # quoted: no expansion
    ],
)
def test_host_paths_on_the_line_say_what_the_command_needs(code: str, declined: str | None) -> None:
    source = TEMPLATE.format(code=code)
    codemod = RouteToSandbox(
        CodemodContext(filename="mod.py"), policy=POLICY, sandbox_settings=Settings()
    )
    result = transform_module(codemod, source)
    assert isinstance(result, TransformSuccess), result
    (outcome,) = codemod.outcomes
    if declined is None:
        assert outcome.rewritten, outcome.reason
    else:
        assert not outcome.rewritten
        assert outcome.reason_key == f"needs-{declined}", outcome.reason


def test_the_paths_table_is_checked() -> None:
    with pytest.raises(TableError, match="paths: absolute roots"):
        parse_table('[paths]\nhidden = ["var"]\n')
    with pytest.raises(TableError, match="paths: expected"):
        parse_table('[paths]\nhide = ["/var"]\n')
