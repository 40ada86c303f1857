"""The travel desk: search, book, list and cancel flights. Bookings are kept in the session's tool state."""

from __future__ import annotations

import hashlib
from datetime import date as Date
from typing import Literal

from tools.builtin.clock import parse_date
from tools.model import ToolContext, tool

AIRLINES = ["SkyLark", "Aurora Air", "BlueJet", "Meridian"]


def _flight_date(text: str) -> Date:
    day = parse_date(text)
    if day < Date.today():
        raise ValueError(f"date {text} is in the past; flights can only be booked from today on")
    return day


def _flights(origin: str, destination: str, day: Date) -> list[dict]:
    seed = hashlib.sha256(f"{origin.lower()}|{destination.lower()}|{day}".encode()).digest()
    flights = []
    for i in range(3):
        hour = 6 + (seed[i] % 14)
        flights.append({
            "flight_id": f"{AIRLINES[seed[i + 3] % len(AIRLINES)][:2].upper()}{100 + seed[i + 6] % 900}",
            "origin": origin, "destination": destination, "date": day.isoformat(),
            "departure": f"{hour:02d}:{(seed[i + 9] % 4) * 15:02d}",
            "airline": AIRLINES[seed[i + 3] % len(AIRLINES)],
            "price_eur": 80 + seed[i + 12] % 400,
        })
    return sorted(flights, key=lambda f: f["departure"])


@tool
def search_flights(origin: str, destination: str, date: str) -> list:
    """Find flights between two cities on a date.

    Args:
        origin: City to fly from.
        destination: City to fly to.
        date: Day of travel, YYYY-MM-DD.
    """
    return _flights(origin, destination, _flight_date(date))


@tool(side_effects=True, state_key="travel")
def book_flight(
    origin: str,
    destination: str,
    date: str,
    ctx: ToolContext,
    passengers: int = 1,
    seat_class: Literal["economy", "business"] = "economy",
) -> dict:
    """Book the first available flight between two cities on a date.

    Args:
        origin: City to fly from.
        destination: City to fly to.
        date: Day of travel, YYYY-MM-DD, today or later.
        passengers: Number of travellers, 1 to 9.
        seat_class: economy or business.
    """
    if not 1 <= passengers <= 9:
        raise ValueError(f"passengers must be between 1 and 9, got {passengers}")
    flight = _flights(origin, destination, _flight_date(date))[0]
    bookings = ctx.state.setdefault("bookings", [])
    booking = {
        "booking_id": f"BK{len(bookings) + 1:04d}",
        **flight,
        "passengers": passengers,
        "seat_class": seat_class,
        "total_eur": flight["price_eur"] * passengers * (3 if seat_class == "business" else 1),
        "status": "confirmed",
    }
    bookings.append(booking)
    return booking


@tool(state_key="travel")
def list_bookings(ctx: ToolContext) -> list:
    """List this session's flight bookings."""
    return ctx.state.get("bookings", [])


@tool(side_effects=True, state_key="travel")
def cancel_booking(booking_id: str, ctx: ToolContext) -> dict:
    """Cancel a flight booking.

    Args:
        booking_id: The booking to cancel, such as BK0001.
    """
    for booking in ctx.state.get("bookings", []):
        if booking["booking_id"].lower() == booking_id.strip().lower():
            if booking["status"] == "cancelled":
                raise ValueError(f"booking {booking_id} is already cancelled")
            booking["status"] = "cancelled"
            return booking
    raise ValueError(f"no booking {booking_id!r} in this session")
