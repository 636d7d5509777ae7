from assistant.llm import complete


def shell_command_for(goal: str) -> str:
    answer = complete(f"Reply with one shell command that will {goal}")
    return answer.strip().strip("`")
