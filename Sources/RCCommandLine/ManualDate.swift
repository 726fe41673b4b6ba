/// The date a man page carries. Set from `--date YYYY-MM-DD` or from `SOURCE_DATE_EPOCH`, so
/// that building the same sources twice gives the same page.
public struct ManualDate: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// From `YYYY-MM-DD`, as `git log --format=%cs` prints it; nil unless it is a real date.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = ValueType.decimal(String(parts[0])), let month = ValueType.decimal(String(parts[1])),
            let day = ValueType.decimal(String(parts[2])), (1...12).contains(month),
            (1...Self.days(inMonth: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The UTC calendar day of a count of seconds since 1970-01-01 (`SOURCE_DATE_EPOCH`, `time()`).
    public init(secondsSinceEpoch seconds: Int64) {
        // Days since the epoch, rounded down, shifted to start on 0000-03-01 so that the leap
        // day falls at the end of each year; then whole 400-year eras of 146,097 days.
        var days = seconds / 86_400
        if seconds % 86_400 < 0 { days -= 1 }
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    /// As mdoc's `.Dd` wants it: "November 21, 2025".
    public var mdoc: String { "\(Self.monthNames[month - 1]) \(day), \(year)" }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
