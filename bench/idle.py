"""Holds idle connections open on the daemon's HTTP port and on a Unix socket, for figure 8.

Each connection sends nothing. When the daemon closes one (the HTTP listener drops a silent
connection after its 10 s head deadline; control.sock clients after 40 s), it is opened again
at once, so that the count stays where it was asked to be for as long as this runs.

    python3 idle.py HTTP_PORT HTTP_COUNT UNIX_PATH UNIX_COUNT

Prints "connected" once all are open; on SIGTERM prints "reopened http=N unix=M" and exits.
"""
import resource
import selectors
import signal
import socket
import sys


def main():
    port, http_count, unix_path, unix_count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    selector = selectors.DefaultSelector()
    reopened = {"http": 0, "unix": 0}

    def open_one(kind):
        if kind == "http":
            s = socket.create_connection(("127.0.0.1", port))
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(unix_path)
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ, kind)

    for _ in range(http_count):
        open_one("http")
    for _ in range(unix_count):
        open_one("unix")
    print("connected", flush=True)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while not stopping:
        for key, _ in selector.select(timeout=0.5):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if data:
                continue  # an unexpected reply; keep reading until the close
            selector.unregister(key.fileobj)
            key.fileobj.close()
            reopened[key.data] += 1
            open_one(key.data)
    print(f"reopened http={reopened['http']} unix={reopened['unix']}", flush=True)


main()
