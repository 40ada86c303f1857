"""weather: deterministic offline weather for a few dozen cities (same city and date, same answer)."""

from __future__ import annotations

import hashlib
from typing import Literal

from tools.model import tool

# city -> (country, typical temperature in °C)
CITIES: dict[str, tuple[str, float]] = {
    "Amsterdam": ("Netherlands", 11), "Athens": ("Greece", 19), "Bangkok": ("Thailand", 29),
    "Barcelona": ("Spain", 17), "Beijing": ("China", 13), "Berlin": ("Germany", 10), "Boston": ("USA", 11),
    "Buenos Aires": ("Argentina", 18), "Cairo": ("Egypt", 23), "Cape Town": ("South Africa", 17),
    "Chicago": ("USA", 10), "Delhi": ("India", 25), "Dubai": ("UAE", 28), "Dublin": ("Ireland", 10),
    "Hong Kong": ("China", 23), "Istanbul": ("Turkey", 15), "Jakarta": ("Indonesia", 28),
    "Lagos": ("Nigeria", 27), "Lima": ("Peru", 19), "Lisbon": ("Portugal", 17), "London": ("UK", 11),
    "Los Angeles": ("USA", 18), "Madrid": ("Spain", 15), "Melbourne": ("Australia", 15),
    "Mexico City": ("Mexico", 16), "Moscow": ("Russia", 6), "Mumbai": ("India", 27), "Nairobi": ("Kenya", 19),
    "New York": ("USA", 13), "Oslo": ("Norway", 6), "Paris": ("France", 12), "Prague": ("Czechia", 9),
    "Rio de Janeiro": ("Brazil", 24), "Rome": ("Italy", 16), "San Francisco": ("USA", 14),
    "Seoul": ("South Korea", 12), "Singapore": ("Singapore", 28), "Stockholm": ("Sweden", 7),
    "Sydney": ("Australia", 18), "Tokyo": ("Japan", 16), "Toronto": ("Canada", 8), "Vienna": ("Austria", 10),
}
_CONDITIONS = ["sunny", "partly cloudy", "cloudy", "light rain", "showers", "clear", "windy", "overcast"]


def find_city(name: str) -> str:
    wanted = " ".join(name.replace(",", " ").split()).lower()
    for city in CITIES:
        if city.lower() == wanted or wanted.startswith(city.lower() + " "):
            return city
    raise ValueError(
        f"no offline weather for {name!r}; cities available: {', '.join(sorted(CITIES))}"
    )


@tool
def weather(city: str, units: Literal["metric", "imperial"] = "metric") -> dict:
    """Current weather for a city: temperature, conditions, humidity and wind.

    Args:
        city: City name, for example Paris or New York.
        units: metric (°C, km/h) or imperial (°F, mph).
    """
    name = find_city(city)
    country, typical = CITIES[name]
    digest = hashlib.sha256(name.encode()).digest()
    celsius = round(typical + (digest[0] % 9) - 4)
    wind_kmh = 5 + digest[1] % 30
    result = {
        "city": name,
        "country": country,
        "conditions": _CONDITIONS[digest[2] % len(_CONDITIONS)],
        "humidity_percent": 35 + digest[3] % 55,
    }
    if units == "imperial":
        result.update(temperature_f=round(celsius * 9 / 5 + 32), wind_mph=round(wind_kmh / 1.609))
    else:
        result.update(temperature_c=celsius, wind_kmh=wind_kmh)
    return result
