"""The seccomp filter of every sandbox run, generated from ``rules/sandbox.toml``.

Both launchers install the same classic-BPF program, built here once per process and
passed to them as hex in the plan (``bpf=``): the compiled launcher stays a static binary
with no libseccomp, the Python launcher needs no binding, and one table says what is refused.
The program checks the architecture (another one is killed: its syscall numbers would mean
other calls), refuses the x32 ABI on x86-64, then compares the syscall number with each rule;
a rule with ``mask``/``values`` loads one argument (its low 32 bits, which is what the
kernel reads for these ``int`` arguments and flag words) before deciding.  Everything else is
allowed, so the kernel's per-syscall action cache (Linux >= 5.11) lets the allowed calls
through without running the program at all, except the few whose rules read an argument.

:func:`evaluate` runs a program on one syscall the way the kernel would: the test suite runs
every rule's ``refused`` and ``allowed`` examples through it.
"""

from __future__ import annotations

import dataclasses
import errno as errno_module
import functools
import platform
import struct

from auditor.sandbox import rulesdata

#: AUDIT_ARCH_* of the architectures the table has numbers for.
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000

RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000

# classic BPF opcodes (linux/filter.h)
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

_OFF_NR, _OFF_ARCH, _OFF_ARGS = 0, 4, 16

#: The conditions a rule's ``when`` can name; ``always`` applies to every run.
WHEN = ("always", "memory-rlimit-only", "no-network", "root-caller")


@dataclasses.dataclass(frozen=True)
class Rule:
    syscall: str
    nr: dict[str, int]
    errno: int
    why: str
    arg: int | None = None
    mask: int | None = None
    values: tuple[int, ...] = ()
    #: the only values of args[arg] let through (``only``): any other one is refused
    only: tuple[int, ...] = ()
    when: str = "always"
    refused: tuple[tuple[int, ...], ...] = ()
    allowed: tuple[tuple[int, ...], ...] = ()

    def applies(self, conditions: frozenset[str]) -> bool:
        return self.when == "always" or self.when in conditions


def _ints(value: object, key: str) -> tuple[tuple[int, ...], ...]:
    if not isinstance(value, list) or not all(
        isinstance(t, list) and all(isinstance(x, int) for x in t) for t in value
    ):
        raise rulesdata.bad(key, "expected a list of lists of integers")
    return tuple(tuple(t) for t in value)


@functools.cache
def rules() -> tuple[Rule, ...]:
    """The rules of ``[[seccomp.rule]]``, validated."""
    out = []
    for i, raw in enumerate(rulesdata.section("seccomp", "rule")):
        key = f"seccomp.rule[{i}]"
        name = raw.get("syscall")
        if not isinstance(name, str):
            raise rulesdata.bad(key, "missing 'syscall'")
        key = f"seccomp.rule[{i}] ({name})"
        nr = raw.get("nr")
        if not isinstance(nr, dict) or not all(
            a in AUDIT_ARCH and isinstance(n, int) for a, n in nr.items()
        ):
            raise rulesdata.bad(key, f"'nr' must map {' / '.join(AUDIT_ARCH)} to numbers")
        err = getattr(errno_module, str(raw.get("errno")), None)
        if not isinstance(err, int):
            raise rulesdata.bad(key, f"unknown errno {raw.get('errno')!r}")
        when = raw.get("when", "always")
        if when not in WHEN:
            raise rulesdata.bad(key, f"'when' must be one of {', '.join(WHEN)}")
        arg, mask, values = raw.get("arg"), raw.get("mask"), raw.get("values", [])
        only = raw.get("only", [])
        if not isinstance(only, list) or not all(isinstance(v, int) for v in only):
            raise rulesdata.bad(key, "'only' must be a list of integers")
        given = [k for k, v in (("mask", mask), ("values", values), ("only", only)) if v]
        if given and not (isinstance(arg, int) and 0 <= arg < 6):
            raise rulesdata.bad(key, "'mask', 'values' and 'only' need 'arg' (0-5)")
        if len(given) > 1:
            raise rulesdata.bad(key, "give one of 'mask', 'values' and 'only'")
        if arg is not None and not given:
            raise rulesdata.bad(key, "'arg' needs 'mask', 'values' or 'only'")
        refused = _ints(raw.get("refused", []), f"{key}.refused")
        allowed = _ints(raw.get("allowed", []), f"{key}.allowed")
        if not refused:
            raise rulesdata.bad(key, "needs at least one 'refused' example")
        if arg is not None and not allowed:
            raise rulesdata.bad(key, "a conditional rule needs an 'allowed' example")
        out.append(
            Rule(
                syscall=name,
                nr=dict(nr),
                errno=err,
                why=str(raw.get("why", "")),
                arg=arg,
                mask=mask,
                values=tuple(values),
                only=tuple(only),
                when=when,
                refused=refused,
                allowed=allowed,
            )
        )
    return tuple(out)


def machine() -> str | None:
    """This machine's architecture name in the table, or None when it has none."""
    m = platform.machine()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m) if m else None


class _Asm:
    """A tiny classic-BPF assembler with forward labels (jump offsets are 8 bits)."""

    def __init__(self) -> None:
        self.code: list[tuple[int, int | str, int | str, int]] = []
        self.labels: dict[str, int] = {}

    def op(self, code: int, k: int, jt: int | str = 0, jf: int | str = 0) -> None:
        self.code.append((code, jt, jf, k & 0xFFFFFFFF))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def assemble(self) -> bytes:
        out = []
        for i, (code, jt, jf, k) in enumerate(self.code):
            offs = []
            for target in (jt, jf):
                off = self.labels[target] - i - 1 if isinstance(target, str) else target
                if not 0 <= off <= 255:
                    raise ValueError(f"seccomp: jump too far at instruction {i}")
                offs.append(off)
            out.append(struct.pack("<HBBI", code, offs[0], offs[1], k))
        return b"".join(out)


def conditions(*, memory_rlimit_only: bool, network: bool, root_caller: bool) -> frozenset[str]:
    """The ``when`` conditions that hold for a run."""
    out = set()
    if memory_rlimit_only:
        out.add("memory-rlimit-only")
    if not network:
        out.add("no-network")
    if root_caller:
        out.add("root-caller")
    return frozenset(out)


def active_rules(arch: str, conds: frozenset[str]) -> list[Rule]:
    """The rules of a run on ``arch``, one per syscall number: where a rule that refuses
    the call outright applies (``memfd_create`` without a memory cgroup), a rule of the same
    call that looks at an argument is left out (it could only refuse less)."""
    active = [r for r in rules() if arch in r.nr and r.applies(conds)]
    whole = {r.nr[arch] for r in active if r.arg is None}
    active = [r for r in active if r.arg is None or r.nr[arch] not in whole]
    numbers = [r.nr[arch] for r in active]
    if len(set(numbers)) != len(numbers):
        raise rulesdata.bad("seccomp.rule", f"two rules for one syscall number on {arch}")
    return active


@functools.cache
def program(arch: str, conds: frozenset[str]) -> bytes:
    """The filter (``struct sock_filter`` array) for ``arch`` and a run's conditions."""
    if arch not in AUDIT_ARCH:
        raise ValueError(f"seccomp: no syscall table for {arch}")
    a = _Asm()
    a.op(_LD_W_ABS, _OFF_ARCH)
    a.op(_JEQ_K, AUDIT_ARCH[arch], 1, 0)
    a.op(_RET_K, RET_KILL_PROCESS)
    a.op(_LD_W_ABS, _OFF_NR)
    if arch == "x86_64":
        a.op(_JGE_K, X32_SYSCALL_BIT, "errno-ENOSYS", 0)
    active = active_rules(arch, conds)
    errnos = sorted({r.errno for r in active} | {errno_module.ENOSYS})
    for n, r in enumerate(active):
        target = f"errno-{errno_module.errorcode[r.errno]}"
        if r.arg is None:
            a.op(_JEQ_K, r.nr[arch], target, 0)
            continue
        skip = f"skip-{n}"
        a.op(_JEQ_K, r.nr[arch], 0, skip)
        a.op(_LD_W_ABS, _OFF_ARGS + 8 * r.arg)  # the low half (little-endian)
        if r.mask is not None:
            a.op(_JSET_K, r.mask, f"ret-{n}", 0)
        elif r.only:
            for v in r.only:
                a.op(_JEQ_K, v, f"allow-{n}", 0)
            a.op(_RET_K, RET_ERRNO | r.errno)
            a.label(f"allow-{n}")
        else:
            for v in r.values:
                a.op(_JEQ_K, v, f"ret-{n}", 0)
        a.op(_RET_K, RET_ALLOW)  # the number matched: no other rule is about it
        a.label(f"ret-{n}")
        a.op(_RET_K, RET_ERRNO | r.errno)
        a.label(skip)
    a.op(_RET_K, RET_ALLOW)
    for e in errnos:
        a.label(f"errno-{errno_module.errorcode[e]}")
        a.op(_RET_K, RET_ERRNO | e)
    return a.assemble()


def for_run(*, memory_rlimit_only: bool, network: bool, root_caller: bool) -> bytes | None:
    """The filter for this machine, or None when the table has no numbers for it."""
    arch = machine()
    if arch not in AUDIT_ARCH:
        return None
    conds = conditions(
        memory_rlimit_only=memory_rlimit_only, network=network, root_caller=root_caller
    )
    return program(arch, conds)


def evaluate(prog: bytes, arch: str, nr: int, args: tuple[int, ...] = ()) -> int:
    """What the kernel would return for syscall ``nr`` with ``args`` (``SECCOMP_RET_*``
    with its data): a classic-BPF interpreter for the opcodes :func:`program` emits."""
    full = [x & (2**64 - 1) for x in (*args, 0, 0, 0, 0, 0, 0)][:6]
    data = struct.pack("<iIQ6Q", nr, AUDIT_ARCH[arch], 0, *full)
    insns: list[tuple[int, int, int, int]] = [
        struct.unpack_from("<HBBI", prog, i) for i in range(0, len(prog), 8)
    ]
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        pc += 1
        if code == _LD_W_ABS:
            acc = int(struct.unpack_from("<I", data, k)[0])
        elif code == _RET_K:
            return k
        elif code in (_JEQ_K, _JGE_K, _JSET_K):
            taken = {_JEQ_K: acc == k, _JGE_K: acc >= k, _JSET_K: bool(acc & k)}[code]
            pc += jt if taken else jf
        else:
            raise ValueError(f"seccomp: unknown opcode {code:#x}")
