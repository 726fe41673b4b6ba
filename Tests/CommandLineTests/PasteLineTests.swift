import Testing

@testable import redirect_catcher

/// What `signin NAME --paste` makes of each line a person pastes, before the daemon sees it.
@Suite struct PasteLineTests {
    func paste(_ text: String, ended: Bool = false) -> SignIn.Paste { SignIn.paste(Array(text.utf8), ended: ended) }

    @Test func oneWordIsTakenWithoutTheWhitespaceAroundIt() {
        #expect(paste("http://localhost:8400/callback?code=a&state=b") == .line("http://localhost:8400/callback?code=a&state=b"))
        #expect(paste("  code=a&state=b\r") == .line("code=a&state=b"))
        #expect(paste("code=a&state=b", ended: true) == .line("code=a&state=b"), "a last line without a newline still counts")
    }

    @Test func anEmptyLineAsksAgainAndTheEndOfInputStops() {
        #expect(paste("") == .unusable("nothing was pasted"))
        #expect(paste(" \t") == .unusable("nothing was pasted"))
        #expect(paste("", ended: true) == .ended)
    }

    @Test func spacesInsideAndOverlongLinesAreRefusedWithoutEchoingThem() {
        guard case .unusable(let reason) = paste("code=secret state=b") else {
            Issue.record("a line with a space inside was taken")
            return
        }
        #expect(!reason.contains("secret"))
        let long = String(repeating: "a", count: Rejected.maximumInput + 1)
        #expect(paste(long) == .unusable("the line is longer than any sign-in address"))
    }
}
