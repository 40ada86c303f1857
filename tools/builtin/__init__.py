"""The built-in tools. A new built-in is a `@tool` function in a module here, listed in BUILTINS."""

from tools.builtin.calculator import calculator
from tools.builtin.clock import current_datetime, date_add, date_diff
from tools.builtin.notes import list_notes, save_note, search_notes
from tools.builtin.travel import book_flight, cancel_booking, list_bookings, search_flights
from tools.builtin.units import convert_units
from tools.builtin.weather import weather

BUILTINS = [
    calculator, current_datetime, date_add, date_diff, convert_units, weather,
    search_flights, book_flight, list_bookings, cancel_booking, save_note, list_notes, search_notes,
]

TOOLSETS: dict[str, list[str]] = {
    "math": ["calculator", "convert_units"],
    "travel": ["weather", "search_flights", "book_flight", "list_bookings", "cancel_booking", "current_datetime", "date_add"],
    "notes": ["save_note", "list_notes", "search_notes"],
    "everything": [t.name for t in BUILTINS],
}
