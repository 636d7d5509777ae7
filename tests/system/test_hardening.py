"""The exposure score of services that run generated code or the sandbox: the same as
`systemd-analyze security --offline=true` (checked against the real tool where it is
installed: Debian's systemd package, which CI installs), how directives combine as systemd
reads them, and the settings that stop the sandbox (checked by running the sandbox under
the system call filter auditor recommends)."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.findings import ScanError
from auditor.system.hardening import assess, score_unit, security_info, security_table
from auditor.system.unit_hardening import is_user_unit, runs_sandbox, sandbox_breaks
from auditor.system.units import Unit, load_units

SAFE_FOR_THE_SANDBOX = "@system-service @mount sethostname"
POOL = [
    "User=app", "User=root", "User=nobody", "User=", "DynamicUser=yes", "DynamicUser=no",
    "SupplementaryGroups=adm", "SupplementaryGroups=", "PrivateDevices=yes", "PrivateMounts=yes",
    "PrivateNetwork=yes", "PrivateTmp=true", "PrivateUsers=on", "ProtectControlGroups=yes",
    "ProtectKernelModules=yes", "ProtectKernelTunables=1", "ProtectKernelLogs=yes",
    "ProtectClock=yes", "ProtectHostname=yes", "LockPersonality=yes", "MemoryDenyWriteExecute=yes",
    "NoNewPrivileges=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes", "RemoveIPC=yes",
    "Delegate=yes", "Delegate=cpu memory", "ProtectHome=yes", "ProtectHome=read-only",
    "ProtectHome=tmpfs", "ProtectSystem=yes", "ProtectSystem=full", "ProtectSystem=strict",
    "ProtectSystem=", "RootDirectory=/srv/root", "RootImage=/srv/img.raw",
    "CapabilityBoundingSet=", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
    "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE", "CapabilityBoundingSet=~",
    "CapabilityBoundingSet=cap_kill", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
    "AmbientCapabilities=", "UMask=0077", "UMask=0027", "UMask=0002", "UMask=0000",
    "KeyringMode=shared", "KeyringMode=inherit", "ProtectProc=invisible", "ProtectProc=noaccess",
    "ProcSubset=pid", "NotifyAccess=all", "NotifyAccess=main",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    "RestrictAddressFamilies=~AF_PACKET AF_NETLINK", "RestrictAddressFamilies=none",
    "RestrictAddressFamilies=", "RestrictAddressFamilies=AF_BLUETOOTH", "RestrictNamespaces=yes",
    "RestrictNamespaces=no", "RestrictNamespaces=user mnt pid ipc uts net",
    "RestrictNamespaces=~user", "RestrictNamespaces=cgroup", "RestrictNamespaces=",
    "SystemCallArchitectures=native", "SystemCallArchitectures=native x86",
    "SystemCallFilter=@system-service", "SystemCallFilter=@system-service @mount sethostname",
    "SystemCallFilter=~@privileged @resources", "SystemCallFilter=~@mount", "SystemCallFilter=",
    "SystemCallFilter=~@swap @reboot @module @clock @debug @cpu-emulation @obsolete @raw-io",
    "SystemCallFilter=~@privileged:EPERM", "SystemCallFilter=@known", "SystemCallFilter=~chown",
    "IPAddressDeny=any", "IPAddressAllow=localhost", "IPAddressAllow=10.0.0.0/8",
    "IPAddressDeny=0.0.0.0/0", "IPAddressDeny=", "DevicePolicy=closed", "DevicePolicy=strict",
    "DeviceAllow=/dev/null rw", "DeviceAllow=",
]  # fmt: skip


def _write_units(folder: Path, count: int, seed: int) -> list[Path]:
    """Random services (some with a drop-in): the directives above in random orders, so
    resets, ~ lists and repeated assignments meet."""
    rng = random.Random(seed)
    services = []
    for i in range(count):
        head = ["[Unit]", "Description=x", *rng.sample(["DefaultDependencies=no", ""], 1)]
        body = ["[Service]", "ExecStart=/bin/true", *rng.sample(POOL, rng.randint(0, 25))]
        path = folder / f"u{i}.service"
        path.write_text("\n".join(head + body) + "\n")
        services.append(path)
        if rng.random() < 0.3:
            dropin = folder / f"u{i}.service.d"
            dropin.mkdir()
            extra = rng.sample(POOL, rng.randint(1, 8))
            (dropin / "10-x.conf").write_text("[Service]\n" + "\n".join(extra) + "\n")
    return services


def _unit(path: Path) -> Unit:
    files = [path, *sorted(path.parent.glob(f"{path.name}.d/*.conf"))]
    errors: list[ScanError] = []
    units = [u for u in load_units(files, {}, errors) if u.name == path.name]
    assert errors == [] and len(units) == 1
    return units[0]


def _text(tmp_path: Path, name: str, text: str) -> Unit:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return _unit(path)


def _analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (CI installs Debian's systemd)")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"systemd (\d+)", version)
    wanted = security_table()["systemd_version"]
    if match is None or int(match.group(1)) != wanted:
        pytest.skip(f"the table is systemd {wanted}'s; this systemd-analyze is {version[:20]!r}")
    return tool


def test_scores_agree_with_systemd_analyze(tmp_path: Path) -> None:
    """Every row (its check mark and exposure) and the overall exposure of 60 random
    services, as `systemd-analyze security --offline=true` prints them."""
    tool = _analyze()
    mismatches = []
    for path in _write_units(tmp_path, 60, seed=16):
        ours = score_unit(_unit(path))
        cmd = [tool, "security", "--offline=true", str(path)]
        rows = json.loads(subprocess.run([*cmd, "--json=short"], capture_output=True,
                                         text=True, check=True).stdout)  # fmt: skip
        text = subprocess.run(cmd, capture_output=True, text=True).stdout
        overall = re.search(r"Overall exposure level for \S+: (\d+\.\d) (\w+)", text)
        assert overall is not None, text
        if (ours.score, ours.level) != overall.groups():
            mismatches.append((path.name, ours.score, overall.group(1)))
        mine = {r.json_field: (r.set, ours.row_exposure(r)) for r in ours.rows}
        for row in rows:
            if mine.get(row["json_field"]) != (row["set"], row["exposure"]):
                mismatches.append((path.name, row["json_field"], mine.get(row["json_field"])))
        assert len(rows) == len(ours.rows)
    assert mismatches == []


@pytest.mark.parametrize(
    ("body", "score", "level"),
    [
        ("", "9.6", "UNSAFE"),  # root, nothing restricted
        ("User=app\n", "9.2", "UNSAFE"),
        ("User=app\nNoNewPrivileges=yes\nCapabilityBoundingSet=\nProtectSystem=strict\n"
         "ProtectHome=read-only\nPrivateTmp=yes\nPrivateDevices=yes\nPrivateMounts=yes\n"
         "ProtectKernelModules=yes\nProtectClock=yes\nProtectControlGroups=yes\n"
         "LockPersonality=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes\nRemoveIPC=yes\n"
         "UMask=0027\nSystemCallArchitectures=native\n"
         f"SystemCallFilter={SAFE_FOR_THE_SANDBOX}\n"
         "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"
         "RestrictNamespaces=user mnt pid ipc uts net\n", "2.9", "OK"),
    ],
)  # fmt: skip
def test_known_scores(tmp_path: Path, body: str, score: str, level: str) -> None:
    """Scores read off systemd 252's systemd-analyze for these services."""
    found = score_unit(_text(tmp_path, "a.service", "[Service]\nExecStart=/bin/true\n" + body))
    assert (found.score, found.level) == (score, level)


def test_directives_combine_as_systemd_reads_them(tmp_path: Path) -> None:
    unit = _text(tmp_path, "a.service", """\
        [Service]
        ExecStart=/bin/true
        CapabilityBoundingSet=CAP_KILL
        CapabilityBoundingSet=CAP_CHOWN
        RestrictAddressFamilies=none
        RestrictAddressFamilies=~AF_PACKET
        RestrictNamespaces=~user
        RestrictNamespaces=~net
        SystemCallFilter=@basic-io
        SystemCallFilter=~read
        DynamicUser=yes
        PrivateDevices=yes
        ProtectClock=yes
        """)  # fmt: skip
    info = security_info(unit)
    caps = security_table()["capabilities"]
    # a later list adds to the first; an inverted one after "none" starts a deny list
    assert info.capability_bounding_set == (1 << caps["CAP_KILL"]) | (1 << caps["CAP_CHOWN"])
    assert info.restrict_address_family_packet and not info.restrict_address_family_inet
    assert info.restrict_namespaces & (1 << 28) == 0  # user is forbidden
    assert info.system_call_filter_allow_list and "read" not in info.system_call_filter
    assert "write" in info.system_call_filter and "exit_group" in info.system_call_filter
    # what DynamicUser=, PrivateDevices= and ProtectClock= imply
    assert (info.private_tmp, info.protect_system, info.protect_home) == (
        True,
        "strict",
        "read-only",
    )
    assert info.no_new_privileges and info.remove_ipc and info.device_policy == "closed"
    assert info.device_allow == ["char-rtc r"]
    # an empty assignment resets
    reset = _text(tmp_path, "b.service", "[Service]\nExecStart=/bin/true\nUser=app\nUser=\n")
    assert security_info(reset).user is None


def test_only_services_that_run_generated_code_or_the_sandbox_are_scored(tmp_path: Path) -> None:
    def why(name: str, body: str, hardened: tuple[str, ...] = ()) -> str | None:
        unit = _text(tmp_path, name, "[Service]\nExecStart=/usr/bin/python3 -m app\n" + body)
        return runs_sandbox(unit, None, hardened)

    assert why("web.service", "") is None
    assert why("llm-sandbox.service", "") == "its name matches a sandbox name"
    assert why("web.service", "Slice=auditor-sandbox.slice\n") == "it runs in auditor-sandbox.slice"
    assert why("w.service", "ExecStartPre=/usr/bin/systemd-run --scope true\n") is not None
    assert (
        why("worker.service", "", ("worker*",)) == "its name matches the policy's hardened_services"
    )


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("ProtectHostname=yes\n", "ProtectHostname=yes"),
        ("ProtectKernelTunables=yes\n", "fresh /proc"),
        ("ProtectKernelLogs=yes\n", "fresh /proc"),
        ("RestrictNamespaces=yes\n", "user, mnt, pid, ipc, uts, net"),
        ("RestrictNamespaces=~user\n", "forbids the user namespace"),
        ("SystemCallFilter=@system-service\n", "blocks mount, sethostname"),
        ("SystemCallFilter=~@resources\n", "blocks setrlimit"),
        ("CapabilityBoundingSet=\n", "as root the sandbox needs CAP_SYS_ADMIN"),
    ],
)
def test_what_stops_the_sandbox(tmp_path: Path, body: str, needle: str) -> None:
    unit = _text(tmp_path, "s.service", "[Service]\nExecStart=/bin/true\n" + body)
    breaks = sandbox_breaks(unit, security_info(unit))
    assert len(breaks) == 1 and needle in breaks[0].message
    fine = _text(
        tmp_path, "t.service",
        "[Service]\nExecStart=/bin/true\nUser=app\nCapabilityBoundingSet=\n"
        f"SystemCallFilter={SAFE_FOR_THE_SANDBOX}\nRestrictNamespaces=user mnt pid ipc uts net\n",
    )  # fmt: skip
    assert sandbox_breaks(fine, security_info(fine)) == []


_UNDER_FILTER = """
import ctypes, sys, tomllib
from auditor.rules_files import read_rule_file
data = tomllib.loads(read_rule_file("systemd_security.toml"))
groups = {**data["groups"], "@known": data["known"]["syscalls"]}
def expand(name, out):
    if name.startswith("@"):
        for member in groups[name]:
            expand(member, out)
    else:
        out.add(name)
calls = set()
for word in ["@default", *sys.argv[1].split()]:
    expand(word, calls)
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_init.restype = ctypes.c_void_p
lib.seccomp_init.argtypes = [ctypes.c_uint32]
lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
lib.seccomp_load.argtypes = [ctypes.c_void_p]
lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
ctx = lib.seccomp_init(0x00050001)  # anything else fails with EPERM, as systemd's filter does
for name in calls:
    number = lib.seccomp_syscall_resolve_name(name.encode())
    if number >= 0:
        lib.seccomp_rule_add(ctx, 0x7FFF0000, number, 0)
assert lib.seccomp_load(ctx) == 0
from auditor.sandbox import SandboxUnavailable, run
try:
    result = run(["/bin/true"], timeout=30)
    print("ran", result.returncode)
except SandboxUnavailable as error:
    print("unavailable", error)
"""


def _sandbox_under(filter_text: str, prefix: tuple[str, ...] = ()) -> str:
    proc = subprocess.run(
        [*prefix, sys.executable, "-c", _UNDER_FILTER, filter_text],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return (proc.stdout.strip().splitlines() or [proc.stderr.strip()])[-1]


def test_the_recommended_system_call_filter_keeps_the_sandbox_working() -> None:
    """The sandbox run under the allow list auditor recommends (what systemd would load
    for SystemCallFilter=@system-service @mount sethostname), and under the same list
    without sethostname, which it must refuse (the sandbox fails closed)."""
    try:
        import ctypes

        ctypes.CDLL("libseccomp.so.2")
    except OSError:
        pytest.skip("libseccomp is not installed")
    baseline = _sandbox_under("@known")
    if not baseline.startswith("ran"):
        pytest.skip(f"the sandbox does not run on this machine at all: {baseline}")
    assert _sandbox_under(SAFE_FOR_THE_SANDBOX) == "ran 0"
    refused = _sandbox_under("@system-service @mount")
    assert refused.startswith("unavailable") and "sethostname" in refused


def test_a_root_service_keeps_the_sandbox_with_the_capabilities_auditor_names() -> None:
    """As root the sandbox uses namespaces directly: with the bounding set the install-files
    drop-in gives a root service (rules/system.toml sandbox_root_capabilities) it runs;
    with none of them it fails closed."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and util-linux's setpriv")
    if not _sandbox_under("@known").startswith("ran"):
        pytest.skip("the sandbox does not run on this machine at all")
    from auditor.system.data import system_data

    caps = system_data()["systemd"]["hardening"]["sandbox_root_capabilities"]
    keep = ",".join("+" + c.removeprefix("CAP_").lower() for c in caps)
    bounded = (setpriv, f"--bounding-set=-all,{keep}", "--inh-caps=-all")
    assert _sandbox_under(SAFE_FOR_THE_SANDBOX, bounded) == "ran 0"
    none = (setpriv, "--bounding-set=-all", "--inh-caps=-all")
    assert _sandbox_under(SAFE_FOR_THE_SANDBOX, none).startswith("unavailable")


def test_assess_is_deterministic_and_names_its_largest_gaps(tmp_path: Path) -> None:
    found = assess(security_info(_text(tmp_path, "a.service", "[Service]\nExecStart=/bin/true\n")))
    gaps = [r.json_field for r in found.gaps()][:3]
    assert gaps[0] == "PrivateNetwork" and "UserOrDynamicUser" in gaps


def test_user_units_are_known_by_their_folder_and_never_run_as_root(tmp_path: Path) -> None:
    (tmp_path / "systemd/user").mkdir(parents=True)
    user = _text(tmp_path, "systemd/user/app.service", "[Service]\nExecStart=/bin/true\n")
    system = _text(tmp_path, "app.service", "[Service]\nExecStart=/bin/true\n")
    assert is_user_unit(user) and not is_user_unit(system)
