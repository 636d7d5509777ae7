"""The seccomp program generated from rules/sandbox.toml, run through a BPF interpreter the
way the kernel runs it: every rule's ``refused`` examples are refused with its errno, its
``allowed`` examples and every other syscall pass, another architecture is killed."""

from __future__ import annotations

import errno

import pytest

from auditor import sandbox
from auditor.sandbox import rulesdata, seccomp

ARCHES = sorted(seccomp.AUDIT_ARCH)
CONDITIONS = [
    seccomp.conditions(memory_rlimit_only=m, network=n, root_caller=r)
    for m in (False, True)
    for n in (False, True)
    for r in (False, True)
]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("conds", CONDITIONS, ids=lambda c: ",".join(sorted(c)) or "none")
def test_the_program_refuses_and_allows_each_rules_examples(
    arch: str, conds: frozenset[str]
) -> None:
    prog = seccomp.program(arch, conds)
    checked = 0
    for rule in seccomp.rules():
        if arch not in rule.nr:
            continue
        applies = rule.applies(conds)
        for args in rule.refused:
            got = seccomp.evaluate(prog, arch, rule.nr[arch], args)
            want = seccomp.RET_ERRNO | rule.errno if applies else seccomp.RET_ALLOW
            assert got == want, (rule.syscall, args, hex(got))
            checked += 1
        for args in rule.allowed:
            assert seccomp.evaluate(prog, arch, rule.nr[arch], args) == seccomp.RET_ALLOW
    assert checked >= len(seccomp.rules())


@pytest.mark.parametrize("arch", ARCHES)
def test_anything_else_is_allowed_and_another_abi_is_not(arch: str) -> None:
    prog = seccomp.program(arch, frozenset(seccomp.WHEN))
    listed = {r.nr[arch] for r in seccomp.rules() if arch in r.nr}
    for nr in range(0, 460):
        if nr not in listed:
            assert seccomp.evaluate(prog, arch, nr, (0, 0, 0)) == seccomp.RET_ALLOW, nr
    other = next(a for a in ARCHES if a != arch)
    # the same numbers under another architecture's AUDIT_ARCH: the process is killed
    assert seccomp.evaluate(prog, other, 0, ()) == seccomp.RET_KILL_PROCESS
    if arch == "x86_64":  # the x32 ABI
        assert seccomp.evaluate(prog, arch, 0x40000000 | 1, ()) == (
            seccomp.RET_ERRNO | errno.ENOSYS
        )


def test_a_rule_without_examples_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    data = rulesdata.load()
    broken = {**data, "seccomp": {"rule": [{"syscall": "ptrace", "nr": {"x86_64": 101}}]}}
    monkeypatch.setattr(rulesdata, "load", lambda: broken)
    seccomp.rules.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxConfigError, match=r"sandbox\.toml: .*ptrace.*errno"):
            seccomp.rules()
    finally:
        seccomp.rules.cache_clear()
