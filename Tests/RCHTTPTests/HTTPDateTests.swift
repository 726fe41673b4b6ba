import RCHTTP
import RCTestSupport
import Testing

@Suite struct HTTPDateTests {
    @Test func rfc9110Forms() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(HTTPDate.parse("Wed Nov 16 08:49:37 1994") == 784_975_777)
    }

    @Test func format() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(-1) == "Wed, 31 Dec 1969 23:59:59 GMT")
        #expect(HTTPDate.format(4_102_444_800) == "Fri, 01 Jan 2100 00:00:00 GMT")
        #expect(HTTPDate.format(-86_401) == "Tue, 30 Dec 1969 23:59:59 GMT")
        // Extremes must not trap, whatever they print.
        #expect(!HTTPDate.format(.min).isEmpty)
        #expect(!HTTPDate.format(.max).isEmpty)
    }

    @Test func rfc3339() {
        #expect(HTTPDate.formatRFC3339(784_111_777) == "1994-11-06T08:49:37Z")
        #expect(HTTPDate.formatRFC3339(0) == "1970-01-01T00:00:00Z")
        #expect(HTTPDate.formatRFC3339(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(HTTPDate.formatRFC3339(-1) == "1969-12-31T23:59:59Z")
    }

    @Test func roundTrip() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let seconds = Int64(random.next() % 8_000_000_000)
            #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
        }
    }

    @Test func twoDigitYears() {
        #expect(HTTPDate.parse("Thursday, 01-Jan-70 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Friday, 01-Jan-38 00:00:00 GMT") == 2_145_916_800)
    }

    @Test func invalid() {
        for text in [
            "", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 29 Feb 1900 00:00:00 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
            "Sun Nov 6 08:49:37 1994", "Sunday, 06-Nov-1994 08:49:37 GMT", "120", "sun, 06 Nov 1994 08:49:37 GMT",
        ] {
            #expect(HTTPDate.parse(text) == nil, "\(text.debugDescription)")
        }
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT") == 951_782_400)
    }
}
