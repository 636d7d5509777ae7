#!/usr/bin/env python3
"""Write rules/systemd_security.toml from systemd's sources: the table of
`systemd-analyze security` (src/analyze/analyze-security.c, security_assessor_table) and the
system call groups it checks (src/shared/seccomp-util.c, syscall_filter_sets), with the
capability numbers of <linux/capability.h> and, for each group, only the system calls that
exist on this machine's architecture (libseccomp's seccomp_syscall_resolve_name >= 0, as
systemd-analyze itself skips the others).

    python3 tests/system/tools/make_systemd_security.py SYSTEMD_SOURCE_DIR VERSION

SYSTEMD_SOURCE_DIR is an unpacked systemd source tree of VERSION (Debian: `apt-get source
systemd`). Not run by the test suite; the file it writes is data, read by
auditor/system/hardening.py, and checked against the real `systemd-analyze security
--offline=true` by tests/system/test_hardening.py where that tool is installed.
"""

from __future__ import annotations

import ctypes
import platform
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _c_strings(body: str) -> list[str]:
    """The NUL-separated names of a C string literal concatenation ("a\\0" "b\\0")."""
    names: list[str] = []
    for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', body):
        names.extend(n for n in literal.split("\\0") if n)
    return names


def syscall_groups(source: Path) -> dict[str, dict[str, object]]:
    text = (source / "src/shared/seccomp-util.c").read_text()
    table = text[text.index("const SyscallFilterSet syscall_filter_sets[") :]
    table = table[: table.index("\n};")]
    groups: dict[str, dict[str, object]] = {}
    for match in re.finditer(
        r'\.name = "(@[a-z-]+)",\s*\.help = "([^"]*)",\s*\.value =(.*?)\n\s*},', table, re.S
    ):
        name, help_text, body = match.groups()
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        groups[name] = {"help": help_text, "members": _c_strings(body)}
    return groups


def native(names: list[str]) -> set[str]:
    lib = ctypes.CDLL("libseccomp.so.2")
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    return {n for n in names if lib.seccomp_syscall_resolve_name(n.encode()) >= 0}


def all_native() -> list[str]:
    lib = ctypes.CDLL("libseccomp.so.2")
    lib.seccomp_syscall_resolve_num_arch.argtypes = [ctypes.c_uint32, ctypes.c_int]
    lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    out = []
    for number in range(0, 1024):
        pointer = lib.seccomp_syscall_resolve_num_arch(0, number)  # 0: SCMP_ARCH_NATIVE
        if pointer:
            out.append(ctypes.string_at(pointer).decode())
            libc.free(pointer)
    return sorted(set(out))


def capabilities() -> dict[str, int]:
    text = Path("/usr/include/linux/capability.h").read_text()
    return {
        name: int(number)
        for name, number in re.findall(r"#define (CAP_[A-Z_]+)\s+(\d+)\s*$", text, re.M)
        if name not in ("CAP_LAST_CAP",)
    }


def assessors(source: Path) -> list[dict[str, object]]:
    text = (source / "src/analyze/analyze-security.c").read_text()
    table = text[text.index("static const struct security_assessor security_assessor_table[]") :]
    table = table[: table.index("\n};")]
    out: list[dict[str, object]] = []
    for block in re.findall(r"\n        \{(.*?)\n        \},", table, re.S):
        entry: dict[str, object] = {}
        for key, value in re.findall(r"\.(\w+) = (.*?),?\n", block + "\n"):
            value = value.strip().rstrip(",")
            if key in ("weight", "range"):
                entry[key] = int(value)
            elif key in ("id", "json_field", "description_good", "description_bad",
                         "description_na"):  # fmt: skip
                entry[key] = json_string(value)
            elif key == "assess":
                entry["assess"] = value.removeprefix("assess_")
            elif key == "offset":
                entry["field"] = re.search(r"SecurityInfo, (\w+)", value).group(1)  # type: ignore[union-attr]
            elif key == "default_dependencies_only":
                entry[key] = value == "true"
        parameter = re.search(r"\.parameter = (.*?),\n", block + ",\n", re.S)
        if parameter:
            raw = parameter.group(1).strip().rstrip(",")
            caps = re.findall(r"CAP_[A-Z_]+", raw)
            if caps:
                entry["capabilities"] = caps
            elif raw.startswith("CLONE_"):
                entry["namespace"] = raw
            elif raw.startswith("SYSCALL_FILTER_SET_"):
                entry["group"] = "@" + raw.removeprefix("SYSCALL_FILTER_SET_").lower().replace(
                    "_", "-"
                )
            elif raw.strip().startswith("true"):
                entry["invert"] = True
        out.append(entry)
    return out


def json_string(value: str) -> str:
    match = re.fullmatch(r'"(.*)"', value, re.S)
    return match.group(1) if match else value


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    source, version = Path(sys.argv[1]), sys.argv[2]
    groups = syscall_groups(source)
    every = [m for g in groups.values() for m in g["members"] if not m.startswith("@")]  # type: ignore[attr-defined]
    here = native(every)
    lines = [
        f"# `systemd-analyze security` of systemd {version}, as data: generated by",
        "# tests/system/tools/make_systemd_security.py from systemd's",
        "# src/analyze/analyze-security.c (security_assessor_table) and src/shared/seccomp-util.c",
        "# (syscall_filter_sets), with system calls kept only when they exist on",
        f"# {platform.machine()} (libseccomp resolves them), as systemd-analyze skips the others.",
        "# Read by auditor/system/hardening.py. Do not edit by hand: regenerate.",
        "",
        f"systemd_version = {version}",
        f'architecture = "{platform.machine()}"',
        "",
        "[capabilities]",
    ]
    lines += [
        f"{name} = {number}" for name, number in sorted(capabilities().items(), key=lambda i: i[1])
    ]
    lines += ["", "[groups]"]
    for name, group in groups.items():
        members = [m for m in group["members"] if m.startswith("@") or m in here]  # type: ignore[attr-defined]
        lines.append(f"{toml_string(name)} = [{', '.join(toml_string(m) for m in members)}]")
    lines += ["", "# @known: every system call of this architecture", "[known]"]
    lines.append(f"syscalls = [{', '.join(toml_string(m) for m in all_native())}]")
    for entry in assessors(source):
        lines += ["", "[[assessor]]"]
        for key, value in entry.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            elif isinstance(value, list):
                lines.append(f"{key} = [{', '.join(toml_string(v) for v in value)}]")
            else:
                lines.append(f"{key} = {toml_string(str(value))}")
    (ROOT / "rules/systemd_security.toml").write_text("\n".join(lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
