"""rules/sandbox.toml: every entry's examples run in a real sandbox (Fixit style).

Seccomp rules: each ``refused`` example must be refused by the kernel with the rule's errno
in both profiles and both launchers, each ``allowed`` example must pass (the generated
program itself is tested in test_sandbox_seccomp.py).  Filesystem entries: each ``example``
runs in the profile the entry belongs to and must succeed.
"""

from __future__ import annotations

import errno
import glob
import json
import os
import textwrap

import pytest

from auditor import sandbox
from auditor.sandbox import rulesdata, seccomp

KERNEL_PROBE = """
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
out = []
for name, nr, args, kind, i in json.loads(sys.argv[1]):
    ctypes.set_errno(0)
    r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
    if r == 0 and name == "clone":
        os._exit(0)  # a child: the filter let the clone through
    out.append([i, kind, r, ctypes.get_errno()])
print(json.dumps(out))
"""


@pytest.mark.usefixtures("launcher_kind")
@pytest.mark.parametrize("profile", ["strict", "standard"])
def test_the_kernel_applies_each_rule_in_the_sandbox(profile: str) -> None:
    arch = seccomp.machine()
    if arch not in seccomp.AUDIT_ARCH:
        pytest.skip(f"no syscall table for {arch}")
    r0 = sandbox.run(["true"], profile=profile)
    conds = seccomp.conditions(
        memory_rlimit_only="memory:rlimit-only" in r0.isolation,
        network=False,
        root_caller="uid:unused" in r0.isolation,
    )
    calls = []
    active = seccomp.active_rules(arch, conds)
    for i, rule in enumerate(active):
        calls += [[rule.syscall, rule.nr[arch], list(a), "refused", i] for a in rule.refused]
        calls += [[rule.syscall, rule.nr[arch], list(a), "allowed", i] for a in rule.allowed]
    r = sandbox.run(
        [os.path.realpath(os.sys.executable), "-I", "-c", KERNEL_PROBE, json.dumps(calls)],
        capture_output=True,
        text=True,
        profile=profile,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "seccomp" in r.isolation
    for i, kind, rc, err in json.loads(r.stdout):
        name = active[i].syscall
        if kind == "refused":
            assert (rc, err) == (-1, active[i].errno), (name, rc, errno.errorcode.get(err))
        else:
            assert err != active[i].errno or rc >= 0, (name, rc, errno.errorcode.get(err))


def _examples(key: str) -> list[tuple[str, str]]:
    out = []
    for entry in rulesdata.section("filesystem", key):
        path = entry["path"]
        full = path if path.startswith("/") else os.path.join("/etc", path)
        if glob.glob(full):  # only entries this host has
            out.append((path, entry["example"]))
    return out


@pytest.mark.usefixtures("launcher_kind")
@pytest.mark.parametrize("profile", ["strict", "standard"])
def test_every_filesystem_entry_example_runs_in_its_profile(profile: str) -> None:
    examples = _examples("both") + _examples("strict_etc" if profile == "strict" else "standard")
    assert examples
    script = "\n".join(
        f"if ( {example} ) >/dev/null 2>&1; then echo 'ok {path}'; else echo 'FAIL {path}'; fi"
        for path, example in examples
    )
    r = sandbox.run(
        ["sh", "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        profile=profile,
        cwd="/",
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "FAIL" not in r.stdout, r.stdout
    assert r.stdout.count("ok ") == len(examples)
