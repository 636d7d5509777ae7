"""auditor migrate: dry run, --check, --apply, safety checks, narrowing, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from auditor import migrate, planning
from auditor.api import scan
from auditor.cli import main
from auditor.codemods.route_to_sandbox import RouteToSandbox
from auditor.judge.policy import load_policy

MIXED = textwrap.dedent(
    """\
    import importlib
    import os
    import subprocess


    def build(target):
        subprocess.run("make all", shell=True)  # constant, no shell syntax
        os.system("make " + target)
        return eval(target) == 0


    def untouched(name):
        return importlib.import_module(name)
    """
)
CLEAN = "import subprocess\n\nsubprocess.run(['ls', '-l'])\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # the project root (fingerprints are relative to it): scan and migrate agree on it
    (tmp_path / "pyproject.toml").write_text("[tool.auditor]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mixed.py").write_text(MIXED)
    (tmp_path / "pkg" / "clean.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_dry_run_prints_diff_and_summary_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project / "pkg" / "mixed.py").read_bytes()
    assert main(["migrate", "pkg"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("--- a/pkg/mixed.py\n+++ b/pkg/mixed.py\n")
    assert '-    subprocess.run("make all", shell=True)  # constant, no shell syntax' in out
    assert '+    subprocess.run(["make", "all"])  # constant, no shell syntax' in out
    assert '+    sandbox.system("make " + target)' in out
    assert "+    return sandbox.eval_python(target) == 0" in out
    assert "clean.py" not in out
    assert "shell-to-argv: 1 site(s) rewritten" in err
    assert "route-to-sandbox: 1 site(s) rewritten" in err
    assert "eval-exec-to-sandbox: 1 site(s) rewritten" in err
    assert "left for review: 1 site(s)" in err
    assert "pkg/mixed.py:13:" in err
    assert "1 file(s) would change" in err
    assert (project / "pkg" / "mixed.py").read_bytes() == before


def test_check_exits_1_when_something_would_change(project: Path) -> None:
    assert main(["migrate", "--check", "pkg"]) == 1
    assert main(["migrate", "--check", "pkg/clean.py"]) == 0


def test_apply_writes_and_second_run_is_a_no_op(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = project / "pkg" / "clean.py"
    stat_before = clean.stat()
    assert main(["migrate", "--apply", "pkg"]) == 0
    out, err = capsys.readouterr()
    assert out == ""  # --apply prints no diff
    assert "1 file(s) written\n  pkg/mixed.py: 3 site(s) rewritten\n" in err
    text = (project / "pkg" / "mixed.py").read_text()
    assert "from auditor import sandbox" in text
    assert 'subprocess.run(["make", "all"])  # constant, no shell syntax' in text
    assert "import os\n" not in text  # no longer used
    compile(text, "mixed.py", "exec")
    # a file with nothing to rewrite is not written at all
    stat_after = clean.stat()
    assert (stat_after.st_ino, stat_after.st_mtime_ns) == (
        stat_before.st_ino,
        stat_before.st_mtime_ns,
    )
    result = scan(["pkg"])
    unsafe = [f for f in result.findings if not f.isolated and f.action != "allow"]
    assert [f.sink for f in unsafe] == ["importlib.import_module"]
    again = (project / "pkg" / "mixed.py").read_bytes()
    assert main(["migrate", "--check", "pkg"]) == 0
    assert main(["migrate", "--apply", "pkg"]) == 0
    assert (project / "pkg" / "mixed.py").read_bytes() == again
    assert sorted(p.name for p in (project / "pkg").iterdir()) == ["clean.py", "mixed.py"]


def test_apply_keeps_mode_encoding_and_line_endings(project: Path) -> None:
    latin = project / "latin.py"
    source = '# -*- coding: latin-1 -*-\r\nimport os\r\nos.system("ls -l")  # café\r\n'
    latin.write_bytes(source.encode("latin-1"))
    latin.chmod(0o754)
    bom = project / "bom.py"
    bom.write_bytes(b'\xef\xbb\xbfimport os\nos.system("uname -a")  # \xc3\xa9\n')
    assert main(["migrate", "--apply", "latin.py", "bom.py"]) == 0
    assert latin.read_bytes() == (
        "# -*- coding: latin-1 -*-\r\nimport subprocess\r\n"
        'subprocess.call(["ls", "-l"])  # café\r\n'
    ).encode("latin-1")
    assert latin.stat().st_mode & 0o777 == 0o754
    assert bom.read_bytes() == (
        b'\xef\xbb\xbfimport subprocess\nsubprocess.call(["uname", "-a"])  # \xc3\xa9\n'
    )


def test_plan_api_gives_before_and_after_per_site(project: Path) -> None:
    plans = migrate.plan(["pkg"], load_policy(project))
    (fplan,) = plans
    fingerprints = {f.fingerprint: f for f in scan(["pkg"]).findings}
    by_codemod = {s.codemod: s for s in fplan.sites}
    argv = by_codemod["shell-to-argv"]
    assert argv.fingerprint in fingerprints
    assert (argv.line, argv.end_line) == (7, 7)
    assert argv.before_lines == [
        '    subprocess.run("make all", shell=True)  # constant, no shell syntax'
    ]
    assert argv.after_lines == ['    subprocess.run(["make", "all"])  # constant, no shell syntax']
    routed = by_codemod["route-to-sandbox"]
    assert routed.after_lines == ['    sandbox.system("make " + target)']
    assert fingerprints[routed.fingerprint].sink == "os.system"
    (review,) = fplan.reviews
    assert review.sink == "importlib.import_module" and "review it by hand" in review.reason
    assert fplan.rewritten == {"shell-to-argv": 1, "route-to-sandbox": 1, "eval-exec-to-sandbox": 1}


def test_plan_accepts_a_scan_result(project: Path) -> None:
    result = scan(["pkg"])
    plans = migrate.plan(result, load_policy(project))
    assert [p.path for p in plans] == ["pkg/mixed.py"]
    assert plans[0].changed


def test_multi_line_site_before_after(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        'import subprocess\nx = 1; subprocess.run(\n    "ls -l",  # list\n    shell=True,\n)\n'
    )
    (fplan,) = migrate.plan([path], load_policy(tmp_path))
    (site,) = fplan.sites
    assert (site.line, site.end_line) == (2, 5)
    assert site.before_lines == [
        "x = 1; subprocess.run(",
        '    "ls -l",  # list',
        "    shell=True,",
        ")",
    ]
    assert site.after_lines == ["x = 1; subprocess.run(", '    ["ls", "-l"],  # list', ")"]


def test_before_after_lines_and_diff_count_lines_as_python(tmp_path: Path) -> None:
    """A form feed (a page break, common in older code) is no line break for Python: the
    site's before/after lines are its own, and the diff applies. Before, ``splitlines``
    split at it: the lines shown were those above the site, and the diff had a line more."""
    path = tmp_path / "m.py"
    text = 'import subprocess\n\x0c\nx = 1  # \x0c page\nsubprocess.run("ls -l", shell=True)\n'
    path.write_text(text)
    (fplan,) = migrate.plan([path], load_policy(tmp_path))
    (site,) = fplan.sites
    assert (site.line, site.end_line) == (4, 4)
    assert site.before_lines == ['subprocess.run("ls -l", shell=True)']
    assert site.after_lines == ['subprocess.run(["ls", "-l"])']
    diff = fplan.diff()
    assert "\n \x0c\n" in diff and "\n  \n" not in diff and "\n \n" not in diff
    if shutil.which("patch") is not None:  # the diff applies as patch(1) reads it
        (tmp_path / "m.patch").write_text(diff)
        subprocess.run(["patch", "-s", "m.py", "m.patch"], cwd=tmp_path, check=True)
        assert path.read_text() == fplan.updated


def test_codemod_select_and_only_narrow(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--codemod", "shell-to-argv", "pkg"]) == 0
    out, err = capsys.readouterr()
    assert "shell-to-argv: 1 site(s) rewritten" in err
    assert "route-to-sandbox: 0 site(s) rewritten" in err
    assert "route-to-sandbox handles it (not selected)" in err
    assert "sandbox" not in out
    assert main(["migrate", "--select", "AUD103", "pkg"]) == 0
    out, err = capsys.readouterr()
    assert "eval_python" in out
    assert "+    sandbox.system" not in out and '["make", "all"]' not in out
    assert main(["migrate", "--only", "pkg/mixed.py:8", "pkg"]) == 0
    out, err = capsys.readouterr()
    assert "+    sandbox.system" in out and "eval_python" not in out and '["make"' not in out
    assert "warning" not in err
    assert main(["migrate", "--only", "pkg/mixed.py:3", "pkg"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "warning: --only pkg/mixed.py:3: no site needing action there" in err
    assert main(["migrate", "--select", "dynamic-shell", "pkg"]) == 0
    out, _ = capsys.readouterr()
    assert "+    sandbox.system" in out and "eval_python" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["migrate", "--only", "pkg/mixed.py", "pkg"], "expected PATH:LINE"),
        (["migrate", "--only", "pkg/mixed.py:x", "pkg"], "expected PATH:LINE"),
        (["migrate", "--codemod", "nope", "pkg"], "nope"),
        (["migrate", "--apply", "--check", "pkg"], "exclude each other"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_file_is_reported_and_others_still_migrate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = project / "pkg" / "bad.py"
    bad.write_text("import os\nos.system(cmd\n")
    assert main(["migrate", "--apply", "pkg"]) == 2
    err = capsys.readouterr().err
    assert "pkg/bad.py:2: syntax error" in err or "pkg/bad.py:3: syntax error" in err
    assert "Traceback" not in err
    assert bad.read_text() == "import os\nos.system(cmd\n"
    assert "sandbox" in (project / "pkg" / "mixed.py").read_text()


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_apply_refuses_dirty_files_unless_allowed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "init")
    mixed = project / "pkg" / "mixed.py"
    mixed.write_text(MIXED + "\n# edited\n")
    assert main(["migrate", "--apply", "pkg"]) == 2
    assert "uncommitted changes" in capsys.readouterr().err
    assert mixed.read_text() == MIXED + "\n# edited\n"
    assert main(["migrate", "--apply", "--allow-dirty", "pkg"]) == 0
    assert "sandbox" in mixed.read_text()
    # committed files are rewritten without --allow-dirty
    other = project / "other.py"
    other.write_text("import os\n\ndef f(c):\n    os.system(c)\n")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "more")
    assert main(["migrate", "--apply", "other.py"]) == 0
    assert "sandbox.system(c)" in other.read_text()
    # untracked and git-ignored files have no committed copy either
    (project / ".gitignore").write_text("ignored.py\n")
    for name in ("untracked.py", "ignored.py"):
        (project / name).write_text("import os\n\ndef f(c):\n    os.system(c)\n")
        assert main(["migrate", "--apply", name]) == 2
        assert "os.system(c)" in (project / name).read_text()


def test_rewrite_that_does_not_compile_is_not_written(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(self: RouteToSandbox, original: cst.Call, updated: cst.Call, _: object) -> object:
        return cst.Await(updated)  # 'await' outside an async function

    monkeypatch.setattr(RouteToSandbox, "rewrite", broken)
    before = (project / "pkg" / "mixed.py").read_bytes()
    assert main(["migrate", "--apply", "pkg"]) == 2
    err = capsys.readouterr().err
    assert "pkg/mixed.py: the rewritten file does not compile: 'await' outside" in err
    assert (project / "pkg" / "mixed.py").read_bytes() == before


def test_codemod_crash_is_one_line_and_nothing_is_written(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crash(self: RouteToSandbox, original: cst.Call, updated: cst.Call, _: object) -> object:
        keyword = cst.Arg(cst.Name("a"), keyword=cst.Name("k"))
        return updated.with_changes(args=[keyword, cst.Arg(cst.Name("b"))])  # invalid CST

    monkeypatch.setattr(RouteToSandbox, "rewrite", crash)
    before = (project / "pkg" / "mixed.py").read_bytes()
    assert main(["migrate", "--apply", "pkg"]) == 2
    err = capsys.readouterr().err
    assert "pkg/mixed.py: route-to-sandbox failed: " in err
    assert "Traceback" not in err
    assert (project / "pkg" / "mixed.py").read_bytes() == before


def test_rewrite_that_leaves_the_site_unsafe_is_not_written(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unsafe(self: RouteToSandbox, original: cst.Call, updated: cst.Call, _: object) -> object:
        return updated.with_changes(func=cst.parse_expression("subprocess.getoutput"))

    monkeypatch.setattr(RouteToSandbox, "rewrite", unsafe)
    before = (project / "pkg" / "mixed.py").read_bytes()
    assert main(["migrate", "--apply", "pkg"]) == 2
    err = capsys.readouterr().err
    assert "still not isolated" in err
    assert (project / "pkg" / "mixed.py").read_bytes() == before


def test_file_changed_after_planning_is_not_overwritten(project: Path) -> None:
    plans = migrate.plan(["pkg"], load_policy(project))
    (project / "pkg" / "mixed.py").write_text(MIXED + "# someone else\n")
    assert migrate.apply(plans, allow_dirty=True) == []
    assert plans[0].error is not None and "changed since" in plans[0].error
    assert (project / "pkg" / "mixed.py").read_text().endswith("# someone else\n")


def test_symlinked_file_is_written_through_the_link(project: Path) -> None:
    target = project / "pkg" / "mixed.py"
    link = project / "link.py"
    os.symlink(target, link)
    assert main(["migrate", "--apply", "--allow-dirty", "link.py"]) == 0
    assert link.is_symlink()
    assert "sandbox" in target.read_text()


def test_report_api_before_after_blocks_and_json(project: Path) -> None:
    plans = migrate.plan(["pkg"], load_policy(project))
    fixes = migrate.fixes_by_fingerprint(plans)
    reviews = migrate.reviews_by_fingerprint(plans)
    by_sink = {f.sink: f for f in scan(["pkg"]).findings}
    argv = fixes[by_sink["subprocess.run"].fingerprint]
    assert argv.markdown() == (
        "`pkg/mixed.py:7` (AUD201, shell-to-argv)\n\n"
        "Before:\n\n```python\n"
        '    subprocess.run("make all", shell=True)  # constant, no shell syntax\n'
        "```\n\nAfter:\n\n```python\n"
        '    subprocess.run(["make", "all"])  # constant, no shell syntax\n'
        "```\n"
    )
    assert (
        fixes[by_sink["os.system"].fingerprint]
        .markdown()
        .endswith(
            "```\n\nIn the sandbox (profile standard): make; may need, and loses: writing, "
            "resources.\n"
        )
    )
    assert list(reviews) == [by_sink["importlib.import_module"].fingerprint]
    pairs = migrate.before_after(plans)
    assert pairs[by_sink["os.system"].fingerprint] == (
        '    os.system("make " + target)',
        '    sandbox.system("make " + target)',
    )
    assert set(pairs) == set(fixes)
    assert migrate.fixes_for(scan(["pkg"]), load_policy(project)) == pairs
    data = json.loads(json.dumps([p.to_json() for p in plans]))
    assert data[0]["path"] == "pkg/mixed.py" and data[0]["changed"] is True
    assert {s["codemod"] for s in data[0]["sites"]} == set(planning.CODEMODS)
    assert data[0]["reviews"][0]["reasons"] == [
        "no codemod rewrites importlib.import_module() (dynamic-import); review it by hand"
    ]
    assert data[0]["diff"].startswith("--- a/pkg/mixed.py")


NESTED = textwrap.dedent(
    """\
    import os
    import subprocess


    class Runner:
        def go(self, cmd, items):
            for item in items:
                if item:
                    subprocess.run(
                        cmd,
                        shell=True,
                        check=True,
                    )
                    subprocess.run(f"ls {item}",
                                   shell=True)
                    x = subprocess.run("ls -l /tmp",
                                       shell=True,
                                       capture_output=True)
                    with open(item) as handle:
                        try:
                            out = os.popen(
                                "uname -r"
                            ).read()
                        finally:
                            print(eval(
                                handle.read(),
                            ))
            return x, out
    """
)


def _after_block(document: str, line: int) -> str:
    section = document.split(f"#### Line {line} - ", 1)[1].split("\n#### ", 1)[0]
    return section.split("# ✅ AFTER\n", 1)[1].split("\n```", 1)[0]


def test_after_lines_keep_the_indentation_of_nested_multi_line_calls(tmp_path: Path) -> None:
    """The report's "after" block is what the rewritten file holds, line for line: the
    continuation lines of a multi-line call keep the indentation of the blocks it is in."""
    from auditor.formats import audit_fixes
    from auditor.reports.audit import render

    path = tmp_path / "nested.py"
    path.write_text(NESTED)
    policy = load_policy(tmp_path)
    (fplan,) = migrate.plan([path], policy)
    updated = fplan.updated.splitlines()
    assert len(fplan.sites) == 5
    result = scan([str(path)], policy=policy)
    document = render(result, policy, fixes=audit_fixes(result, policy))
    for site in fplan.sites:
        after = site.after_lines
        assert len(after) > 1  # every site here spans lines
        # the same lines, in the same place, as in the rewritten file (the diff)
        starts = [i for i in range(len(updated)) if updated[i : i + len(after)] == after]
        assert starts, (site.line, after)
        assert _after_block(document, site.line) == "\n".join(after)
    blocks = {s.line: s.after_lines for s in fplan.sites}
    assert blocks[9] == [
        "                sandbox.run(",
        "                    cmd,",
        "                    shell=True,",
        "                    check=True,",
        "                )",
    ]
    assert blocks[16] == [
        '                x = subprocess.run(["ls", "-l", "/tmp"],',
        "                                   capture_output=True)",
    ]
    assert blocks[21] == [
        "                        out = subprocess.run(",
        '                            ["uname", "-r"], stdout=subprocess.PIPE, text=True).stdout',
    ]
    assert blocks[25] == [
        "                        print(sandbox.eval_python(",
        "                            handle.read(),",
        "                        ))",
    ]


SANDBOXED = textwrap.dedent(
    """\
    import os
    import subprocess


    def install(pkg):
        subprocess.run(
            f"pip install {pkg}",
            shell=True,
        )


    def run(cmd):
        return os.system(cmd)
    """
)


@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_dry_run_and_apply_say_what_the_sandbox_takes_away(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    profile: str,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.auditor]\n[tool.auditor.sandbox]\nprofile = "{profile}"\nmemory = "1G"\n'
    )
    (tmp_path / "deps.py").write_text(SANDBOXED)
    monkeypatch.chdir(tmp_path)
    assert main(["migrate", "deps.py"]) == 0
    out, err = capsys.readouterr()
    assert '         f"pip install {pkg}",\n         shell=True,\n+        network=True,\n' in out
    taken = (
        "network, other processes, host name, IPC, environment, home, host files, "
        "host services, devices, writing, "
    )
    block = err.split("what the sandbox takes away from each call routed to it:\n", 1)[1]
    assert block.startswith(
        f"  deps.py:6 (profile {profile}): pip install\n"
        "    - given back: network (network=True)\n"
        "    - may need, and loses: environment, resources\n"
        f"  deps.py:13 (profile {profile}): a program not known before it runs\n"
        f"    - loses: {taken}privileges, resources\n"
        "  what each means, and the argument that gives it back:\n"
        "    network: only a private loopback interface"
    )
    assert "    resources: 1G of memory, 30 s of CPU, 64 processes, files up to 10M" in block
    # both: nothing of the host; standard says the working folder is read-only and what
    # opens it (a person's decision: the rewrite never adds it)
    assert "    writing: nothing of the host is writable" in block
    assert ("writable_cwd=True" in block) == (profile == "standard")
    (fplan,) = migrate.plan(["deps.py"], load_policy(tmp_path))
    data = json.loads(json.dumps(fplan.to_json()))
    effects = [site["effect"] for site in data["sites"]]
    assert [e["granted"] for e in effects] == [["network"], []]
    assert effects[1]["unknown"] is True and effects[1]["profile"] == profile

    assert main(["migrate", "--apply", "--allow-dirty", "deps.py"]) == 0
    err = capsys.readouterr().err
    assert f"  deps.py:6 (profile {profile}): pip install\n" in err
    assert "1 file(s) written" in err
    assert "network=True" in (tmp_path / "deps.py").read_text()


def test_a_mistake_in_the_sandbox_settings_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.auditor.sandbox]\nprofil = "strict"\n')
    (tmp_path / "deps.py").write_text(SANDBOXED)
    monkeypatch.chdir(tmp_path)
    for command in (["migrate", "."], ["report", "."]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "[tool.auditor.sandbox] key 'profil' is unknown" in err
        assert "Traceback" not in err
    assert (tmp_path / "deps.py").read_text() == SANDBOXED


def test_after_lines_are_the_final_lines_when_sites_share_a_line(tmp_path: Path) -> None:
    """Two sites on one line, rewritten by different codemods: each 'after' block is the
    line of the rewritten file, with both rewrites (as the diff shows it)."""
    path = tmp_path / "shared.py"
    path.write_text(
        "import subprocess\n\n\ndef f(cmd):\n"
        '    a = subprocess.run("ls -l", shell=True); b = subprocess.run(\n'
        "        cmd, shell=True\n    )\n    return str(eval(cmd)), a, b\n"
    )
    (fplan,) = migrate.plan([path], load_policy(tmp_path))
    final = [
        '    a = subprocess.run(["ls", "-l"]); b = sandbox.run(',
        "        cmd, shell=True",
        "    )",
    ]
    assert "\n".join(final) in fplan.updated
    by_codemod = {site.codemod: site for site in fplan.sites}
    assert by_codemod["shell-to-argv"].after_lines == final[:1]  # its own line
    assert by_codemod["route-to-sandbox"].after_lines == final
    assert by_codemod["eval-exec-to-sandbox"].after_lines == [
        "    return str(sandbox.eval_python(cmd)), a, b"
    ]
