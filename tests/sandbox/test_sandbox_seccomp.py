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
    active = seccomp.active_rules(arch, conds)
    by_nr = {r.nr[arch]: r for r in active}

    def expected(nr: int, args: tuple[int, ...]) -> int:
        r = by_nr.get(nr)
        return seccomp.RET_ERRNO | r.errno if r and _refuses(r, args) else seccomp.RET_ALLOW

    checked = 0
    for rule in seccomp.rules():
        if arch not in rule.nr:
            continue
        nr = rule.nr[arch]
        for args in rule.refused:
            assert _refuses(rule, args), (rule.syscall, args)
            got = seccomp.evaluate(prog, arch, nr, args)
            assert got == expected(nr, args), (rule.syscall, args, hex(got))
            if rule in active:
                assert got == seccomp.RET_ERRNO | rule.errno, (rule.syscall, args)
            elif not rule.applies(conds) and nr not in by_nr:
                assert got == seccomp.RET_ALLOW, (rule.syscall, args)
            checked += 1
        for args in rule.allowed:
            assert not _refuses(rule, args), (rule.syscall, args)
            got = seccomp.evaluate(prog, arch, nr, args)
            assert got == expected(nr, args), (rule.syscall, args, hex(got))
            if rule in active:
                assert got == seccomp.RET_ALLOW
    assert checked >= len(seccomp.rules())


def _refuses(rule: seccomp.Rule, args: tuple[int, ...]) -> bool:
    """What a rule says of a call, read from the table (not from the program)."""
    if rule.arg is None:
        return True
    v = args[rule.arg] & 0xFFFFFFFF
    if rule.mask is not None:
        return bool(v & rule.mask)
    if rule.only:
        return v not in rule.only
    return v in rule.values


def test_a_call_refused_whole_shadows_its_argument_rule() -> None:
    """memfd_create and shmget: refused whole without a memory cgroup (ENOSYS), only with
    a huge-page flag otherwise (EINVAL)."""
    for arch in ARCHES:
        for conds, want in ((frozenset(), errno.EINVAL), ({"memory-rlimit-only"}, errno.ENOSYS)):
            prog = seccomp.program(arch, frozenset(conds))
            memfd = next(r for r in seccomp.rules() if r.syscall == "memfd_create").nr[arch]
            got = seccomp.evaluate(prog, arch, memfd, (0, 4))
            assert got == seccomp.RET_ERRNO | want, (arch, conds)
            plain = seccomp.evaluate(prog, arch, memfd, (0, 1))
            assert plain == (seccomp.RET_ALLOW if not conds else seccomp.RET_ERRNO | want)


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
