import RCHTTP
import RCOAuth
import FuzzDriver

/// The query and form decoder, as the callback uses it, then the callback classifier; a
/// pasted redirect (`signin NAME --paste`) taken apart the same way; and percent-decoding of
/// a path.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzForm(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for lineBreaks in [false, true] {
        if let pairs = try? FormDecoding.decode(text, allowingLineBreaks: lineBreaks) {
            _ = CallbackParameters.classify(pairs)
            // What decodes must encode and decode back to itself.
            let again = try? FormDecoding.decode(FormEncoding.encode(pairs.map { ($0.name, $0.value) }), allowingLineBreaks: lineBreaks)
            precondition(again.map { $0.map(\.name) == pairs.map(\.name) && $0.map(\.value) == pairs.map(\.value) } ?? false)
        }
    }
    if case .success(let query) = PastedRedirect.query(text, callbackPaths: ["/callback"]) {
        // What a paste yields is never more than it held, and it goes on to the decoder.
        precondition(!query.isEmpty && text.contains(query))
        if let pairs = try? FormDecoding.decode(query, allowingLineBreaks: true) { _ = CallbackParameters.classify(pairs) }
    }
    _ = try? FormDecoding.percentDecode(text)
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver.
@_cdecl("fuzz_form_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    fuzz_driver_run(argc, argv)
}
