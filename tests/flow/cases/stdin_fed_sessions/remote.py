"""A tool the model calls, run on a remote host's interactive shell (paramiko's
invoke_shell): what is sent on the channel is what the remote shell runs."""

import paramiko
from langchain_core.tools import tool


@tool
def remote_shell(command: str) -> str:
    """Run a command on the build host."""
    client = paramiko.SSHClient()
    client.connect("build.example")
    channel = client.invoke_shell()
    channel.send(command + "\n")
    return channel.recv(4096).decode()
