import RCJSON
import RCOAuth
import FuzzDriver

/// A token endpoint's answer: the JSON parser under it, then the response parser, with the
/// first byte choosing the status and content type so both success and error paths run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let statuses = [200, 400, 401, 429, 500, 503]
    let types: [String?] = ["application/json", "application/json; charset=utf-8", "text/html", nil]
    _ = TokenResponse.parse(
        status: statuses[Int(selector) % statuses.count], contentType: types[Int(selector >> 4) % types.count], body: body,
        now: 1_700_000_000)
    _ = try? JSONParser.parse(body)
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver.
@_cdecl("fuzz_token_response_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    fuzz_driver_run(argc, argv)
}
