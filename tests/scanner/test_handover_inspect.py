"""A sink given to a call that only looks at it is no handover (a mock's specification), and
a bound method of a sink matched on any receiver is one (``asyncio.to_thread(c.exec_run,
cmd)``): rules/handovers.toml's ``inspect-keywords`` and ``inspect-only``, and the method
sinks of rules/sinks.toml."""

from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.api import scan
from tests.conftest import make_policy


def _scan(tmp_path: Path, code: str) -> list[tuple[int, str, str | None]]:
    (tmp_path / "m.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return [(f.line, f.sink, f.handed_to) for f in result.findings]


def test_a_mocks_specification_is_never_called(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        """\
        import subprocess
        from unittest.mock import MagicMock, Mock, create_autospec

        process = Mock(spec=subprocess.Popen)
        runner = MagicMock(spec_set=subprocess.run)
        shaped = create_autospec(subprocess.Popen)
        """,
    )
    assert found == []


def test_a_mock_that_wraps_the_sink_still_calls_it(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        """\
        import subprocess
        from unittest.mock import Mock

        runner = Mock(spec=subprocess.run, wraps=subprocess.run)
        """,
    )
    assert found == [(4, "subprocess.run", "Mock")]


def test_a_bound_method_of_a_receiverless_sink_handed_to_a_thread(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        """\
        import asyncio

        class Executor:
            async def run(self, command):
                return await asyncio.to_thread(self._container.exec_run, command)
        """,
    )
    assert found == [
        (5, "docker.models.containers.Container.exec_run", "asyncio.to_thread"),
    ]
