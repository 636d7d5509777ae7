"""The audit document's "specific lines to fix" (section 5) says what the codemods really
do: argv rewrites of constant commands (also through a name), "convert by hand" with the
reason where no rewrite keeps the meaning, and per call routed to the sandbox what it gives
back and takes away, in both languages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from auditor.api import scan
from auditor.findings import ScanResult
from auditor.formats import audit_fixes
from auditor.judge.policy import Policy, load_policy
from auditor.reports import audit
from auditor.reports.fixes import Fix, codemod_for, command_needs_shell

META = audit.ReportMeta(date=dt.date(2025, 12, 17), scope=(".",))

MONITOR = """\
import asyncio
import os
import subprocess
from asyncio.subprocess import PIPE

UPTIME = "uptime"


def uptime():
    return subprocess.check_output(UPTIME, shell=True, text=True)


def memory():
    with os.popen("free -m") as pipe:
        return pipe.read()


def kernel():
    return subprocess.getoutput("uname -r")


async def load():
    proc = await asyncio.create_subprocess_shell("cat /proc/loadavg", stdout=PIPE)
    return await proc.communicate()


def count(folder):
    return subprocess.run("ls " + folder + " | wc -l", shell=True, capture_output=True)
"""
DEPS = """\
import subprocess
import sys


def install(package):
    subprocess.run(f"{sys.executable} -m pip install {package}", shell=True, check=True)


def run_tool(tool, args):
    return subprocess.check_output([tool, *args])


def top():
    return subprocess.check_output("ps aux | head -n 5", shell=True, text=True)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ScanResult, Policy]:
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "monitor.py").write_text(MONITOR)
    (tmp_path / "app" / "deps.py").write_text(DEPS)
    monkeypatch.chdir(tmp_path)
    policy = load_policy(tmp_path)
    return scan(["app"], policy=policy), policy


def _site(document: str, function: str) -> str:
    """The section-5 entry of the call in ``function``."""
    section = document.split("## 5.", 1)[1].split("\n## 6.", 1)[0]
    return next(part for part in section.split("\n#### ") if f"`{function}()`" in part)


def _sites(context: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        site["function"].strip("`()"): site for file in context["fixes"] for site in file["sites"]
    }


def test_constants_without_shell_syntax_show_their_argv_rewrite_or_convert_by_hand(
    project: tuple[ScanResult, Policy],
) -> None:
    result, policy = project
    text = audit.render(result, policy, meta=META, fixes=audit_fixes(result, policy))
    uptime = _site(text, "uptime")
    assert "Codemod `shell-to-argv`" in uptime
    assert '# ✅ AFTER\n    return subprocess.check_output(["uptime"], text=True)\n' in uptime
    load = _site(text, "load")
    assert 'asyncio.create_subprocess_exec("cat", "/proc/loadavg", stdout=PIPE)' in load
    memory = _site(text, "memory")
    assert (
        "No codemod: convert it to an argv list by hand (the file object of `os.popen()` is "
        "used beyond `.read()`, and its `close()` returns the exit status)." in memory
    )
    assert '# ❌ BEFORE\n    with os.popen("free -m") as pipe:\n```' in memory
    kernel = _site(text, "kernel")
    assert "convert it to an argv list by hand (this function has no argv form" in kernel
    for site in (uptime, load, memory, kernel):  # no sandbox call under "convert"
        assert "sandbox" not in site
        assert "shell syntax" not in site
    top = _site(text, "top")  # a pipeline needs a shell, but `ps` the host's processes
    assert "No codemod: rewrite it by hand after review (the program needs to see" in top


def test_no_command_without_shell_syntax_is_said_to_need_it(
    project: tuple[ScanResult, Policy],
) -> None:
    result, policy = project
    context = audit.build_context(result, policy, meta=META, fixes=audit_fixes(result, policy))
    actions = {
        g["functions"][0].strip("`()"): g["action"]
        for level in context["priorities"]
        for g in level["groups"]
    }
    for function in ("uptime", "memory", "kernel", "load"):
        assert "shell syntax" not in actions[function], function
    # whether a command needs a shell, by the codemods' outcome (what section 1 should ask:
    # `top` needs one, though no codemod rewrites it, since `ps` needs the host's processes)
    fixes = audit_fixes(result, policy)
    needs = {
        f.function: command_needs_shell(f, fixes.get(f.fingerprint))
        for f in result.findings
        if f.category == "constant-shell"
    }
    assert needs == {"uptime": False, "memory": False, "kernel": False, "load": False, "top": True}


def test_each_sandboxed_call_says_what_it_gets_back_and_loses(
    project: tuple[ScanResult, Policy],
) -> None:
    result, policy = project
    fixes = audit_fixes(result, policy)
    sites = _sites(audit.build_context(result, policy, meta=META, fixes=fixes))
    install = sites["install"]
    assert install["after"].endswith("shell=True, check=True, network=True)")
    assert [(g["name"], g["keyword"]) for g in install["granted"]] == [("network", "network=True")]
    assert [i["name"] for i in install["lost"]] == ["environment", "limits"]
    assert install["sandbox"]["text"] == (
        "In the sandbox (profile `standard`): `pip install`; given back: network "
        "(`network=True`); it may need, and loses: environment, resources."
    )
    tool = sites["run_tool"]
    assert tool["granted"] == []
    assert [i["name"] for i in tool["lost"]] == [
        "network", "processes", "hostname", "ipc", "environment", "home", "files", "services",
        "devices", "write", "privileges", "limits",
    ]  # fmt: skip
    assert tool["sandbox"]["text"].startswith(
        "In the sandbox (profile `standard`): a program not known before it runs; it loses: "
        "network, other processes, host name, IPC, environment, home, host files, host "
        "services, devices, writing, privileges, resources."
    )
    assert sites["uptime"]["sandbox"] is None and sites["uptime"]["lost"] == []
    pt = _sites(audit.build_context(result, policy, lang="pt-BR", meta=META, fixes=fixes))
    assert pt["install"]["sandbox"]["text"] == (
        "No sandbox (perfil `standard`): `pip install`; devolvido: rede (`network=True`); "
        "pode precisar, e perde: ambiente, recursos."
    )
    for lang, heading in (("en", "What the sandbox takes away"), ("pt-BR", "O que o sandbox tira")):
        document = audit.render(result, policy, lang=lang, meta=META, fixes=fixes)
        legend = document.split(heading, 1)[1].split("\n## 6.", 1)[0]
        assert legend.count("\n- ") == 12  # every capability lost or given back, once
        assert "`network=True`" in legend


def test_the_guess_without_a_plan_agrees_with_the_codemods(
    project: tuple[ScanResult, Policy],
) -> None:
    """codemod_for(finding) without the codemods' outcome follows their rules; with it, it
    is their outcome. Only what a snippet cannot show differs: here how the object of
    ``os.popen`` is used."""
    result, policy = project
    fixes = audit_fixes(result, policy)
    differ = {}
    for finding in result.findings:
        fix = fixes.get(finding.fingerprint)
        if fix is None:
            continue
        assert isinstance(fix, Fix)
        real = codemod_for(finding, fix)
        assert real == fix.codemod
        if codemod_for(finding) != real:
            differ[finding.function] = (codemod_for(finding), real)
    assert len(fixes) == 8
    assert differ == {"memory": ("shell-to-argv", None)}


def test_cli_report_on_the_example_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from auditor.cli import main

    example = Path(__file__).parents[1] / "examples" / "llm_backend"
    shutil.copytree(example, tmp_path / "llm_backend")
    monkeypatch.chdir(tmp_path / "llm_backend")
    assert main(["report", "."]) == 0
    text = capsys.readouterr().out
    assert '    return subprocess.check_output(["uptime"], text=True)' in _site(text, "uptime")
    assert "convert it to an argv list by hand" in _site(text, "memory")
    assert "create_subprocess_exec(" in _site(text, "load_average")
    section = text.split("## 5.", 1)[1].split("\n## 6.", 1)[0]
    assert "needs shell syntax" not in section
    # (7: chat.py's [sys.executable, "-c", code] is generated code routed to the sandbox;
    # its `return eval(expression)` is left for review: the caller may expect a function)
    assert section.count("In the sandbox (profile `") == 7
    assert 'sandbox.run(\n            [sys.executable, "-c", code]' in section
