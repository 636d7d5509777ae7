import os


def log_event(message: str) -> None:
    os.system(f"logger -t worker {message}")
