public import Diagnostics

/// Why a cron expression was rejected, and where: the shared ``ColumnError``.
///
/// `column` is 1-based inside the expression text (not inside the file that holds it: the
/// caller adds the expression's own position). `message` names the field and the offending
/// text, e.g. `minute field: 61 is out of range 0-59` or
/// `day-of-week field: 5#6: a month has at most 5 of a weekday`.
public typealias CronParseError = ColumnError

/// Why a duration was rejected, and where (1-based column inside the duration text).
public typealias DurationParseError = ColumnError

/// Why a date or date-time was rejected, and where (1-based column inside the text).
public typealias DateTimeParseError = ColumnError
