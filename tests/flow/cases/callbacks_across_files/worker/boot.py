"""Start-up: every helper is called here with constants only."""

from worker import notify
from worker.hooks import run_hook
from worker.log import log_event


def boot() -> None:
    run_hook("sync")
    notify.send("systemctl start notify-agent")
    log_event("boot")
