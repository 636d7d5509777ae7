"""bandit as a second opinion, in-process through its Python API, limited to the tests about
dynamic execution. ``# nosec`` is ignored here: we want bandit's opinion, not its suppressions
(``auditor scan --honor-nosec`` is how ``# nosec`` suppresses our own findings)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from auditor.engines import EngineFailure, EngineResult, Hit, Target
from auditor.findings import EngineError
from auditor.judge.catalogue import builtin_sinks

NAME = "bandit"

# test id -> the kind of sink it is about
TESTS: dict[str, str] = {
    "B102": "code",  # exec_used
    "B307": "code",  # eval (blacklisted call)
    "B602": "command",  # subprocess_popen_with_shell_equals_true
    "B603": "command",  # subprocess_without_shell_equals_true
    "B604": "command",  # any_other_function_with_shell_equals_true
    "B605": "command",  # start_process_with_a_shell
    "B606": "command",  # start_process_with_no_shell
    "B607": "command",  # start_process_with_partial_path
    "B609": "command",  # linux_commands_wildcard_injection
}


def _sinks_of(test_id: str) -> frozenset[str]:
    """Catalogue sinks that name this bandit test as their equivalent."""
    return frozenset(s.name for s in builtin_sinks() if test_id in s.bandit)


@contextmanager
def _quiet() -> Iterator[None]:
    """bandit logs every skipped file and progress to stderr: silence it while it runs (a
    level above INFO also turns off its progress bar)."""
    log = logging.getLogger("bandit")
    level, propagate = log.level, log.propagate
    log.setLevel(logging.CRITICAL + 1)
    log.propagate = False
    try:
        yield
    finally:
        log.setLevel(level)
        log.propagate = propagate


def _manager() -> Any:
    try:
        from bandit.core import config as b_config  # type: ignore[import-untyped]
        from bandit.core import manager as b_manager
    except ImportError:
        raise EngineFailure(
            "bandit is not installed (pip install bandit, or pip install 'auditor[bandit]')"
        ) from None
    conf = b_config.BanditConfig()
    profile = {"include": set(TESTS), "exclude": set()}
    return b_manager.BanditManager(conf, "file", profile=profile, ignore_nosec=True, quiet=True)


class BanditEngine:
    name = NAME

    def run(self, targets: Sequence[Target]) -> EngineResult:
        result = EngineResult()
        if not targets:
            return result
        shown = {t.path: t.shown for t in targets}
        with _quiet():
            manager = _manager()
            # the files are those the scanner analysed: give them as they are, no discovery
            manager.files_list = sorted(shown)
            manager.run_tests()
            issues = manager.get_issue_list()
            skipped = manager.get_skipped()
        sinks = {test_id: _sinks_of(test_id) for test_id in TESTS}
        for issue in issues:
            test_id = str(issue.test_id)
            if test_id not in TESTS:
                continue
            path = shown.get(str(issue.fname), str(issue.fname))
            lines = [int(n) for n in (issue.linerange or [issue.lineno])]
            line = int(issue.lineno)
            col = int(issue.col_offset)
            result.hits.append(
                Hit(
                    NAME,
                    test_id,
                    path,
                    line,
                    max([line, *lines]),
                    " ".join(str(issue.text).split()),
                    column=col + 1 if col >= 0 else None,
                    kind=TESTS[test_id],
                    sinks=sinks[test_id],
                )
            )
        for fname, reason in skipped:
            path = shown.get(str(fname), str(fname))
            result.errors.append(EngineError(NAME, f"could not analyse: {reason}", path))
        return result
