from collections.abc import Callable


class Service:
    def __init__(self, on_event: Callable[[str], None]) -> None:
        self.on_event = on_event

    def handle(self, event: str) -> None:
        self.on_event(event)
