from svc.tools import status


def nginx_alive() -> bool:
    return status.probe("systemctl is-active nginx").strip() == "active"
