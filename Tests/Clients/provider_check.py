"""What the servers in Tests/Clients share: the strict test provider's own verdict on a bearer
token, from its /validate endpoint over TLS with the provider's CA."""
import json
import ssl
import urllib.error
import urllib.request


def provider_accepts(provider, ca_file, token):
    """True when the provider at `provider` says `token` is an access token it issued and that
    is still valid."""
    request = urllib.request.Request(provider + "/validate", headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ca_file), timeout=10) as reply:
            return json.load(reply).get("active") is True
    except urllib.error.HTTPError:
        return False
