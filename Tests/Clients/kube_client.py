"""The Python `kubernetes` client, given a kubeconfig whose user runs an exec credential
plugin: it loads the config (which runs the plugin), then makes one request with what the
plugin gave it to the server the kubeconfig names, the test provider's /validate, which
accepts only a valid bearer token.

    python3 kube_client.py KUBECONFIG

Prints the provider's JSON answer; exits 1 with the client's error when loading or the request
fails.
"""
import json
import sys

from kubernetes import client, config

try:
    configuration = client.Configuration()
    config.load_kube_config(config_file=sys.argv[1], client_configuration=configuration)
    api = client.ApiClient(configuration)
    # The client's own request path: its BearerToken auth setting adds the plugin's token.
    request = api.param_serialize("GET", "/validate", auth_settings=["BearerToken"])
    response = api.call_api(*request)
    response.read()
    if response.status != 200:
        raise RuntimeError(f"the server answered {response.status}")
    print(json.dumps(json.loads(response.data)), flush=True)
except Exception as error:  # the client's own words, for the test to show
    print(f"kube_client: {error}", file=sys.stderr)
    sys.exit(1)
