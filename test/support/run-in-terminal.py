"""Runs a command on a real pseudo-terminal, then closes the terminal the way a closed window does.

usage: run-in-terminal.py PATTERN TIMEOUT_SECONDS COMMAND [ARGS...]

The command is the session leader of a new pty (its stdout and stderr are the terminal). Once
its output matches the regular expression PATTERN, this closes the terminal's master side: the
kernel hangs up the line and sends SIGHUP to the command. Prints one JSON object:
{"matched": bool, "output": "...", "exitCode": int|null, "signal": int|null, "hangupToExitMs": int|null}.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time

pattern = re.compile(sys.argv[1])
timeout = float(sys.argv[2])
command = sys.argv[3:]

pid, master = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

output = b""
matched = False
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    ready, _, _ = select.select([master], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the command exited and the terminal is gone
            break
        if not chunk:
            break
        output += chunk
        if pattern.search(output.decode("utf-8", "replace")):
            matched = True
            time.sleep(0.3)  # let the rest of the line arrive
            try:
                while select.select([master], [], [], 0)[0]:
                    more = os.read(master, 65536)
                    if not more:
                        break
                    output += more
            except OSError:
                pass
            break

hangup = time.monotonic()
os.close(master)  # hang up: SIGHUP to the session leader
if not matched:
    os.kill(pid, signal.SIGKILL)

exit_code = None
exit_signal = None
wait_deadline = time.monotonic() + timeout
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        if os.WIFEXITED(status):
            exit_code = os.WEXITSTATUS(status)
        elif os.WIFSIGNALED(status):
            exit_signal = os.WTERMSIG(status)
        break
    if time.monotonic() > wait_deadline:
        os.kill(pid, signal.SIGKILL)
        wait_deadline = time.monotonic() + 10
    time.sleep(0.05)

print(json.dumps({
    "matched": matched,
    "output": output.decode("utf-8", "replace"),
    "exitCode": exit_code,
    "signal": exit_signal,
    "hangupToExitMs": int((time.monotonic() - hangup) * 1000),
}))
