"""A local SMTP server (aiosmtpd) that takes mail only after AUTH XOAUTH2 with a token the test
provider accepts, for the user given: what a mail provider does with msmtp's XOAUTH2.

    python3 smtp_server.py USER PROVIDER_BASE_URL CA_FILE

Prints `port=N` once it listens, then `accepted USER` for each message taken; runs until
SIGTERM.
"""
import base64
import signal
import socket
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

import provider_check  # beside this file

user, provider, ca_file = sys.argv[1:4]


def provider_accepts(token):
    """The provider's own verdict on the bearer token."""
    return provider_check.provider_accepts(provider, ca_file, token)


def refuse(reason):
    """Says why (never the token) for the test's log, and refuses."""
    print("refused:", reason, flush=True)
    return AuthResult(success=False, handled=False)


class Handler:
    async def auth_XOAUTH2(self, server, args):
        # args: XOAUTH2 and the initial response, base64 of user=U ^A auth=Bearer T ^A ^A; a
        # client that sends none gets an empty 334 challenge and answers it (decoded here).
        try:
            if len(args) > 1:
                response = base64.b64decode(args[1], validate=True)
            else:
                response = await server.challenge_auth("", encode_to_b64=False)
                if not isinstance(response, bytes):
                    return refuse("the client aborted")
            fields = response.decode().split("\x01")
        except ValueError:
            return refuse("not base64")
        if len(fields) != 4 or fields[2:] != ["", ""] or not fields[1].startswith("auth=Bearer "):
            return refuse(f"not an XOAUTH2 response ({len(fields)} fields)")
        if fields[0] != "user=" + user:
            return refuse(f"{fields[0]}, not user={user}")
        if not provider_accepts(fields[1][len("auth=Bearer "):]):
            return refuse("the provider does not accept the token")
        return AuthResult(success=True, handled=False, auth_data=user)

    async def handle_DATA(self, server, session, envelope):
        print("accepted", session.auth_data, flush=True)
        return "250 OK"


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
# Auth without TLS is what this local test wants; the warning about it is noise here.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
controller = Controller(Handler(), hostname="127.0.0.1", port=port, auth_required=True, auth_require_tls=False)
controller.start()
print(f"port={port}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    while True:
        signal.pause()
finally:
    controller.stop()
