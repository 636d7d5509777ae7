"""A method called on an object typed as a class of another package reaches the methods
of that name of the project's classes deriving from it (docs/flow.md): AutoGen's
``executor: CodeExecutor`` and ``executor.execute_code_blocks(blocks)`` run the project's
executors. And a project of several distributions (a folder whose name cannot be a
package's above each) names its modules from below those folders, so that calls across
its files are followed."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_files

TOOL = """\
    from autogen_core.tools import BaseTool
    from autogen_core.code_executor import CodeBlock, CodeExecutor

    class PyTool(BaseTool[Input, Output]):
        def __init__(self, executor: CodeExecutor):
            self._executor = executor

        async def run(self, args: Input, cancellation_token) -> Output:
            blocks = [CodeBlock(code=args.code, language="python")]
            return await self._executor.execute_code_blocks(blocks, cancellation_token)
    """

LOCAL = """\
    import subprocess
    from autogen_core.code_executor import CodeExecutor

    class Base(CodeExecutor):
        pass

    class Local(Base):
        async def execute_code_blocks(self, code_blocks, cancellation_token):
            for block in code_blocks:
                subprocess.run(["python", "-c", block.code])
    """


def test_a_call_on_a_foreign_base_type_runs_the_projects_subclass(tmp_path: Path) -> None:
    [finding] = scan_files(
        tmp_path, {"app/__init__.py": "", "app/tool.py": TOOL, "app/local.py": LOCAL}
    )
    assert finding.origin == "llm-output"
    assert [s.kind for s in finding.flow][:2] == ["entry", "passed"]
    assert finding.flow[0].subject == "PyTool.run"


def test_a_foreign_base_no_project_class_derives_from_is_not_followed(tmp_path: Path) -> None:
    other = LOCAL.replace("class Base(CodeExecutor)", "class Base(SomethingElse)")
    [finding] = scan_files(
        tmp_path, {"app/__init__.py": "", "app/tool.py": TOOL, "app/local.py": other}
    )
    assert finding.origin == "parameter"


def test_distributions_side_by_side_are_followed_across_files(tmp_path: Path) -> None:
    [finding] = scan_files(
        tmp_path,
        {
            "packages/agent-tools/src/tools/__init__.py": "",
            "packages/agent-tools/src/tools/tool.py": TOOL.replace(
                "from autogen_core.code_executor import CodeBlock, CodeExecutor",
                "from autogen_core.code_executor import CodeBlock\n"
                "    from executors.local import Local as CodeExecutor",
            ),
            "packages/agent-exec-1.0/executors/__init__.py": "",
            "packages/agent-exec-1.0/executors/local.py": LOCAL,
        },
    )
    assert finding.origin == "llm-output"
