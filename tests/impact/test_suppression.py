"""Small-cell suppression: counts under 5 are hidden, and no hidden value can be worked out from the
totals of its row or column (checked by an independent search over every table the reader could
believe, given what is shown)."""
from __future__ import annotations

import random

import pytest

from portal.impact.suppression import PRIMARY, SECONDARY, VISIBLE, suppress, suppress_figure

THRESHOLD = 5


def _extended(table, row_totals, col_totals):
    """(key → Cell) of the shown grid, and the sums a reader knows hold."""
    m, n = len(table.cells), len(table.cells[0])
    cells = {(i, j): table.cells[i][j] for i in range(m) for j in range(n)}
    sums = []
    if row_totals:
        cells.update({(i, n): table.row_totals[i] for i in range(m)})
        sums += [([(i, j) for j in range(n)], (i, n)) for i in range(m)]
    if col_totals:
        cells.update({(m, j): table.col_totals[j] for j in range(n)})
        sums += [([(i, j) for i in range(m)], (m, j)) for j in range(n)]
    if row_totals and col_totals:
        cells[(m, n)] = table.grand_total
        sums += [([(m, j) for j in range(n)], (m, n)), ([(i, n) for i in range(m)], (m, n))]
    return cells, sums


def _feasible(cells, sums, fixed, cap):
    """Is there a table agreeing with what is shown (and with ``fixed``)? Depth-first, pruned by sums."""
    hidden = [k for k, c in cells.items() if c.state != VISIBLE and k not in fixed]
    values = {k: c.value for k, c in cells.items() if c.state == VISIBLE}
    values.update(fixed)

    def ok(partial):
        for parts, total in sums:
            keys = parts + [total]
            if all(k in partial for k in keys):
                if sum(partial[k] for k in parts) != partial[total]:
                    return False
            elif total in partial:
                known = sum(partial[k] for k in parts if k in partial)
                if known > partial[total]:
                    return False
        return True

    if not ok(values):
        return False

    def search(index):
        if index == len(hidden):
            return True
        key = hidden[index]
        span = range(THRESHOLD) if cells[key].state == PRIMARY else range(THRESHOLD, cap + 1)
        for value in span:
            values[key] = value
            if ok(values) and search(index + 1):
                return True
        del values[key]
        return False

    return search(0)


def assert_not_recoverable(raw, row_totals, col_totals):
    table = suppress(raw, row_totals=row_totals, col_totals=col_totals)
    cells, sums = _extended(table, row_totals, col_totals)
    # The reader is granted a close upper bound for any hidden value: the true sum and a few more.
    cap = sum(sum(row) for row in raw) + THRESHOLD
    for key, cell in cells.items():
        assert (cell.value < THRESHOLD) == (cell.state == PRIMARY) or cell.state == SECONDARY, (raw, key)
        if not cell.hidden:
            continue
        span = range(THRESHOLD) if cell.state == PRIMARY else range(THRESHOLD, cap + 1)
        others = [v for v in span if v != cell.value and _feasible(cells, sums, {key: v}, cap)]
        assert others, f"{raw}: the hidden cell {key} ({cell.value}) can be worked out from the totals"
    return table


def test_a_count_under_five_is_hidden_and_the_others_shown():
    assert suppress_figure(4).state == PRIMARY
    assert suppress_figure(0).state == PRIMARY
    assert suppress_figure(5).state == VISIBLE


def test_a_single_small_cell_in_a_row_with_its_total_hides_a_second_cell():
    table = assert_not_recoverable([[3, 12, 8]], row_totals=True, col_totals=False)
    states = [c.state for c in table.cells[0]]
    assert states == [PRIMARY, VISIBLE, SECONDARY]  # the smaller of the two others
    assert table.row_totals[0].state == VISIBLE


def test_a_zero_hidden_alone_with_zero_partners_is_not_given_away():
    # Hiding 0 and 0 with the total shown would tell the reader both are 0.
    table = assert_not_recoverable([[0, 0, 9]], row_totals=True, col_totals=False)
    assert table.cells[0][2].hidden or table.row_totals[0].hidden


def test_two_way_table_hides_a_rectangle():
    table = assert_not_recoverable([[3, 12, 8], [10, 20, 30], [7, 9, 11]], row_totals=True, col_totals=True)
    hidden = {(i, j) for i, row in enumerate(table.cells) for j, c in enumerate(row) if c.hidden}
    assert hidden == {(0, 0), (0, 2), (2, 0), (2, 2)}
    assert not any(c.hidden for c in table.row_totals + table.col_totals + [table.grand_total])


def test_small_totals_are_hidden_too():
    table = assert_not_recoverable([[1, 2], [9, 9]], row_totals=True, col_totals=True)
    assert table.row_totals[0].state == PRIMARY


def test_a_column_with_its_total_only():
    assert_not_recoverable([[2], [30], [40]], row_totals=False, col_totals=True)


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_never_give_a_hidden_cell_away(seed):
    rng = random.Random(seed)
    for _ in range(25):
        m, n = rng.randint(1, 3), rng.randint(1, 3)
        raw = [[rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 11, 14]) for _j in range(n)] for _i in range(m)]
        shape = rng.choice([(True, False), (False, True), (True, True)])
        assert_not_recoverable(raw, *shape)
