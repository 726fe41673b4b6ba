import RCSystem
import Testing

@testable import RCDaemon

@Suite struct SignInFlowsTests {
    let t0 = Instant(nanoseconds: 5_000_000_000_000)

    @Test func statesAreUniqueBase64URLOf43Characters() {
        let flows = SignInFlows()
        var states = Set<String>()
        var verifiers = Set<String>()
        for index in 0..<200 {
            let flow = flows.begin(account: "a\(index % 20)", wantsNonce: true, now: t0)
            #expect(flow.state.count == 43)
            #expect(flow.state.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect(flow.nonce?.count == 43)
            #expect(flow.nonce != flow.state)
            states.insert(flow.state)
            verifiers.insert(flow.pkce.verifier)
        }
        #expect(states.count == 200)
        #expect(verifiers.count == 200)
        #expect(flows.begin(account: "x", wantsNonce: false, now: t0).nonce == nil)
    }

    @Test func anUnknownStateLeavesThePendingFlowIntact() {
        let flows = SignInFlows()
        let flow = flows.begin(account: "work", wantsNonce: false, now: t0)
        for bogus in ["", "x", String(repeating: "A", count: 43), String(flow.state.dropLast()), flow.state + "A"] {
            guard case .unknown = flows.take(state: bogus, now: t0) else {
                Issue.record("\(bogus) matched")
                continue
            }
        }
        #expect(flows.hasPending(account: "work"))
        guard case .pending(let taken) = flows.take(state: flow.state, now: t0.adding(seconds: 1)) else {
            Issue.record("the real flow is gone")
            return
        }
        #expect(taken.account == "work")
        #expect(taken.pkce.verifier == flow.pkce.verifier)
    }

    @Test func aTakenStateIsAlreadyCompleted() {
        let flows = SignInFlows()
        let flow = flows.begin(account: "work", wantsNonce: false, now: t0)
        guard case .pending = flows.take(state: flow.state, now: t0) else {
            Issue.record("not pending")
            return
        }
        #expect(!flows.hasPending(account: "work"))
        for _ in 0..<3 {
            guard case .alreadyCompleted(let account) = flows.take(state: flow.state, now: t0.adding(seconds: 5)) else {
                Issue.record("a replayed state was not recognised")
                return
            }
            #expect(account == "work")
        }
    }

    @Test func flowsExpireAfterTenMinutes() {
        let flows = SignInFlows()
        let early = flows.begin(account: "work", wantsNonce: false, now: t0)
        let late = flows.begin(account: "work", wantsNonce: false, now: t0.adding(seconds: 300))
        let other = flows.begin(account: "other", wantsNonce: false, now: t0)
        #expect(flows.expire(now: t0.adding(seconds: 599.999)).isEmpty)
        let expired = flows.expire(now: t0.adding(seconds: 600))
        #expect(Set(expired.map(\.state)) == [early.state, other.state])
        #expect(flows.hasPending(account: "work"))
        #expect(!flows.hasPending(account: "other"))
        // Taking a flow at its lifetime is refused even before `expire` ran.
        guard case .unknown = flows.take(state: late.state, now: t0.adding(seconds: 900)) else {
            Issue.record("an expired flow was accepted")
            return
        }
        #expect(!flows.hasPending(account: "work"))
        #expect(SignInFlows.lifetimeSeconds == 600)
    }

    @Test func completedStatesAreForgottenAfterTheLifetime() {
        let flows = SignInFlows()
        let flow = flows.begin(account: "work", wantsNonce: false, now: t0)
        _ = flows.take(state: flow.state, now: t0)
        _ = flows.expire(now: t0.adding(seconds: 600))
        guard case .unknown = flows.take(state: flow.state, now: t0.adding(seconds: 601)) else {
            Issue.record("still remembered")
            return
        }
    }

    @Test func atMostEightPendingPerAccountAndTheOldestGoes() {
        let flows = SignInFlows()
        let started = (0..<9).map { flows.begin(account: "work", wantsNonce: false, now: t0.adding(seconds: Double($0))) }
        let other = flows.begin(account: "other", wantsNonce: false, now: t0)
        #expect(SignInFlows.maximumPerAccount == 8)
        guard case .unknown = flows.take(state: started[0].state, now: t0.adding(seconds: 10)) else {
            Issue.record("the oldest flow was kept")
            return
        }
        for flow in started.dropFirst() + [other] {
            guard case .pending = flows.take(state: flow.state, now: t0.adding(seconds: 10)) else {
                Issue.record("flow \(flow.account) \(flow.startedAt) was evicted")
                continue
            }
        }
    }
}
