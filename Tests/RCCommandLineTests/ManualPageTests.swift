import Testing

@testable import RCCommandLine

@Suite struct ManualPageTests {
    @Test func datesFromISOAndFromSeconds() {
        #expect(ManualDate(iso: "2024-02-29")?.mdoc == "February 29, 2024")
        for bad in [
            "2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "24-01-01", "2024-1-01", "2024/01/01", "", "2024-01-01x",
            "+024-01-01",
        ] {
            #expect(ManualDate(iso: bad) == nil, "\(bad)")
        }
        #expect(ManualDate(secondsSinceEpoch: 0).mdoc == "January 1, 1970")
        #expect(ManualDate(secondsSinceEpoch: 951_782_400) == ManualDate(iso: "2000-02-29"))
        #expect(ManualDate(secondsSinceEpoch: 1_763_683_199) == ManualDate(iso: "2025-11-20"))
        #expect(ManualDate(secondsSinceEpoch: 1_763_683_200) == ManualDate(iso: "2025-11-21"))
        #expect(ManualDate(secondsSinceEpoch: -1) == ManualDate(iso: "1969-12-31"))
        #expect(ManualDate(secondsSinceEpoch: 4_107_542_400) == ManualDate(iso: "2100-03-01"))
    }

    @Test func dayByDayTheCalendarAdvancesByOne() throws {
        // From 1900 to 2200 every day of seconds lands on the day after the one before.
        var previous = ManualDate(secondsSinceEpoch: -2_208_988_800 - 86_400)
        #expect(previous == ManualDate(iso: "1899-12-31"))
        var wrongDay: Int64?
        for day in Int64(-25_567)...Int64(84_000) {
            let date = ManualDate(secondsSinceEpoch: day * 86_400 + 43_200)
            let sameMonth = date.year == previous.year && date.month == previous.month && date.day == previous.day + 1
            let nextMonth =
                date.day == 1
                && (date.month == previous.month + 1 && date.year == previous.year
                    || date.month == 1 && previous.month == 12 && date.year == previous.year + 1)
            if !(sameMonth || nextMonth) || date.day > ManualDate.days(inMonth: date.month, year: date.year) {
                wrongDay = day
                break
            }
            previous = date
        }
        #expect(wrongDay == nil)
        #expect(previous == ManualDate(iso: "2199-12-26"))
    }

    @Test func thePageHasEveryCommandAndVisibleOption() throws {
        let page = ManualPage.render(Sample.table, date: try #require(ManualDate(iso: "2025-01-02")))
        let lines = page.split(separator: "\n").map(String.init)
        #expect(
            lines.prefix(8) == [
                ".\\\" tool(1); made by 'tool --generate-manual' from the command table.",
                ".Dd January 2, 2025", ".Dt TOOL 1", ".ds doc-volume General Commands Manual", ".Os tool 1.2.3", ".Sh NAME",
                ".Nm tool", ".Nd do things with things",
            ])
        for expected in [
            ".Cm serve", ".Op Fl -config Ar path", ".Op Fl -level Ar level", ".Op Fl -port Ar port", ".Op Fl -verbose",
            ".Cm get", ".Op Fl -json", ".Ar name", ".It Fl -config Ar path", "Default: \\%~/.tool.json.",
            "How much to say. (values:\\ low, high)", "The port to listen on. (default:\\ 8080)",
            ".Sh EXIT STATUS", ".It 64", ".Sh ENVIRONMENT", ".It Ev TOOL_HOME", ".Ss help",
        ] {
            #expect(lines.contains(expected), "\(expected)")
        }
        #expect(!page.contains("internal"))
        // SEE ALSO in section order.
        #expect(page.hasSuffix(".Sh SEE ALSO\n.Xr cat 1 ,\n.Xr tool.json 5\n"))
    }

    @Test func configurationFilesAndANoteAfterTheReferences() throws {
        var table = Sample.table
        table.configuration = [ManualEntry("listen.port", "The port."), ManualEntry("a, b", "Two keys.")]
        table.configurationIntroduction = "The file is JSON."
        table.files = [ManualEntry("~/.tool.json", "The config file.")]
        table.seeAlsoNote = "README.md, installed with the source."
        let page = ManualPage.render(table, date: try #require(ManualDate(iso: "2025-01-02")))
        #expect(
            page.contains(".Sh CONFIGURATION\nThe file is JSON.\n.Bl -tag -width Ds\n.It Cm listen.port\nThe port.\n.It Cm a , Cm b\nTwo keys.\n.El\n"))
        #expect(page.contains(".Sh FILES\n.Bl -tag -width Ds\n.It Pa ~/.tool.json\nThe config file.\n.El\n"))
        // Sections in the conventional order, the note last.
        let order = ["CONFIGURATION", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"].compactMap { heading in
            page.split(separator: "\n").firstIndex { $0 == ".Sh " + heading }
        }
        #expect(order.count == 5 && order == order.sorted())
        #expect(page.hasSuffix(".Xr tool.json 5\n.Pp\n\\%README.md, installed with the source.\n"))
    }

    @Test func backticksBecomeBoldAndNamesDoNotHyphenate() {
        #expect(ManualPage.text("Run `check-config` now.") == ["Run \\%\\fBcheck\\-config\\fR now."])
        // A span over several words, and one left open, which ends with the text.
        #expect(ManualPage.text("as `nc -U x.sock` does") == ["as \\%\\fBnc \\%\\-U \\%x.sock\\fR does"])
        #expect(ManualPage.text("an `open span") == ["an \\%\\fBopen \\%span\\fR"])
        #expect(ManualPage.text("see config.json") == ["see \\%config.json"])
        let page = ManualPage.render(Sample.table, date: ManualDate(secondsSinceEpoch: 0))
        #expect(!page.contains("`"))
    }

    @Test func textCannotBecomeARequestOrBreakAtAPath() {
        #expect(ManualPage.text("a\\b-c") == ["\\%a\\eb\\-c"])
        #expect(ManualPage.text(".hidden and 'quoted") == ["\\&.hidden and 'quoted"])
        #expect(ManualPage.text("x 'quoted") == ["x 'quoted"])
        #expect(ManualPage.text("First one. Second one. e.g. not a third.") == ["First one.", "Second one. e.g. not a third."])
        #expect(ManualPage.text("see /a/b-c.") == ["see \\%/a/b\\-c."])
        let long = ManualPage.text(Array(repeating: "word", count: 40).joined(separator: " "))
        #expect(long.count > 1 && long.allSatisfy { $0.utf8.count <= 80 })
        // Every text line is fit for roff: none starts with a control character.
        for line in ManualPage.text("'a. .b 'c. Dd. \\x") {
            #expect(!line.hasPrefix(".") && !line.hasPrefix("'"))
        }
    }
}
