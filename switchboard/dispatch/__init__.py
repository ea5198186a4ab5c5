"""Pickups, driver locations, ETA, nearest and batch driver assignment."""
