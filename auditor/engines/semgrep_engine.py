"""semgrep as a second opinion: a subprocess with our own rule pack (``rules/semgrep``), no
metrics, no version check, no registry rules, so it never needs the network. ``# nosemgrep``
is ignored here, as bandit's ``# nosec`` is: we want semgrep's opinion."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from auditor import rules_files
from auditor.engines import EngineFailure, EngineResult, Hit, Target
from auditor.engines.semgrep_rules import FAMILIES, PACK, family_of, kind_of
from auditor.findings import EngineError
from auditor.judge.catalogue import builtin_sinks

NAME = "semgrep"
TIMEOUT = 600.0  # seconds, for one semgrep run
_ARGS_BUDGET = 100_000  # characters of file names per semgrep run (ARG_MAX is ~2 MB)
NOT_INSTALLED = "semgrep is not installed (pip install 'auditor[semgrep]')"


def find_semgrep() -> str | None:
    """The semgrep next to this Python (an unactivated virtual environment), else on PATH."""
    beside = Path(sys.executable).parent / "semgrep"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("semgrep")


def pack_path() -> Path:
    return rules_files.folder() / "semgrep" / PACK


def _rule_info() -> dict[str, tuple[str | None, frozenset[str]]]:
    """rule suffix (``subprocess-argv``) -> (kind, catalogue sinks)."""
    sinks = builtin_sinks()
    info: dict[str, tuple[str | None, frozenset[str]]] = {"shell-wrapper": ("command", frozenset())}
    for family in FAMILIES:
        members = [s for s in sinks if family_of(s) == family]
        if not members:
            continue
        value = (kind_of(members), frozenset(s.name for s in members))
        if family.file == "subprocess":
            for rule in (
                "subprocess-shell-dynamic",
                "subprocess-shell-constant",
                "subprocess-argv",
            ):
                info[rule] = value
        else:
            info[family.file] = value
    return info


def rule_id(check_id: str) -> str:
    """semgrep prefixes a local rule's id with the config file's folder (``rules.semgrep.``):
    keep ours, ``auditor.<family>``."""
    at = check_id.rfind("auditor.")
    return check_id[at:] if at >= 0 else check_id


def _batches(paths: Sequence[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for path in paths:
        if batch and size + len(path) + 1 > _ARGS_BUDGET:
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += len(path) + 1
    if batch:
        yield batch


def _common_folder(paths: Sequence[str]) -> str:
    """The deepest folder that holds every one of ``paths`` (absolute)."""
    common = os.path.commonpath(paths)
    while not os.path.isdir(common) and common != os.path.dirname(common):
        common = os.path.dirname(common)  # a file, or a folder removed since
    return common


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SEMGREP_ENABLE_VERSION_CHECK="0",
        SEMGREP_SEND_METRICS="off",
        SEMGREP_SUPPRESS_ERRORS="0",
    )
    return env


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class SemgrepEngine:
    name = NAME

    def __init__(
        self,
        executable: str | None = None,
        config: Path | None = None,
        timeout: float | None = None,
    ) -> None:
        self.executable = executable
        self.config = config
        self.timeout = timeout

    def command(self, files: Sequence[str]) -> list[str]:
        exe = self.executable or find_semgrep()
        if exe is None:
            raise EngineFailure(NOT_INSTALLED)
        return [
            exe,
            "scan",
            "--config",
            os.path.abspath(self.config or pack_path()),
            "--json",
            "--quiet",
            "--metrics=off",
            "--disable-version-check",
            "--disable-nosem",
            "--no-git-ignore",
            "--scan-unknown-extensions",
            "--max-target-bytes=0",
            "--",
            *files,
        ]

    def _run(self, files: Sequence[str]) -> dict[str, Any]:
        argv = self.command(files)
        try:
            done = subprocess.run(
                argv,
                # semgrep is slow on targets outside its working folder (~0.2 s each: 40 s
                # instead of 6 s over 160 small files): run it from their common folder
                cwd=_common_folder(files),
                capture_output=True,
                text=True,
                timeout=self.timeout or TIMEOUT,
                env=_environment(),
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except FileNotFoundError:
            raise EngineFailure(NOT_INSTALLED) from None
        except subprocess.TimeoutExpired:
            raise EngineFailure(f"timed out after {self.timeout or TIMEOUT:g} s") from None
        except OSError as exc:
            raise EngineFailure(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
        try:
            data = json.loads(done.stdout)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            reason = _last_line(done.stderr or done.stdout)
            raise EngineFailure(f"failed (exit status {done.returncode}): {reason}")
        return data

    def run(self, targets: Sequence[Target]) -> EngineResult:
        result = EngineResult()
        if not targets:
            return result
        shown = {t.path: t.shown for t in targets}
        info = _rule_info()
        for batch in _batches(sorted(shown)):
            data = self._run(batch)
            for item in data["results"]:
                rule = rule_id(str(item.get("check_id", "")))
                kind, sinks = info.get(rule.removeprefix("auditor."), (None, frozenset()))
                path = str(item.get("path", ""))
                start, end = item.get("start", {}), item.get("end", {})
                line = int(start.get("line", 0))
                message = " ".join(str(item.get("extra", {}).get("message", "")).split())
                result.hits.append(
                    Hit(
                        NAME,
                        rule,
                        shown.get(os.path.abspath(path), path),
                        line,
                        int(end.get("line", line)),
                        message,
                        column=int(start["col"]) if "col" in start else None,
                        kind=kind,
                        sinks=sinks,
                    )
                )
            for error in data.get("errors", []):
                result.errors.append(_error(error, shown))
        return result


def _error(error: dict[str, Any], shown: dict[str, str]) -> EngineError:
    path = error.get("path")
    kind = str(error.get("type", "error"))
    if isinstance(error.get("type"), list) and error["type"]:
        kind = str(error["type"][0])
    message = " ".join(str(error.get("message", "")).split()) or kind
    if len(message) > 200:
        message = message[:199] + "…"
    if path:
        return EngineError(NAME, f"could not analyse: {message}", shown.get(
            os.path.abspath(str(path)), str(path)))  # fmt: skip
    return EngineError(NAME, message)
