import RCOAuth
import FuzzDriver

/// A device authorization response and a device code poll's answer (RFC 8628), read from the
/// same bytes, with the first byte choosing the status and content type. What the parser
/// accepts must be safe to show a person and to time polls by.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeviceAuthorization(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let statuses = [200, 400, 401, 429, 500, 503]
    let types: [String?] = ["application/json", "application/json; charset=utf-8", "text/html", nil]
    let status = statuses[Int(selector) % statuses.count]
    let type = types[Int(selector >> 4) % types.count]
    if case .success(let authorization) = DeviceAuthorization.parse(status: status, contentType: type, body: body) {
        precondition(DeviceAuthorization.intervalRange.contains(authorization.intervalSeconds))
        precondition(DeviceAuthorization.lifetimeRange.contains(authorization.expiresInSeconds))
        precondition(!authorization.userCode.isEmpty && !authorization.deviceCode.isEmpty)
        precondition(!authorization.userCode.contains("<") && !authorization.verificationURI.contains("\""))
    }
    _ = DevicePoll.classify(status: status, contentType: type, body: body, now: 1_700_000_000)
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver.
@_cdecl("fuzz_device_authorization_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    fuzz_driver_run(argc, argv)
}
