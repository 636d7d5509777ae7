import os


def run_command(command):
    os.system(f"sh -c '{command}'")
