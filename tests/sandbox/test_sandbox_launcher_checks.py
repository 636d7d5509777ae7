"""The compiled launcher's own safety checks: a launcher that does not match the Python
side (protocol, source) refuses to run anything. Not parametrized over both launchers:
these checks exist only in the compiled one."""

from __future__ import annotations

import os

import pytest

from auditor import sandbox


def test_a_stale_compiled_launcher_fails_closed(
    compiled_launcher: None, monkeypatch: pytest.MonkeyPatch, host_dir: str
) -> None:
    monkeypatch.setattr(sandbox.native, "PROTOCOL", "0")
    marker = f"{host_dir}/ran"
    with pytest.raises(sandbox.SandboxUnavailable, match="'launcher' unavailable") as info:
        sandbox.run(["touch", marker])
    assert info.value.missing == ("launcher",)
    assert not os.path.exists(marker)


def test_a_launcher_built_from_another_source_fails_closed(
    compiled_launcher: None, monkeypatch: pytest.MonkeyPatch, host_dir: str
) -> None:
    assert sandbox.native.source_sha256() is not None  # launcher.c ships beside the module
    monkeypatch.setattr(sandbox.native, "source_sha256", lambda: "0" * 64)
    marker = f"{host_dir}/ran"
    with pytest.raises(sandbox.SandboxUnavailable, match=r"built from another launcher\.c"):
        sandbox.run(["touch", marker])
    assert not os.path.exists(marker)
