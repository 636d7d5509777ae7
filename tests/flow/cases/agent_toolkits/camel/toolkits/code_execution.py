from camel.toolkits import FunctionTool


class CodeExecutionToolkit:
    def execute_code(self, code: str) -> str:
        scope: dict = {}
        exec(code, scope)
        return str(scope.get("result"))

    def get_tools(self):
        return [FunctionTool(self.execute_code)]
