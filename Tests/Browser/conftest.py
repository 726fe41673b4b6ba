"""Fixtures for the real-browser test: the strict test provider and the real daemon as
processes of their own, and a headless Chromium that trusts the provider's CA.

Everything started here is stopped in the fixture's finally, whatever the test did.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSTALL_HINT = ("scripts/test sets them up; to run this test by hand, run scripts/setup-test-deps and put "
                ".venv-test/bin first on PATH (see the README)")

# query: the generic provider's default; form_post: the response mode of the Entra presets;
# refused: the person presses Cancel.
ACCOUNTS = {
    "webapp": {},
    "entra-like": {"response_mode": "form_post"},
    "refused": {},
}


def stop(process, name):
    """SIGTERM, then SIGKILL if the process has not exited within 5 seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        raise AssertionError(f"{name} ignored SIGTERM for 5 s")


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("REDIRECT_CATCHER_BINARY") or os.path.join(REPO, ".build", "debug", "redirect-catcher")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is not an executable: run `swift build` first (or set REDIRECT_CATCHER_BINARY)")
    return path


@pytest.fixture(scope="session")
def scratch():
    directory = tempfile.mkdtemp(prefix="redirect-catcher-browser.")
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshots():
    directory = os.path.join(REPO, "screenshots")
    os.makedirs(directory, exist_ok=True)
    return directory


class Provider:
    """`redirect-catcher demo --provider-only`: the strict provider over TLS with its own CA."""

    def __init__(self, authorize_url, token_url, ca_file):
        self.authorize_url = authorize_url
        self.token_url = token_url
        self.ca_file = ca_file
        self.base_url = authorize_url.rsplit("/", 1)[0]


@pytest.fixture(scope="session")
def provider(binary):
    process = subprocess.Popen([binary, "demo", "--provider-only", "--token-lifetime", "600"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        endpoints = {}
        for _ in range(3):
            line = process.stdout.readline()
            if not line:
                pytest.fail(f"demo --provider-only exited early: {process.stderr.read()}")
            key, _, value = line.strip().partition("=")
            endpoints[key] = value
        if set(endpoints) != {"authorize_url", "token_url", "ca_file"}:
            pytest.fail(f"demo --provider-only printed {endpoints}")
        yield Provider(**endpoints)
    finally:
        stop(process, "the test provider")


class Daemon:
    def __init__(self, port, runtime, log_path):
        self.port = port
        self.origin = f"http://localhost:{port}"
        self.sockets = os.path.join(runtime, "redirect-catcher")
        self.log_path = log_path

    def socket_path(self, account):
        return os.path.join(self.sockets, account + ".sock")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


@pytest.fixture(scope="session")
def daemon(binary, provider, scratch):
    accounts = {
        name: dict({"authorize_url": provider.authorize_url, "token_url": provider.token_url,
                    "client_id": "demo-client", "scopes": ["openid", "offline_access"],
                    "ca_file": provider.ca_file}, **extra)
        for name, extra in ACCOUNTS.items()}
    config_path = os.path.join(scratch, "config.json")
    with open(config_path, "w") as f:
        json.dump({"listen": {"port": 0}, "accounts": accounts}, f)
    runtime = os.path.join(scratch, "xdg-runtime")
    os.mkdir(runtime, 0o700)
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("NOTIFY_SOCKET", "RUNTIME_DIRECTORY", "LISTEN_FDS", "LISTEN_PID", "JOURNAL_STREAM")}
    environment["XDG_RUNTIME_DIR"] = runtime
    log_path = os.path.join(scratch, "daemon.log")
    # READY=1 on a notify socket of our own, as systemd would receive it: sent once the
    # listener and every socket accept, so there is nothing to poll. Closed after it, so that
    # later STATUS= datagrams cannot pile up in it.
    notify_path = os.path.join(scratch, "notify.sock")
    environment["NOTIFY_SOCKET"] = notify_path
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    with open(log_path, "w") as log_file:
        process = subprocess.Popen([binary, "run", "--config", config_path, "--log-level", "debug"],
                                   env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        with notify:
            notify.settimeout(10)
            try:
                while b"READY=1" not in notify.recv(4096).split(b"\n"):
                    pass
            except TimeoutError:
                with open(log_path) as f:
                    pytest.fail(f"the daemon sent no READY=1 within 10 s (exit status {process.poll()}): {f.read()}")
        with open(log_path) as f:
            port = int(re.search(r"listening on http://localhost:(\d+)", f.read()).group(1))
        yield Daemon(port, runtime, log_path)
    finally:
        stop(process, "the daemon")


def require_tools():
    """The browser test's own peers: missing ones fail the run, never skip it."""
    missing = [tool for tool in ("chromium", "chromedriver", "certutil") if shutil.which(tool) is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (Python)")
    if missing:
        pytest.fail(f"the browser test needs {', '.join(missing)}: {INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="session")
def browser(provider, scratch):
    """Headless Chromium whose NSS database trusts the provider's CA, as a person's browser
    trusts their organisation's: no certificate errors are ignored anywhere."""
    require_tools()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    home = os.path.join(scratch, "home")
    nssdb = os.path.join(home, ".pki", "nssdb")
    os.makedirs(nssdb, 0o700)
    subprocess.run(["certutil", "-N", "-d", "sql:" + nssdb, "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", "sql:" + nssdb, "-n", "redirect-catcher test CA", "-t", "C,,",
                    "-i", provider.ca_file], check=True, capture_output=True)

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=960,720", "--no-first-run", "--no-default-browser-check",
                     "--user-data-dir=" + os.path.join(scratch, "chromium-profile")):
        options.add_argument(argument)
    # The performance log carries the DevTools network events: the callback URL and each
    # document's HTTP status, which WebDriver itself does not expose. The browser log carries
    # the console, where Content-Security-Policy violations show.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    environment = dict(os.environ, HOME=home)
    service = Service(executable_path=shutil.which("chromedriver"), env=environment,
                      log_output=os.path.join(scratch, "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(15)
        yield driver
    finally:
        driver.quit()
