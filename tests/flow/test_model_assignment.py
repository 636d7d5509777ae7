"""A field of a pydantic model assigned after the instance is made (/tmp/atk9t-cases/
6-pydantic-assign). pydantic converts on assignment only with ``validate_assignment``
(rules/sources.toml's [model_assignment]). Before: ``job.n = req.query_params["n"]`` then
``os.system(f"head -n {job.n} ...")`` was medium, "converted to int by its model" (the
field's annotation counted, the assignment did not), and on ``job = Job(n=1)`` high with no
origin at all.
An instance's field is what any assignment of the project puts there, whichever instance
(flow-insensitive, as ``self.<attr>`` in its methods)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_files

_APP = """\
    from fastapi import FastAPI, Request
    from pydantic import BaseModel, ConfigDict
    import os
    app = FastAPI()
    class Job(BaseModel):
    {config}
        n: int
    @app.post("/c")
    async def c(job: Job, req: Request):
        job.n = req.query_params["n"]
        os.system(f"head -n {{job.n}} /var/log/syslog")
    """


def _found(tmp_path: Path, config: str) -> list[tuple[str, str, str | None, str | None]]:
    code = _APP.format(config=config)
    found = scan_files(tmp_path, {"app.py": code})
    return [(f.rule, f.risk, f.origin, f.note) for f in found if f.sink == "os.system"]


def test_an_assigned_field_keeps_what_it_is_assigned(tmp_path: Path) -> None:
    [(rule, risk, origin, _)] = _found(tmp_path, "    pass")
    assert (rule, risk, origin) == ("AUD001", "critical", "remote-input")


@pytest.mark.parametrize(
    "config",
    [
        "    model_config = ConfigDict(validate_assignment=True)",
        "    model_config = {'validate_assignment': True}",
        "    class Config:\n            validate_assignment = True",
    ],
)
def test_a_model_that_validates_assignment_converts_it(tmp_path: Path, config: str) -> None:
    [(rule, risk, origin, _)] = _found(tmp_path, config)
    assert (rule, risk, origin) == ("AUD101", "medium", "remote-input")


def test_an_instance_made_with_a_constant_then_assigned(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                from fastapi import FastAPI, Request
                from pydantic import BaseModel
                import os
                app = FastAPI()
                class Job(BaseModel):
                    n: int
                @app.post("/b")
                async def b(req: Request):
                    job = Job(n=1)
                    job.n = req.query_params["n"]
                    os.system(f"head -n {job.n} /var/log/syslog")
                """
        },
    )
    [finding] = found
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")


def test_fields_assigned_from_each_other_end(tmp_path: Path) -> None:
    """``a.n = b.n`` and ``b.n = a.n``: what is assigned to the field is that field; the
    reading ends (ansible-core recursed without end before the cut)."""
    found = scan_files(
        tmp_path,
        {
            "app.py": """\
                from fastapi import FastAPI, Request
                from pydantic import BaseModel
                import os
                app = FastAPI()
                class Job(BaseModel):
                    n: int
                @app.post("/b")
                async def b(req: Request):
                    a, b = Job(n=1), Job(n=2)
                    a.n = b.n
                    b.n = a.n
                    b.n = req.query_params["n"]
                    os.system(f"head -n {a.n} /var/log/syslog")
                """
        },
    )
    [finding] = found
    assert (finding.rule, finding.risk, finding.origin) == ("AUD001", "critical", "remote-input")
