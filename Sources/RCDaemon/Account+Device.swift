import RCHTTP
import RCJSON
import RCOAuth
import RCSystem

/// What a `signin` caller or a sign-in page waiting for a device flow's codes is told.
enum DeviceSignInReply: Equatable {
    /// The codes to use, and the seconds left to use them.
    case pending(DeviceAuthorization, expiresIn: Int)
    case failed(String)
}

/// The device code sign-in (RFC 8628), driven: the states and transitions are in
/// ``AccountState`` (``AccountState/DeviceSignIn``); this asks for the codes, polls on the
/// loop's timers through the token endpoint like any grant, and tells the person.
extension Account {
    /// `signin NAME --device`, `signin NAME` of a `device_code` account, and its `/signin/NAME`
    /// page: the codes of the device flow under way, or of a new one once the provider gives them.
    func startDeviceSignIn(_ reply: @escaping (DeviceSignInReply) -> Void) {
        guard settings.deviceAuthorizationURL != nil else {
            reply(
                .failed(
                    "account \(name) has no device authorization endpoint: set device_authorization_url (or issuer, to discover it), or sign in at \(signInURL)"
                ))
            return
        }
        if let pending = state.pendingDeviceAuthorization {
            reply(.pending(pending, expiresIn: deviceSecondsLeft ?? 0))
            return
        }
        deviceWaiters.append(reply)
        transition { $0.startDeviceSignIn(because: "requested", notify: false) }
    }

    /// The command that starts a device flow again, for the lines that say one ended.
    var deviceRestartCommand: String {
        "redirect-catcher signin \(name)" + (settings.signInFlow == .deviceCode ? "" : " --device")
    }

    /// Seconds until the pending device flow's codes expire.
    var deviceSecondsLeft: Int? {
        switch state.device {
        case .waiting(let flow, _), .polling(let flow):
            max(0, Int(flow.expiresAt.seconds(since: scheduler.now).rounded(.down)))
        case .none, .authorizing, .ended: nil
        }
    }

    func performDevice(_ effect: AccountState.Effect) {
        switch effect {
        case .requestDeviceCode(let flow):
            requestDeviceCode(flow)
        case .sendDevicePoll(let flow, let deviceCode):
            sendDevicePoll(flow, deviceCode: deviceCode)
        case .armDevicePoll(let deadline):
            if let devicePollTimer { scheduler.cancel(devicePollTimer) }
            devicePollTimer = scheduler.schedule(at: deadline) { [weak self] in
                guard let self else { return }
                self.devicePollTimer = nil
                self.transition { $0.devicePollDue(at: self.scheduler.now) }
            }
        case .cancelDevicePoll:
            if let devicePollTimer { scheduler.cancel(devicePollTimer) }
            devicePollTimer = nil
        case .deviceSignInNeeded(let authorization, let reason, let notify):
            let message = "account \(name) needs sign-in: \(authorization.instructions)"
            logger.notice(
                "signin_needed", message, account: name,
                [
                    "REASON": reason, "SIGNIN_URL": signInURL, "VERIFICATION_URI": authorization.verificationURI,
                    "USER_CODE": authorization.userCode, "EXPIRES_IN": String(authorization.expiresInSeconds),
                ])
            if notify { onNeedsPerson?(self, "signin_needed", "account \(name) needs sign-in (\(reason)): \(authorization.instructions)") }
            answerDeviceWaiters(.pending(authorization, expiresIn: Int(authorization.expiresInSeconds)))
        case .deviceSignInEnded(let end):
            let sentence = describe(end)
            switch end {
            case .superseded:
                logger.info("signin_superseded", sentence, account: name)
            case .expired:
                logger.warning("signin_expired", sentence, account: name)
                onNeedsPerson?(self, "signin_needed", sentence)
            case .declined, .refused, .failedToStart:
                var fields: [String: String] = [:]
                if case .refused(let error) = end {
                    if let code = error.code { fields["ERROR_CODE"] = code }
                    if !error.providerCodes.isEmpty { fields["PROVIDER_CODES"] = error.providerCodes.map(String.init).joined(separator: ",") }
                    if let correlation = error.correlationID { fields["CORRELATION_ID"] = correlation }
                }
                logger.error("signin_failed", sentence, account: name, fields)
                onNeedsPerson?(self, "signin_needed", sentence)
            }
            answerDeviceWaiters(.failed(sentence))
        default:
            break
        }
    }

    /// One line that says how the device flow ended and how to start again.
    func describe(_ end: AccountState.DeviceEnd) -> String {
        let again = "run \(deviceRestartCommand) to start again"
        switch end {
        case .declined:
            return "account \(name): the device code sign-in was declined; \(again)"
        case .expired:
            return "account \(name): the device code expired before the sign-in was completed; \(again)"
        case .refused(let error):
            let port: UInt16 = (try? WebURL.parse(signInURL)).map { UInt16(clamping: $0.port) } ?? 0
            let advice =
                DevicePoll.refusalAdvice(error, account: name, signInURL: signInURL, port: port)
                ?? ProviderErrorAdvice.advice(for: error.providerCodes, error: error.code)
            return "account \(name): the provider refused the device code sign-in: \(error.summary)\(advice.map { " — " + $0 } ?? ""); \(again)"
        case .failedToStart(let problem):
            return "account \(name): could not get a device code: \(problem); \(again)"
        case .superseded:
            return "account \(name): signed in through the browser; the device code sign-in is no longer needed"
        }
    }

    func answerDeviceWaiters(_ reply: DeviceSignInReply) {
        let waiting = deviceWaiters
        deviceWaiters.removeAll()
        for waiter in waiting { waiter(reply) }
    }

    /// `device_signin` in the status JSON, while a device flow waits for the person.
    func deviceStatus() -> JSONValue? {
        guard let pending = state.pendingDeviceAuthorization else { return nil }
        return .object(
            JSONObject([
                ("verification_uri", .string(pending.verificationURI)), ("user_code", .string(pending.userCode)),
                ("expires_in", .number(JSONNumber(Int64(deviceSecondsLeft ?? 0)))),
            ]))
    }

    // MARK: Requests

    /// The device authorization request goes where the token requests go (the exchange helper,
    /// the same TLS trust and proxy), addressed to the device authorization endpoint.
    private func requestDeviceCode(_ flow: Int) {
        guard let url = settings.deviceAuthorizationURL else {
            transition { $0.deviceAuthorizationFailed(flow, .failedToStart("the account has no device authorization endpoint")) }
            return
        }
        var addressed = settings
        addressed.tokenURL = url
        let target = addressed
        let request = TokenRequest.deviceAuthorization(account: settings)
        let endpoint = self.endpoint
        logger.info("signin_started", "account \(name): asking \(url) for a device code", account: name)
        scheduler.offload({ endpoint.send(request, for: target) }) { [weak self] result in
            guard let self, !self.retired else { return }
            switch result {
            case .failure(let failure):
                self.transition { $0.deviceAuthorizationFailed(flow, .failedToStart(failure.description)) }
            case .success(let message):
                switch DeviceAuthorization.parse(status: message.status, contentType: message.headers["Content-Type"], body: message.body) {
                case .success(let authorization):
                    self.transition { $0.deviceAuthorized(flow, authorization, at: self.scheduler.now) }
                case .failure(let error) where error.code != nil:
                    self.transition { $0.deviceAuthorizationFailed(flow, .refused(error)) }
                case .failure(let error):
                    self.transition { $0.deviceAuthorizationFailed(flow, .failedToStart(error.summary)) }
                }
            }
        }
    }

    /// One poll with the device code, authenticated as every token request of the account is.
    private func sendDevicePoll(_ flow: Int, deviceCode: String) {
        let request = TokenRequest.deviceCode(account: settings, deviceCode: deviceCode)
        let endpoint = self.endpoint
        let settings = self.settings
        let sentAt = scheduler.now
        scheduler.offload({ endpoint.send(request, for: settings) }) { [weak self] result in
            guard let self, !self.retired else { return }
            let poll: DevicePoll
            if let failure = request.failure {
                poll = .refused(TokenError(kind: .configuration, description: failure, httpStatus: 0))
            } else {
                switch result {
                case .failure(let failure):
                    self.logger.debug("device_poll", "account \(self.name): no answer to the device code poll (\(failure.description)); polling on", account: self.name)
                    poll = .pending
                case .success(let message):
                    poll = DevicePoll.classify(
                        status: message.status, contentType: message.headers["Content-Type"], body: message.body,
                        now: Instant.now(.wall).nanoseconds / 1_000_000_000)
                }
            }
            // Only the flow's own poll counts; one that lands after a browser sign-in won is dropped.
            guard case .polling(let current) = self.state.device, current.id == flow else {
                self.logger.debug("device_poll", "account \(self.name): dropped the answer to a device code sign-in that is over", account: self.name)
                return
            }
            switch poll {
            case .granted(let grant):
                self.logger.notice(
                    "signed_in", "account \(self.name) signed in with a device code: access token valid for \(grant.lifetimeSeconds) s",
                    account: self.name, ["EXPIRES_IN": String(grant.lifetimeSeconds)])
                if grant.refreshToken == nil {
                    self.logger.warning(
                        "no_refresh_token",
                        "account \(self.name): the provider returned no refresh token, so the person must sign in again in \(grant.lifetimeSeconds) s; add offline_access (or the provider's equivalent) to scopes",
                        account: self.name)
                }
            case .pending:
                self.logger.debug("device_poll", "account \(self.name): waiting for the person to enter the code", account: self.name)
            case .slowDown:
                self.logger.info(
                    "device_poll", "account \(self.name): the provider asked to poll more slowly; now every \(Int(current.interval) + 5) s",
                    account: self.name)
            case .denied, .expired, .refused:
                break
            }
            self.transition { $0.devicePollLanded(flow, poll, at: self.moment(sentAt: sentAt)) }
        }
    }
}
