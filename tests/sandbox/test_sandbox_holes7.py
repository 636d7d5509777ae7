"""Holes of the seventh attack round (the caller's parse of an eval result, the caller's
per-user kernel quotas, leases on the working directory's files): each test reproduces an
attack that worked before its fix, as root and unprivileged."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest
from sandbox_helpers import Cold, Pooled

from auditor import sandbox
from auditor.sandbox import launcher, rulesdata
from auditor.sandbox.errors import SandboxConfigError

Sbx = Cold | Pooled

# The expression reads its result marker from the code that evaluates it (cold or warm) and
# prints what it likes.
FORGED = (
    "print(chr(10) + __import__('re').search(r'@@AUDITOR-RESULT-[0-9a-f]+:', "
    "repr(__import__('sys')._getframe(1).f_code.co_consts)).group() + {body}, flush=True) "
    "or __import__('os')._exit(0)"
)


def _evaluate(sbx: Sbx, expr: str, **opts: object) -> object:
    if isinstance(sbx, Cold):
        return sandbox.eval_python(expr, **opts)
    with sandbox.Pool(1) as pool:  # through a warm sandbox
        pool.wait_ready(60)
        return pool.eval_python(expr, **opts)


# -- 1. the caller parses the result outside every limit -------------------------------------


def test_an_eval_result_over_result_limit_is_refused(sbx: Sbx) -> None:
    """A payload limited to 100 MB printed a 9.5 MB list literal: the caller's
    ast.literal_eval took 4.6 GiB. A result over result_limit (1 MiB) is not parsed."""
    with pytest.raises(sandbox.SandboxEvalError, match=r"over result_limit=1048576"):
        _evaluate(sbx, FORGED.format(body="'L[' + '0,' * 600000 + ']'"))
    # the same for JSON, and a real value of that size
    with pytest.raises(sandbox.SandboxEvalError, match=r"over result_limit"):
        _evaluate(sbx, FORGED.format(body="'J[' + '0,' * 600000 + '0]'"))
    with pytest.raises(sandbox.SandboxEvalError, match=r"over result_limit"):
        _evaluate(sbx, "list(range(300000))")


def test_result_limit_lets_a_larger_value_through() -> None:
    assert sandbox.eval_python("list(range(300000))", result_limit=4 << 20) == list(range(300000))
    with pytest.raises(sandbox.SandboxEvalError, match=r"over result_limit=10\b"):
        sandbox.eval_python("'x' * 20", result_limit=10)
    for bad in (0, -1, "1M", True, 1.5):
        with pytest.raises(SandboxConfigError, match="result_limit"):
            sandbox.eval_python("1", result_limit=bad)


def test_an_eval_set_of_keys_of_one_hash_is_refused(sbx: Sbx) -> None:
    """Integers 1 + k*(2**61-1) all hash to 1: building a set (or dict) of n of them takes
    n**2 comparisons in the caller (N=100000: 81 s of the caller's CPU, the sandbox's
    cpu_time being 1 s). More than a few keys of one hash are refused before anything is
    built."""
    keys = "str(1 + k * (2**61 - 1)) for k in range(200)"
    for body in (
        f"'L{{' + ','.join({keys}) + '}}'",
        f"'L{{' + ','.join(s + ': 0' for s in ({keys})) + '}}'",
        f"'L[(), {{' + ','.join('(' + s + ',)' for s in ({keys})) + '}}]'",
    ):
        with pytest.raises(sandbox.SandboxEvalError, match="share a hash"):
            _evaluate(sbx, FORGED.format(body=body))
    # a real set, with a few numbers of one hash (hash(-1) == hash(-2)), still comes back
    assert _evaluate(sbx, "{-1, -2, 3, (4, 5), 2**61}") == {-1, -2, 3, (4, 5), 2**61}
    assert _evaluate(sbx, "{1: 'a', (2, 3): b'b', 4j: None}") == {1: "a", (2, 3): b"b", 4j: None}


def test_a_non_json_result_is_bounded_before_it_is_parsed() -> None:
    """The caller's parser takes about 1 KB per token: a result that is not JSON may hold
    at most result_limit // 20 tokens, and brackets nested at most 100 deep."""
    with pytest.raises(sandbox.SandboxEvalError, match=r"more than 500 tokens"):
        sandbox.eval_python(FORGED.format(body="'L(' + '0,' * 2000 + ')'"), result_limit=10000)
    assert sandbox.eval_python("tuple(range(200))", result_limit=10000) == tuple(range(200))
    with pytest.raises(sandbox.SandboxEvalError, match="nested deeper than 100"):
        sandbox.eval_python(FORGED.format(body="'L' + '(' * 150 + ')' * 150"))
    nested: object = ()
    for _ in range(50):
        nested = (nested,)
    assert sandbox.eval_python(repr(nested)) == nested


# -- 2. the caller's per-user kernel quotas ---------------------------------------------------

QUOTAS = """
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
inotify = [libc.inotify_init() for _ in range(200)]
fanotify = [libc.fanotify_init(0x200, os.O_RDONLY) for _ in range(200)]  # FAN_REPORT_FID
values = {f: int(open("/proc/sys/user/" + f).read()) for f in os.listdir("/proc/sys/user")}
print(json.dumps([sum(fd >= 0 for fd in inotify), sum(fd >= 0 for fd in fanotify), values]))
"""


def _host_inotify_ok() -> bool:
    import ctypes

    fd = ctypes.CDLL(None, use_errno=True).inotify_init()
    if fd >= 0:
        os.close(fd)
    return fd >= 0


@pytest.mark.usefixtures("launcher_kind")
def test_the_payload_takes_only_its_share_of_the_callers_per_user_quotas(sbx: Sbx) -> None:
    """inotify instances and fanotify groups are charged up the user namespace chain to the
    caller's uid on the host (root's, for a root caller): a payload holding 128 of them made
    every host process of that uid get EMFILE from inotify_init(). The sandbox's user
    namespace now sets every per-user counter of [userns] in rules/sandbox.toml."""
    import json

    r = sbx.exec_python(QUOTAS, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    n_inotify, n_fanotify, values = json.loads(r.stdout)
    table = rulesdata.section("userns")
    assert n_inotify <= table["max_inotify_instances"] < 128, n_inotify
    assert n_fanotify <= table.get("max_fanotify_groups", 0), n_fanotify
    # every counter this kernel has is in the table, and set to its value
    assert {k: v for k, v in values.items() if k.startswith("max_")} == {
        k: v for k, v in table.items() if k in values
    }
    assert _host_inotify_ok()


@pytest.mark.usefixtures("launcher_kind")
def test_the_caller_keeps_its_inotify_quota_while_a_payload_holds_its_share() -> None:
    payload = (
        "import ctypes, sys\nl = ctypes.CDLL(None, use_errno=True)\n"
        "fds = [l.inotify_init() for _ in range(200)]\n"
        "print(sum(f >= 0 for f in fds), flush=True)\nsys.stdin.read()\n"
    )
    p = sandbox.Popen(
        [sys.executable, "-I", "-c", payload],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held = int(p.stdout.readline())  # type: ignore[union-attr]
        # (none since the filter refuses inotify: test_sandbox_limits9.py; the counter of
        # [userns] bounds it without the filter too)
        assert held <= rulesdata.section("userns", "max_inotify_instances")
        # this process, and any other host process of its uid, still gets one
        assert _host_inotify_ok()
    finally:
        p.stdin.close()  # type: ignore[union-attr]
        p.wait(60)


def test_the_userns_table_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    def table(value: dict[str, object]) -> tuple[tuple[str, int], ...]:
        monkeypatch.setattr(rulesdata, "section", lambda *keys: value)
        return launcher.userns_limits.__wrapped__()  # type: ignore[attr-defined,no-any-return]

    for bad in (
        {"max_user_namespaces": 0, "../../kernel/x": 1},
        {"max_user_namespaces": 0, "max_inotify_instances": -1},
        {"max_user_namespaces": 0, "max_inotify_instances": "4"},
        {"max_inotify_instances": 4},  # max_user_namespaces must be there
    ):
        with pytest.raises(SandboxConfigError, match="userns"):
            table(bad)
    # a counter this kernel does not have is not sent (one it has must be written)
    assert table({"max_user_namespaces": 0, "max_no_such_counter": 1}) == (
        ("max_user_namespaces", 0),
    )


# -- 3. leases on the working directory's files -----------------------------------------------

LEASE = """
import fcntl, os, signal, sys
signal.signal(signal.SIGIO, signal.SIG_IGN)
out = []
fd = os.open("state.json", os.O_RDONLY)
for cmd, arg in ((fcntl.F_SETLEASE, fcntl.F_RDLCK), (1026, 0x80000001)):  # F_NOTIFY on "."
    try:
        fcntl.fcntl(fd if cmd == fcntl.F_SETLEASE else os.open(".", os.O_RDONLY), cmd, arg)
        out.append(0)
    except OSError as exc:
        out.append(exc.errno)
print(out, flush=True)
sys.stdin.read()
"""


@pytest.mark.usefixtures("launcher_kind")
def test_the_payload_takes_no_lease_on_the_working_directorys_files(host_dir: str) -> None:
    """Through the working directory (idmapped for a root caller: root's files are the
    payload's) the payload took a read lease on a file and ignored SIGIO: a host process
    opening that file for writing waited up to lease-break-time (45 s)."""
    state = os.path.join(host_dir, "state.json")
    with open(state, "w") as f:
        f.write("{}\n")
    p = sandbox.Popen(
        [sys.executable, "-I", "-c", LEASE],
        cwd=host_dir,
        profile="standard",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        said = p.stdout.readline().strip()  # type: ignore[union-attr]
        assert said == f"[{errno.EACCES}, {errno.EACCES}]", said
        # a writer does not wait: with a lease held, O_NONBLOCK gives EWOULDBLOCK
        os.close(os.open(state, os.O_WRONLY | os.O_NONBLOCK))
    finally:
        p.stdin.close()  # type: ignore[union-attr]
        p.wait(60)
