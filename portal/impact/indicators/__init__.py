"""Indicators computed from recorded data with aggregate SQL: a fixed number of queries per report,
whatever the volume. Each function takes the periods to compare (current first) and a Scope, and
returns plain values per period."""
