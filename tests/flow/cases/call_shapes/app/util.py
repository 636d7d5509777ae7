import functools
import os
import time
from collections.abc import Callable
from typing import Any


def timed(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return func(*args, **kwargs)
        finally:
            print(f"{func.__name__}: {time.monotonic() - start:.3f}s")

    return wrapper


@timed
def purge(path: str) -> None:
    os.system(f"rm -rf {path}")
