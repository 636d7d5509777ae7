class FunctionTool:
    """Wraps a function the model may call with arguments it chooses."""

    def __init__(self, func, openai_tool_schema=None):
        self.func = func
        self.openai_tool_schema = openai_tool_schema
