import subprocess

from camel.toolkits.function_tool import FunctionTool


class TerminalToolkit:
    def __init__(self, working_dir: str = "."):
        self.working_dir = working_dir

    def shell_exec(self, command: str) -> str:
        proc = subprocess.Popen(command, shell=True, cwd=self.working_dir, stdout=subprocess.PIPE)
        out, _ = proc.communicate()
        return out.decode()

    def get_tools(self):
        return [FunctionTool(self.shell_exec)]
