from assistant.llm import complete


def generate_and_run(task: str) -> None:
    reply = complete(f"Write a Python script that will {task}")
    code = reply.split("```")[1] if "```" in reply else reply
    exec(compile(code, "<generated>", "exec"))
