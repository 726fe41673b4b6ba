import Testing

@testable import RCDaemon

/// `https_proxy` and `no_proxy` read as curl reads them, with loopback exempt by default.
@Suite struct ProxySettingsTests {
    @Test func noVariableMeansDirect() {
        let settings = ProxySettings(environment: ["HTTP_PROXY": "http://ignored:1"])
        #expect(settings.route(forHost: "login.microsoftonline.com") == .direct)
        #expect(ProxySettings(environment: ["https_proxy": ""]).route(forHost: "x.example") == .direct)
    }

    @Test func proxyURLForms() {
        func proxy(_ text: String, _ name: String = "HTTPS_PROXY") -> ProxySettings.Proxy? {
            if case .proxy(let proxy) = ProxySettings(environment: [name: text]).route(forHost: "login.microsoftonline.com") { return proxy }
            return nil
        }
        let plain = proxy("http://proxy.corp:3128")
        #expect(plain?.host == "proxy.corp" && plain?.port == 3128 && plain?.username == nil && plain?.variable == "HTTPS_PROXY")
        #expect(plain?.description == "http://proxy.corp:3128")
        #expect(proxy("proxy.corp")?.port == 1080)
        #expect(proxy("  http://PROXY.corp:8080/  ", "https_proxy")?.host == "proxy.corp")
        let authenticated = proxy("http://DOM%5Cuser:p%40ss:w@proxy.corp:3128")
        #expect(authenticated?.username == "DOM\\user" && authenticated?.password == "p@ss:w")
        #expect(authenticated?.description == "http://proxy.corp:3128")
        #expect(proxy("http://[::1]:3128")?.description == "http://[::1]:3128")
    }

    @Test func lowercaseWinsLikeCurl() {
        let settings = ProxySettings(environment: ["https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2", "no_proxy": "a.example", "NO_PROXY": "b.example"])
        #expect(settings.proxy?.host == "lower")
        #expect(settings.route(forHost: "a.example") == .direct)
        #expect(settings.route(forHost: "b.example") != .direct)
    }

    @Test func brokenProxyVariablesFailLoudlyWithoutShowingThem() {
        for (text, message) in [
            ("https://proxy:3128", "HTTPS_PROXY: https:// proxies are not supported; use an http:// proxy URL (the tunnel through it is still TLS to the provider)"),
            ("socks5://proxy:1080", "HTTPS_PROXY: socks5:// proxies are not supported; use an http:// proxy URL (the tunnel through it is still TLS to the provider)"),
            ("http://proxy:3128/path", "HTTPS_PROXY: a proxy URL has no path or query; use http://host:port"),
            ("http://u:%zz@proxy:3128", "HTTPS_PROXY: the user name or password is not valid percent-encoding"),
        ] {
            let settings = ProxySettings(environment: ["HTTPS_PROXY": text])
            #expect(settings.route(forHost: "login.microsoftonline.com") == .broken(message), "\(text)")
            #expect(settings.route(forHost: "localhost") == .direct)
        }
        guard case .broken(let message) = ProxySettings(environment: ["HTTPS_PROXY": "http://user:secret@pro xy:1"]).route(forHost: "x.example") else {
            Issue.record("a proxy URL with a space was accepted")
            return
        }
        #expect(message.hasPrefix("HTTPS_PROXY is not a usable proxy URL") && !message.contains("secret"))
    }

    @Test func defaultBypassIsLoopbackOnly() {
        let settings = ProxySettings(environment: ["HTTPS_PROXY": "http://proxy:3128"])
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "LOCALHOST"] {
            #expect(settings.route(forHost: host) == .direct, "\(host)")
        }
        for host in ["login.microsoftonline.com", "10.0.0.1", "::2", "localhost.example"] {
            #expect(settings.route(forHost: host) != .direct, "\(host)")
        }
    }

    /// Setting no_proxy, even empty, replaces the default: loopback then goes through the proxy.
    @Test func anExplicitNoProxyReplacesTheDefault() {
        let settings = ProxySettings(environment: ["HTTPS_PROXY": "http://proxy:3128", "no_proxy": ""])
        #expect(settings.route(forHost: "127.0.0.1") != .direct)
        #expect(settings.route(forHost: "localhost") != .direct)
    }

    @Test func noProxyEntries() {
        let settings = ProxySettings(
            environment: ["HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": " .corp.example, adfs.contoso.com:443 ,10.0.0.0/8,fd00::/8, 192.168.1.7,*.wild.example"])
        for host in ["corp.example", "a.corp.example", "adfs.contoso.com", "10.200.3.4", "fd12::1", "192.168.1.7", "x.wild.example", "wild.example"] {
            #expect(settings.route(forHost: host) == .direct, "\(host)")
        }
        for host in ["evilcorp.example", "contoso.com", "11.0.0.1", "fe80::1", "192.168.1.8", "127.0.0.1"] {
            #expect(settings.route(forHost: host) != .direct, "\(host)")
        }
        #expect(ProxySettings(environment: ["HTTPS_PROXY": "http://p:1", "no_proxy": "*"]).route(forHost: "anything.example") == .direct)
        #expect(ProxySettings.parseBypass("10.0.0.0/33,,  ,.") == [])
    }
}
