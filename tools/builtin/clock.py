"""Date and time tools: the current time in a zone, date arithmetic, the days between two dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tools.model import tool


def parse_date(text: str, field: str = "date") -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(f"{field} must be a real calendar date written YYYY-MM-DD, got {text!r}") from None


@tool
def current_datetime(timezone: str = "UTC") -> dict:
    """The current date, time and weekday in a time zone.

    Args:
        timezone: IANA time zone name such as Europe/Paris or America/New_York.
    """
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}; use an IANA name such as Europe/Paris") from None
    moment = datetime.now(zone)
    return {"timezone": timezone, "date": moment.date().isoformat(), "time": moment.strftime("%H:%M"),
            "weekday": moment.strftime("%A")}


@tool
def date_add(date: str, days: int = 0, weeks: int = 0) -> dict:
    """Add (or, with negative numbers, subtract) days and weeks to a date.

    Args:
        date: Start date, YYYY-MM-DD.
        days: Days to add.
        weeks: Weeks to add.
    """
    result = parse_date(date) + timedelta(days=days, weeks=weeks)
    return {"date": result.isoformat(), "weekday": result.strftime("%A")}


@tool
def date_diff(start: str, end: str) -> dict:
    """Number of days from one date to another.

    Args:
        start: First date, YYYY-MM-DD.
        end: Second date, YYYY-MM-DD.
    """
    days = (parse_date(end, "end") - parse_date(start, "start")).days
    return {"start": start, "end": end, "days": days}
