"""Attendance and rosters: clock logs, breaks, shifts, corrections (docs/attendance.md)."""
