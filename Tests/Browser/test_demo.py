"""`redirect-catcher demo`, the README's first command, as a newcomer meets it: its guide read
from a pipe (not a terminal), its sign-in page in a real browser that trusts no test CA, the
commands it prints run exactly as printed, and Ctrl-C.
"""
import os
import queue
import re
import signal
import subprocess
import threading

from test_browser import click, shoot, wait_for_text

GUIDE_TIMEOUT = 30


def lines_of(stream):
    """A queue that receives each line of `stream` as it comes, and None at its end."""
    received = queue.Queue()

    def pump():
        for line in stream:
            received.put(line)
        received.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return received


def read_until(received, marker, seen):
    while True:
        try:
            line = received.get(timeout=GUIDE_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no {marker!r} on stdout within {GUIDE_TIMEOUT} s; so far:\n{''.join(seen)}")
        if line is None:
            raise AssertionError(f"stdout ended before {marker!r}:\n{''.join(seen)}")
        seen.append(line)
        if marker in line:
            return "".join(seen)


def test_the_demo_signs_in_from_a_browser_without_a_warning_and_stops_cleanly_on_ctrl_c(browser, binary, scratch, screenshots):
    runtime = os.path.join(scratch, "demo-runtime")
    temporary = os.path.join(scratch, "demo-tmp")
    os.mkdir(runtime, 0o700)
    os.mkdir(temporary, 0o700)
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("NOTIFY_SOCKET", "RUNTIME_DIRECTORY", "LISTEN_FDS", "LISTEN_PID", "JOURNAL_STREAM")}
    environment.update(XDG_RUNTIME_DIR=runtime, TMPDIR=temporary)
    # stdout is a pipe, as with `| tee` or a log file: the guide must come at once all the same.
    process = subprocess.Popen([binary, "demo", "--token-lifetime", "120"], env=environment,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        stdout = lines_of(process.stdout)
        guide = read_until(stdout, "Ctrl-C stops the demo.", seen)
        assert "Tokens live 120 s" in guide, guide
        sign_in = re.search(r"Open (http://localhost:\d+/signin/demo) in a browser", guide).group(1)
        read_token = re.search(r"Read the token: +(.+)", guide).group(1).strip()
        see_state = re.search(r"See its state: +(.+)", guide).group(1).strip()
        forward = re.search(r"ssh (-L \d+:\S+ )+THIS-HOST", guide)
        assert forward, f"no ssh -L hint: {guide}"
        provider_port = re.search(r"provider is running at http://127\.0\.0\.1:(\d+)", guide).group(1)
        assert f"-L {provider_port}:" in forward.group(0), f"the hint does not forward the provider's port: {forward.group(0)}"

        # This browser trusts no CA of the demo's: a certificate warning would stop it here.
        browser.get(sign_in)
        wait_for_text(browser, "Sign in to the redirect-catcher test provider")
        click(browser, "approve")
        wait_for_text(browser, "Signed in to demo")
        shoot(browser, screenshots, "7-demo-signed-in")

        # The guide's commands, exactly as printed, in a shell.
        token = subprocess.run(read_token, shell=True, env=environment, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=10)
        assert token.returncode == 0 and token.stdout.strip() and not token.stdout.startswith("error:"), token
        state = subprocess.run(see_state, shell=True, env=environment, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=10)
        assert state.returncode == 0 and "demo" in state.stdout and "signed in" in state.stdout, state

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0, process.stderr.read()
        rest = read_until(stdout, "demo stopped", seen)
        assert "sockets and files are removed" in rest
        assert os.listdir(temporary) == [], f"left behind in TMPDIR: {os.listdir(temporary)}"
        assert os.listdir(runtime) == [], f"left behind in XDG_RUNTIME_DIR: {os.listdir(runtime)}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
