"""Small-cell suppression for counts published to funders, as a pure function.

Primary suppression hides every count below the threshold (shown "< 5"). Secondary suppression
then hides more cells (shown "masqué") until no hidden value can be worked out from what is shown:

- exactly, by linear algebra on the table's sums (a hidden cell is recoverable when its unit vector
  lies in the row space of the sum equations restricted to hidden cells);
- or from bounds, when one sum equation can only hold with every hidden cell at a bound
  (primary cells lie in [0, threshold - 1], other hidden cells are at least the threshold).

The secondary cell chosen is the smallest visible one sharing a sum with the exposed cell, so as
little as possible is hidden.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = 5
VISIBLE, PRIMARY, SECONDARY = "visible", "primary", "secondary"


@dataclass(frozen=True)
class Cell:
    value: int
    state: str = VISIBLE

    @property
    def hidden(self) -> bool:
        return self.state != VISIBLE


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[list[Cell]]
    row_totals: list[Cell] | None
    col_totals: list[Cell] | None
    grand_total: Cell | None

    def all_cells(self) -> list[Cell]:
        out = [c for row in self.cells for c in row]
        out += self.row_totals or []
        out += self.col_totals or []
        out += [self.grand_total] if self.grand_total else []
        return out


def _grid(cells, row_totals: bool, col_totals: bool) -> tuple[dict, list[list[tuple]]]:
    """Values of the extended grid keyed by (row, column) and the sum equations as lists of
    (key, coefficient). Totals sit in row m / column n."""
    m = len(cells)
    n = len(cells[0]) if m else 0
    values = {(i, j): int(cells[i][j]) for i in range(m) for j in range(n)}
    equations = []
    if row_totals:
        for i in range(m):
            values[(i, n)] = sum(values[(i, j)] for j in range(n))
            equations.append([((i, j), 1) for j in range(n)] + [((i, n), -1)])
    if col_totals:
        for j in range(n):
            values[(m, j)] = sum(values[(i, j)] for i in range(m))
            equations.append([((i, j), 1) for i in range(m)] + [((m, j), -1)])
    if row_totals and col_totals:
        values[(m, n)] = sum(values[(i, n)] for i in range(m))
        equations.append([((m, j), 1) for j in range(n)] + [((m, n), -1)])
        equations.append([((i, n), 1) for i in range(m)] + [((m, n), -1)])
    return values, equations


def _row_space(equations, hidden: list) -> list[tuple[int, dict]]:
    """Reduced row echelon basis (pivot, row) of the equations restricted to hidden keys."""
    basis: list[tuple[int, dict]] = []
    order = {key: index for index, key in enumerate(hidden)}
    for equation in equations:
        row = {order[key]: Fraction(c) for key, c in equation if key in order}
        row = _reduce(row, basis)
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {k: v / scale for k, v in row.items()}
        reduced = []
        for p, other in basis:
            if pivot in other:
                factor = other[pivot]
                other = {k: other.get(k, 0) - factor * row.get(k, 0) for k in set(other) | set(row)}
                other = {k: v for k, v in other.items() if v != 0}
            reduced.append((p, other))
        basis = reduced + [(pivot, row)]
    return basis


def _reduce(row: dict, basis) -> dict:
    row = dict(row)
    for pivot, other in basis:
        factor = row.get(pivot, 0)
        if factor:
            for k, v in other.items():
                row[k] = row.get(k, 0) - factor * v
            row = {k: v for k, v in row.items() if v != 0}
    return row


def recoverable(values: dict, states: dict, equations, threshold: int = THRESHOLD) -> list:
    """Hidden keys whose value follows from the visible ones (exactly or from bounds)."""
    hidden = sorted(k for k, s in states.items() if s != VISIBLE)
    basis = _row_space(equations, hidden)
    exposed = [key for index, key in enumerate(hidden) if not _reduce({index: Fraction(1)}, basis)]
    for equation in equations:
        unknown = [(k, c) for k, c in equation if states[k] != VISIBLE]
        if not unknown:
            continue
        rest = -sum(values[k] * c for k, c in equation if states[k] == VISIBLE)
        low = high = 0
        for key, c in unknown:
            lo, hi = (0, threshold - 1) if states[key] == PRIMARY else (threshold, None)
            a, b = (lo, hi) if c > 0 else ((-hi if hi is not None else None), -lo)
            low = None if low is None or a is None else low + a
            high = None if high is None or b is None else high + b
        if rest == low or rest == high:
            exposed.extend(k for k, _c in unknown if k not in exposed)
    return exposed


def suppress(cells: Sequence[Sequence[int]], *, row_totals: bool = True, col_totals: bool = True,
             threshold: int = THRESHOLD) -> SuppressedTable:
    """Hide small counts of a table and enough others that none can be recovered from the totals."""
    m = len(cells)
    n = len(cells[0]) if m else 0
    values, equations = _grid(cells, row_totals, col_totals)
    states = {key: PRIMARY if value < threshold else VISIBLE for key, value in values.items()}
    while True:
        exposed = recoverable(values, states, equations, threshold)
        if not exposed:
            break
        if not _hide_one_more(exposed, values, states, equations, (m, n)):
            break  # everything is hidden already

    def cell(key):
        return Cell(values[key], states[key])

    return SuppressedTable(
        cells=[[cell((i, j)) for j in range(n)] for i in range(m)],
        row_totals=[cell((i, n)) for i in range(m)] if row_totals else None,
        col_totals=[cell((m, j)) for j in range(n)] if col_totals else None,
        grand_total=cell((m, n)) if row_totals and col_totals else None,
    )


def _hide_one_more(exposed, values, states, equations, margins) -> bool:
    def rank(key):  # smallest first; inner cells before totals so that totals stay readable
        return values[key], key[0] == margins[0] or key[1] == margins[1], key

    # A sum with a single hidden cell gives it away: hide a visible cell of that sum, preferring one
    # that closes two such sums at once (the corners of a rectangle).
    singles = [eq for eq in equations if sum(states[k] != VISIBLE for k, _c in eq) == 1]
    reach: dict = {}
    for equation in singles:
        for key, _c in equation:
            if states[key] == VISIBLE:
                reach[key] = reach.get(key, 0) + 1
    if reach:
        choice = min(reach, key=lambda k: (-reach[k], *rank(k)))
        states[choice] = SECONDARY
        return True
    target = exposed[0]
    near = {k for equation in equations if any(k == target for k, _c in equation) for k, _c in equation}
    for pool in (near, set(values)):
        candidates = [k for k in pool if states[k] == VISIBLE]
        if candidates:
            states[min(candidates, key=rank)] = SECONDARY
            return True
    return False


def suppress_figure(value: int, threshold: int = THRESHOLD) -> Cell:
    """A single count standing alone."""
    return Cell(value, PRIMARY if value < threshold else VISIBLE)
