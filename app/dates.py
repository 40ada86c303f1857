"""Dates as people write them ("Dec 1", "1 December", "12/01", "tomorrow", "next Friday"), read as YYYY-MM-DD.

Used by the grounding checks and the demo model alike. Impossible dates (31 February) keep their numbers, as a
model would write them, so that the checks can question them.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Iterator

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"  # a month's name, lower case
_MONTH = rf"({MONTH_WORD})"


# The day a run is as of: today, unless a benchmark says when its dates were written ("book a flight on
# 2026-12-20" is not in the past for a suite written in November 2026, whenever it is run). Set with `as_of`;
# a context variable, so each eval item's thread has its own and LangGraph's workers inherit it.
_AS_OF: ContextVar[date | None] = ContextVar("as_of", default=None)


def current_day() -> date:
    """Today, or the day the running benchmark item is as of."""
    return _AS_OF.get() or date.today()


@contextmanager
def as_of(day: date | None) -> Iterator[None]:
    """Everything that reads the date in this block (the checks, the agents' prompts, the demo model) reads
    `day`; None leaves today."""
    token = _AS_OF.set(day)
    try:
        yield
    finally:
        _AS_OF.reset(token)


def _with_year(month: int, day: int, year: int | None, today: date) -> str:
    if year is None:
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_date(text: str, today: date | None = None) -> str | None:
    """A date as YYYY-MM-DD; impossible dates (31 February) keep their numbers, as a model would write them."""
    today = today or current_day()
    lower = text.lower()
    if m := re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", lower):
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    if m := re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(\d{{4}}))?", lower):
        return _with_year(MONTHS.index(m[2][:3]) + 1, int(m[1]), int(m[3]) if m[3] else None, today)
    if m := re.search(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", lower):
        return _with_year(MONTHS.index(m[1][:3]) + 1, int(m[2]), int(m[3]) if m[3] else None, today)
    if m := re.search(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b", lower):
        return _with_year(int(m[1]), int(m[2]), int(m[3]) if m[3] else None, today)
    if "day after tomorrow" in lower:
        return (today + timedelta(days=2)).isoformat()
    if "tomorrow" in lower:
        return (today + timedelta(days=1)).isoformat()
    if re.search(r"\btoday\b|\btonight\b", lower):
        return today.isoformat()
    if m := re.search(r"\bin\s+(\d+)\s+days?\b", lower):
        return (today + timedelta(days=int(m[1]))).isoformat()
    if m := re.search(r"\b(?:next|on|this)\s+(" + "|".join(WEEKDAYS) + r")\b", lower):
        ahead = (WEEKDAYS.index(m[1]) - today.weekday()) % 7 or 7
        return (today + timedelta(days=ahead)).isoformat()
    if m := re.search(r"\b(this|next|the)?\s*weekend\b", lower):  # its Saturday (next weekend: a week later)
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return (saturday + timedelta(days=7 if m[1] == "next" else 0)).isoformat()
    if re.search(r"\bnext month\b", lower):
        return (date(today.year + today.month // 12, today.month % 12 + 1, 1)).isoformat()
    if m := re.search(rf"\b(?:in|during|for)\s+{_MONTH}\b", lower):  # a month alone: its first day to come
        return _with_year(MONTHS.index(m[1][:3]) + 1, 1, None, today)
    return None
