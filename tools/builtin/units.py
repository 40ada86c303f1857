"""convert_units: length, mass, volume, speed, time and temperature."""

from __future__ import annotations

from tools.model import tool

# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "m": ("length", 1.0), "km": ("length", 1000.0), "cm": ("length", 0.01), "mm": ("length", 0.001),
    "mi": ("length", 1609.344), "yd": ("length", 0.9144), "ft": ("length", 0.3048), "in": ("length", 0.0254),
    "kg": ("mass", 1.0), "g": ("mass", 0.001), "mg": ("mass", 1e-6), "lb": ("mass", 0.45359237),
    "oz": ("mass", 0.028349523125), "t": ("mass", 1000.0),
    "l": ("volume", 1.0), "ml": ("volume", 0.001), "gal": ("volume", 3.785411784), "cup": ("volume", 0.2365882365),
    "m/s": ("speed", 1.0), "km/h": ("speed", 1 / 3.6), "mph": ("speed", 0.44704), "kn": ("speed", 0.514444),
    "s": ("time", 1.0), "min": ("time", 60.0), "h": ("time", 3600.0), "day": ("time", 86400.0),
    "week": ("time", 604800.0),
    "c": ("temperature", 1.0), "f": ("temperature", 1.0), "k": ("temperature", 1.0),
}
_ALIASES = {
    "meter": "m", "meters": "m", "metre": "m", "metres": "m", "kilometer": "km", "kilometers": "km",
    "kilometre": "km", "kilometres": "km", "centimeters": "cm", "centimeter": "cm", "millimeters": "mm",
    "mile": "mi", "miles": "mi", "yard": "yd", "yards": "yd", "foot": "ft", "feet": "ft", "inch": "in",
    "inches": "in", "kilogram": "kg", "kilograms": "kg", "kilo": "kg", "kilos": "kg", "gram": "g",
    "grams": "g", "pound": "lb", "pounds": "lb", "lbs": "lb", "ounce": "oz", "ounces": "oz", "tonne": "t",
    "tonnes": "t", "liter": "l", "liters": "l", "litre": "l", "litres": "l", "milliliters": "ml",
    "gallon": "gal", "gallons": "gal", "cups": "cup", "kph": "km/h", "kmh": "km/h", "knots": "kn",
    "second": "s", "seconds": "s", "minute": "min", "minutes": "min", "hour": "h", "hours": "h",
    "days": "day", "weeks": "week", "celsius": "c", "°c": "c", "fahrenheit": "f", "°f": "f", "kelvin": "k",
}

UNIT_NAMES = (*_UNITS, *_ALIASES)  # every name the tool takes (the demo model reads units with these)


def normalise_unit(unit: str) -> str:
    key = unit.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _UNITS:
        raise ValueError(f"unknown unit {unit!r}; known: {', '.join(sorted(_UNITS))}")
    return key


def _temperature(value: float, source: str, target: str) -> float:
    kelvin = {"c": value + 273.15, "f": (value - 32) * 5 / 9 + 273.15, "k": value}[source]
    return {"c": kelvin - 273.15, "f": (kelvin - 273.15) * 9 / 5 + 32, "k": kelvin}[target]


@tool
def convert_units(value: float, from_unit: str, to_unit: str) -> dict:
    """Convert a quantity between units of length, mass, volume, speed, time or temperature.

    Args:
        value: The quantity to convert.
        from_unit: Unit of the value, such as km, mi, kg, lb, l, gal, km/h, mph, C, F.
        to_unit: Unit to convert to, of the same kind.
    """
    source, target = normalise_unit(from_unit), normalise_unit(to_unit)
    (dim_a, factor_a), (dim_b, factor_b) = _UNITS[source], _UNITS[target]
    if dim_a != dim_b:
        raise ValueError(f"cannot convert {dim_a} ({from_unit}) to {dim_b} ({to_unit})")
    result = _temperature(value, source, target) if dim_a == "temperature" else value * factor_a / factor_b
    return {"value": value, "from_unit": from_unit, "to_unit": to_unit, "result": round(result, 6)}
