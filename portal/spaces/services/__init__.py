"""Booking rules, split by concern: queries, availability, bookings, recurrence, staff."""
