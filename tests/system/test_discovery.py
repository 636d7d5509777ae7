"""Deployment files anywhere in the scanned tree: units by suffix, drop-ins, sudoers files by
folder, name or content; the scan's ignores and excludes apply; scan, report and a bare
`auditor system` include them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.scan.discover import Globs
from auditor.system.discovery import discover, holds_sudoers_rules

FIXTURES = Path(__file__).parent / "fixtures"
SERVICE = "[Service]\nExecStart=/usr/bin/python3 -m app\n"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository of the kind issue 16 describes: sudoers in config/sudoers.d/, units in
    config/systemd/ and scripts/production/deploy/, and noise around them."""
    root = tmp_path / "repo"
    _write(root, "app.py", "import subprocess\n\ndef go(c):\n    subprocess.run(c, shell=True)\n")
    shutil.copy(FIXTURES / "realistic/platform", root / "README")  # placeholder, replaced
    (root / "README").unlink()
    _write(root, "config/sudoers.d/platform", (FIXTURES / "realistic/platform").read_text())
    _write(root, "config/sudoers.d/README.md", "Install with visudo -c; u ALL=(ALL) ALL\n")
    _write(root, "config/systemd/app.service", SERVICE)
    _write(root, "config/systemd/app.service.d/10-limits.conf", "[Service]\nMemoryLimit=1G\n")
    _write(root, "scripts/production/deploy/worker.service", SERVICE)
    _write(root, "scripts/production/deploy/backup.timer", "[Timer]\nOnCalendar=daily\n")
    _write(root, "ops/sudo-rules", "ops ALL=(root) NOPASSWD: /usr/bin/less /var/log/syslog\n")
    _write(root, "ops/notes.txt", "To restart: sudo systemctl restart app\nAsk ops first.\n")
    _write(root, "ops/settings.conf", "listen = 0.0.0.0\nworkers = 4\n")
    # what the scan never walks: virtual environments, node_modules, build output, dot folders
    _write(root, "venv/pyvenv.cfg", "home = /usr/bin\n")
    _write(root, "venv/lib/x.service", SERVICE)
    (root / "venv" / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    _write(root, "node_modules/pkg/y.service", SERVICE)
    _write(root, "build/z.service", SERVICE)
    _write(root, ".github/sudoers", "u ALL=(ALL) ALL\n")
    monkeypatch.chdir(root)
    return root


def _rel(root: Path, paths: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_units_drop_ins_and_sudoers_are_found_wherever_they_lie(tree: Path) -> None:
    sudoers, units = discover([tree])
    assert _rel(tree, sudoers) == ["config/sudoers.d/platform", "ops/sudo-rules"]
    assert _rel(tree, units) == [
        "config/systemd/app.service",
        "config/systemd/app.service.d/10-limits.conf",
        "scripts/production/deploy/backup.timer",
        "scripts/production/deploy/worker.service",
    ]


def test_excludes_apply(tree: Path) -> None:
    sudoers, units = discover([tree], [Globs(exclude=("scripts/**", "ops"))])
    assert _rel(tree, sudoers) == ["config/sudoers.d/platform"]
    assert all(not p.startswith("scripts/") for p in _rel(tree, units))


def test_inside_a_git_work_tree_gitignored_files_are_left_out(tree: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    (tree / ".gitignore").write_text("scripts/production/\n")
    sudoers, units = discover([tree])
    assert "scripts/production/deploy/worker.service" not in _rel(tree, units)
    assert "config/systemd/app.service" in _rel(tree, units)  # untracked, not ignored
    assert _rel(tree, sudoers) == ["config/sudoers.d/platform", "ops/sudo-rules"]
    # tracked, then deleted from the work tree: gone
    subprocess.run(["git", "add", "config"], cwd=tree, check=True)
    (tree / "config/systemd/app.service").unlink()
    assert "config/systemd/app.service" not in _rel(tree, discover([tree])[1])


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("rules", "deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app\n", True),
        ("rules.conf", "Defaults env_reset\n%ops web1 = (root) ALL\n", True),
        ("x.rules", "Cmnd_Alias A = /bin/ls\nu ALL = A\n", True),
        ("x.txt", "u ALL=(root) /usr/bin/id\n", False),  # notes, not rules
        ("notes", "u ALL=(ALL) ALL is what we must never write.\n", False),  # prose
        ("settings.conf", "listen = 0.0.0.0\n", False),
        ("run.sh", "deploy ALL=(root) /usr/bin/id\n", False),  # a script, by its suffix
        ("big", "u ALL=(root) /usr/bin/id\n" + "#" * 70_000, False),
    ],
)
def test_content_that_parses_as_rules_is_a_sudoers_file(
    tmp_path: Path, name: str, text: str, found: bool
) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert holds_sudoers_rules(path) is found


def test_scan_and_report_include_config_sudoers_and_systemd(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--no-cache", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    paths = {f["path"] for f in data["findings"]}
    assert {"config/sudoers.d/platform", "ops/sudo-rules",
            "config/systemd/app.service.d/10-limits.conf"} <= paths  # fmt: skip
    assert not any(p.startswith(("venv/", "node_modules/", "build/", ".github/")) for p in paths)
    assert main(["report", "--no-cache"]) == 0
    text = capsys.readouterr().out
    checked = text.split("Files checked: ", 1)[1].split("\n", 1)[0]
    for rel in ("config/sudoers.d/platform", "config/systemd/app.service",
                "scripts/production/deploy/worker.service", "ops/sudo-rules"):  # fmt: skip
        assert f"`{rel}`" in checked
    sudoers = text.split("## 7. Sudoers", 1)[1].split("\n## ", 1)[0]
    assert "| `config/sudoers.d/platform` | " in sudoers
    assert "`/usr/bin/mv * /opt/app/quarantine/` | **AUD410** " in sudoers


def test_a_bare_system_command_audits_the_tree(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["system", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {f["path"] for f in data["findings"]} >= {
        "config/sudoers.d/platform",
        "config/systemd/app.service.d/10-limits.conf",
    }


def test_files_outside_the_tree_still_work_with_the_options(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere"
    _write(outside, "etc/sudoers.d/extra", "u ALL=(root) /usr/bin/vim /etc/hosts\n")
    _write(outside, "units/x.service", SERVICE)
    args = ["system", "--sudoers", str(outside / "etc/sudoers.d/extra"),
            "--units", str(outside / "units"), "--format", "json"]  # fmt: skip
    assert main(args) == 0
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert {"AUD402", "AUD501"} <= rules


def _count_listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each tree listed (auditor.scan.discover.list_tree) and each git listing."""
    from auditor.scan import discover as scan_discover

    listed: list[str] = []
    real_tree, real_git = scan_discover.list_tree, scan_discover._git_files

    def tree(root: Path) -> scan_discover.Tree:
        listed.append(f"tree {root}")
        return real_tree(root)

    def git(root: Path) -> list[str] | None:
        listed.append(f"git {root}")
        return real_git(root)

    monkeypatch.setattr(scan_discover, "list_tree", tree)
    monkeypatch.setattr(scan_discover, "_git_files", git)
    return listed


@pytest.mark.parametrize("in_git", [False, True])
def test_a_scan_lists_its_tree_once_for_python_and_deployment_files(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], in_git: bool
) -> None:
    """The deployment discovery reads the scan's listing of the tree: one walk (one
    ``git ls-files`` in a work tree) per command, and the same files found as by a listing
    of its own."""
    if in_git:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
        (tree / ".gitignore").write_text("scripts/production/\n")
    alone = discover([tree])
    listed = _count_listings(monkeypatch)
    from auditor.system import discovery

    picked: list[tuple[list[Path], list[Path]]] = []
    real = discovery.discover
    monkeypatch.setattr(discovery, "discover", lambda *a: picked.append(real(*a)) or picked[-1])
    assert main(["scan", str(tree), "--format", "json", "--no-cache"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert listed == [f"tree {tree}", f"git {tree}"]
    assert picked == [alone] and alone[0] and alone[1]
    assert "app.py" in {f["path"] for f in doc["findings"]}
    # the same listing given to the deployment discovery: nothing listed again, same files
    from auditor.scan.discover import Listing
    from auditor.scan.discover import discover as scan_files

    listing = Listing()
    listed.clear()
    python = [c.path for c in scan_files([tree], listing=listing)]
    assert python == [os.path.join(tree, "app.py")]
    assert discover([tree], listing=listing) == alone
    assert listed == [f"tree {tree}", f"git {tree}"]


def test_a_pyvenv_cfg_that_is_no_regular_file(tmp_path: Path) -> None:
    """A folder whose pyvenv.cfg is a dangling link: the scan walks it (it has always done),
    the deployment discovery does not (nor did it): one listing serves both."""
    from auditor.scan.discover import Listing
    from auditor.scan.discover import discover as scan_files

    root = tmp_path / "repo"
    _write(root, "env/tool.py", "x = 1\n")
    _write(root, "env/x.service", SERVICE)
    _write(root, "real/lib.py", "x = 1\n")
    _write(root, "real/pyvenv.cfg", "home = /usr/bin\n")
    _write(root, "real/y.service", SERVICE)
    (root / "real" / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    _write(root, "top.service", SERVICE)
    (root / "env" / "pyvenv.cfg").symlink_to(root / "missing")
    listing = Listing()
    assert [
        Path(c.path).relative_to(root).as_posix() for c in scan_files([root], listing=listing)
    ] == ["env/tool.py"]
    assert _rel(root, discover([root], listing=listing)[1]) == ["top.service"]
    assert discover([root]) == discover([root], listing=listing)
