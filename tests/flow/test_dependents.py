"""auditor.flow.dependents: which findings of a file depend on a changed module (``check
--changed``): its function reads or calls what the file imports from it, directly or
through functions of the same file."""

from __future__ import annotations

import textwrap

from auditor.flow.dependents import Dependents, may_depend

CODE = textwrap.dedent(
    """\
    import os
    import app
    from app.consts import (
        CMD,
    )
    from app import helpers as h

    def direct():
        os.system(CMD)

    def dotted():
        os.system(app.consts.OTHER)

    def through_helper():
        os.system(cmd())

    def cmd():
        return h.get()

    def a():
        return b() + c()

    def b():
        return a()

    def c():
        return CMD

    def cycle_entry():
        os.system(b())

    def unrelated(x):
        os.system(x)

    os.system(x)
    """
)


def _lines() -> dict[str, int]:
    return {
        line.split("(")[0].removeprefix("def "): n
        for n, line in enumerate(CODE.splitlines(), 1)
        if line.startswith("def ")
    }


def test_what_reads_a_changed_module_directly_or_through_the_files_functions() -> None:
    found = Dependents(CODE, "app.run", False, {"app.consts", "app.helpers"})
    lines = _lines()
    assert found.depends(lines["direct"] + 1)
    assert found.depends(lines["dotted"] + 1)
    assert found.depends(lines["through_helper"] + 1)
    assert found.depends(lines["cycle_entry"] + 1)  # b -> a -> c reads CMD
    assert not found.depends(lines["unrelated"] + 1)
    # module level: some code of the module reads one
    assert found.depends(len(CODE.splitlines()))


def test_another_module_is_no_dependency() -> None:
    found = Dependents(CODE, "app.run", False, {"app.other"})
    assert not found.depends(_lines()["direct"] + 1)
    assert not may_depend(CODE, {"app.other"})


def test_the_text_check_reads_import_lines_only() -> None:
    assert may_depend(CODE, {"app.consts"})
    assert may_depend("from . import consts\n", {"app.consts"})
    assert may_depend("from app import (\n    x,\n    consts,\n)\n", {"app.consts"})
    assert not may_depend("consts = 1\nprint(consts)\n", {"app.consts"})


def test_a_star_import_of_a_changed_module_makes_every_finding_depend() -> None:
    found = Dependents(
        "from .consts import *\n\ndef f():\n    pass\n", "app.run", False, {"app.consts"}
    )
    assert found.depends(4)


def test_a_method_of_a_class_deriving_from_a_changed_module_depends_on_it() -> None:
    """The base (``tools.Base``, from the changed module) may be what makes the method's
    parameters sources: the method's findings are judged with it."""
    code = (
        "import os\nfrom app import tools\n\n\nclass Probe(tools.Base):\n"
        "    def run(self, host):\n        os.system(host)\n\n\n"
        "class Other:\n    def run(self, host):\n        os.system(host)\n"
    )
    found = Dependents(code, "app.probe", False, {"app.tools"})
    assert found.depends(7)
    assert not found.depends(12)
