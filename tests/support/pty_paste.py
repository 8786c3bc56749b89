"""Runs a command on a real pseudo-terminal and pastes a file at its prompt, as a person would.

Usage: pty_paste.py PASTE_FILE STDOUT_FILE -- COMMAND...

The command's terminal (stdin, stderr, /dev/tty) is the pseudo-terminal; its stdout goes to
STDOUT_FILE so the credentials stay apart from what the terminal shows. The paste is written only
after the prompt (`> `) appears, in one burst, followed by Enter, like a terminal emulator's paste.
Prints what the terminal showed to stdout and exits with the command's exit code. Every wait is
bounded: 60 s for the prompt and the command's end.
"""

import os
import pty
import select
import sys
import time


def main():
    paste_file, stdout_file, sep, *command = sys.argv[1:]
    assert sep == "--", __doc__
    with open(paste_file, "rb") as f:
        paste = f.read().strip()
    pid, master = pty.fork()
    if pid == 0:
        out = os.open(stdout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.execvp(command[0], command)
    shown = b""
    deadline = time.monotonic() + 60
    pasted = False
    while time.monotonic() < deadline:
        if not pasted and shown.endswith(b"> "):
            os.write(master, paste + b"\r")
            pasted = True
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
