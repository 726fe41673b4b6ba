/// Why the end-to-end harness could not do its part (a peer missing, a line that never came);
/// thrown so the test fails with a sentence that says what to do.
struct HarnessFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
