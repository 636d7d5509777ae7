"""Suppression comments keep the finding in the output, marked suppressed."""

from __future__ import annotations

from tests.conftest import findings

H = "import subprocess\n"


def test_ignore_by_rule_with_reason() -> None:
    [f] = findings(H + "subprocess.run(c, shell=True)  # auditor: ignore[AUD101] vetted input\n")
    assert (f.suppressed, f.suppression_reason) == (True, "vetted input")


def test_ignore_by_sink_or_class_name() -> None:
    code = H + "subprocess.run(c, shell=True)  # auditor: ignore[subprocess.run] -- legacy\n"
    [f] = findings(code)
    assert (f.suppressed, f.suppression_reason) == (True, "legacy")
    [g] = findings(H + "subprocess.run(c, shell=True)  # auditor: ignore[dynamic-shell]: ok\n")
    assert g.suppressed


def test_ignore_on_any_line_of_a_multiline_call() -> None:
    code = H + "subprocess.run(\n    c,\n    shell=True,  # auditor: ignore[AUD101] reviewed\n)\n"
    [f] = findings(code)
    assert f.suppressed and (f.line, f.end_line) == (2, 5)


def test_ignore_for_another_rule_does_not_apply() -> None:
    [f] = findings(H + "subprocess.run(c, shell=True)  # auditor: ignore[AUD201] nope\n")
    assert not f.suppressed


def test_ignore_without_reason_is_not_honoured() -> None:
    [f] = findings(H + "subprocess.run(c, shell=True)  # auditor: ignore[AUD101]\n")
    assert not f.suppressed
    assert "gives no reason" in f.message


def test_comment_outside_the_call_does_not_apply() -> None:
    code = H + "# auditor: ignore[AUD101] above\nsubprocess.run(c, shell=True)\n"
    [f] = findings(code)
    assert not f.suppressed


def test_marker_inside_a_string_is_not_a_comment() -> None:
    [f] = findings(H + "subprocess.run('echo # auditor: ignore[AUD101] x' + c, shell=True)\n")
    assert not f.suppressed


def test_nosec_only_with_honor_nosec() -> None:
    code = H + "subprocess.run(c, shell=True)  # nosec B602\n"
    [f] = findings(code)
    assert not f.suppressed
    [g] = findings(code, honor_nosec=True)
    assert (g.suppressed, g.suppression_reason) == (True, "# nosec")


def test_a_nosec_naming_other_bandit_tests_does_not_silence_the_call() -> None:
    """As in bandit: `# nosec B404` silences B404 only; `# nosec` alone, or with words that
    name no test, silences every test on the line."""
    system = "import os\nos.system(c)  # nosec{}\n"
    cases = {
        "": True,
        " B605": True,  # start_process_with_a_shell: bandit's test on os.system
        " b605": True,
        ": start_process_with_a_shell": True,
        " B404": False,  # import_subprocess: another test
        ": B607 the path is fixed": False,  # partial path: another test
        " B602, B605": True,
        " reviewed by the security team": True,  # no test named: every test
    }
    for comment, silenced in cases.items():
        [f] = findings(system.format(comment), honor_nosec=True)
        assert f.suppressed is silenced, comment
    # shell=True on a function outside the catalogue: bandit's B604
    [g] = findings("import x\nx.run(c, shell=True)  # nosec B604\n", honor_nosec=True)
    assert g.suppressed
    [h] = findings("import x\nx.run(c, shell=True)  # nosec B602\n", honor_nosec=True)
    assert not h.suppressed


def test_nosec_must_open_the_comment_as_in_bandit() -> None:
    [f] = findings("import os\nos.system(c)  # see nosec policy\n", honor_nosec=True)
    assert not f.suppressed


def test_a_comment_goes_to_the_innermost_call_it_names() -> None:
    """Meant for the constant inner git call, it does not hide the outer ssh command built
    from a parameter (a suppression on any line of a multi-line call counted before)."""
    code = (
        "import subprocess\n\n\ndef deploy(target):\n"
        "    return subprocess.check_output(\n"
        '        "ssh deploy@" + target + " " + subprocess.check_output("git rev-parse HEAD",'
        " shell=True, text=True).strip(),  # auditor: ignore[subprocess.check_output] "
        "constant git command, reviewed\n"
        "        shell=True,\n    )\n"
    )
    outer, inner = sorted(findings(code), key=lambda f: f.column)
    assert (outer.rule, outer.line, outer.suppressed) == ("AUD101", 5, False)
    assert (inner.rule, inner.line, inner.suppressed) == ("AUD201", 6, True)
    assert inner.suppression_reason == "constant git command, reviewed"
    # named by the outer's rule only, the comment goes to the outer call
    renamed = code.replace("subprocess.check_output]", "AUD101]")
    [o, i] = sorted(findings(renamed), key=lambda f: f.column)
    assert (o.suppressed, i.suppressed) == (True, False)


def test_a_comment_that_mentions_the_directive_does_not_suppress() -> None:
    for comment in (
        "# do not add auditor: ignore[AUD101] here",
        "# see the wiki: auditor: ignore[AUD101] is not allowed",
    ):
        [f] = findings(H + f"subprocess.run(c, shell=True)  {comment}\n")
        assert not f.suppressed, comment
    # after another tool's directive, behind its own '#', it still counts
    both = "  # noqa: S602  # auditor: ignore[AUD101] ok\n"
    [g] = findings(H + "subprocess.run(c, shell=True)" + both)
    assert (g.suppressed, g.suppression_reason) == (True, "ok")


def test_a_comment_naming_two_calls_of_one_line_suppresses_neither() -> None:
    code = (
        "import os, sys\ncmd = sys.argv[1]\n"
        'os.system("uptime"); os.system(cmd)  # auditor: ignore[os.system] uptime probe\n'
    )
    found = findings(code)
    assert sorted((f.rule, f.suppressed) for f in found) == [("AUD101", False), ("AUD201", False)]
    assert all("names 2 calls there and is ignored" in f.message for f in found)
    # naming the constant one's rule picks it alone
    found = findings(code.replace("ignore[os.system]", "ignore[AUD201]"))
    assert sorted((f.rule, f.suppressed) for f in found) == [("AUD101", False), ("AUD201", True)]
