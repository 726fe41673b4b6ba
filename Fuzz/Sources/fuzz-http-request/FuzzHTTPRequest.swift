import RCHTTP
import FuzzDriver

/// The request head parser and the target splitter. The listener re-parses as bytes arrive,
/// so a prefix must never contradict the whole: a prefix that fails, fails the whole the
/// same way, and a prefix that completes is the whole's head.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parser = HTTPRequestParser()
    let whole = parser.parse(bytes)
    switch whole {
    case .complete(let head, let headLength):
        precondition(headLength <= bytes.count)
        _ = try? RequestTarget.parse(head.target)
        _ = try? head.bodyLength()
    case .failed(let error):
        precondition([400, 414, 431, 501, 505].contains(error.status))
    case .incomplete:
        break
    }
    let prefix = parser.parse(bytes[..<(size / 2)])
    switch prefix {
    case .incomplete: break
    case .failed, .complete: precondition(prefix == whole, "\(prefix) for the first half, \(whole) for the whole")
    }
    _ = try? RequestTarget.parse(String(decoding: bytes, as: UTF8.self))
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver.
@_cdecl("fuzz_http_request_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    fuzz_driver_run(argc, argv)
}
