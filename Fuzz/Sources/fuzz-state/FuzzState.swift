import FuzzDriver
import RCDaemon

/// The state a restart restores (from systemd's store or `persist.load`) on arbitrary bytes:
/// no state is fine, a crash is not, and a state that decodes must survive a round trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzState(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    precondition(SavedStateDecoding.roundTripHolds(Array(UnsafeBufferPointer(start: data, count: size))), "a decoded state did not round-trip")
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver.
@_cdecl("fuzz_state_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    fuzz_driver_run(argc, argv)
}
