import Testing

@testable import RCDaemon

@Suite struct RefreshPolicyTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let lifetime: Double
        /// With jitter 0 and 1.
        let earliest: Double
        let latest: Double
        var testDescription: String { "lifetime \(lifetime) s" }
    }

    /// expiry − min(5 min, lifetime/4), or half the lifetime from 2 h; minus up to
    /// min(30 s, 2 % of the lifetime) of jitter.
    static let table: [Row] = [
        Row(lifetime: 2, earliest: 1.5 - 0.04, latest: 1.5),
        Row(lifetime: 60, earliest: 45 - 1.2, latest: 45),
        Row(lifetime: 600, earliest: 450 - 12, latest: 450),
        Row(lifetime: 3600, earliest: 3300 - 30, latest: 3300),
        Row(lifetime: 7200, earliest: 3600 - 30, latest: 3600),
        Row(lifetime: 86400, earliest: 43200 - 30, latest: 43200),
    ]

    @Test(arguments: table)
    func refreshPointForLifetime(_ row: Row) {
        #expect(abs(RefreshPolicy.refreshAfter(lifetime: row.lifetime, refreshIn: nil, jitter: 0) - row.latest) < 1e-9)
        #expect(abs(RefreshPolicy.refreshAfter(lifetime: row.lifetime, refreshIn: nil, jitter: 1) - row.earliest) < 1e-9)
        let middle = RefreshPolicy.refreshAfter(lifetime: row.lifetime, refreshIn: nil, jitter: 0.5)
        #expect(middle > row.earliest && middle < row.latest)
    }

    @Test func jitterOutsideZeroToOneIsClamped() {
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: nil, jitter: -5) == 3300)
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: nil, jitter: 7) == 3270)
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: nil, jitter: .infinity) == 3270)
    }

    @Test func refreshInWinsOnlyWhenEarlier() {
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: 1800, jitter: 0) == 1800)
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: 1800, jitter: 1) == 1770)
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: 5000, jitter: 0) == 3300)
        #expect(RefreshPolicy.refreshAfter(lifetime: 86400, refreshIn: 50000, jitter: 0) == 43200)
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: 0, jitter: 0) == 3300)
        #expect(RefreshPolicy.refreshAfter(lifetime: 3600, refreshIn: -10, jitter: 0) == 3300)
        #expect(RefreshPolicy.refreshAfter(lifetime: 60, refreshIn: 1, jitter: 1) == 0)
    }

    @Test func neverNegativeAndAlwaysWhileTheTokenIsStillServed() {
        var lifetime = 0.001
        while lifetime < 8 * 86400 {
            for jitter in [0.0, 0.25, 0.5, 1.0] {
                for refreshIn: Double? in [nil, lifetime / 3, lifetime * 2] {
                    let after = RefreshPolicy.refreshAfter(lifetime: lifetime, refreshIn: refreshIn, jitter: jitter)
                    #expect(after >= 0)
                    #expect(after < lifetime)
                    // The refresh starts before the token stops being handed out.
                    #expect(after < lifetime - RefreshPolicy.serveMargin(lifetime: lifetime))
                }
            }
            lifetime *= 1.7
        }
        #expect(RefreshPolicy.refreshAfter(lifetime: 0, refreshIn: nil, jitter: 1) == 0)
    }

    @Test func serveMargin() {
        #expect(RefreshPolicy.serveMargin(lifetime: 2) == 0.25)
        #expect(RefreshPolicy.serveMargin(lifetime: 8) == 1)
        #expect(RefreshPolicy.serveMargin(lifetime: 60) == 1)
        #expect(RefreshPolicy.serveMargin(lifetime: 86400) == 1)
    }

    @Test func retryDelayDoublesToTheCap() {
        let delays = (1...12).map { RefreshPolicy.retryDelay(attempt: $0, retryAfter: nil) }
        #expect(delays == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300])
        #expect(RefreshPolicy.retryDelay(attempt: 0, retryAfter: nil) == 2)
        #expect(RefreshPolicy.retryDelay(attempt: -3, retryAfter: nil) == 2)
        #expect(RefreshPolicy.retryDelay(attempt: 1000, retryAfter: nil) == 300)
        #expect(RefreshPolicy.retryDelay(attempt: .max, retryAfter: nil) == 300)
    }

    @Test func retryAfterWinsWhenLongerAndIsCappedAtAnHour() {
        #expect(RefreshPolicy.retryDelay(attempt: 1, retryAfter: 120) == 120)
        #expect(RefreshPolicy.retryDelay(attempt: 6, retryAfter: 10) == 64)
        #expect(RefreshPolicy.retryDelay(attempt: 1, retryAfter: 99999) == 3600)
        #expect(RefreshPolicy.retryDelay(attempt: 20, retryAfter: 3600) == 3600)
        #expect(RefreshPolicy.retryDelay(attempt: 3, retryAfter: 0) == 8)
        #expect(RefreshPolicy.retryDelay(attempt: 3, retryAfter: -60) == 8)
    }

    @Test func waitForRefreshIsBounded() {
        #expect(RefreshPolicy.waitForRefresh == 30)
        #expect(SocketServer.clientDeadlineSeconds > RefreshPolicy.waitForRefresh)
    }
}
