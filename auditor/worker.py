"""The per-file work of a scan, run in this process or in a pool of worker processes. This is
the only module of the scan path that imports libcst, and only cache misses reach it.

When the caller wants migration plans (``auditor report``, ``auditor migrate``), each file
is planned right after its analysis, in the same worker, from that analysis: the codemods
run only on a file with a site they may rewrite (:func:`auditor.plans.plan_from_analysis`).
"""

from __future__ import annotations

import ast
import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.findings import FileResult, ScanError
from auditor.flow import aliases
from auditor.flow.entry import read_text
from auditor.gc_threshold import THRESHOLD
from auditor.judge.catalogue import Catalogue, builtin_sinks
from auditor.judge.policy import Policy
from auditor.plans import FilePlan, PlanSpec, plan_from_analysis, same_analysis
from auditor.sandbox.config import Settings
from auditor.scan.analyze import Context, analyze_source
from auditor.scan.cache import content_key
from auditor.scan.options import Options

if TYPE_CHECKING:
    from auditor.codemod_support import SiteCodemod

_CTX: Context | None = None
_SALT: bytes | None = None  # the result cache's salt, when the cache is on
_PLANNER: Planner | None = None  # when plans are wanted
# the words a file must say for the project-wide stage to read its bindings for aliases
# (auditor.flow.aliases.bound_words), set by init()
_BOUND: frozenset[str] = frozenset()

# file path, shown path, path relative to the project root, named on the command line, and
# what the project-wide stage asks of the file ("call:NAME", "def:NAME"; see auditor.flow)
Job = tuple[str, str, str, bool, tuple[str, ...]]


PlanRequest = tuple[PlanSpec, Settings]


class Planner:
    """Plans files after their analysis (see :func:`auditor.planning.plan_source`)."""

    def __init__(self, ctx: Context, spec: PlanSpec, settings: Settings) -> None:
        from auditor import planning  # the codemods: only when a plan is wanted

        self.planning = planning
        # the plans are made with the default options, as ``auditor migrate`` analyses
        self.scan_options = ctx.options
        self.ctx = ctx if ctx.options == Options() else Context(ctx.policy)
        self.selected: list[type[SiteCodemod]] = planning.selected_codemods(spec.names())
        self.matched: set[str] = set()
        self.wanted = spec.site_filter(self.matched)
        self.settings = settings

    def plan(
        self, data: bytes, path: str, shown: str, rel: str, explicit: bool, result: FileResult
    ) -> FilePlan:
        """The plan of the file whose bytes are ``data`` and whose scan gave ``result``."""
        before = result
        if not same_analysis(self.scan_options, explicit, result):
            before = analyze_source(data, shown, rel, self.ctx)
        self.matched.clear()
        file = Path(os.path.realpath(path))
        plan = plan_from_analysis(before, shown, file, self.wanted)
        if plan is None:
            plan = self.planning.plan_source(
                data, shown, rel, file, self.ctx, self.selected, self.wanted, self.settings,
                before,
            )  # fmt: skip
        plan.matched = tuple(sorted(self.matched))
        return plan.light()


def init(
    policy: Policy, options: Options, salt: bytes | None = None, plans: PlanRequest | None = None
) -> None:
    global _CTX, _SALT, _PLANNER, _BOUND
    _CTX = Context(policy, options)
    _BOUND = aliases.bound_words(Catalogue(builtin_sinks() + policy.sinks))
    _SALT = salt
    _PLANNER = Planner(_CTX, *plans) if plans is not None else None


def init_worker(
    policy: Policy, options: Options, salt: bytes | None = None, plans: PlanRequest | None = None
) -> None:
    """``init`` for a pool's worker process, which does nothing but analyse."""
    init(policy, options, salt, plans)
    gc.set_threshold(*THRESHOLD)


def run(job: Job) -> tuple[str | None, FileResult, FilePlan | None]:
    """Analyse one file; returns the cache key of the bytes it read (when the cache is on),
    the result, and the file's plan when plans are wanted (for a job of the scan's first
    round: ``extra`` empty)."""
    assert _CTX is not None, "worker.init() was not called"
    path, shown, rel, explicit, extra = job
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        error = ScanError(shown, f"cannot read: {exc.strerror or exc}")
        return None, FileResult(errors=[error]), None
    detail = f"{rel}|{explicit}" + (f"|{','.join(sorted(extra))}" if extra else "")
    key = None if _SALT is None else content_key(_SALT, data, shown, detail)
    trees: list[tuple[str, ast.Module]] = []
    result = analyze_source(data, shown, rel, _CTX, explicit, extra, trees)
    if not extra and not result.errors:
        # what the project-wide stage reads of the file for aliases, here in the worker
        # rather than in the stage's one process, from the analysis's tree when it parsed
        # the same text (the stage reads the bytes as UTF-8, invalid bytes replaced)
        text = read_text(data)
        tree = trees[0][1] if trees and trees[0][0] == text else None
        result.bindings = aliases.file_bindings(text, path, rel, _BOUND, tree)
    plan = None
    if _PLANNER is not None and not extra:
        plan = _PLANNER.plan(data, path, shown, rel, explicit, result)
    return key, result, plan
