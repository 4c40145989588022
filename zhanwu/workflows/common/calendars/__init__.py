"""Frozen China working-day calendars, one module per version (written by scripts/freeze-calendar)."""
