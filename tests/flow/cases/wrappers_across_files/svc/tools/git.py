from .proc import run_shell


def checkout(repo: str, ref: str) -> None:
    run_shell(f"git checkout {ref}", cwd=repo)
