import RCCommandLine

/// What the man page says beyond the commands: the config keys, variables, files and exit
/// statuses. Kept here, in one place, so that the page and this list cannot drift apart; the
/// README's table of keys says the same at more length.
enum ManualSections {
    static let configurationIntroduction = """
        The config file is JSON: an object with the keys below, and under accounts an object per \
        account. Keys that start with // are comments. `redirect-catcher check-config` validates it \
        and prints what would run; config.example.json in the source is an annotated example.
        """

    static let configuration: [ManualEntry] = [
        ManualEntry("listen.port", "The loopback port for the browser; default 8400, 0 picks a free one."),
        ManualEntry("log_level", "debug, info (default), notice, warning or error; `run --log-level` overrides it."),
        ManualEntry(
            "notify_command",
            "A command run when an account needs you, as an argv list (no shell) such as [\"notify-send\", \"redirect-catcher\"]."),
        ManualEntry("request_timeout", "Seconds a token request may take, 1 to 300; default 30."),
        ManualEntry(
            "persist",
            "{\"save\": [argv], \"load\": [argv]}: commands (no shell) that keep the sign-ins across reboots; save gets the state on stdin, load prints it at start. A restart needs none: the state stays in systemd's file descriptor store."),
        ManualEntry("accounts.NAME", "One account, an object with the keys below; NAME is 1 to 64 of A-Z a-z 0-9 _ -, and control is reserved."),
        ManualEntry("provider", "generic (default), entra, entra-v1 or adfs."),
        ManualEntry("tenant", "The Entra tenant: a domain, a GUID, organizations, common or consumers."),
        ManualEntry("authority", "The Entra host (default https://login.microsoftonline.com) or the AD FS base URL."),
        ManualEntry("authorize_url, token_url", "A generic provider's endpoints; https (http only on a loopback host)."),
        ManualEntry(
            "issuer",
            "The expected iss of the redirect; without authorize_url and token_url, the endpoints are discovered from it at start-up."),
        ManualEntry("client_id", "The application (client) id; required."),
        ManualEntry(
            "client_secret, client_secret_file",
            "The secret of a confidential client, or a file holding it (relative to $CREDENTIALS_DIRECTORY)."),
        ManualEntry(
            "client_certificate_file, client_key_file",
            "A PEM certificate and its RSA key for signed client assertions (private_key_jwt); both or neither."),
        ManualEntry("client_assertion_alg", "PS256 (default) or RS256, for the client assertion."),
        ManualEntry("client_auth", "post (the default with a secret), basic, or private_key_jwt (the default with a certificate)."),
        ManualEntry("scopes", "The list of scopes; openid makes the daemon send and check a nonce."),
        ManualEntry("resource", "The resource, for entra-v1 and adfs."),
        ManualEntry("redirect_uri", "Default http://localhost:PORT/callback; http on localhost, 127.0.0.1 or [::1] with the listen port."),
        ManualEntry("response_mode", "query or form_post (default form_post for Entra, query otherwise)."),
        ManualEntry("extra_authorize_params", "Extra query parameters such as prompt, login_hint or domain_hint."),
        ManualEntry("ca_file", "Trust only this CA bundle for the token endpoint; default: the system store."),
        ManualEntry(
            "tokens",
            "More tokens from the same sign-in, each on its own socket ACCOUNT.TOKEN.sock: an object from a token name to {\"scopes\": [...]} or {\"resource\": \"...\"}."),
        ManualEntry(
            "user",
            "The mailbox address that token --format xoauth2 and oauthbearer name when --user is not given; changing it keeps the tokens."),
        ManualEntry(
            "grant",
            "authorization_code (the default: a person signs in) or client_credentials (the application itself, with its client secret or certificate; no sign-in, no refresh token; on entra one https://HOST/.default scope)."),
        ManualEntry(
            "signin_flow",
            "browser (default: the loopback redirect) or device_code (a code to enter on any device, RFC 8628); signin NAME --device does it once."),
        ManualEntry(
            "device_authorization_url",
            "A generic account's device authorization endpoint; the presets derive theirs, and a discovered issuer supplies it."),
    ]

    static let environment: [ManualEntry] = [
        ManualEntry(
            "XDG_CONFIG_HOME",
            "Where the config is looked for: $XDG_CONFIG_HOME/redirect-catcher/config.json (default ~/.config)."),
        ManualEntry("XDG_RUNTIME_DIR", "The sockets are in $XDG_RUNTIME_DIR/redirect-catcher."),
        ManualEntry("RUNTIME_DIRECTORY", "Set by systemd; the sockets are there instead."),
        ManualEntry("CREDENTIALS_DIRECTORY", "Set by systemd for LoadCredential=; relative secret and key file names are read there."),
        ManualEntry(
            "https_proxy, HTTPS_PROXY",
            "An HTTP CONNECT proxy for the token requests, such as http://proxy.example:3128 (the lower-case one first)."),
        ManualEntry(
            "no_proxy, NO_PROXY", "Host names (with the names under them), IP addresses and CIDR ranges, comma-separated, reached without the proxy; * for all."),
        ManualEntry("NOTIFY_SOCKET", "Set by systemd (Type=notify); run reports start-up, reloads and stopping there."),
        ManualEntry("WATCHDOG_USEC", "Set by systemd (WatchdogSec=); run pings the watchdog at half the interval."),
        ManualEntry(
            "LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES",
            "Set by systemd for socket activation; run takes the control socket and the HTTP listener from them."),
    ]

    static let files: [ManualEntry] = [
        ManualEntry("$XDG_CONFIG_HOME/redirect-catcher/config.json", "The config file (~/.config/redirect-catcher/config.json)."),
        ManualEntry(
            "$XDG_RUNTIME_DIR/redirect-catcher/", "The socket directory, mode 0700 (or $RUNTIME_DIRECTORY under systemd)."),
        ManualEntry("$XDG_RUNTIME_DIR/redirect-catcher/ACCOUNT.sock", "Connect and read: the account's access token and a newline."),
        ManualEntry("$XDG_RUNTIME_DIR/redirect-catcher/ACCOUNT.TOKEN.sock", "The same for an extra token under tokens."),
        ManualEntry("$XDG_RUNTIME_DIR/redirect-catcher/control.sock", "The control socket that status, token, signin, refresh and rejected use."),
        ManualEntry(
            "~/.config/systemd/user/redirect-catcher.service",
            "The user service that runs the daemon; with redirect-catcher.socket and redirect-catcher-http.socket beside it."),
    ]
}
