"""The benchmark driver that scripts/bench runs; see BENCHMARKS.md for the method.

    python3 bench/run.py --binary B --tools DIR --out FILE [--quick]

Starts the test provider (`redirect-catcher demo --provider-only`), the real daemon
(`redirect-catcher run`) with three accounts signed in over HTTP as a browser would, and
the C baseline, then measures every figure and prints a table. Fails if any figure could not
be produced; asserts nothing about how fast anything is.
"""
import argparse
import base64
import datetime
import glob
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ACCOUNTS = ["bench1", "bench2", "bench3"]


class BenchFailure(Exception):
    pass


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def log(text):
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


class Processes:
    """Everything started here, stopped in reverse order whatever happens."""

    def __init__(self):
        self.started = []

    def start(self, argv, **kwargs):
        process = subprocess.Popen(argv, **kwargs)
        self.started.append(process)
        return process

    def stop(self, process):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self):
        for process in reversed(self.started):
            self.stop(process)


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def memory(pid):
    """RSS and its parts in kB, from /proc/PID/status and smaps_rollup."""
    status = proc_status(pid)
    kb = lambda v: int(v.split()[0])
    result = {"rss": kb(status["VmRSS"]), "anon": kb(status["RssAnon"]), "file": kb(status["RssFile"])}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Pss", "Private_Dirty", "Private_Clean", "Shared_Clean"):
                result[key.lower()] = kb(value.strip())
    result["threads"] = int(status["Threads"])
    return result


def cpu(pid):
    """CPU time in ns summed over threads (schedstat), ticks (stat), and context switches."""
    ns = 0
    switches = 0
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(task + "/schedstat") as f:
                ns += int(f.read().split()[0])
            status = proc_status_path(task + "/status")
            switches += int(status["voluntary_ctxt_switches"]) + int(status["nonvoluntary_ctxt_switches"])
        except FileNotFoundError:
            pass
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15)
    return {"ns": ns, "ticks": ticks, "switches": switches}


def proc_status_path(path):
    fields = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def parse_pairs(line):
    return {k: float(v) for k, v in (item.split("=") for item in line.split())}


# With two or more CPUs, the servers (the daemon and the C baseline) run on the last one and
# every client on the others: one client's round trip then always crosses CPUs, whichever
# server it measures, instead of depending on where the scheduler happened to put both ends
# (on this 2-CPU machine that alone moved the one-client p50 by 2x from run to run).
CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPUS = {CPUS[-1]} if len(CPUS) >= 2 else set(CPUS)
CLIENT_CPUS = set(CPUS[:-1]) if len(CPUS) >= 2 else set(CPUS)


def pin_client():
    os.sched_setaffinity(0, CLIENT_CPUS)


def pin_server(pid):
    os.sched_setaffinity(pid, SERVER_CPUS)


def unpin(pid):
    os.sched_setaffinity(pid, set(CPUS))


def run_tool(argv, timeout=600, pinned=True):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, preexec_fn=pin_client if pinned else None)
    if result.returncode != 0 or not result.stdout.strip():
        raise BenchFailure(f"{' '.join(argv)} failed ({result.returncode}): {result.stdout.strip()} {result.stderr.strip()[-400:]}")
    return parse_pairs(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- sign-in over HTTP


class Browser:
    """Plays the person: the daemon's /signin link, the provider's page, the callback."""

    def __init__(self, daemon_port, ca_file):
        self.port = daemon_port
        self.tls = ssl.create_default_context(cafile=ca_file)

    def request(self, url, method="GET", body=None):
        parts = urllib.parse.urlsplit(url)
        headers = {"Host": parts.netloc}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=self.tls, timeout=30)
        else:
            # localhost may resolve to ::1 or 127.0.0.1; the daemon listens on both.
            connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=30)
        path = parts.path + ("?" + parts.query if parts.query else "")
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, response.getheader("Location"), data.decode("utf-8", "replace")

    def approve(self, authorize_url):
        """Presses "Sign in" on the provider's page; returns the redirect back (with the code)."""
        status, _, page = self.request(authorize_url)
        action = re.search(r'<form [^>]*action="([^"]+)"', page)
        request_id = re.search(r'name="request" value="([^"]+)"', page)
        if status != 200 or not action or not request_id:
            raise BenchFailure(f"the provider's sign-in page was not as expected ({status})")
        base = urllib.parse.urlsplit(authorize_url)
        body = urllib.parse.urlencode({"request": request_id.group(1), "decision": "approve"})
        status, location, _ = self.request(f"{base.scheme}://{base.netloc}{action.group(1)}", "POST", body)
        if status not in (302, 303) or not location:
            raise BenchFailure(f"the provider did not redirect back ({status})")
        return location

    def sign_in(self, account):
        """Signs `account` in; returns the callback request's time in ns (request to page)."""
        status, authorize, _ = self.request(f"http://localhost:{self.port}/signin/{account}")
        if status != 302 or not authorize:
            raise BenchFailure(f"/signin/{account} answered {status}")
        callback = self.approve(authorize)
        # The callback answers with a 303 to its result page once the code is redeemed; the
        # figure is that request (the exchange included), not the page fetched after it.
        start = time.perf_counter_ns()
        status, result, _ = self.request(callback)
        elapsed = time.perf_counter_ns() - start
        if status != 303 or not result or not result.startswith("/result/"):
            raise BenchFailure(f"the callback for {account} answered {status}, not a 303 to its result page")
        status, _, page = self.request(f"http://localhost:{self.port}{result}")
        if status != 200 or f"Signed in to {account}" not in page:
            raise BenchFailure(f"the result page for {account} answered {status}")
        return elapsed

    def direct_exchange(self, authorize_url, token_url):
        """The same code exchange the daemon makes, done here straight at the provider over a
        fresh TLS connection: the provider's own time, as a client sees it."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        redirect = f"http://localhost:{self.port}/callback"
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": "demo-client", "redirect_uri": redirect,
            "scope": "openid offline_access", "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
            "code_challenge": challenge, "code_challenge_method": "S256"})
        location = self.approve(f"{authorize_url}?{query}")
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
        body = urllib.parse.urlencode({
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "client_id": "demo-client",
            "code_verifier": verifier})
        start = time.perf_counter_ns()
        status, _, reply = self.request(token_url, "POST", body)
        elapsed = time.perf_counter_ns() - start
        if status != 200 or "access_token" not in reply:
            raise BenchFailure(f"the direct token request answered {status}")
        return elapsed


# ---------------------------------------------------------------- the run


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        total = int(f.readline().split()[1]) // 1024
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().splitlines()
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu": f"{model}, {os.cpu_count()} logical CPUs",
        "memory": f"{total} MiB",
        "kernel": f"Linux {platform.release()}",
        "swift": swift[0] if swift else "unknown",
        "gcc": gcc[0] if gcc else "unknown",
    }


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise BenchFailure(f"timed out waiting for {what}")


def netstrings(fields):
    return b"".join(str(len(f)).encode() + b":" + f + b"," for f in fields)


def helper_runs(binary, token_url, ca_file, runs):
    """Runs `redirect-catcher exchange-helper` as the daemon does for each token request (one
    refresh-token grant with a token the provider refuses), and returns each run's peak RSS in
    kB (wait4's ru_maxrss) and wall time in ns. It lives only for the request, so it is not in
    the idle figures; this says what a request costs while it lasts."""
    body = b"grant_type=refresh_token&refresh_token=bench-not-a-token&client_id=demo-client"
    order = netstrings([b"exchange-order-1", b"POST", token_url.encode(), b"+" + ca_file.encode(), b"30000",
                        b"1", b"Content-Type", b"application/x-www-form-urlencoded", b"+" + body])
    results = []
    for _ in range(runs):
        started = time.monotonic_ns()
        child = subprocess.Popen([binary, "exchange-helper"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        child.stdin.write(order)
        child.stdin.close()
        output = child.stdout.read()
        child.stdout.close()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic_ns() - started
        if child.returncode != 0 or not output.startswith(b"8:response,3:400,"):
            raise BenchFailure(f"exchange-helper: exit {child.returncode}, answered {output[:80]!r}")
        results.append({"maxrss_kb": usage.ru_maxrss, "ns": elapsed})
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--tools", required=True, help="where baseline, loadgen and spawn were compiled")
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    plan = {
        "rounds": 1 if quick else 3,
        "latency_fetches": 2000 if quick else 20000,
        "throughput_seconds": 1 if quick else 5,
        "growth_fetches": 10000 if quick else 100000,
        "idle_seconds": 5 if quick else 60,
        "startups": 5 if quick else 20,
        "nc_runs": 20 if quick else 200,
        "signins": 3 if quick else 30,
        "idle_http": 1000,
        "idle_unix": 1000,
    }
    tools = args.tools
    scratch = tempfile.mkdtemp(prefix="redirect-catcher-bench.")
    processes = Processes()
    results = {"plan": plan, "machine": machine(), "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "figures": {}}
    figures = results["figures"]
    try:
        # The provider, alone in its process, so that nothing of it counts against the daemon.
        provider = processes.start(
            [args.binary, "demo", "--provider-only", "--token-lifetime", "3600"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        endpoints = {}
        for _ in range(3):
            key, _, value = provider.stdout.readline().strip().partition("=")
            endpoints[key] = value
        if set(endpoints) != {"authorize_url", "token_url", "ca_file"}:
            raise BenchFailure(f"demo --provider-only printed {endpoints}")

        config = {"listen": {"port": 0}, "accounts": {
            name: {"authorize_url": endpoints["authorize_url"], "token_url": endpoints["token_url"],
                   "client_id": "demo-client", "scopes": ["openid", "offline_access"], "ca_file": endpoints["ca_file"]}
            for name in ACCOUNTS}}
        config_path = os.path.join(scratch, "config.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        runtime = os.path.join(scratch, "run")
        environment = dict(os.environ, RUNTIME_DIRECTORY=runtime)
        environment.pop("NOTIFY_SOCKET", None)
        daemon_log = os.path.join(scratch, "daemon.log")
        with open(daemon_log, "w") as log_file:
            daemon = processes.start([args.binary, "run", "--config", config_path], env=environment,
                                     stdout=subprocess.DEVNULL, stderr=log_file)

        def port_from_log():
            with open(daemon_log) as f:
                found = re.search(r"listening on http://localhost:(\d+)", f.read())
            return int(found.group(1)) if found else None

        port = wait_for(port_from_log, 10, "the daemon to listen")
        browser = Browser(port, endpoints["ca_file"])

        # Figure 7 doubles as the sign-in of the three accounts.
        log(f"figure 7: {plan['signins']} sign-ins through the daemon (load {load()})")
        callback_ns = [browser.sign_in(ACCOUNTS[i % 3]) for i in range(max(plan["signins"], 3))]
        direct_ns = [browser.direct_exchange(endpoints["authorize_url"], endpoints["token_url"]) for _ in range(len(callback_ns))]
        figures["7"] = {"callback_p50_ns": statistics.median(callback_ns), "direct_p50_ns": statistics.median(direct_ns),
                        "load": load()}
        helper = helper_runs(args.binary, endpoints["token_url"], endpoints["ca_file"], 3 if quick else 20)
        figures["7"]["helper"] = {"maxrss_kb": statistics.median(r["maxrss_kb"] for r in helper),
                                  "ns": statistics.median(r["ns"] for r in helper), "runs": len(helper)}
        # Sign-ins beyond the first three replaced the tokens; the old refresh tokens rotated away.
        socket_path = os.path.join(runtime, ACCOUNTS[0] + ".sock")
        token_length = run_tool([os.path.join(tools, "loadgen"), socket_path, "1", "0", "3"])["bytes"] - 1
        for name in ACCOUNTS[1:]:
            run_tool([os.path.join(tools, "loadgen"), os.path.join(runtime, name + ".sock"), "1", "0", "3"])

        baseline_path = os.path.join(scratch, "baseline.sock")
        baseline = processes.start([os.path.join(tools, "baseline"), baseline_path, str(int(token_length))])
        wait_for(lambda: os.path.exists(baseline_path), 5, "the baseline to listen")
        pin_server(daemon.pid)
        pin_server(baseline.pid)
        time.sleep(1)  # let the sign-in threads finish and the daemon settle

        # Figures 4 and 5: idle, both processes at once.
        log(f"figures 4, 5: idle {plan['idle_seconds']} s (load {load()})")
        figures["4"] = {"idle": memory(daemon.pid), "baseline": memory(baseline.pid), "load": load()}
        before = (cpu(daemon.pid), cpu(baseline.pid))
        time.sleep(plan["idle_seconds"])
        after = (cpu(daemon.pid), cpu(baseline.pid))
        figures["5"] = {
            "seconds": plan["idle_seconds"], "load": load(),
            "daemon": {k: after[0][k] - before[0][k] for k in before[0]},
            "baseline": {k: after[1][k] - before[1][k] for k in before[1]},
        }
        log(f"figure 4: {plan['growth_fetches']} fetches (load {load()})")
        growth = run_tool([os.path.join(tools, "loadgen"), socket_path, "8", "0", str(plan["growth_fetches"])])
        time.sleep(0.5)
        figures["4"]["after"] = memory(daemon.pid)
        figures["4"]["fetches"] = growth["fetches"]

        def fetch_figures(key, target_path, label):
            """Figures 1 and 2 for one server: median over rounds of each number."""
            rows = {"latency": [], 1: [], 8: [], 64: []}
            for _ in range(plan["rounds"]):
                rows["latency"].append(run_tool([os.path.join(tools, "loadgen"), target_path, "1", "0", str(plan["latency_fetches"])]))
                for clients in (1, 8, 64):
                    rows[clients].append(run_tool([os.path.join(tools, "loadgen"), target_path, str(clients), str(plan["throughput_seconds"])]))
            median = lambda runs, field: statistics.median(r[field] for r in runs)
            return {
                "p50_ns": median(rows["latency"], "p50_ns"), "p99_ns": median(rows["latency"], "p99_ns"),
                "p999_ns": median(rows["latency"], "p999_ns"),
                "throughput": {c: median(rows[c], "per_second") for c in (1, 8, 64)},
                "p99_64_ns": median(rows[64], "p99_ns"),
                "load": load(),
            }

        log(f"figures 1, 2 (load {load()})")
        figures["1"] = {}
        for round_target in ("daemon", "baseline"):
            path = socket_path if round_target == "daemon" else baseline_path
            figures["1"][round_target] = fetch_figures("1", path, round_target)

        # Figure 2 again at 64 clients with nothing pinned, as a person's machine runs it: the
        # scheduler puts the server and its clients wherever it likes, on the same CPUs.
        log(f"figure 2: 64 clients, nothing pinned (load {load()})")
        unpinned = {"daemon": [], "baseline": []}
        for pid in (daemon.pid, baseline.pid):
            unpin(pid)
        for _ in range(plan["rounds"]):
            for round_target, path in (("daemon", socket_path), ("baseline", baseline_path)):
                unpinned[round_target].append(run_tool(
                    [os.path.join(tools, "loadgen"), path, "64", str(plan["throughput_seconds"])], pinned=False)["per_second"])
        for pid in (daemon.pid, baseline.pid):
            pin_server(pid)
        for round_target in ("daemon", "baseline"):
            figures["1"][round_target]["unpinned_64"] = statistics.median(unpinned[round_target])

        log(f"figure 3: nc -U (load {load()})")
        nc = shutil.which("nc")
        if not nc:
            raise BenchFailure("nc (netcat-openbsd) is not installed")
        figures["3"] = {
            "daemon": run_tool([os.path.join(tools, "spawn"), "exit", str(plan["nc_runs"]), "--", nc, "-U", socket_path]),
            "baseline": run_tool([os.path.join(tools, "spawn"), "exit", str(plan["nc_runs"]), "--", nc, "-U", baseline_path]),
            "load": load(),
        }

        log(f"figure 6: start-up (load {load()})")
        startup_environment = dict(environment, RUNTIME_DIRECTORY=os.path.join(scratch, "startup-run"))
        startup = subprocess.run(
            [os.path.join(tools, "spawn"), "ready", str(plan["startups"]), os.path.join(scratch, "notify.sock"), "--",
             args.binary, "run", "--config", config_path],
            env=startup_environment, capture_output=True, text=True, timeout=300, preexec_fn=pin_client)
        if startup.returncode != 0:
            raise BenchFailure(f"start-up runs failed: {startup.stderr.strip()}")
        baseline_startup = run_tool([
            os.path.join(tools, "spawn"), "ready", str(plan["startups"]), os.path.join(scratch, "notify-baseline.sock"), "--",
            os.path.join(tools, "baseline"), os.path.join(scratch, "baseline-startup.sock"), "10"])
        figures["6"] = {"daemon": parse_pairs(startup.stdout.strip()), "baseline": baseline_startup, "load": load()}

        log(f"figure 8: under {plan['idle_http']} + {plan['idle_unix']} idle connections (load {load()})")
        holder = processes.start(
            [sys.executable, os.path.join(os.path.dirname(__file__), "idle.py"), str(port), str(plan["idle_http"]),
             os.path.join(runtime, "control.sock"), str(plan["idle_unix"])],
            stdout=subprocess.PIPE, text=True)
        if holder.stdout.readline().strip() != "connected":
            raise BenchFailure("the idle connections could not be opened")
        time.sleep(0.5)
        held_memory = memory(daemon.pid)
        under = fetch_figures("8", socket_path, "daemon")
        processes.stop(holder)
        reopened = holder.stdout.read().strip()
        figures["8"] = {"daemon": under, "memory": held_memory, "reopened": reopened, "load": load()}
        figures["4"]["end"] = memory(daemon.pid)

        with open(daemon_log) as f:
            log_text = f.read()
        results["daemon_log_warnings"] = [l for l in log_text.splitlines() if l.startswith(("<3>", "<4>"))][:5]
        processes.stop_all()
        report = render(results)
        print(report)
        write_report(args.out, report)
        with open(os.path.join(tools, "results.json"), "w") as f:
            json.dump(results, f, indent=1, default=str)
    except BenchFailure as failure:
        log(f"bench: FAILED: {failure}")
        daemon_log = os.path.join(scratch, "daemon.log")
        if os.path.exists(daemon_log):
            with open(daemon_log) as f:
                log("daemon log (last lines):\n" + "".join(f.readlines()[-15:]))
        return 1
    finally:
        processes.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


# ---------------------------------------------------------------- the report


def us(ns):
    return f"{ns / 1000:.1f} µs"


def ms(ns):
    return f"{ns / 1e6:.2f} ms"


def mb(kb):
    return f"{kb / 1024:.1f} MiB"


def verdict(met):
    return "met" if met else "**missed**"


def render(results):
    f = results["figures"]
    plan = results["plan"]
    d, b = f["1"]["daemon"], f["1"]["baseline"]
    u = f["8"]["daemon"]
    rows = []

    def row(figure, what, daemon, baseline, ratio, target, load_avg):
        rows.append(f"| {figure} | {what} | {daemon} | {baseline} | {ratio} | {target} | {load_avg} |")

    row("1", "fetch latency p50, 1 client", us(d["p50_ns"]), us(b["p50_ns"]), f"{d['p50_ns'] / b['p50_ns']:.2f}×", "", f["1"]["daemon"]["load"])
    row("1", "fetch latency p99, 1 client", us(d["p99_ns"]), us(b["p99_ns"]), f"{d['p99_ns'] / b['p99_ns']:.2f}×",
        f"< 1 ms: {verdict(d['p99_ns'] < 1e6)}", "")
    for c in (1, 8, 64):
        ratio = d["throughput"][c] / b["throughput"][c]
        target = f"≥ 0.7×: {verdict(ratio >= 0.7)}" if c == 64 else ""
        row("2", f"throughput, {c} client{'s' if c > 1 else ''}", f"{d['throughput'][c]:,.0f}/s", f"{b['throughput'][c]:,.0f}/s",
            f"{ratio:.2f}×", target, "")
    ratio = d["unpinned_64"] / b["unpinned_64"]
    row("2", "throughput, 64 clients, nothing pinned", f"{d['unpinned_64']:,.0f}/s", f"{b['unpinned_64']:,.0f}/s", f"{ratio:.2f}×",
        f"≥ 0.7×: {verdict(ratio >= 0.7)}", "")
    n = f["3"]
    row("3", f"`nc -U` from exec to exit, p50 of {plan['nc_runs']}", ms(n["daemon"]["p50_ns"]), ms(n["baseline"]["p50_ns"]),
        f"{n['daemon']['p50_ns'] / n['baseline']['p50_ns']:.2f}×", "", n["load"])
    m = f["4"]
    row("4", "RSS idle, 3 accounts signed in", mb(m["idle"]["rss"]), mb(m["baseline"]["rss"]), "",
        f"≤ 12 MB: {verdict(m['idle']['rss'] * 1024 <= 12e6)}", m["load"])
    grown = m["after"]["rss"] - m["idle"]["rss"]
    row("4", f"RSS growth after {m['fetches']:,.0f} fetches", f"{grown:+d} kB", "", "",
        f"< 1 MB: {verdict(grown * 1024 < 1e6)}", "")
    c = f["5"]
    row("5", f"CPU over {c['seconds']} idle s", f"{c['daemon']['ns'] / 1e6:.3f} ms, {c['daemon']['switches']} wake-ups",
        f"{c['baseline']['ns'] / 1e6:.3f} ms, {c['baseline']['switches']} wake-ups", "",
        f"< 10 ms: {verdict(c['daemon']['ns'] < 10e6)}", c["load"])
    s = f["6"]
    row("6", f"start-up, exec to READY=1, p50 of {plan['startups']}", ms(s["daemon"]["p50_ns"]), ms(s["baseline"]["p50_ns"]),
        f"{s['daemon']['p50_ns'] / s['baseline']['p50_ns']:.1f}×", f"< 50 ms: {verdict(s['daemon']['p50_ns'] < 50e6)}", s["load"])
    cb = f["7"]
    own = cb["callback_p50_ns"] - cb["direct_p50_ns"]
    row("7", f"callback to result page, minus the provider's time (p50 of {max(plan['signins'], 3)})", ms(own),
        f"provider: {ms(cb['direct_p50_ns'])}", f"callback: {ms(cb['callback_p50_ns'])}", "", cb["load"])
    h = cb["helper"]
    row("7", f"exchange helper, one token request: peak RSS, time (p50 of {h['runs']})", f"{mb(h['maxrss_kb'])}, {ms(h['ns'])}",
        "", "", "", "")
    row("8", "under idle connections: latency p50", us(u["p50_ns"]), f"without: {us(d['p50_ns'])}", f"{u['p50_ns'] / d['p50_ns']:.2f}×",
        f"≤ 1.5×: {verdict(u['p50_ns'] / d['p50_ns'] <= 1.5)}", f["8"]["load"])
    row("8", "under idle connections: latency p99", us(u["p99_ns"]), f"without: {us(d['p99_ns'])}", f"{u['p99_ns'] / d['p99_ns']:.2f}×",
        f"≤ 1.5×: {verdict(u['p99_ns'] / d['p99_ns'] <= 1.5)}", "")
    for c2 in (1, 8, 64):
        ratio = u["throughput"][c2] / d["throughput"][c2]
        row("8", f"under idle connections: throughput, {c2} client{'s' if c2 > 1 else ''}", f"{u['throughput'][c2]:,.0f}/s",
            f"without: {d['throughput'][c2]:,.0f}/s", f"{ratio:.2f}×", f"≥ 1/1.5×: {verdict(ratio >= 1 / 1.5)}", "")

    machine = results["machine"]
    idle, after, end = m["idle"], m["after"], m["end"]
    lines = [
        f"Run of {results['date']}{' (--quick: short runs, for CI; not for comparison)' if plan['rounds'] == 1 else ''}.",
        "",
        f"- Machine: {machine['cpu']}, {machine['memory']}, {machine['kernel']}",
        f"- {machine['swift']}; {machine['gcc']}",
        f"- Plan: {plan['rounds']} round(s) of each fetch figure (median taken), {plan['latency_fetches']:,} fetches for latency, "
        f"{plan['throughput_seconds']} s per throughput run, {plan['idle_seconds']} s idle, {plan['startups']} start-ups, "
        f"{plan['nc_runs']} `nc` runs, {max(plan['signins'], 3)} sign-ins",
        "- The load column is /proc/loadavg (1, 5, 15 min) read as the figure was measured; other programs shared the 2 cores.",
        "",
        "| # | figure | daemon | C baseline | ratio | target | load |",
        "| - | - | - | - | - | - | - |",
        *rows,
        "",
        "Details:",
        "",
        f"- Figure 1: p99.9 {us(d['p999_ns'])} (baseline {us(b['p999_ns'])}); at 64 clients p99 {us(d['p99_64_ns'])} "
        f"(baseline {us(b['p99_64_ns'])}).",
        f"- Figure 4, daemon memory (kB): idle RSS {idle['rss']} = anon {idle['anon']} + file {idle['file']}; "
        f"Pss {idle['pss']}, Private_Dirty {idle['private_dirty']}, Private_Clean {idle['private_clean']}, "
        f"Shared_Clean {idle['shared_clean']}; {idle['threads']} thread(s). After the fetches: RSS {after['rss']} "
        f"(anon {after['anon']}, file {after['file']}). At the end of the run: RSS {end['rss']}. "
        f"C baseline: RSS {m['baseline']['rss']} kB.",
        f"- Figure 5: {c['daemon']['ticks']} clock ticks of utime+stime in /proc/PID/stat (10 ms each); "
        f"the figure itself is the sum over threads of /proc/PID/task/*/schedstat (ns on CPU), and wake-ups are "
        f"context switches over the same interval.",
        f"- Figure 6: daemon min {ms(s['daemon']['min_ns'])}, max {ms(s['daemon']['max_ns'])}; "
        f"baseline min {ms(s['baseline']['min_ns'])}, max {ms(s['baseline']['max_ns'])}.",
        f"- Figure 8: {plan['idle_http']} silent TCP connections on the HTTP port and {plan['idle_unix']} on control.sock; "
        f"RSS while they were open {f['8']['memory']['rss']} kB; the holder reopened what the daemon closed: "
        f"{f['8']['reopened']}; p99 at 64 clients {us(u['p99_64_ns'])}.",
    ]
    if results["daemon_log_warnings"]:
        lines.append("- The daemon logged warnings or errors: " + "; ".join(results["daemon_log_warnings"]))
    return "\n".join(lines)


BEGIN = "<!-- results:begin (written by scripts/bench) -->"
END = "<!-- results:end -->"


def write_report(path, report):
    """Replaces the results between the markers, keeping the hand-written text around them."""
    block = f"{BEGIN}\n{report}\n{END}"
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = f"# Benchmarks\n\n{block}\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
