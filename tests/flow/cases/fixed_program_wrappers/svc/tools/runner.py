import subprocess


def run(cmd):
    return subprocess.run(cmd, capture_output=True, check=True)


def run_privileged(cmd):
    return subprocess.run(cmd, check=True)


def run_prefixed(cmd):
    cmd.insert(0, "nice")
    return subprocess.run(cmd, check=True)


def run_any(cmd):
    return subprocess.run(cmd, check=True)
