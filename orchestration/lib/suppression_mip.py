"""The cheapest secondary suppression pattern, as a mixed-integer program solved by HiGHS.

Each cell that may be hidden has a 0/1 variable. Every sum that holds a hidden cell must hold at least one more
hidden cell (no hidden cell stands alone), and every cut the audit adds must hold: for a cell it found exposed,
at least one more of the cells around it is hidden. The cost of hiding a cell grows with the log of its value
(as with tau-ARGUS's log cost): fewer cells are hidden, and small ones rather than large totals.

This is tau-ARGUS's optimal method in the shape of its cut loop, with the independent audit (``disclosure``)
deciding what is exposed; ``disclosure.protect`` falls back to the greedy heuristic after its rounds of cuts.

Each program is limited by its work (``NODE_LIMIT`` branch-and-bound nodes), not by time, so the pattern depends on
the data alone and not on how fast or how busy the machine is. A time limit is kept only as a safety net far past
any program measured; a program stopped by it is reported, since its pattern would then depend on the machine.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.sparse import csc_matrix

PREFERRED_SHARE = 0.5
# Branch-and-bound nodes per program. The scale-1 extract's 102 programs took at most 7 (their time goes to the root
# node's cuts and heuristics, up to 5.3 s): past this many, the best pattern found so far is taken.
NODE_LIMIT = 1000
SAFETY_TIME_LIMIT = 600.0  # seconds: never reached by a program measured; reached, it is reported
DUAL_SIMPLEX, PRIMAL_SIMPLEX = 1, 4  # HiGHS's simplex_strategy values
# a linear relation over variables: ({variable: coefficient}, lower bound, upper bound)
Relation = tuple[dict[int, float], float, float]


def highs_model(width: int, rows: Sequence[Relation], integer: bool = False, cost: Sequence[float] | None = None,
                upper: float = highspy.kHighsInf) -> highspy.Highs:
    """A HiGHS model over ``width`` non-negative variables (0/1 if ``integer``) subject to ``rows``."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = width
    lp.num_row_ = len(rows)
    lp.col_cost_ = np.zeros(width) if cost is None else np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(width)
    lp.col_upper_ = np.full(width, 1.0 if integer else upper)
    lp.row_lower_ = np.array([max(lower, -highspy.kHighsInf) for _, lower, _ in rows])
    lp.row_upper_ = np.array([min(top, highspy.kHighsInf) for _, _, top in rows])
    data, row_index, column_index = [], [], []
    for r, (coefficients, _, _) in enumerate(rows):
        for c, v in coefficients.items():
            if v:
                row_index.append(r)
                column_index.append(c)
                data.append(v)
    matrix = csc_matrix((data, (row_index, column_index)), shape=(len(rows), width))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * width
    else:  # re-solved many times with one cost changed: the primal simplex from the last basis, no presolve,
        highs.setOptionValue("presolve", "off")  # is several times faster than HiGHS's default choice
        highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
    highs.passModel(lp)
    return highs


def hiding_cost(value: float) -> float:
    """What hiding a cell costs: more for a larger count, but far less than in proportion."""
    return math.log(2.0 + value)


class TimedOutPattern(UserWarning):
    """A program stopped by the safety time limit, not by its work limit: the pattern depends on timing."""


@dataclass
class PatternProblem:
    """Which cells may be hidden, which must be, and the sums and cuts a pattern must satisfy."""

    values: dict[Hashable, float]  # every cell that may be hidden, with its value
    hidden: set[Hashable]  # cells hidden whatever the pattern
    sums: list[list[Hashable]]  # each sum's cells (total and parts)
    cuts: list[tuple[Hashable, list[Hashable]]] = field(default_factory=list)  # (exposed cell, one of these)
    preferred: Collection[Hashable] = frozenset()  # cells that cost less to hide (PREFERRED_SHARE of the cost)

    def solve(self) -> set[Hashable] | None:
        """The cheapest set of cells to hide (besides ``hidden``), or None if none was found within
        ``NODE_LIMIT`` nodes (the best found within them, if not proven the cheapest)."""
        free = sorted(self.values, key=repr)
        if not free:
            return set()
        index = {cell: i for i, cell in enumerate(free)}
        rows: list[Relation] = []
        for members in self.sums:
            already = sum(1 for m in members if m in self.hidden)
            candidates = [index[m] for m in members if m in index]
            if already > 1 or not candidates:
                continue
            if already == 1:  # a cell hidden whatever the pattern: one more of the others
                rows.append(({c: 1.0 for c in candidates}, 1.0, math.inf))
                continue
            for i in candidates:  # a cell hidden here needs another
                others = {c: 1.0 for c in candidates if c != i}
                rows.append(({**others, i: -1.0}, 0.0, math.inf))
        for exposed, around in self.cuts:
            candidates = {index[m]: 1.0 for m in around if m in index}
            if exposed in index:
                candidates[index[exposed]] = candidates.get(index[exposed], 0.0) - 1.0
                rows.append((candidates, 0.0, math.inf))
            elif candidates:
                rows.append((candidates, 1.0, math.inf))
        costs = [hiding_cost(self.values[c]) * (PREFERRED_SHARE if c in self.preferred else 1.0) for c in free]
        highs = highs_model(len(free), rows, integer=True, cost=costs)
        highs.setOptionValue("mip_max_nodes", NODE_LIMIT)
        highs.setOptionValue("time_limit", SAFETY_TIME_LIMIT)
        highs.setOptionValue("mip_rel_gap", 1e-3)
        highs.run()
        if highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            warnings.warn(TimedOutPattern(f"a secondary suppression program ({len(free)} cells, {len(rows)} "
                                          f"constraints) ran past {SAFETY_TIME_LIMIT:.0f} s: its pattern now "
                                          f"depends on this machine's speed"), stacklevel=2)
        feasible = highs.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal and not feasible:
            return None  # no pattern within the limit (the best found within it is kept)
        solution = highs.getSolution().col_value
        return {cell for cell, chosen in zip(free, solution, strict=True) if chosen > 0.5}
