"""The one ETA function: haversine distance x the road factor, over the average speed.

Everything that shows or compares an ETA calls `eta`, so that a routing service can
replace this module's arithmetic later without touching its callers.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Eta:
    distance_m: int  # along the road (straight line x road factor)
    seconds: int

    @property
    def minutes(self) -> int:
        # Rounded up: "2 min" for 61 s; 0 only when already there.
        return math.ceil(self.seconds / 60)

    def as_delta(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def eta(config, from_lat: float, from_lng: float, to_lat: float, to_lng: float) -> Eta:
    """From a position to a place, with `config`'s road factor and average speed."""
    road = haversine_m(from_lat, from_lng, to_lat, to_lng) * config.road_factor
    speed = config.average_speed_kmh * 1000 / 3600
    return Eta(distance_m=round(road), seconds=round(road / speed))


def eta_matrix(config, origins, targets) -> tuple[np.ndarray, np.ndarray]:
    """`eta` for every origin x target at once: (seconds, road metres), both rounded as
    `eta` rounds them. `origins` and `targets` are sequences of (lat, lng)."""
    a = np.radians(np.asarray(origins, dtype=float).reshape(-1, 2))
    b = np.radians(np.asarray(targets, dtype=float).reshape(-1, 2))
    p1, p2 = a[:, :1], b[:, 0][None, :]
    dp, dl = p2 - p1, b[:, 1][None, :] - a[:, 1:]
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    road = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h))) * config.road_factor
    speed = config.average_speed_kmh * 1000 / 3600
    return np.round(road / speed), np.round(road)
