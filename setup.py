"""Builds the optional C launcher of the sandbox (auditor/sandbox/launcher.c).

Everything else lives in pyproject.toml.  The launcher is a plain executable, not a Python
extension module: it is compiled with the compiler setuptools found for extensions and
linked with ``link_executable`` into the package (``auditor/sandbox/auditor-sandbox-launcher``,
next to launcher.py), so a wheel, ``pip install .`` and ``pip install -e .`` all carry it.
It is linked statically when the C library allows it (faster to exec and fork),
dynamically otherwise.
The extension is ``optional``: without a C compiler the install still succeeds, with a
warning, and the sandbox falls back to its Python launcher (``auditor sandbox doctor``
says which one runs).
"""

from __future__ import annotations

import hashlib
import os

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import LinkError

LAUNCHER = "auditor.sandbox.auditor-sandbox-launcher"
CFLAGS = ["-O2", "-Wall", "-Wextra", "-Werror"]


class BuildExtWithLauncher(build_ext):
    def get_ext_filename(self, fullname: str) -> str:
        # distutils asks with the full dotted name or with its last part only
        if fullname in (LAUNCHER, LAUNCHER.rsplit(".", 1)[1]):
            return os.path.join(*fullname.split("."))  # no ABI suffix: an executable
        return str(super().get_ext_filename(fullname))

    def build_extension(self, ext: Extension) -> None:
        if ext.name != LAUNCHER:
            super().build_extension(ext)
            return
        target = self.get_ext_fullpath(ext.name)
        objects = self.compiler.compile(
            ext.sources,
            output_dir=self.build_temp,
            macros=ext.define_macros,
            extra_postargs=CFLAGS,
            depends=ext.depends,
        )
        name, where = os.path.basename(target), os.path.dirname(target) or "."
        try:
            # Static (libc6-dev ships libc.a): no dynamic loader at exec and less to copy at
            # each of its two forks, ~0.6 ms of CPU per sandbox run on the CI VM.
            self.compiler.link_executable(
                objects, name, output_dir=where, extra_preargs=["-static", "-s"]
            )
        except LinkError:
            self.announce("static link failed: linking the launcher dynamically", level=3)
            self.compiler.link_executable(objects, name, output_dir=where)


SOURCE = "auditor/sandbox/launcher.c"
# The launcher refuses to run when the launcher.c beside the Python files differs from the
# one it was built from (a checkout edited without rebuilding): see native.source_sha256.
with open(SOURCE, "rb") as f:
    SOURCE_SHA256 = hashlib.sha256(f.read()).hexdigest()

setup(
    ext_modules=[
        Extension(
            LAUNCHER,
            [SOURCE],
            define_macros=[("SOURCE_SHA256", f'"{SOURCE_SHA256}"')],
            optional=True,
        )
    ],
    cmdclass={"build_ext": BuildExtWithLauncher},
)
