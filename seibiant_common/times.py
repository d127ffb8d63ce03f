"""The span of time Seibiant takes anywhere (API, web forms, RPC, cursors): 1970 to 2199 UTC.

Far wider than any break or budget, and narrow enough that a date plus a pattern's weeks, a
move to UTC or a day's end never leaves what `datetime` can hold.
"""
import datetime

UTC = datetime.timezone.utc
EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime.datetime(2200, 1, 1, tzinfo=UTC)  # the first moment past the span
FIRST_DAY = EARLIEST.date()
LAST_DAY = (LATEST - datetime.timedelta(days=1)).date()
OUT_OF_RANGE = "Time out of range ({} to {}).".format(FIRST_DAY.year, LAST_DAY.year)


def in_range(moment: datetime.datetime) -> datetime.datetime:
    """`moment` (aware) in UTC; ValueError when it is naive or outside the span."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time needs an offset")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUT_OF_RANGE) from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(OUT_OF_RANGE)
    return moment


def day_in_range(day: datetime.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
