"""Everyday lookups and calculations: cities, countries, distances, dates, units, text. Deterministic
and standard-library only, so each call can run in a sandbox from this file alone and a verifier can
re-run it. Output fields are named so that one tool's output feeds another's input (a city's
`timezone` → a clock, two cities' coordinates → a distance → a travel time)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
from typing import TypedDict

# city: (country, IANA timezone, latitude, longitude)
_CITIES = {
    "Paris": ("France", "Europe/Paris", 48.8566, 2.3522),
    "London": ("United Kingdom", "Europe/London", 51.5074, -0.1278),
    "Berlin": ("Germany", "Europe/Berlin", 52.52, 13.405),
    "Madrid": ("Spain", "Europe/Madrid", 40.4168, -3.7038),
    "Rome": ("Italy", "Europe/Rome", 41.9028, 12.4964),
    "Tokyo": ("Japan", "Asia/Tokyo", 35.6762, 139.6503),
    "New York": ("United States", "America/New_York", 40.7128, -74.006),
    "Los Angeles": ("United States", "America/Los_Angeles", 34.0522, -118.2437),
    "Chicago": ("United States", "America/Chicago", 41.8781, -87.6298),
    "Sydney": ("Australia", "Australia/Sydney", -33.8688, 151.2093),
    "Sao Paulo": ("Brazil", "America/Sao_Paulo", -23.5505, -46.6333),
    "Cairo": ("Egypt", "Africa/Cairo", 30.0444, 31.2357),
    "Mumbai": ("India", "Asia/Kolkata", 19.076, 72.8777),
    "Beijing": ("China", "Asia/Shanghai", 39.9042, 116.4074),
    "Moscow": ("Russia", "Europe/Moscow", 55.7558, 37.6173),
    "Toronto": ("Canada", "America/Toronto", 43.6532, -79.3832),
    "Mexico City": ("Mexico", "America/Mexico_City", 19.4326, -99.1332),
    "Nairobi": ("Kenya", "Africa/Nairobi", -1.2921, 36.8219),
    "Singapore": ("Singapore", "Asia/Singapore", 1.3521, 103.8198),
    "Seoul": ("South Korea", "Asia/Seoul", 37.5665, 126.978),
    "Washington, D.C.": ("United States", "America/New_York", 38.9072, -77.0369),
    "Canberra": ("Australia", "Australia/Sydney", -35.2809, 149.13),
    "Brasilia": ("Brazil", "America/Sao_Paulo", -15.7939, -47.8828),
    "New Delhi": ("India", "Asia/Kolkata", 28.6139, 77.209),
    "Ottawa": ("Canada", "America/Toronto", 45.4215, -75.6972),
}
# country: (capital, ISO 4217 currency, calling code); every capital and every city's country is listed,
# so country_info → city_info → country_info chains always resolve.
_COUNTRIES = {
    "France": ("Paris", "EUR", "+33"), "United Kingdom": ("London", "GBP", "+44"),
    "Germany": ("Berlin", "EUR", "+49"), "Spain": ("Madrid", "EUR", "+34"), "Italy": ("Rome", "EUR", "+39"),
    "Japan": ("Tokyo", "JPY", "+81"), "United States": ("Washington, D.C.", "USD", "+1"),
    "Australia": ("Canberra", "AUD", "+61"), "Brazil": ("Brasilia", "BRL", "+55"), "Egypt": ("Cairo", "EGP", "+20"),
    "India": ("New Delhi", "INR", "+91"), "China": ("Beijing", "CNY", "+86"), "Russia": ("Moscow", "RUB", "+7"),
    "Canada": ("Ottawa", "CAD", "+1"), "Mexico": ("Mexico City", "MXN", "+52"), "Kenya": ("Nairobi", "KES", "+254"),
    "Singapore": ("Singapore", "SGD", "+65"), "South Korea": ("Seoul", "KRW", "+82"),
}
# unit → (dimension, factor to the base unit); temperatures are converted apart
_UNITS = {"m": ("length", 1.0), "km": ("length", 1000.0), "cm": ("length", 0.01), "mi": ("length", 1609.344),
          "ft": ("length", 0.3048), "in": ("length", 0.0254), "kg": ("mass", 1.0), "g": ("mass", 0.001),
          "lb": ("mass", 0.45359237), "oz": ("mass", 0.028349523125), "l": ("volume", 1.0),
          "ml": ("volume", 0.001), "gal": ("volume", 3.785411784)}
_TEMPS = ("C", "F", "K")

# Values a request may carry for each input, by name: the walks draw concrete arguments from here.
EXAMPLES = {
    "city": sorted(_CITIES), "country": sorted(_COUNTRIES),
    "date": ["2024-02-27", "2025-03-14", "2025-07-01", "2026-01-15", "2026-10-31"],
    "start_date": ["2025-01-01", "2025-06-15", "2026-03-01"], "end_date": ["2025-12-25", "2026-08-01", "2027-01-01"],
    "days": [3, 10, 45, 90, 200], "speed_kmh": [60, 80, 120, 250, 900],
    "from_unit": ["km", "mi", "kg", "lb", "C", "F", "l", "gal"], "value": [3.5, 12, 42, 100, 250],
    "principal": [1000, 2500, 10000], "rate_percent": [2.5, 4, 7], "years": [3, 5, 10],
    "text": ["The quick brown fox jumps over the lazy dog. It was not amused.",
             "Release notes: fixed two crashes and improved start-up time!"],
    "part": [12, 45, 300], "whole": [80, 150, 1200],
}


class CityInfo(TypedDict):
    city: str
    country: str
    timezone: str
    latitude: float
    longitude: float


class CountryInfo(TypedDict):
    country: str
    capital: str
    currency: str
    calling_code: str


class Distance(TypedDict):
    distance_km: float


class TravelTime(TypedDict):
    hours: float
    minutes: int


class DatedDay(TypedDict):
    date: str
    weekday: str


class DayCount(TypedDict):
    days: int


class Quantity(TypedDict):
    value: float
    unit: str


class TextStats(TypedDict):
    words: int
    characters: int
    sentences: int


class Slug(TypedDict):
    slug: str


class Growth(TypedDict):
    amount: float
    interest: float


class Digest(TypedDict):
    sha256: str


class Percent(TypedDict):
    percent: float


def _known(value: str, table: dict, what: str) -> str:
    for k in table:
        if k.lower() == value.strip().lower():
            return k
    raise ValueError(f"unknown {what} '{value}'; known: {', '.join(sorted(table))}")


def _date(value: str, field: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{field} must be a date as YYYY-MM-DD, got '{value}'") from None


def city_info(city: str) -> CityInfo:
    """Look up a city: its country, IANA timezone and coordinates.

    Args:
        city: city name, e.g. "Paris"
    """
    name = _known(city, _CITIES, "city")
    country, tz, lat, lon = _CITIES[name]
    return {"city": name, "country": country, "timezone": tz, "latitude": lat, "longitude": lon}


def country_info(country: str) -> CountryInfo:
    """Look up a country: its capital, currency code and international calling code.

    Args:
        country: country name, e.g. "Japan"
    """
    name = _known(country, _COUNTRIES, "country")
    capital, currency, code = _COUNTRIES[name]
    return {"country": name, "capital": capital, "currency": currency, "calling_code": code}


def distance_km(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> Distance:
    """Great-circle distance in kilometres between two points given by latitude and longitude.

    Args:
        latitude_a: latitude of the first point, degrees
        longitude_a: longitude of the first point, degrees
        latitude_b: latitude of the second point, degrees
        longitude_b: longitude of the second point, degrees
    """
    p1, p2 = math.radians(latitude_a), math.radians(latitude_b)
    dp, dl = p2 - p1, math.radians(longitude_b - longitude_a)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return {"distance_km": round(2 * 6371.0088 * math.asin(math.sqrt(h)), 1)}


def travel_time(distance_km: float, speed_kmh: float) -> TravelTime:
    """Time to cover a distance at a constant speed.

    Args:
        distance_km: distance in kilometres
        speed_kmh: speed in kilometres per hour
    """
    if speed_kmh <= 0:
        raise ValueError("speed_kmh must be positive")
    hours = distance_km / speed_kmh
    return {"hours": round(hours, 2), "minutes": round(hours * 60)}


def add_days(date: str, days: int) -> DatedDay:
    """The date a number of days after (or, negative, before) a date, with its weekday.

    Args:
        date: start date, YYYY-MM-DD
        days: days to add
    """
    d = _date(date, "date") + _dt.timedelta(days=days)
    return {"date": d.isoformat(), "weekday": d.strftime("%A")}


def days_between(start_date: str, end_date: str) -> DayCount:
    """Number of days from one date to another (negative when the end comes first).

    Args:
        start_date: YYYY-MM-DD
        end_date: YYYY-MM-DD
    """
    return {"days": (_date(end_date, "end_date") - _date(start_date, "start_date")).days}


def weekday(date: str) -> DatedDay:
    """The day of the week of a date.

    Args:
        date: YYYY-MM-DD
    """
    d = _date(date, "date")
    return {"date": d.isoformat(), "weekday": d.strftime("%A")}


def convert_units(value: float, from_unit: str, to_unit: str) -> Quantity:
    """Convert a quantity between units of length (m, km, cm, mi, ft, in), mass (kg, g, lb, oz), volume
    (l, ml, gal) or temperature (C, F, K).

    Args:
        value: the quantity
        from_unit: its unit
        to_unit: the unit wanted
    """
    if from_unit in _TEMPS and to_unit in _TEMPS:
        k = {"C": value + 273.15, "F": (value - 32) * 5 / 9 + 273.15, "K": value}[from_unit]
        out = {"C": k - 273.15, "F": (k - 273.15) * 9 / 5 + 32, "K": k}[to_unit]
        return {"value": round(out, 2), "unit": to_unit}
    if from_unit not in _UNITS or to_unit not in _UNITS:
        raise ValueError(f"unknown unit; known: {', '.join([*_UNITS, *_TEMPS])}")
    (dim_a, fa), (dim_b, fb) = _UNITS[from_unit], _UNITS[to_unit]
    if dim_a != dim_b:
        raise ValueError(f"cannot convert {dim_a} ({from_unit}) to {dim_b} ({to_unit})")
    return {"value": round(value * fa / fb, 4), "unit": to_unit}


def text_stats(text: str) -> TextStats:
    """Count the words, characters and sentences of a text.

    Args:
        text: the text
    """
    sentences = [s for s in re.split(r"[.!?]+", text) if s.strip()]
    return {"words": len(text.split()), "characters": len(text), "sentences": len(sentences)}


def slugify(text: str) -> Slug:
    """A URL slug for a text: lower case, words joined by hyphens, punctuation dropped.

    Args:
        text: the text
    """
    return {"slug": "-".join(re.findall(r"[a-z0-9]+", text.lower()))}


def compound_interest(principal: float, rate_percent: float, years: int) -> Growth:
    """Value of a deposit after compounding once a year, and the interest earned.

    Args:
        principal: the deposit
        rate_percent: yearly interest rate in percent
        years: number of years
    """
    amount = principal * (1 + rate_percent / 100) ** years
    return {"amount": round(amount, 2), "interest": round(amount - principal, 2)}


def sha256_text(text: str) -> Digest:
    """The SHA-256 digest of a text (UTF-8), as hex.

    Args:
        text: the text
    """
    return {"sha256": hashlib.sha256(text.encode()).hexdigest()}


def percentage(part: float, whole: float) -> Percent:
    """What percent one number is of another.

    Args:
        part: the part
        whole: the whole
    """
    if whole == 0:
        raise ValueError("whole must not be zero")
    return {"percent": round(100 * part / whole, 2)}
