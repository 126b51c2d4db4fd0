"""Portable SQL pieces for the indicators: the same expression on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import Date, Float, Integer, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Boolean


class hours_between(FunctionElement):
    """Hours from the first timestamp (or time of day) to the second, as a float."""

    type = Float()
    inherit_cache = True


@compiles(hours_between)
def _hours_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 3600.0)"


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    # Whole seconds: julianday()'s floating days would give 63.99999997 hours.
    return (f"((CAST(strftime('%s', {compiler.process(end, **kw)}) AS INTEGER)"
            f" - CAST(strftime('%s', {compiler.process(start, **kw)}) AS INTEGER)) / 3600.0)")


class least(FunctionElement):
    inherit_cache = True


class greatest(FunctionElement):
    inherit_cache = True


@compiles(least)
def _least(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element, compiler, **kw):
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


class json_has_any(ColumnElement):
    """True when a JSON array column holds at least one of the given strings."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, column, values):
        self.column = column
        self.values = list(values)


@compiles(json_has_any)
def _has_any_pg(element, compiler, **kw):
    values = ", ".join(compiler.process(bindparam(None, v, unique=True), **kw) for v in element.values)
    return f"(CAST({compiler.process(element.column, **kw)} AS JSONB) ?| ARRAY[{values}]::text[])"


@compiles(json_has_any, "sqlite")
def _has_any_sqlite(element, compiler, **kw):
    values = ", ".join(compiler.process(bindparam(None, v, unique=True), **kw) for v in element.values)
    return (f"EXISTS (SELECT 1 FROM json_each({compiler.process(element.column, **kw)}) "
            f"WHERE json_each.value IN ({values}))")


class next_day(FunctionElement):
    """The calendar day after a date."""

    type = Date()
    inherit_cache = True


@compiles(next_day)
def _next_day_pg(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} + 1)"


@compiles(next_day, "sqlite")
def _next_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


class weekday_of(FunctionElement):
    """0 for Monday … 6 for Sunday, as Python's date.weekday()."""

    type = Integer()
    inherit_cache = True


@compiles(weekday_of)
def _weekday_pg(element, compiler, **kw):
    return f"(CAST(EXTRACT(ISODOW FROM {compiler.process(element.clauses, **kw)}) AS INTEGER) - 1)"


@compiles(weekday_of, "sqlite")
def _weekday_sqlite(element, compiler, **kw):
    return f"((CAST(strftime('%w', {compiler.process(element.clauses, **kw)}) AS INTEGER) + 6) % 7)"
