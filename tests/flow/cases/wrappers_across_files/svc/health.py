from svc.tools.status import probe


def report() -> dict[str, str]:
    return {"load": probe("uptime"), "disk": probe("df -h /")}
