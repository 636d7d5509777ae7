"""Exceptions raised by the sandbox."""

from __future__ import annotations


class SandboxError(Exception):
    """Base class for every error the sandbox raises itself."""


class SandboxUnavailable(SandboxError):
    """The requested isolation could not be set up; nothing was run (fail closed).

    The message names what failed and how to fix it.  ``missing`` lists the isolation
    pieces that could not be applied (e.g. ``("user",)`` or ``("cgroup",)``).
    """

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


class SandboxConfigError(ValueError, SandboxError):
    """A bad ``[tool.auditor.sandbox]`` table or a bad option value: one line naming the key."""


class SandboxEvalError(SandboxError):
    """``eval_python`` could not produce a value: the expression raised, the sandbox stopped
    it, or the value does not survive JSON or ``ast.literal_eval``."""
