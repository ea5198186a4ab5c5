"""Slot generation, rolling-window maintenance and slot health."""
