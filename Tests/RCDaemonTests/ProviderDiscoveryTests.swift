import RCHTTP
import RCOAuth
import RCSystem
import Testing

@testable import RCDaemon

/// The metadata transport, scripted by URL: the only fake at this boundary.
final class ScriptedMetadata: MetadataTransport {
    private let state: Locked<(documents: [String: Result<HTTPResponseMessage, TransportFailure>], asked: [String])>

    init(_ documents: [String: Result<HTTPResponseMessage, TransportFailure>]) {
        state = Locked((documents, []))
    }

    func get(_ location: String, caFile: String?) -> Result<HTTPResponseMessage, TransportFailure> {
        state.withLock { state in
            state.asked.append(location)
            return state.documents[location] ?? Reply.json(404, #"{"error":"not_found"}"#)
        }
    }

    var asked: [String] { state.withLock { $0.asked } }
}

@Suite struct ProviderDiscoveryTests {
    static let issuer = "https://sso.example.com/realms/x"
    static let openID = "https://sso.example.com/realms/x/.well-known/openid-configuration"
    static let oauth = "https://sso.example.com/.well-known/oauth-authorization-server/realms/x"

    static func document(issuer: String = issuer, methods: String = #"["S256"]"#) -> Result<HTTPResponseMessage, TransportFailure> {
        Reply.json(
            200,
            #"{"issuer":"\#(issuer)","authorization_endpoint":"https://sso.example.com/auth","token_endpoint":"https://sso.example.com/token","code_challenge_methods_supported":\#(methods)}"#
        )
    }

    let sink = MemoryLogSink()
    var logger: Logger { Logger(minimumLevel: .debug, sink: sink) }

    func account() -> AccountSettings {
        AccountSettings(
            name: "sso", provider: .generic, authorizeURL: "", tokenURL: "", issuer: Self.issuer, clientID: "cli",
            redirectURI: "http://localhost:8400/callback", discoversEndpoints: true)
    }

    func failure(_ transport: ScriptedMetadata) -> ConfigError? {
        do {
            _ = try ProviderDiscovery.resolve(account(), transport: transport, logger: logger)
            return nil
        } catch {
            return error
        }
    }

    @Test func theOpenIDDocumentFillsInTheEndpoints() throws {
        let transport = ScriptedMetadata([Self.openID: Self.document()])
        let resolved = try ProviderDiscovery.resolve(account(), transport: transport, logger: logger)
        #expect(resolved.authorizeURL == "https://sso.example.com/auth")
        #expect(resolved.tokenURL == "https://sso.example.com/token")
        #expect(resolved.issuer == Self.issuer)
        #expect(!resolved.discoversEndpoints)
        #expect(transport.asked == [Self.openID])
        #expect(sink.events.contains { $0.event == "discovered" && $0.fields["METADATA_URL"] == Self.openID })
    }

    @Test func rfc8414IsTheFallback() throws {
        let transport = ScriptedMetadata([Self.oauth: Self.document()])
        let resolved = try ProviderDiscovery.resolve(account(), transport: transport, logger: logger)
        #expect(resolved.tokenURL == "https://sso.example.com/token")
        #expect(transport.asked == [Self.openID, Self.oauth])
    }

    @Test func anAccountWithEndpointsIsLeftAlone() throws {
        var settings = account()
        settings.discoversEndpoints = false
        settings.tokenURL = "https://elsewhere/token"
        let transport = ScriptedMetadata([:])
        #expect(try ProviderDiscovery.resolve(settings, transport: transport, logger: logger) == settings)
        #expect(transport.asked.isEmpty)
    }

    @Test func failuresNameTheIssuerKey() {
        let nowhere = failure(ScriptedMetadata([:]))
        #expect(nowhere?.path == "accounts.sso.issuer")
        #expect(
            nowhere?.message
                == "discovery failed: GET \(Self.openID) answered HTTP 404; GET \(Self.oauth) answered HTTP 404; check issuer, or set authorize_url and token_url instead"
        )
        let down = failure(ScriptedMetadata([Self.openID: Reply.transport("cannot connect to sso.example.com:443: refused")]))
        #expect(down?.description == "accounts.sso.issuer: discovery failed: GET \(Self.openID): cannot connect to sso.example.com:443: refused")
        // A document that is there but wrong is not looked past.
        let transport = ScriptedMetadata([Self.openID: Self.document(issuer: "https://evil.example.com"), Self.oauth: Self.document()])
        let mixedUp = failure(transport)
        #expect(mixedUp?.message.hasPrefix("discovery failed: \(Self.openID): the metadata is for issuer https://evil.example.com, not \(Self.issuer)") == true)
        #expect(transport.asked == [Self.openID])
        let noPKCE = failure(ScriptedMetadata([Self.openID: Self.document(methods: #"["plain"]"#)]))
        #expect(noPKCE?.message.contains("the provider does not advertise PKCE S256") == true)
    }
}

/// The device authorization endpoint from the metadata (RFC 8628 §4).
extension ProviderDiscoveryTests {
    static func deviceDocument(_ endpoint: String?) -> Result<HTTPResponseMessage, TransportFailure> {
        let member = endpoint.map { #","device_authorization_endpoint":"\#($0)""# } ?? ""
        return Reply.json(
            200,
            #"{"issuer":"\#(issuer)","authorization_endpoint":"https://sso.example.com/auth","token_endpoint":"https://sso.example.com/token"\#(member)}"#
        )
    }

    @Test func theMetadataNamesTheDeviceEndpoint() throws {
        var device = account()
        device.signInFlow = .deviceCode
        let resolved = try ProviderDiscovery.resolve(
            device, transport: ScriptedMetadata([Self.openID: Self.deviceDocument("https://sso.example.com/device")]), logger: logger)
        #expect(resolved.deviceAuthorizationURL == "https://sso.example.com/device")
        // One the config names wins.
        device.deviceAuthorizationURL = "https://sso.example.com/mine"
        let named = try ProviderDiscovery.resolve(
            device, transport: ScriptedMetadata([Self.openID: Self.deviceDocument("https://sso.example.com/device")]), logger: logger)
        #expect(named.deviceAuthorizationURL == "https://sso.example.com/mine")
    }

    @Test func aDeviceCodeAccountNeedsAnEndpointAndAnHTTPSOne() {
        var device = account()
        device.signInFlow = .deviceCode
        for (document, message) in [
            (Self.deviceDocument(nil), "device_code, but \(Self.openID) has no device_authorization_endpoint: set device_authorization_url, or use signin_flow browser"),
            (Self.deviceDocument("http://sso.example.com/device"), "discovery failed: \(Self.openID): device_authorization_endpoint http://sso.example.com/device: not an https URL (plain http is allowed only on a loopback host)"),
        ] {
            do {
                _ = try ProviderDiscovery.resolve(device, transport: ScriptedMetadata([Self.openID: document]), logger: logger)
                Issue.record("accepted \(document)")
            } catch {
                #expect(error.message == message)
            }
        }
        // A browser account does without one.
        #expect(failure(ScriptedMetadata([Self.openID: Self.deviceDocument(nil)])) == nil)
    }
}
