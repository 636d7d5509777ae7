"""The sandbox's filesystem view: what the launcher mounts in a fresh root before it pivots.

Both profiles build the root from an allow-list (``rules/sandbox.toml``, ``[filesystem]``):
nothing of the host is in view unless listed here, so no home, no ``/run``, no socket file,
no ``/etc/shadow`` is there to find.

* both: ``/usr``, ``/bin``, ``/sbin``, ``/lib*`` read-only (symlinks such as ``/bin ->
  usr/bin`` recreated), the interpreter's installation read-only (only what it needs of
  one that is or holds a shared folder, a home or the project: :func:`python_ops`), a
  fresh ``/proc``
  (read-only), ``/dev/null``, ``zero``, ``full``, ``random``, ``urandom``, ``tty`` and the
  ``/dev/fd`` links, and a writable tmpfs at ``/tmp`` and another at ``/dev/shm``, each
  sized by the memory limit;
* strict: the ``/etc`` files of ``strict_etc``; the working directory read-only, and only
  when ``cwd=`` asks for it (otherwise the payload starts in ``/tmp``);
* standard: all of ``/etc`` and ``/opt``, ``/sys`` read-only, a private ``/dev/pts``, and
  the working directory (``cwd=``, or the caller's), read-only unless the run asked for
  ``writable_cwd=True``: as the caller when it is not root, through an idmapped mount for
  a root caller (the payload, an unprivileged uid, reads the files as their owner and, when
  writable, writes files owned by root there and nowhere else; the seccomp filter refuses
  it any set-user-ID or set-group-ID bit).  In a writable one the interpreter, this
  program's own code and ``workdir_read_only`` stay read-only when they lie inside it (one
  that is the interpreter's installation is refused).  Mount points below the working
  directory are covered (:class:`Hide`): only its own filesystem is shown.

The system part is computed once per process (the host's layout does not change under a
running program); the working directory per run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import glob
import importlib.util
import os
import pwd
import stat
import sys
import sysconfig

from auditor.sandbox import mountinfo, rulesdata
from auditor.sandbox.limits import parse_size

DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
DEV_LINKS = (
    ("/dev/fd", "/proc/self/fd"),
    ("/dev/stdin", "/proc/self/fd/0"),
    ("/dev/stdout", "/proc/self/fd/1"),
    ("/dev/stderr", "/proc/self/fd/2"),
)


@dataclasses.dataclass(frozen=True)
class Bind:
    src: str
    dst: str
    mode: str  # "ro", "roid" (ro, idmapped for a root caller), "rw", "rwid" (the same, rw), "dev"


@dataclasses.dataclass(frozen=True)
class Link:
    path: str
    target: str


@dataclasses.dataclass(frozen=True)
class Tmpfs:
    """A writable tmpfs of its own (/tmp, /dev/shm), bounded by ``size`` and ``inodes``."""

    path: str
    size: int
    inodes: int
    mode: int = 0o1777


@dataclasses.dataclass(frozen=True)
class Proc:
    path: str = "/proc"


@dataclasses.dataclass(frozen=True)
class DevPts:
    path: str = "/dev/pts"


@dataclasses.dataclass(frozen=True)
class Hide:
    """A mount point below a bound folder, covered (an empty read-only tmpfs over a folder,
    ``/dev/null`` read-only over a file): the bind shows that folder's own filesystem only."""

    path: str


Op = Bind | Link | Tmpfs | Proc | DevPts | Hide


class WorkdirRefused(Exception):
    """The working directory lies where the view never goes (``/run``, ``/proc`` ...)."""


class WorkdirShared(Exception):
    """The working directory is (or holds) a folder others share: /tmp, a home..."""

    def __init__(self, workdir: str, what: str, writable: bool) -> None:
        access = "read and write" if writable else "read"
        super().__init__(
            f"the working directory {workdir} is {what}: the payload would {access} "
            "everything kept there (dotfiles, keys, other programs' files and sockets). Fix: "
            "run from a project folder (one inside it is fine), or pass cwd= one"
        )


def _homes() -> dict[str, str]:
    """Resolved home directories that exist -> whose (passwd entries, then $HOME)."""
    out: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for entry in pwd.getpwall():
            if entry.pw_dir and os.path.isdir(entry.pw_dir):
                out.setdefault(os.path.realpath(entry.pw_dir), f"{entry.pw_name}'s home")
    home = os.environ.get("HOME")
    if home and os.path.isabs(home) and os.path.isdir(home):
        out.setdefault(os.path.realpath(home), "the caller's home ($HOME)")
    return out


def shared_workdir(workdir: str) -> str | None:
    """What makes ``workdir`` (resolved) a folder never shown: None when it is not one."""
    refused = _homes()
    for p in _strings("shared_workdirs"):
        if os.path.isdir(p):
            refused.setdefault(os.path.realpath(p), "a folder others share")
    for path, what in refused.items():
        if path == "/":  # never bound anyway
            continue
        if workdir == path:
            return what
        if _under(path, workdir):
            return f"a folder that holds {path} ({what})"
    # the same folder mounted elsewhere (``mount --bind /tmp /srv/x``, a container's
    # ``-v $HOME:/work``): told by its device and inode, not its name
    # (lstat: a working directory that is a symlink is the launcher's to refuse, with
    # RESOLVE_NO_SYMLINKS; the caller resolved it, a link here was swapped in since)
    me = _identity(workdir, follow=False)
    if me is None or workdir == "/":
        return None
    if me == _identity("/"):
        return "the root folder, mounted here"
    for path, what in refused.items():
        if path != "/" and me == _identity(path):
            return f"{path} mounted here ({what})"
    return None


def workdir_refusal(workdir: str) -> str | None:
    """Why a run whose working directory is ``workdir`` raises SandboxUnavailable under
    any profile, said for a person (None: it is not refused so): a folder under a tree
    never in view, or one others share (:func:`shared_workdir`: /tmp, a home) outside the
    system trees. For a migration to tell before it routes a call with a constant ``cwd=``
    to the sandbox; :func:`build` refuses by the same rules."""
    workdir = os.path.realpath(workdir)
    if any(_under(workdir, n) for n in never()):
        return f"{workdir} is in {', '.join(never())}, which are never in view"
    if workdir == "/" or any(_under(workdir, t) for t in _strings("system_trees")):
        return None
    shared = shared_workdir(workdir)
    return None if shared is None else f"the working directory {workdir} is {shared}"


def submounts(top: str) -> list[str]:
    """The outermost mount points strictly below ``top`` (resolved), from
    ``/proc/self/mountinfo``: a bind of ``/tmp`` or ``/run`` inside a project folder (a
    container's volume, a CI workspace) must not come into view with the folder."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            mounts = mountinfo.parse(f.read())
    except OSError:
        return []
    points = sorted(
        {m.mountpoint for m in mounts if m.mountpoint != top and _under(m.mountpoint, top)}
    )
    out: list[str] = []
    for p in points:  # sorted: a parent comes before what is mounted inside it
        if not any(_under(p, o) for o in out):
            out.append(p)
    return out


def _identity(path: str, follow: bool = True) -> tuple[int, int] | None:
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _dst(op: Op) -> str:
    if isinstance(op, Bind):
        return op.dst
    return op.path


def _depth(path: str) -> int:
    return len([p for p in path.split("/") if p])


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


@functools.cache
def python_dirs() -> tuple[str, ...]:
    """The interpreter's installation directories (resolved, existing, outermost first):
    its prefixes, the folder of its program, and the venv that program lies in (``site``
    sets ``sys.prefix`` to the venv; a caller started with ``-S`` has the base's)."""
    cands = {
        os.path.realpath(p)
        for p in (sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix)
    }
    cands.add(os.path.dirname(os.path.realpath(sys.executable)))
    bindir = os.path.dirname(os.path.abspath(sys.executable))
    for d in (bindir, os.path.dirname(bindir)):
        if os.path.isfile(os.path.join(d, "pyvenv.cfg")):
            cands.add(os.path.realpath(d))
            break
    out: list[str] = []
    for c in sorted((c for c in cands if os.path.isdir(c)), key=len):
        if not any(_under(c, o) for o in out):
            out.append(c)
    return tuple(out)


@functools.cache
def protected_dirs() -> tuple[str, ...]:
    """This program's own code: the auditor package and the folders installed as its
    subpackages (rules/, codemods/, reports/ of an editable checkout).  Inside a writable
    working directory they are mounted read-only on top: a payload must not rewrite the
    launcher or the modules the caller runs next (as root, perhaps)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = {os.path.realpath(here)}
    for sub in ("auditor.rules", "auditor.codemods", "auditor.reports"):
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(sub)
            if spec is not None and spec.submodule_search_locations:
                out.add(os.path.realpath(next(iter(spec.submodule_search_locations))))
    return tuple(sorted(d for d in out if os.path.isdir(d)))


def _entry_paths(key: str) -> list[str]:
    entries = rulesdata.section("filesystem", key)
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("path"), str):
            raise rulesdata.bad(f"filesystem.{key}[{i}]", "needs a 'path' string")
        out.append(e["path"])
    return out


def _strings(key: str) -> tuple[str, ...]:
    value = rulesdata.section("filesystem", key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise rulesdata.bad(f"filesystem.{key}", "expected a list of paths")
    return tuple(value)


def never() -> tuple[str, ...]:
    """Trees never in view (host sockets live there)."""
    return _strings("never")


def _add_tree(ops: list[Op], trees: list[str], path: str) -> None:
    """``path`` read-only (a symlink recreated), unless already in view."""
    if not os.path.lexists(path) or any(_under(path, t) for t in trees):
        return
    if os.path.islink(path):
        ops.append(Link(path, os.readlink(path)))
        return
    ops.append(Bind(path, path, "ro"))
    trees.append(path)


def _add_etc(ops: list[Op], trees: list[str], pattern: str) -> None:
    """An /etc entry of strict's list: a symlink whose target is in view stays a symlink;
    one that leads elsewhere is replaced by its target's content; the rest is bound."""
    for path in sorted(glob.glob(os.path.join("/etc", pattern))):
        if os.path.islink(path):
            real = os.path.realpath(path)
            if any(_under(real, t) for t in trees) or not os.path.exists(real):
                ops.append(Link(path, os.readlink(path)))
            else:
                ops.append(Bind(real, path, "ro"))
        else:
            ops.append(Bind(path, path, "ro"))


def _etc_links_out(ops: list[Op], trees: list[str]) -> None:
    """standard binds all of /etc: an /etc symlink to a file outside the view (resolv.conf
    -> /run/...) gets that one regular file bound at its target path."""
    for pattern in _entry_paths("strict_etc"):
        for path in glob.glob(os.path.join("/etc", pattern)):
            if not os.path.islink(path):
                continue
            real = os.path.realpath(path)
            if os.path.isfile(real) and not any(_under(real, t) for t in trees):
                ops.append(Bind(real, real, "ro"))


@functools.cache
def system_ops(profile: str) -> tuple[Op, ...]:
    """The part of the view that depends only on the profile and this interpreter."""
    ops: list[Op] = []
    trees: list[str] = []
    for path in _entry_paths("both"):
        _add_tree(ops, trees, path)
    if profile == "strict":
        for pattern in _entry_paths("strict_etc"):
            _add_etc(ops, trees, pattern)
    else:
        for path in _entry_paths("standard"):
            _add_tree(ops, trees, path)
        _etc_links_out(ops, trees)
        if os.path.isdir("/sys"):
            ops.append(Bind("/sys", "/sys", "ro"))
        ops.append(DevPts())
        ops.append(Link("/dev/ptmx", "pts/ptmx"))
    ops.append(Proc())
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            ops.append(Bind(f"/dev/{name}", f"/dev/{name}", "dev"))
    ops += [Link(p, t) for p, t in DEV_LINKS]
    return tuple(ops)


def workdir_read_only(workdir: str) -> list[Bind]:
    """What of a writable working directory stays read-only (``workdir_read_only`` of
    rules/sandbox.toml): those of its entries that exist as a regular file or folder."""
    out = []
    for name in _strings("workdir_read_only"):
        path = os.path.join(workdir, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
            out.append(Bind(path, path, "ro"))
    return out


def read_only_trees(profile: str) -> tuple[str, ...]:
    """Directories the view shows read-only whatever the run (a working directory under one
    is not bound).  The interpreter's folders are per run: see :func:`python_ops`."""
    return tuple(op.dst for op in system_ops(profile) if isinstance(op, Bind) and op.mode == "ro")


class InterpreterRefused(Exception):
    """The interpreter cannot be shown without showing what must stay hidden."""


def _python_reason(d: str, here: tuple[str, ...]) -> str | None:
    """Why the interpreter folder ``d`` may not be shown whole: it is or holds a folder
    others share or a home, or it holds the caller's current or working directory (a venv
    that is the project folder: its .env, its keys)."""
    what = shared_workdir(d)
    if what is not None:
        return what
    for h in here:
        if _under(h, d):
            return f"a folder that holds {h} (the project?)"
    return None


@functools.cache
def _needed_paths() -> tuple[str, ...]:
    """What the interpreter itself needs (unresolved paths, as it looks them up): its
    program, its venv's pyvenv.cfg, the standard library, site-packages, and libpython
    when it is linked shared.  Computed once, before any payload runs (safeimport.preload:
    sysconfig imports its _sysconfigdata module lazily, and a payload may plant one)."""
    out = [os.path.abspath(sys.executable)]
    bindir = os.path.dirname(out[0])
    for d in (bindir, os.path.dirname(bindir)):
        cfg = os.path.join(d, "pyvenv.cfg")
        if os.path.isfile(cfg):
            out.append(cfg)
            break
    paths = sysconfig.get_paths()
    out += [paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths]
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        libdir = sysconfig.get_config_var("LIBDIR")
        for name in ("LDLIBRARY", "INSTSONAME"):
            lib = sysconfig.get_config_var(name)
            if isinstance(libdir, str) and isinstance(lib, str):
                out.append(os.path.join(libdir, lib))
    return tuple(p for p in out if os.path.lexists(p))


def _add_chain(ops: list[Op], trees: list[str], path: str, hops: int = 0) -> None:
    """``path`` read-only.  The first symlink on the way to it is recreated and followed
    (never a link made below another one: the launcher would create it through the first,
    on the host's side of the link)."""
    if hops > 40:
        raise InterpreterRefused(f"the interpreter's {path}: too many symbolic links")
    parts = path.split("/")
    for i in range(2, len(parts) + 1):
        prefix = "/".join(parts[:i])
        if any(_under(prefix, t) for t in trees):
            return  # in view already
        if os.path.islink(prefix):
            target = os.readlink(prefix)
            if not any(isinstance(o, Link) and o.path == prefix for o in ops):
                ops.append(Link(prefix, target))
            real = os.path.normpath(os.path.join(os.path.dirname(prefix), target))
            rest = "/".join(parts[i:])
            _add_chain(ops, trees, os.path.join(real, rest) if rest else real, hops + 1)
            return
    what = _python_reason(path, ())
    if what is not None:
        raise InterpreterRefused(
            f"the interpreter {sys.executable} needs {path}, which is {what}: it cannot be "
            "shown to the payload. Fix: use an interpreter (or venv) installed in a folder "
            "of its own"
        )
    ops.append(Bind(path, path, "ro"))
    trees.append(path)


def python_ops(profile: str, here: tuple[str, ...]) -> list[Op]:
    """The interpreter's installation, read-only: each of :func:`python_dirs` whole, except
    one that is or holds a shared folder (``/tmp``), a home, or one of ``here`` (the
    caller's current and working directories): of such a folder only what the interpreter
    needs is shown (see :func:`_needed_paths`)."""
    ops: list[Op] = []
    trees = list(read_only_trees(profile))
    narrowed = []
    for d in python_dirs():
        if any(_under(d, t) for t in trees):
            continue
        if _python_reason(d, here) is None:
            _add_tree(ops, trees, d)
        else:
            narrowed.append(d)
    for path in _needed_paths():
        if any(_under(os.path.realpath(path), d) or _under(path, d) for d in narrowed):
            _add_chain(ops, trees, path)
    return ops


def tmpfs_size(memory: int | None) -> tuple[int, int]:
    """(size, inodes) of each of the run's writable tmpfs mounts (/tmp, /dev/shm): the
    memory limit."""
    section = rulesdata.section("tmpfs")
    size = memory
    if size is None:
        size = parse_size(section.get("unlimited_memory_size", "64M"), "tmpfs") or 64 << 20
    per_mib = int(section.get("inodes_per_mib", 256))
    return size, max(1024, size * per_mib >> 20)


def build(
    profile: str,
    *,
    workdir: str | None,
    writable: bool,
    memory: int | None,
    root_caller: bool,
) -> tuple[list[Op], str | None]:
    """The operations for one run (in mount order) and the directory the payload starts in.

    ``workdir`` is the resolved working directory to show (None: none), ``writable``
    whether the payload may write it."""
    ops = list(system_ops(profile))
    here = [workdir] if workdir is not None else []
    with contextlib.suppress(OSError):
        here.append(os.path.realpath(os.getcwd()))
    pyops = python_ops(profile, tuple(here))
    ops += pyops
    ro_trees = (
        *read_only_trees(profile),
        *(op.dst for op in pyops if isinstance(op, Bind)),
    )
    size, inodes = tmpfs_size(memory)
    chdir: str | None = None
    if workdir is not None and writable:
        needed = _needed_paths()
        for d in python_dirs():
            if _under(workdir, d) and any(
                _under(p, workdir) and _under(p, d) for p in (d, *needed)
            ):
                raise InterpreterRefused(
                    f"the working directory {workdir} is the interpreter's installation "
                    f"({d}, {sys.executable}): a writable one would let the payload change "
                    "the interpreter this program runs next (a .pth file runs at its start). "
                    "Fix: keep the venv in a folder of its own (python -m venv .venv), or "
                    "pass cwd= a folder that is not the venv"
                )
    if workdir is not None:
        if any(_under(workdir, n) for n in never()):
            raise WorkdirRefused(workdir)
        chdir = workdir
        covered = any(_under(workdir, t) for t in ro_trees)
        system = any(_under(workdir, t) for t in _strings("system_trees"))
        if workdir != "/" and not system and not (covered and not writable):
            shared = shared_workdir(workdir)
            if shared is not None:
                raise WorkdirShared(workdir, shared, writable)
            if writable:
                mode = "rwid" if root_caller else "rw"
            else:
                # standard's read-only working directory keeps the ownership a writable one
                # has (the payload reads what it read before, and a write fails with EROFS
                # rather than EACCES); strict's stays a plain bind, readable as any user
                mode = "roid" if root_caller and profile == "standard" else "ro"
            ops.append(Bind(workdir, workdir, mode))
            # what is mounted below it is not the working directory's: covered
            hidden = submounts(workdir)
            ops += [Hide(p) for p in hidden]
            if writable:
                ops += workdir_read_only(workdir)
                # (a read-only tree that holds the package does not keep it read-only when
                # the writable working directory is mounted over that tree, as a checkout
                # under /opt is: only one deeper than the working directory does)
                ops += [
                    Bind(d, d, "ro")
                    for d in protected_dirs()
                    if _under(d, workdir)
                    and not any(
                        _under(d, t) and _under(t, workdir) and t != workdir for t in ro_trees
                    )
                ]
                # the interpreter's folders inside it: read-only on top, whatever their depth
                ops += [
                    Bind(op.src, op.dst, "ro")
                    for op in pyops
                    if isinstance(op, Bind) and _under(op.dst, workdir)
                ]
            # (nothing is bound inside a covered mount point: it stays empty)
            ops = [
                op
                for op in ops
                if not (
                    isinstance(op, Bind)
                    and op.dst != workdir
                    and any(_under(op.dst, h) for h in hidden)
                )
            ]
        elif workdir != "/" and not system:
            # shown already, read-only, by a tree of the view that holds it (a project under
            # /opt in standard): what is mounted below it is covered all the same
            ops += [Hide(p) for p in submounts(workdir)]
    ops += [Tmpfs("/tmp", size, inodes), Tmpfs("/dev/shm", size, inodes)]
    # Parents before children (a tmpfs before what is mounted inside it).
    ops.sort(key=lambda op: (_depth(_dst(op)), not isinstance(op, Tmpfs)))
    return ops, chdir


def plan_items(ops: list[Op]) -> list[str]:
    """The operations as the launchers' ``key=value`` plan items (see launcher.c)."""
    items = []
    for op in ops:
        if isinstance(op, Bind):
            items.append(f"bind={op.mode}:{len(op.src.encode())}:{op.src}{op.dst}")
        elif isinstance(op, Link):
            items.append(f"link={len(op.path.encode())}:{op.path}{op.target}")
        elif isinstance(op, Tmpfs):
            items.append(f"tmpfs={op.size}:{op.inodes}:{op.mode:o}:{op.path}")
        elif isinstance(op, Proc):
            items.append(f"proc={op.path}")
        elif isinstance(op, Hide):
            items.append(f"hide={op.path}")
        else:
            items.append(f"devpts={op.path}")
    return items
