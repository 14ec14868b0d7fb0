# Runs a command on a pseudo-terminal, as a person's terminal would: the command's output is
# copied to stdout; bytes written to stdin are typed at the terminal (\x03 is Ctrl-C, which the
# terminal turns into SIGINT). Exits with the command's exit code (128 + signal if killed).
import os
import pty
import select
import sys

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

stdin = sys.stdin.fileno()
stdin_open = True
while True:
    watched = [master] + ([stdin] if stdin_open else [])
    readable, _, _ = select.select(watched, [], [], 0.05)
    if master in readable:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(sys.stdout.fileno(), data)
    if stdin_open and stdin in readable:
        typed = os.read(stdin, 1024)
        if typed:
            os.write(master, typed)
        else:
            stdin_open = False

_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
