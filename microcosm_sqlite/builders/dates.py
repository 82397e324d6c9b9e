"""
Which part of an ISO 8601 date, date-time or time is out of range, for values Python refuses.

`date.fromisoformat("2001-13-01")` fails like "2001/13/01" does, so a build error could only say
the value is "not an ISO 8601 date". A value written in the right shape whose month, day, hour,
minute or second does not exist deserves to be told which, and what range it must be in.

"""

import calendar
import re

__all__ = ["out_of_range"]

_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"

#: Only the leading fields are read: what follows (fractions, an offset) is the parser's to judge.
_SHAPES = {
    "date": re.compile(_DATE),
    "date-time": re.compile(_DATE + r"[T ]" + _TIME),
    "time": re.compile(_TIME),
}

_LIMITS = (("hour", 23), ("minute", 59), ("second", 59))


def out_of_range(value: str, kind: str) -> str | None:
    """
    Why `value`, shaped as a `kind` ("date", "date-time" or "time"), names no real one:
    "month 13 is out of range (1 to 12)"; None when no field is out of range.

    """
    match = _SHAPES[kind].match(value)
    if match is None:
        return None
    fields = {name: int(text) for name, text in match.groupdict().items() if text is not None}
    if "month" in fields:
        year, month, day = fields["year"], fields["month"], fields["day"]
        if not 1 <= month <= 12:
            return f"month {month} is out of range (1 to 12)"
        if year == 0:
            return "year 0 is out of range (1 to 9999)"
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            return f"day {day} is out of range for {calendar.month_name[month]} {year} (1 to {last})"
    for name, limit in _LIMITS:
        if name in fields and fields[name] > limit:
            return f"{name} {fields[name]} is out of range (0 to {limit})"
    return None
