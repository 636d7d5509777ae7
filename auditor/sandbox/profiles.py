"""Isolation profiles: which pieces of isolation a sandbox asks for.

Both profiles have every namespace, the seccomp filter, Landlock where the kernel has it,
limits, a scrubbed environment, no capabilities and ``no_new_privs``, a fresh ``/tmp``, and
a root built from an allow-list (see :mod:`.view`):

``standard`` (default for ``run`` and the drop-ins): system folders, ``/etc`` and ``/opt``
read-only, the working directory (``cwd=``, or the caller's) read-only unless the call passes
``writable_cwd=True``.

``strict`` (default for ``exec_python``/``eval_python``; ``readonly_root=True``): chosen
``/etc`` files only, nothing of the host writable, the working directory read-only and only
when ``cwd=`` is given, else the payload starts in ``/tmp``.

``private_tmp`` and ``hide_home`` are kept for callers that build a :class:`Profile`:
every profile now has a private ``/tmp`` and no home in view.
"""

from __future__ import annotations

import dataclasses
import os
import re

from auditor.sandbox.errors import SandboxConfigError

#: Environment variables passed through by default (``env=`` replaces this entirely).
ENV_ALLOW = ("PATH", "LANG", "TERM")
ENV_ALLOW_RE = re.compile(r"^LC_[A-Z_]+$")


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    namespaces: tuple[str, ...] = ("user", "pid", "ipc", "uts", "net", "mount")
    readonly_root: bool = False
    private_tmp: bool = False
    hide_home: bool = False


STANDARD = Profile("standard")
STRICT = Profile("strict", readonly_root=True, private_tmp=True, hide_home=True)
PROFILES: dict[str, Profile] = {p.name: p for p in (STANDARD, STRICT)}


def get_profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        names = ", ".join(sorted(PROFILES))
        raise SandboxConfigError(f"profile: unknown profile {profile!r} (known: {names})") from None


def scrub_env(environ: dict[str, str] | os._Environ[str] | None = None) -> dict[str, str]:
    """The allow-listed part of ``environ`` (default ``os.environ``): PATH, LANG, LC_*, TERM."""
    src = os.environ if environ is None else environ
    # Keys first, values only for the kept ones: os.environ decodes on every access, and
    # this runs once per sandboxed run.
    env = {k: src[k] for k in src if k in ENV_ALLOW or (k[:3] == "LC_" and ENV_ALLOW_RE.match(k))}
    env.setdefault("PATH", os.defpath)
    return env
