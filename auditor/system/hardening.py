"""The exposure score of `systemd-analyze security --offline=true`, from a unit's files.

The table of what is assessed, with weights, ranges and the system call groups, is data
(``rules/systemd_security.toml``, generated from systemd's sources); this module reads a
service's directives the way systemd's unit loader does (base file, then drop-ins in order;
an empty assignment resets; the implicit settings of DynamicUser=, PrivateDevices=,
ProtectKernelModules=, ProtectKernelLogs= and ProtectClock=) and scores them as
``src/analyze/analyze-security.c`` does, so that the result agrees with the real tool
(tests/system/test_hardening.py checks that where the tool is installed).

It also says which settings keep the runtime sandbox (auditor.sandbox) working inside the
service: the sandbox creates user, mount, pid, ipc, uts and net namespaces, mounts a fresh
/proc, sets its host name and resource limits; `rules/system.toml` [systemd.hardening]
lists what that rules out (measured: see docs/system.md).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.rules_files import rule_data
from auditor.system.units import Directive, Unit

_TRUE = frozenset({"1", "yes", "y", "true", "t", "on"})
_FALSE = frozenset({"0", "no", "n", "false", "f", "off"})
CAP_ALL = (1 << 64) - 1
# Linux namespace flags, as RestrictNamespaces= names them
NAMESPACES = {
    "cgroup": 0x02000000, "ipc": 0x08000000, "net": 0x40000000, "mnt": 0x00020000,
    "pid": 0x20000000, "user": 0x10000000, "uts": 0x04000000,
}  # fmt: skip
NAMESPACE_FLAGS = {
    "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWIPC": 0x08000000, "CLONE_NEWNET": 0x40000000,
    "CLONE_NEWNS": 0x00020000, "CLONE_NEWPID": 0x20000000, "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWUTS": 0x04000000,
}  # fmt: skip
NAMESPACE_ALL = sum(NAMESPACES.values())
NAMESPACE_INITIAL = (1 << 64) - 1
LEVELS = ((100, "DANGEROUS"), (90, "UNSAFE"), (75, "EXPOSED"), (50, "MEDIUM"), (10, "OK"),
          (1, "SAFE"), (0, "PERFECT"))  # fmt: skip


def parse_boolean(value: str) -> bool | None:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


@cache
def security_table() -> dict[str, Any]:
    data: dict[str, Any] = rule_data("systemd_security.toml")
    return data


@dataclass(slots=True)
class SecurityInfo:
    """What analyze-security.c's SecurityInfo holds, for one service."""

    default_dependencies: bool = True
    ambient_capabilities: int = 0
    capability_bounding_set: int = CAP_ALL
    user: str | None = None
    supplementary_groups: list[str] = field(default_factory=list)
    dynamic_user: bool = False
    ip_address_deny_all: bool = False
    ip_address_allow_localhost: bool = False
    ip_address_allow_other: bool = False
    ip_filters_custom: bool = False
    keyring_mode: str = "private"
    protect_proc: str = "default"
    proc_subset: str = "all"
    lock_personality: bool = False
    memory_deny_write_execute: bool = False
    no_new_privileges: bool = False
    notify_access: str = "none"
    protect_hostname: bool = False
    private_devices: bool = False
    private_mounts: bool = False
    private_network: bool = False
    private_tmp: bool = False
    private_users: bool = False
    protect_control_groups: bool = False
    protect_kernel_modules: bool = False
    protect_kernel_tunables: bool = False
    protect_kernel_logs: bool = False
    protect_clock: bool = False
    protect_home: str = "no"
    protect_system: str = "no"
    remove_ipc: bool = False
    restrict_address_family_inet: bool = False
    restrict_address_family_unix: bool = False
    restrict_address_family_netlink: bool = False
    restrict_address_family_packet: bool = False
    restrict_address_family_other: bool = False
    restrict_namespaces: int = NAMESPACE_INITIAL
    restrict_realtime: bool = False
    restrict_suid_sgid: bool = False
    root_directory: str = ""
    root_image: str = ""
    delegate: bool = False
    device_policy: str = "auto"
    device_allow: list[str] = field(default_factory=list)
    system_call_architectures: set[str] = field(default_factory=set)
    system_call_filter_allow_list: bool = False
    # name -> errno (-1: none); allow-list entries with an errno are not "allowed"
    system_call_filter: dict[str, int] = field(default_factory=dict)
    system_call_filter_set: bool = False
    umask: int = 0o022

    @property
    def runs_privileged(self) -> bool:
        if self.user in ("0", "root"):
            return True
        if self.dynamic_user:
            return False
        return not self.user


# ------------------------------------------------------------------------- the unit


_BOOLS = {
    "LockPersonality": "lock_personality", "MemoryDenyWriteExecute": "memory_deny_write_execute",
    "NoNewPrivileges": "no_new_privileges", "ProtectHostname": "protect_hostname",
    "PrivateDevices": "private_devices", "PrivateMounts": "private_mounts",
    "PrivateNetwork": "private_network", "PrivateTmp": "private_tmp",
    "PrivateUsers": "private_users", "ProtectControlGroups": "protect_control_groups",
    "ProtectKernelModules": "protect_kernel_modules",
    "ProtectKernelTunables": "protect_kernel_tunables",
    "ProtectKernelLogs": "protect_kernel_logs", "ProtectClock": "protect_clock",
    "RemoveIPC": "remove_ipc", "RestrictRealtime": "restrict_realtime",
    "RestrictSUIDSGID": "restrict_suid_sgid", "DynamicUser": "dynamic_user",
}  # fmt: skip
_ENUMS = {
    "KeyringMode": ("keyring_mode", ("inherit", "private", "shared")),
    "ProtectProc": ("protect_proc", ("noaccess", "invisible", "ptraceable", "default")),
    "ProcSubset": ("proc_subset", ("all", "pid")),
    "DevicePolicy": ("device_policy", ("auto", "closed", "strict")),
}
_FAMILIES = {"AF_INET": "inet", "AF_INET6": "inet", "AF_UNIX": "unix", "AF_NETLINK": "netlink",
             "AF_PACKET": "packet"}  # fmt: skip


def security_info(unit: Unit) -> SecurityInfo:
    """The service's settings as systemd's unit loader leaves them (system manager)."""
    info = SecurityInfo()
    families: set[str] | None = None
    allow_families = False
    ip_allow: list[str] = []
    ip_deny: list[str] = []
    for d in unit.directives:
        if d.section == "Unit" and d.key == "DefaultDependencies":
            dependencies = parse_boolean(d.value)
            if dependencies is not None:
                info.default_dependencies = dependencies
            continue
        if d.section != "Service":
            continue
        key, value = d.key, d.value.strip()
        if key in _BOOLS:
            parsed = parse_boolean(value)
            if parsed is not None:
                setattr(info, _BOOLS[key], parsed)
        elif key in _ENUMS:
            attr, allowed = _ENUMS[key]
            if value in allowed:
                setattr(info, attr, value)
        elif key == "NotifyAccess":
            if value in ("none", "main", "exec", "all"):
                info.notify_access = value
        elif key in ("ProtectHome", "ProtectSystem"):
            parsed = parse_boolean(value)
            choices = ("read-only", "tmpfs") if key == "ProtectHome" else ("full", "strict")
            if parsed is not None:
                setattr(info, _snake(key), "yes" if parsed else "no")
            elif value in choices:
                setattr(info, _snake(key), value)
        elif key == "User":
            info.user = value or None
        elif key == "SupplementaryGroups":
            info.supplementary_groups = (
                [*info.supplementary_groups, *value.split()] if value else []
            )
        elif key in ("RootDirectory", "RootImage"):
            setattr(info, _snake(key), value)
        elif key == "UMask":
            if re.fullmatch(r"[0-7]{1,4}", value):
                info.umask = int(value, 8)
        elif key == "CapabilityBoundingSet":
            info.capability_bounding_set = _capabilities(
                value, info.capability_bounding_set, CAP_ALL
            )
        elif key == "AmbientCapabilities":
            info.ambient_capabilities = _capabilities(value, info.ambient_capabilities, 0)
        elif key == "RestrictAddressFamilies":
            families, allow_families = _address_families(value, families, allow_families)
        elif key == "RestrictNamespaces":
            info.restrict_namespaces = _namespaces(value, info.restrict_namespaces)
        elif key == "SystemCallArchitectures":
            info.system_call_architectures = (
                info.system_call_architectures | set(value.split()) if value else set()
            )
        elif key == "SystemCallFilter":
            _syscall_filter(info, value)
        elif key in ("IPAddressAllow", "IPAddressDeny"):
            target = ip_allow if key == "IPAddressAllow" else ip_deny
            if value:
                target.extend(value.split())
            else:
                target.clear()
        elif key in ("IPIngressFilterPath", "IPEgressFilterPath"):
            info.ip_filters_custom = info.ip_filters_custom or bool(value)
        elif key == "DeviceAllow":
            info.device_allow = [*info.device_allow, value] if value else []
        elif key == "Delegate":
            parsed = parse_boolean(value)
            info.delegate = True if not value or parsed is None else parsed
    _families(info, families, allow_families)
    _ip(info, ip_allow, ip_deny)
    _patch(info)
    return info


def _snake(key: str) -> str:
    return {"ProtectHome": "protect_home", "ProtectSystem": "protect_system",
            "RootDirectory": "root_directory", "RootImage": "root_image"}[key]  # fmt: skip


def _capabilities(value: str, current: int, initial: int) -> int:
    """config_parse_capability_set: ``~`` inverts; an assignment replaces the value when it
    still is the initial one (or names nothing), later ones add (or remove, inverted).
    Unknown names are skipped; numbers 0-63 are capabilities too."""
    invert = value.startswith("~")
    names = value[1:].split() if invert else value.split()
    numbers = security_table()["capabilities"]
    total = 0
    for name in names:
        if name.isdigit() and int(name) < 64:
            total |= 1 << int(name)
        elif name.upper() in numbers:
            total |= 1 << numbers[name.upper()]
    if total == 0 or current == initial:
        return (~total & CAP_ALL) if invert else total
    return current & ~total if invert else current | total


def _address_families(
    value: str, families: set[str] | None, allow: bool
) -> tuple[set[str] | None, bool]:
    if not value:
        return None, False
    if value == "none":
        return None, True  # no set at all: an allow list of nothing, until the next one
    invert = value.startswith("~")
    words = value[1:].split() if invert else value.split()
    if families is None:
        families = set()
        allow = not invert
    for word in words:
        if not word.startswith("AF_"):
            continue
        if (not invert) == allow:
            families.add(word)
        else:
            families.discard(word)
    return families, allow


def _families(info: SecurityInfo, families: set[str] | None, allow: bool) -> None:
    for kind in ("inet", "unix", "netlink", "packet", "other"):
        setattr(info, f"restrict_address_family_{kind}", allow)
    for family in families or ():
        kind = _FAMILIES.get(family, "other")
        setattr(info, f"restrict_address_family_{kind}", not allow)


def _namespaces(value: str, current: int) -> int:
    if not value:
        return NAMESPACE_INITIAL
    parsed = parse_boolean(value)
    if parsed is True:
        return 0
    if parsed is False:
        return NAMESPACE_ALL
    invert = value.startswith("~")
    flags = 0
    for word in (value[1:] if invert else value).split():
        if word not in NAMESPACES:
            return current  # systemd ignores the whole assignment
        flags |= NAMESPACES[word]
    if current == NAMESPACE_INITIAL:
        return (~flags & NAMESPACE_ALL) if invert else flags
    return current & ~flags if invert else current | flags


def _expand(name: str, seen: frozenset[str] = frozenset()) -> list[str]:
    if not name.startswith("@"):
        return [name]
    table = security_table()
    if name == "@known":
        return list(table["known"]["syscalls"])
    members = table["groups"].get(name)
    if members is None or name in seen:
        return []
    out: list[str] = []
    for member in members:
        out.extend(_expand(member, seen | {name}))
    return out


def _syscall_filter(info: SecurityInfo, value: str) -> None:
    """config_parse_syscall_filter and seccomp_parse_syscall_filter: the first assignment
    decides allow or deny list (an allow list starts with @default); an entry is added when
    its sense matches the list's, removed otherwise; ``name:errno`` carries an error number."""
    if not value:
        info.system_call_filter = {}
        info.system_call_filter_allow_list = False
        info.system_call_filter_set = False
        return
    invert = value.startswith("~")
    words = value[1:].split() if invert else value.split()
    if not info.system_call_filter_set:
        info.system_call_filter_set = True
        info.system_call_filter_allow_list = not invert
        if not invert:
            for name in _expand("@default"):
                info.system_call_filter[name] = -1
    allow = info.system_call_filter_allow_list
    for word in words:
        name, _, errno_text = word.partition(":")
        errno = 1 if errno_text else -1
        if not invert and errno >= 0:
            continue  # allow-listed calls take no error number
        for call in _expand(name):
            if (not invert) == allow or (invert and allow and errno >= 0):
                info.system_call_filter[call] = errno
            else:
                info.system_call_filter.pop(call, None)


def _is_localhost(text: str) -> bool:
    if text == "localhost":
        return True
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return network.network_address.is_loopback


def _ip(info: SecurityInfo, allow: list[str], deny: list[str]) -> None:
    deny4 = deny6 = False
    for entry in deny:
        if entry == "any":
            deny4 = deny6 = True
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if network.prefixlen == 0:
            deny4 = deny4 or network.version == 4
            deny6 = deny6 or network.version == 6
    info.ip_address_deny_all = deny4 and deny6
    for entry in allow:
        if entry == "any" or not _is_localhost(entry):
            info.ip_address_allow_other = True
        else:
            info.ip_address_allow_localhost = True


def _patch(info: SecurityInfo) -> None:
    """unit_patch_contexts: what other settings imply."""
    caps = security_table()["capabilities"]

    def drop(*names: str) -> None:
        for name in names:
            info.capability_bounding_set &= ~(1 << caps[name])

    if info.private_devices:
        drop("CAP_MKNOD", "CAP_SYS_RAWIO")
    if info.protect_kernel_modules:
        drop("CAP_SYS_MODULE")
    if info.protect_kernel_logs:
        drop("CAP_SYSLOG")
    if info.protect_clock:
        drop("CAP_SYS_TIME", "CAP_WAKE_ALARM")
    if info.dynamic_user:
        info.private_tmp = True
        info.remove_ipc = True
        info.protect_system = "strict"
        if info.protect_home == "no":
            info.protect_home = "read-only"
        info.no_new_privileges = True
        info.restrict_suid_sgid = True
    if info.private_devices and info.device_policy == "auto":
        info.device_policy = "closed"
    if info.device_policy != "auto" or info.device_allow:
        if info.root_image:
            info.device_allow = [*info.device_allow, "/dev/loop-control rw", "block-loop rwm"]
        if info.protect_clock:
            info.device_allow = [*info.device_allow, "char-rtc r"]


# --------------------------------------------------------------------------- the score


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    json_field: str
    badness: int | None  # None: does not apply
    weight: int
    range: int
    description: str

    @property
    def set(self) -> bool | None:
        """systemd-analyze's check mark: None when it does not apply."""
        return None if self.badness is None else self.badness == 0


@dataclass(frozen=True, slots=True)
class Assessment:
    rows: tuple[Row, ...]
    exposure: int  # 0 to 100: systemd-analyze prints exposure / 10

    @property
    def score(self) -> str:
        return f"{self.exposure // 10}.{self.exposure % 10}"

    @property
    def level(self) -> str:
        return next(name for threshold, name in LEVELS if self.exposure >= threshold)

    def row_exposure(self, row: Row) -> str | None:
        """The per-row exposure systemd-analyze prints (None when it prints none)."""
        if not row.badness:
            return None
        total = sum(r.weight for r in self.rows if r.badness is not None)
        x = math.ceil(math.ceil(row.badness * row.weight * 100 / row.range) / total)
        return f"{x // 10}.{x % 10}"

    def gaps(self) -> list[Row]:
        """The rows with badness, largest contribution first."""
        return sorted(
            (r for r in self.rows if r.badness),
            key=lambda r: (-(r.badness or 0) * r.weight / r.range, r.id),
        )


def _group_offender(info: SecurityInfo, group: str) -> str | None:
    allowed = {n for n, errno in info.system_call_filter.items() if errno < 0}
    listed = set(info.system_call_filter)
    for call in _expand(group):
        if info.system_call_filter_allow_list:
            if call in allowed:
                return call
        elif call not in listed:
            return call
    return None


def _assess(a: dict[str, Any], info: SecurityInfo) -> tuple[int | None, str]:
    kind = a["assess"]
    if kind == "bool":
        value = bool(getattr(info, a["field"]))
        bad = value if a.get("invert") else not value
        return int(bad), a.get("description_bad" if bad else "description_good", "")
    if kind == "user":
        if info.user == "nobody":
            return 9, "Service runs under as 'nobody' user, which should not be used for services"
        if info.dynamic_user and info.user not in ("0", "root"):
            return 0, "Service runs under a transient non-root user identity"
        if info.user and info.user not in ("0", "root"):
            return 0, "Service runs under a static non-root user identity"
        return 10, a.get("description_bad", "")
    if kind == "protect_home":
        return {"yes": 0, "read-only": 5, "tmpfs": 1}.get(info.protect_home, 10), ""
    if kind == "protect_system":
        return {"yes": 5, "full": 3, "strict": 0}.get(info.protect_system, 10), ""
    if kind == "root_directory":
        bad = info.root_directory in ("", "/") and info.root_image in ("", "/")
        return int(bad), ""
    if kind == "capability_bounding_set":
        numbers = security_table()["capabilities"]
        mask = sum(1 << numbers[c] for c in a["capabilities"] if c in numbers)
        return int(bool(info.capability_bounding_set & mask)), ""
    if kind == "umask":
        for bit, badness in ((0o002, 10), (0o004, 5), (0o020, 2), (0o040, 1)):
            if not info.umask & bit:
                return badness, ""
        return 0, ""
    if kind == "keyring_mode":
        return int(info.keyring_mode != "private"), ""
    if kind == "protect_proc":
        return {"noaccess": 1, "invisible": 0, "ptraceable": 0}.get(info.protect_proc, 3), ""
    if kind == "proc_subset":
        return int(info.proc_subset != "pid"), ""
    if kind == "notify_access":
        return int(info.notify_access == "all"), ""
    if kind in ("remove_ipc", "supplementary_groups"):
        if info.runs_privileged:
            return None, a.get("description_na", "")
        value = not info.remove_ipc if kind == "remove_ipc" else bool(info.supplementary_groups)
        return int(value), ""
    if kind == "restrict_namespaces":
        return int(bool(info.restrict_namespaces & NAMESPACE_FLAGS[a["namespace"]])), ""
    if kind == "system_call_architectures":
        archs = info.system_call_architectures
        if not archs:
            return 10, "Service may execute system calls with all ABIs"
        if archs == {"native"}:
            return 0, "Service may execute system calls only with native ABI"
        return 8, "Service may execute system calls with multiple ABIs"
    if kind == "system_call_filter":
        if not info.system_call_filter_allow_list and not info.system_call_filter:
            return 10, "Service does not filter system calls"
        offender = _group_offender(info, a["group"])
        if info.system_call_filter_allow_list:
            return (9, f"allows {offender}") if offender else (0, "")
        return (10, f"allows {offender}") if offender else (0, "")
    if kind == "ip_address_allow":
        if info.ip_filters_custom:
            return 0, ""
        if not info.ip_address_deny_all:
            return 10, "Service does not define an IP address allow list"
        if info.ip_address_allow_other:
            return 5, ""
        return (2, "") if info.ip_address_allow_localhost else (0, "")
    if kind == "device_allow":
        if info.device_policy in ("strict", "closed"):
            return (5, "") if info.device_allow else (0, "")
        return 10, "Service has no device ACL"
    if kind == "ambient_capabilities":
        return int(info.ambient_capabilities != 0), ""
    raise ValueError(f"systemd_security.toml: unknown assessor kind {kind!r}")


def assess(info: SecurityInfo) -> Assessment:
    """analyze-security.c's assess(): a badness per row, and the exposure."""
    rows: list[Row] = []
    badness_sum = weight_sum = 0
    for a in security_table()["assessor"]:
        if a.get("default_dependencies_only") and not info.default_dependencies:
            badness: int | None = None
            description = "Service runs in special boot phase, option is not appropriate"
        else:
            badness, description = _assess(a, info)
        weight, span = int(a["weight"]), int(a["range"])
        if badness is not None:
            badness_sum += math.ceil(badness * weight / span)
            weight_sum += weight
        rows.append(Row(a["id"], a["json_field"], badness, weight, span, description))
    exposure = math.ceil(badness_sum * 100 / weight_sum) if weight_sum else 0
    return Assessment(tuple(rows), exposure)


def score_unit(unit: Unit) -> Assessment:
    return assess(security_info(unit))


def effective(unit: Unit, key: str) -> list[Directive]:
    """Every assignment of ``key`` in [Service], in order (for messages)."""
    return [d for d in unit.directives if d.section == "Service" and d.key == key]


def blocked_calls(info: SecurityInfo, calls: Iterable[str]) -> list[str]:
    """Which of ``calls`` the service's system call filter blocks."""
    if not info.system_call_filter_set:
        return []
    allowed = {n for n, errno in info.system_call_filter.items() if errno < 0}
    listed = set(info.system_call_filter)
    if info.system_call_filter_allow_list:
        return [c for c in calls if c not in allowed]
    return [c for c in calls if c in listed]
