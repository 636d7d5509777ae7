from camel.toolkits.function_tool import FunctionTool

__all__ = ["FunctionTool"]
