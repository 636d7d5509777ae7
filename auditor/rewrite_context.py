"""What a migration codemod is told about the module it rewrites, without libcst's codemod
framework.

The codemods (:mod:`auditor.codemod_support`) need five things of their context: the file's
name, its module and package names (for relative imports), the metadata wrapper of the
module being rewritten, and a scratch dict where removals of imports are scheduled.
libcst's ``CodemodContext`` has them, and so does :class:`RewriteContext`; auditor's own
planning uses the latter, because importing ``libcst.codemod`` also imports
``libcst.matchers`` (about 0.2 s of a report's start-up, for nothing the planning uses).
``libcst.tool codemod`` and ``libcst.codemod.transform_module`` keep working: they hand the
codemods a ``CodemodContext``, which has the same fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from libcst.metadata import MetadataWrapper


class ImportContext(Protocol):
    """The fields of a codemod's context that auditor's codemods read (libcst's
    ``CodemodContext`` has them too)."""

    @property
    def filename(self) -> str | None: ...

    @property
    def full_module_name(self) -> str | None: ...

    @property
    def full_package_name(self) -> str | None: ...

    @property
    def wrapper(self) -> MetadataWrapper | None: ...

    @property
    def scratch(self) -> dict[str, Any]: ...

    @property
    def warnings(self) -> list[str]: ...


@dataclass(frozen=True)
class RewriteContext:
    """The context auditor's planning gives a codemod: one per codemod run on one file."""

    filename: str | None = None
    full_module_name: str | None = None
    full_package_name: str | None = None
    wrapper: MetadataWrapper | None = None
    scratch: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


ContextT = TypeVar("ContextT", bound=ImportContext)


def with_wrapper(context: ContextT, wrapper: MetadataWrapper | None) -> ContextT:
    """The same context (the same scratch and warnings) with another metadata wrapper.
    Both ``RewriteContext`` and libcst's ``CodemodContext`` are frozen dataclasses."""
    replaced: ContextT = dataclasses.replace(context, wrapper=wrapper)  # type: ignore[type-var]
    return replaced
