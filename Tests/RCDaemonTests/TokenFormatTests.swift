import RCHTTP
import Testing

@testable import RCDaemon

/// Each client format against fixed vectors: the SASL strings byte for byte as the providers'
/// and the RFC's own examples give them, the JSON and the git and kubectl answers line for line.
@Suite struct TokenFormatTests {
    /// 2023-11-14T22:13:20Z.
    static let expiry: Int64 = 1_700_000_000

    func render(_ request: TokenFormatRequest, _ token: String = "tok", now: Int64 = expiry - 3599, accountUser: String? = nil) -> String {
        request.render(token: token, expiresAt: Self.expiry, now: now, accountUser: accountUser)
    }

    @Test func rawAndHeader() {
        #expect(render(TokenFormatRequest(format: .raw)) == "tok")
        #expect(render(TokenFormatRequest(format: .header)) == "Authorization: Bearer tok")
    }

    @Test func json() {
        #expect(
            render(TokenFormatRequest(format: .json), #"a"b"#)
                == #"{"access_token":"a\"b","token_type":"Bearer","expires_at":"2023-11-14T22:13:20Z","expires_in":3599}"#)
        // Never a negative number of seconds left.
        #expect(render(TokenFormatRequest(format: .json), now: Self.expiry + 5).hasSuffix(#""expires_in":0}"#))
    }

    /// Google's XOAUTH2 example: `user=someuser@example.com^Aauth=Bearer ya29...^A^A`.
    @Test func xoauth2() {
        let token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
        let expected =
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        #expect(render(TokenFormatRequest(format: .xoauth2, user: "someuser@example.com"), token) == expected)
        #expect(render(TokenFormatRequest(format: .xoauth2), token, accountUser: "someuser@example.com") == expected)
        #expect(render(TokenFormatRequest(format: .xoauth2, user: "someuser@example.com"), token, accountUser: "other@example.com") == expected)
        #expect(Base64.decode(expected).map { String(decoding: $0, as: UTF8.self) } == "user=someuser@example.com\u{1}auth=Bearer \(token)\u{1}\u{1}")
    }

    /// RFC 7628 §4.1's example, with host and port.
    @Test func oauthbearer() {
        let request = TokenFormatRequest(format: .oauthbearer, user: "user@example.com", host: "server.example.com", port: 143)
        #expect(
            render(request, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==")
                == "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB")
        // No user: an empty authzid; ',' and '=' in one are escaped (RFC 5801).
        #expect(render(TokenFormatRequest(format: .oauthbearer)) == "biwsAWF1dGg9QmVhcmVyIHRvawEB")
        #expect(render(TokenFormatRequest(format: .oauthbearer, user: "a=b,c@example.com")) == "bixhPWE9M0RiPTJDY0BleGFtcGxlLmNvbSwBYXV0aD1CZWFyZXIgdG9rAQE=")
    }

    @Test func controlWordsRoundTrip() throws {
        let requests = [
            TokenFormatRequest(format: .json),
            TokenFormatRequest(format: .oauthbearer, user: "me@example.com", host: "[::1]", port: 993),
            TokenFormatRequest(format: .xoauth2, user: "me@example.com"),
        ]
        for request in requests {
            #expect(try TokenFormatRequest.parse(request.controlWords).get() == request)
        }
        #expect(TokenFormatRequest(format: .oauthbearer, user: "u", host: "h", port: 1).controlWords == ["oauthbearer", "user=u", "host=h", "port=1"])
    }

    @Test(arguments: [
        (["yaml"], "unknown token format \"yaml\"; use one of: raw, header, json, xoauth2, oauthbearer"),
        (["xoauth2", "user="], "user must be an address such as someone@example.com: 1 to 320 characters, no spaces or control characters"),
        (["xoauth2", "user=a\u{1}b"], "user must be an address such as someone@example.com: 1 to 320 characters, no spaces or control characters"),
        (["oauthbearer", "host=a/b"], "host must be a host name or an IP address"),
        (["oauthbearer", "port=65536"], "port must be a number from 1 to 65535"),
        (["oauthbearer", "port=+1"], "port must be a number from 1 to 65535"),
        (["json", "user=a", "user=b"], "unexpected \"user=b\" after the format; expected user=, host= or port=, each once"),
        (["json", "extra"], "unexpected \"extra\" after the format; expected user=, host= or port=, each once"),
    ])
    func refusedWords(words: [String], message: String) {
        #expect(throws: TokenFormatError(description: message)) { try TokenFormatRequest.parse(words).get() }
    }

    @Test func missingUser() {
        #expect(TokenFormatRequest(format: .xoauth2).missing(accountUser: nil, account: "mail") != nil)
        #expect(TokenFormatRequest(format: .xoauth2).missing(accountUser: "me@example.com", account: "mail") == nil)
        #expect(TokenFormatRequest(format: .oauthbearer).missing(accountUser: nil, account: "mail") == nil)
    }

    @Test func gitGet() {
        let plain = GitCredential.parse("protocol=https\nhost=dev.azure.com\npath=org/p/_git/r\n\nignored=after the blank line\n")
        #expect(plain.map(\.key) == ["protocol", "host", "path"])
        #expect(
            GitCredential.answer(token: "tok", expiresAt: Self.expiry, request: plain)
                == "username=oauth2\npassword=tok\npassword_expiry_utc=1700000000\n")
        let modern = GitCredential.parse("capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=dev.azure.com\nusername=org\n")
        #expect(
            GitCredential.answer(token: "tok", expiresAt: Self.expiry, request: modern)
                == "capability[]=authtype\nauthtype=Bearer\ncredential=tok\nusername=org\npassword=tok\npassword_expiry_utc=1700000000\n")
    }

    @Test func gitErase() {
        #expect(GitCredential.rejectedToken(GitCredential.parse("protocol=https\nhost=h\nusername=u\npassword=old\n")) == "old")
        #expect(GitCredential.rejectedToken(GitCredential.parse("authtype=Bearer\ncredential=old\n")) == "old")
        #expect(GitCredential.rejectedToken(GitCredential.parse("protocol=https\nhost=h\n")) == nil)
        #expect(GitCredential.rejectedToken(GitCredential.parse("password=\n")) == nil)
    }

    @Test func kubectl() {
        #expect(ExecCredential.apiVersion(execInfo: nil) == ExecCredential.v1)
        #expect(
            ExecCredential.apiVersion(execInfo: #"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{}}"#)
                == ExecCredential.v1beta1)
        #expect(ExecCredential.apiVersion(execInfo: #"{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#) == ExecCredential.v1)
        #expect(ExecCredential.apiVersion(execInfo: "not json") == ExecCredential.v1)
        #expect(
            ExecCredential.render(token: "tok", expiresAt: Self.expiry, apiVersion: ExecCredential.v1)
                == #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok","expirationTimestamp":"2023-11-14T22:13:20Z"}}"#)
    }
}
