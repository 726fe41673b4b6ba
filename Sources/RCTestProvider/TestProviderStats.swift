/// Counters a test reads to see what the daemon asked of the provider.
public struct TestProviderStats: Sendable, Equatable {
    /// `GET /authorize` requests, valid or not.
    public var authorizeRequests = 0
    /// `POST /token` requests, including faulted and refused ones.
    public var tokenRequests = 0
    /// Successful `authorization_code` grants.
    public var codeGrants = 0
    /// Successful `refresh_token` grants.
    public var refreshGrants = 0
    /// Successful `client_credentials` grants.
    public var clientCredentialsGrants = 0
    /// Refused token requests by RFC 6749 error code (`invalid_grant`, `invalid_client`, ...).
    public var failedGrants: [String: Int] = [:]
    /// Client assertions that passed every check (signature, thumbprint, claims, jti).
    public var clientAssertions = 0
    /// The last accepted assertion's `alg` and thumbprint header, such as "RS256 x5t".
    public var lastAssertionHeader: String?
    /// The description of the last refused token request ("AADSTS700027: ..."), for test messages.
    public var lastRefusal: String?
    /// Token requests answered by an injected fault instead of the grant logic.
    public var faultsServed = 0
    /// The `scope` and `resource` of each `GET /authorize`, in order, as the daemon sent them.
    public var authorizeAudiences: [AccessTokenAudience] = []
    /// Every token request that got past client authentication, in order.
    public var grants: [RecordedGrant] = []
    /// `GET /validate` requests.
    public var validations = 0
    /// `POST .../devicecode` requests.
    public var deviceAuthorizations = 0
    /// The user codes handed out, in order.
    public var deviceUserCodes: [String] = []
    /// Seconds between a device code's polls (the first: since its device authorization).
    public var devicePollIntervals: [Double] = []
    /// `slow_down` answers given.
    public var deviceSlowDowns = 0
    /// Successful device code grants.
    public var deviceGrants = 0

    public init() {}

    /// All refused token requests, whatever the error code.
    public var failedGrantTotal: Int { failedGrants.values.reduce(0, +) }
}
