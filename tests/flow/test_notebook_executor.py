"""A code executor that runs the model's code blocks in a local Jupyter kernel through
nbclient, shaped like AutoGen 0.7.5's ``JupyterCodeExecutor`` (``self._client:
Optional[NotebookClient]``, ``await self._client.async_execute_cell(cell)`` with the cell
made by ``nbformat.new_code_cell(code_block.code)``): before rules/sinks.toml named
nbclient's client, the kernel that runs the model's code on this host was not reported at
all."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files

EXECUTOR = """\
from typing import List, Optional

from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat import v4 as nbformat


class JupyterCodeExecutor:
    def __init__(self) -> None:
        self._client: Optional[NotebookClient] = None

    async def start(self) -> None:
        self._client = NotebookClient(nbformat.new_notebook(), kernel_name="python3")

    async def execute_code_blocks(self, code_blocks: List[str]) -> list:
        outputs = []
        for code in code_blocks:
            outputs.append(await self._execute_cell(nbformat.new_code_cell(code)))
        return outputs

    async def _execute_cell(self, cell: NotebookNode) -> NotebookNode:
        self._client.nb.cells.append(cell)
        return await self._client.async_execute_cell(cell, cell_index=0)
"""

AGENT = """\
from app.executor import JupyterCodeExecutor


class CoderAgent:
    def __init__(self, llm, executor: JupyterCodeExecutor) -> None:
        self.llm = llm
        self._executor = executor

    async def step(self, task: str) -> list:
        reply = self.llm.invoke(task)
        return await self._executor.execute_code_blocks([reply.content])
"""


def test_the_kernel_runs_the_models_code(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {"app/__init__.py": "", "app/executor.py": EXECUTOR, "app/agent.py": AGENT},
    )
    [finding] = [f for f in found if f.path.endswith("executor.py")]
    assert (finding.line, finding.sink) == (23, "nbclient.NotebookClient.async_execute_cell")
    assert (finding.rule, finding.risk, finding.origin) == ("AUD003", "critical", "llm-output")
    assert finding.flow[0].note.endswith(": self.llm.invoke()")
