"""The systemd unit parser and checks: each problem and its fixed twin, drop-ins, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.findings import Finding, ScanError
from auditor.system.checks import check_unit
from auditor.system.units import load_units, parse_unit_text

FIXTURES = Path(__file__).parent / "fixtures"


def _units(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(path)
    errors: list[ScanError] = []
    units = load_units(paths, {p: p.relative_to(tmp_path).as_posix() for p in paths}, errors)
    assert errors == []
    return [f for unit in units for f in check_unit(unit)]


GOOD_SERVICE = (
    "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n"
    "[Service]\nExecStart=/bin/true\nRestart=on-failure\nRestartSec=5\n"
)
GOOD_SLICE = "[Slice]\nMemoryMax=1G\nMemorySwapMax=1G\nCPUQuota=50%\nTasksMax=64\n"
# what keeps a service that runs the sandbox under exposure 5 (systemd-analyze security)
HARDENED = (
    "User=app\nNoNewPrivileges=yes\nCapabilityBoundingSet=\nProtectSystem=strict\n"
    "ProtectHome=read-only\nPrivateTmp=yes\nPrivateDevices=yes\nProtectKernelModules=yes\n"
    "ProtectClock=yes\nProtectControlGroups=yes\nRestrictSUIDSGID=yes\n"
    "SystemCallArchitectures=native\nSystemCallFilter=@system-service @mount sethostname\n"
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n"
)


@pytest.mark.parametrize(
    ("name", "bad", "expected", "fixed"),
    [
        ("app.service", "[Service]\nExecStart=/bin/true\n", [("AUD501", 1)], GOOD_SERVICE),
        (
            "app.service",
            "[Service]\nExecStart=/bin/true\nRestart=no\n",
            [("AUD501", 3)],
            GOOD_SERVICE,
        ),
        (
            "app.service",
            "[Service]\nExecStart=/bin/true\nRestart=always\n",
            [("AUD502", 3)],
            GOOD_SERVICE,
        ),
        (
            "app.service",
            GOOD_SERVICE + "MemoryLimit=1G\n",
            [("AUD503", 8)],
            GOOD_SERVICE + "MemoryMax=1G\n",
        ),
        (
            "app.service",
            GOOD_SERVICE + "CPUShares=512\n",
            [("AUD503", 8)],
            GOOD_SERVICE + "CPUWeight=50\n",
        ),
        (
            "app.service",
            GOOD_SERVICE + "BlockIOWeight=10\n",
            [("AUD503", 8)],
            GOOD_SERVICE + "IOWeight=10\n",
        ),
        ("app.service", GOOD_SERVICE + "StartLimitBurst=3\n", [("AUD503", 8)], GOOD_SERVICE),
        (
            "app.service",
            "[Unit]\nStartLimitInterval=60\nStartLimitBurst=3\n[Service]\nExecStart=/bin/true\nRestart=on-failure\nRestartSec=5\n",
            [("AUD503", 2)],
            GOOD_SERVICE,
        ),
        (
            "app.service",
            GOOD_SERVICE + "WantedBy=multi-user.target\n",
            [("AUD504", 8)],
            GOOD_SERVICE + "[Install]\nWantedBy=multi-user.target\n",
        ),
        (
            "app.service",
            "[Unit]\nRestart=on-failure\n" + GOOD_SERVICE,
            [("AUD504", 2)],
            GOOD_SERVICE,
        ),
        ("box.slice", GOOD_SLICE + "MemorySwapLimit=1G\n", [("AUD504", 6)], GOOD_SLICE),
        ("box.slice", "[Slice]\nMemoryMax=1G\n", [("AUD506", 1), ("AUD506", 1)], GOOD_SLICE),
        (
            "box.slice",
            GOOD_SLICE.replace("MemoryMax=1G", "MemoryMax=infinity"),
            [("AUD506", 2)],
            GOOD_SLICE,
        ),
        (
            "box.slice",
            GOOD_SLICE.replace("TasksMax=64", "TasksMax=infinity"),
            [("AUD507", 5)],
            GOOD_SLICE,
        ),
        ("box.slice", "[Service]\nRestart=always\n" + GOOD_SLICE, [("AUD505", 1)], GOOD_SLICE),
        ("box.scope", GOOD_SLICE.replace("[Slice]", "[Scope]"), [("AUD505", 1)], GOOD_SLICE),
        (
            "app-sandbox.service",
            GOOD_SERVICE + HARDENED,
            [("AUD506", 4), ("AUD506", 4), ("AUD506", 4)],
            GOOD_SERVICE + HARDENED + "Slice=box.slice\n",
        ),
        (
            "app-sandbox.service",
            GOOD_SERVICE + "Slice=box.slice\n",
            [("AUD511", 4)],
            GOOD_SERVICE + HARDENED + "Slice=box.slice\n",
        ),
        (
            "app-sandbox.service",
            GOOD_SERVICE + "Slice=box.slice\n" + HARDENED + "ProtectHostname=yes\n",
            [("AUD512", 23)],
            GOOD_SERVICE + HARDENED + "Slice=box.slice\n",
        ),
        ("app.service", GOOD_SERVICE + "EOF\n", [("AUD509", 8)], GOOD_SERVICE),
        ("app.service", "Restart=no\n" + GOOD_SERVICE, [("AUD509", 1)], GOOD_SERVICE),
        (
            "app.service",
            GOOD_SERVICE.replace("[Service]", "[Service"),
            [("AUD510", 4)],
            GOOD_SERVICE,
        ),
    ],
)
def test_each_problem_and_its_fixed_twin(
    tmp_path: Path, name: str, bad: str, expected: list[tuple[str, int]], fixed: str
) -> None:
    found = _units(tmp_path / "bad", {name: bad})
    assert sorted((f.rule, f.line) for f in found) == sorted(expected)
    fixed_name = "box.slice" if name == "box.scope" else name
    assert _units(tmp_path / "fixed", {fixed_name: fixed}) == []


def test_the_users_units_from_the_audit() -> None:
    files = sorted((FIXTURES / "bad/units").iterdir())
    errors: list[ScanError] = []
    units = load_units(files, {p: p.name for p in files}, errors)
    assert errors == []
    found = {(f.path, f.line, f.rule) for u in units for f in check_unit(u)}
    scope = "omnimind-sandbox.scope"
    assert {
        (scope, 1, "AUD505"),
        (scope, 2, "AUD503"),
        (scope, 3, "AUD504"),
        (scope, 5, "AUD507"),
    } <= found
    service = "omnimind.service"
    assert {
        (service, 3, "AUD503"),
        (service, 5, "AUD501"),
        (service, 7, "AUD503"),
        (service, 8, "AUD503"),
    } <= found
    memory = next(f for u in units for f in check_unit(u) if (f.path, f.line) == (scope, 2))
    assert "use MemoryMax=" in memory.message and memory.sink == "MemoryLimit="
    assert memory.function == "omnimind-sandbox.scope [Scope]" and memory.kind == "systemd"


def test_the_fixed_twin_has_no_findings() -> None:
    files = sorted(p for p in (FIXTURES / "fixed/units").rglob("*") if p.is_file())
    errors: list[ScanError] = []
    units = load_units(files, {}, errors)
    assert errors == []
    assert {u.name for u in units} == {"omnimind.service", "omnimind-sandbox.slice"}
    assert [f for u in units for f in check_unit(u)] == []


def test_dropins_merge_into_their_unit(tmp_path: Path) -> None:
    base = "[Service]\nExecStart=/bin/true\n"
    assert [f.rule for f in _units(tmp_path / "a", {"app.service": base})] == ["AUD501"]
    fixed = _units(
        tmp_path / "b",
        {
            "app.service": base,
            "app.service.d/10-restart.conf": "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n"
            "[Service]\nRestart=on-failure\nRestartSec=5\n",
        },
    )
    assert fixed == []
    # an empty assignment in a later drop-in resets it
    reset = _units(
        tmp_path / "c",
        {"app.service": GOOD_SERVICE, "app.service.d/20-reset.conf": "[Service]\nRestart=\n"},
    )
    assert [f.rule for f in reset] == ["AUD501"]
    # a drop-in alone: its own directives are checked, not what the base unit may have
    alone = _units(tmp_path / "d", {"x.service.d/a.conf": "[Service]\nMemoryLimit=1G\n"})
    assert [(f.rule, f.path) for f in alone] == [("AUD503", "x.service.d/a.conf")]


def test_fingerprints_survive_moving_lines(tmp_path: Path) -> None:
    a = _units(tmp_path / "a", {"app.service": GOOD_SERVICE + "MemoryLimit=1G\n"})
    b = _units(tmp_path / "b", {"app.service": "# moved\n\n" + GOOD_SERVICE + "MemoryLimit=1G\n"})
    assert [f.line for f in a] == [8] and [f.line for f in b] == [10]
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]


def test_parser_continuations_and_comments() -> None:
    errors: list[ScanError] = []
    unit = parse_unit_text(
        "# c\n; c\n[Service]\nExecStart=/bin/echo a \\\n  b\nEnvironment=A=1\n", "u", errors
    )
    assert errors == []
    assert [(d.line, d.key, d.value) for d in unit.directives] == [
        (4, "ExecStart", "/bin/echo a b"),
        (6, "Environment", "A=1"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "rule", "why"),
    [
        ("Restart=no\n[Service]\n", 1, "AUD509", "before any [Section]"),
        ("[Service]\njust words\n", 2, "AUD509", "Missing '='"),
        ("[Service]\nExecStart=/bin/true\nEOF\n", 3, "AUD509", "stray heredoc EOF"),
        ("[Service\nRestart=no\n", 1, "AUD510", "refuses to load the unit"),
    ],
)
def test_lines_systemd_ignores_are_findings_not_errors(
    tmp_path: Path, text: str, line: int, rule: str, why: str
) -> None:
    """systemd logs such a line and goes on (or refuses the unit): a finding with the line,
    and the rest of the file is read; the run does not fail."""
    errors: list[ScanError] = []
    unit = parse_unit_text(text + "\n[Slice]\nMemoryMax=1G\n", "etc/app.service", errors)
    assert errors == []
    assert [(i.line, i.refused) for i in unit.ignored] == [(line, rule == "AUD510")]
    assert ("Slice", "MemoryMax", "1G") in [(d.section, d.key, d.value) for d in unit.directives]
    found = [f for f in _units(tmp_path, {"app.service": text}) if f.rule in ("AUD509", "AUD510")]
    assert [(f.rule, f.line) for f in found] == [(rule, line)]
    assert why in found[0].message and "\n" not in found[0].message


def test_a_file_ending_in_a_continuation_is_read_as_systemd_reads_it() -> None:
    """systemd reads `Restart=no \\` at the end of a file as Restart=no, silently (checked
    with systemd-analyze verify): no error and no finding."""
    errors: list[ScanError] = []
    unit = parse_unit_text("[Service]\nRestart=no \\\n", "u", errors)
    assert errors == [] and unit.ignored == []
    assert [(d.key, d.value) for d in unit.directives] == [("Restart", "no")]
