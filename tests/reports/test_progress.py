"""The progress bar is drawn only on a terminal, never in pipes or CI."""

from __future__ import annotations

import io

import pytest

from auditor import progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress.wanted(_Tty()) is True
    assert progress.wanted(io.StringIO()) is False  # a pipe or a file
    monkeypatch.setenv("CI", "true")
    assert progress.wanted(_Tty()) is False
    monkeypatch.setenv("CI", "")
    monkeypatch.setenv("TERM", "dumb")
    assert progress.wanted(_Tty()) is False


def test_no_callback_when_not_wanted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with progress.progress_bar() as callback:
        assert callback is None


def test_callback_drives_a_bar_after_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    screen = io.StringIO()
    monkeypatch.setattr(progress, "_console", lambda: Console(file=screen, force_terminal=True))
    with progress.progress_bar(enabled=True, delay=3600) as callback:
        assert callback is not None
        callback(1, 2)  # within the delay: nothing drawn
    assert screen.getvalue() == ""
    with progress.progress_bar(enabled=True, delay=0) as callback:
        assert callback is not None
        callback(1, 2)
        callback(2, 2)
    assert "Scanning" in screen.getvalue()
    assert "2/2" in screen.getvalue()
