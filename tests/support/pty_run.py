"""Runs a command on a real pseudo-terminal, as a person at a terminal would.

Usage: pty_run.py [--paste FILE] [--columns N] STDOUT_FILE -- COMMAND...

The command's terminal (stdin, stderr, /dev/tty) is the pseudo-terminal, N columns wide (default
80); its stdout goes to STDOUT_FILE so what it prints for a program (credentials) stays apart from
what the terminal shows. With --paste, the file is written only after the prompt (`> `) appears,
in one burst, followed by Enter, like a terminal emulator's paste. Prints what the terminal showed
to stdout (the terminal turns each newline into CR LF) and exits with the command's exit code.
Every wait is bounded: 120 s for the prompt and the command's end.
"""

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def arguments(argv):
    paste, columns = None, 80
    while argv[0].startswith("--"):
        option, value, *argv = argv
        if option == "--paste":
            with open(value, "rb") as f:
                paste = f.read().strip()
        elif option == "--columns":
            columns = int(value)
        else:
            sys.exit(f"unknown option {option}\n{__doc__}")
    stdout_file, sep, *command = argv
    assert sep == "--", __doc__
    return paste, columns, stdout_file, command


def main():
    paste, columns, stdout_file, command = arguments(sys.argv[1:])
    pid, master = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        out = os.open(stdout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.execvp(command[0], command)
    shown = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if paste is not None and shown.endswith(b"> "):
            os.write(master, paste + b"\r")
            paste = None
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not data:
            break
        shown += data
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(shown.decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
