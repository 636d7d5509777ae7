"""Hands the same helpers over to code that calls them later, with values not seen here."""

from blinker import signal

from worker import notify
from worker.hooks import run_hook
from worker.log import log_event
from worker.service import Service


def wire(queue) -> Service:
    signal("deployed").connect(run_hook)
    queue.subscribe(notify.send)
    return Service(on_event=log_event)
