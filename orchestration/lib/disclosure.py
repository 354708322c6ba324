"""Statistical disclosure control for what leaves the warehouse (spec 7.3).

Every published count, and the count behind every rate and percentage (its
numerator), belongs to a *count table*: one indicator for one period, with
cells keyed by area and breakdown value. Its cells are tied together by the
table's hierarchies: each breakdown's values add up to their area's total,
and the Trusts, and the LGDs, add up to Northern Ireland.

- Primary suppression hides every count from 1 to 4.
- Secondary suppression chooses the cheapest further cells such that no hidden
  cell stands alone in any of the table's sums (a mixed-integer program,
  ``suppression_mip``), adding a cut for whatever the audit still finds; after
  a fixed number of rounds the greedy heuristic repairs the pattern instead (a
  limit of work, not of time: the pattern depends on the data alone).
- The audit is independent of the heuristics: a linear program (HiGHS)
  bounds each hidden cell by everything published and every
  sum. A hidden count that can be worked out exactly, or a small count that
  can be pinned inside 1 to 4, is a failure.

Rates follow their count; a percentage, rate or median on fewer than 10
cases, or whose numerator is hidden, is ``c`` as well. Symbols: ``c``
suppressed, ``0`` a true zero, ``z`` cannot exist, ``x`` not available.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import highspy
import numpy as np

from orchestration.lib.suppression_mip import DUAL_SIMPLEX, PRIMAL_SIMPLEX, PatternProblem, Relation, highs_model

SUPPRESSED, TRUE_ZERO, NOT_APPLICABLE, NOT_AVAILABLE = "c", "0", "z", "x"
SYMBOLS = {
    SUPPRESSED: "Suppressed to protect confidentiality: a count from 1 to 4, a value that would reveal one, or a "
                "percentage, rate or median on fewer than 10 cases.",
    TRUE_ZERO: "A true zero.",
    NOT_APPLICABLE: "Not applicable: the value cannot exist (for example a percentage of no cases, or a rate for "
                    "ages outside the population it is taken over).",
    NOT_AVAILABLE: "Not available: no data or no population estimate exist for this value.",
}
# The symbols as readers' outputs write them (the Analysis Function's guidance for spreadsheets): the workbook
# and the report; a true zero stays a number. The CSV keeps the bare letters.
BRACKETED = {SUPPRESSED: "[c]", NOT_AVAILABLE: "[x]", NOT_APPLICABLE: "[z]"}
SMALLEST_SAFE_COUNT = 5
SMALLEST_SAFE_DENOMINATOR = 10
NI_LEVEL = "NI"
SUB_LEVELS = ("TRUST", "LGD")
TOTAL = "total"
TOLERANCE = 1e-6
# the optimal pattern of one table: at most so many rounds of cuts, before the heuristic repairs it (each round's
# integer program is limited by its branch-and-bound nodes, suppression_mip.NODE_LIMIT: no limit is one of time)
OPTIMAL_ROUNDS = 6
# the audit's rounds of pushing the pending cells together, before each is solved alone
PUSH_ROUNDS = 3

# a cell of a count table: (geographic_level, area_code, breakdown, breakdown_value)
Key = tuple[str, str, str, str]


def is_small(count: float) -> bool:
    """A count the primary rule hides: more than nothing and fewer than five."""
    return 0 < count < SMALLEST_SAFE_COUNT


def too_few_cases(denominator: float | None) -> bool:
    """A percentage, rate, median or mean on fewer than 10 cases, which is not shown (spec 7.3)."""
    return denominator is not None and denominator < SMALLEST_SAFE_DENOMINATOR


@dataclass
class CountTable:
    """One indicator's counts (or numerators) for one period, with the sums that tie them together."""

    name: tuple
    cells: dict[Key, float]

    def sums(self) -> list[tuple[Key, list[Key]]]:
        """Each (total, parts) relation of the table: breakdown values to their total, areas to NI."""
        by_area: dict[tuple[str, str], dict[str, list[Key]]] = defaultdict(lambda: defaultdict(list))
        by_value: dict[tuple[str, str], dict[str, list[Key]]] = defaultdict(lambda: defaultdict(list))
        for key in self.cells:
            level, area, breakdown, _ = key
            if breakdown != TOTAL:
                by_area[(level, area)][breakdown].append(key)
            if level in SUB_LEVELS:
                by_value[(key[2], key[3])][level].append(key)
        relations: list[tuple[Key, list[Key]]] = []
        for (level, area), breakdowns in by_area.items():
            total = (level, area, TOTAL, TOTAL)
            if total in self.cells:
                relations.extend((total, sorted(parts)) for parts in breakdowns.values())
        ni_areas = {key[1] for key in self.cells if key[0] == NI_LEVEL}
        for (breakdown, value), levels in by_value.items():
            for ni_area in ni_areas:
                total = (NI_LEVEL, ni_area, breakdown, value)
                if total in self.cells:
                    relations.extend((total, sorted(parts)) for parts in levels.values())
        return relations


@dataclass
class LinkedTables(CountTable):
    """Several count tables seen together, as a reader who keeps every release sees them: each table's own sums,
    and the relations between tables (a 12-month count is the sum of its four quarters). A cell is keyed by its
    table's label and its own key."""

    parts: dict[str, CountTable] = field(default_factory=dict)
    between: list[tuple[tuple, list[tuple]]] = field(default_factory=list)

    @classmethod
    def of(cls, name: tuple, parts: dict[str, CountTable], between: list[tuple[tuple, list[tuple]]]
           ) -> LinkedTables:
        cells = {(label, *key): value for label, table in parts.items() for key, value in table.cells.items()}
        return cls(name, cells, parts, [(total, members) for total, members in between
                                        if total in cells and all(m in cells for m in members)])

    def sums(self) -> list[tuple[tuple, list[tuple]]]:
        within = [((label, *total), [(label, *p) for p in members])
                  for label, table in self.parts.items() for total, members in table.sums()]
        return within + self.between


@dataclass
class Finding:
    """A hidden cell that the published values give away."""

    table: tuple
    key: Key
    value: float
    lower: float
    upper: float

    def __str__(self) -> str:
        return (f"{'/'.join(map(str, self.table))} {'/'.join(self.key)}: hidden value can be bounded to "
                f"[{self.lower:g}, {self.upper:g}]")


def audit(table: CountTable, hidden: set[Key], audited: dict[tuple, list[Finding]] | None = None,
          unpublished: Collection[Key] = frozenset()) -> list[Finding]:
    """Bound every hidden cell by linear programming; return those that are given away.

    The attacker is assumed to know every published cell, every relation of the
    table and whether each holds as an equality, and that counts are not
    negative. A hidden cell fails if it is pinned to one positive integer, or if
    it is a small count (1 to 4) whose bounds lie within 1 to 4. A hidden zero
    (a percentage's numerator hidden for its small denominator) may be pinned:
    zeros are published as true zeros anyway. Hidden cells linked by no sum are
    bounded separately (one linear program per group of linked cells).

    ``unpublished`` cells are unknown to the reader but were never shown as suppressed (a quarter never released
    to the recipient): only a small count among them may not be pinned within 1 to 4.

    ``audited`` keeps each group's findings by its hidden cells, for audits of the same table again with more
    cells hidden: a group that gained no hidden cell has the same relations and the same answer.
    """
    findings = []
    for variables, rows in _linked_groups(table, hidden):
        signature = tuple(variables)
        if audited is not None and signature in audited:
            findings.extend(audited[signature])
            continue
        values = [table.cells[key] for key in variables]
        strict = [key not in unpublished for key in variables]
        found = [Finding(table.name, variables[i], values[i], lower, upper)
                 for i, lower, upper in _exposed(values, rows, strict)]
        if audited is not None:
            audited[signature] = found
        findings.extend(found)
    return findings


def _linked_groups(table: CountTable, hidden: set[Key]) -> list[tuple[list[Key], list[Relation]]]:
    """The hidden cells in groups linked by the table's sums, each with its sums over those cells."""
    parent = {key: key for key in hidden}

    def root(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    involved = []
    for total, parts in table.sums():
        members = [m for m in (total, *parts) if m in hidden]
        if members:
            involved.append((total, parts, members))
            for other in members[1:]:
                parent[root(other)] = root(members[0])
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in sorted(hidden):
        groups[root(key)].append(key)
    relations: dict[Key, list[tuple[Key, list[Key]]]] = defaultdict(list)
    for total, parts, members in involved:
        relations[root(members[0])].append((total, parts))
    result = []
    for group_root, variables in groups.items():
        index = {key: i for i, key in enumerate(variables)}
        rows = [row for total, parts in relations[group_root] for row in _relations(table, hidden, index, total, parts)]
        result.append((variables, rows))
    return result


def _relations(table: CountTable, hidden: set[Key], index: dict[Key, int], total: Key, parts: list[Key]
               ) -> list[Relation]:
    """sum(parts) - total over the hidden cells, bounded by the published cells and by how the truth relates;
    where the parts overlap (several categories of abuse per child), also each part - total <= 0."""
    relation = _linear(table, hidden, index, [(total, -1.0)] + [(p, 1.0) for p in parts])
    coefficients, published = relation
    gap = sum(table.cells[p] for p in parts) - table.cells[total]
    if abs(gap) < TOLERANCE:  # the parts add up to the total
        return [(coefficients, -published, -published)]
    if gap < 0:  # the parts fall short of the total (e.g. children with no known area)
        return [(coefficients, -math.inf, -published)]
    overlapping = [(coefficients, -published, math.inf)]
    for part in parts:
        if part in hidden or total in hidden:
            part_coefficients, part_published = _linear(table, hidden, index, [(part, 1.0), (total, -1.0)])
            overlapping.append((part_coefficients, -math.inf, -part_published))
    return overlapping


def _linear(table: CountTable, hidden: set[Key], index: dict[Key, int], terms: list[tuple[Key, float]]
            ) -> tuple[dict[int, float], float]:
    """A sum of signed cells: coefficients of the hidden ones, and the value of the published ones."""
    coefficients: dict[int, float] = defaultdict(float)
    published = 0.0
    for member, sign in terms:
        if member in hidden:
            coefficients[index[member]] += sign
        else:
            published += sign * table.cells[member]
    return coefficients, published


def _exposed(values: list[float], rows: list[Relation], strict: list[bool]) -> list[tuple[int, float, float]]:
    """The variables the relations give away, each with its least and greatest value (none negative).

    A hidden zero cannot fail, and a cell is cleared without its own linear programs once two feasible points
    show it is not pinned (and, for a small count, that it may be 0 or 5 or more): every solution of one linear
    program is such a point for all the others, and the true values are one from the start. The cells are first
    pushed together: all down, all up, then each cell still pending the way no point has taken it yet (which halves
    the programs left to solve one cell at a time). So most cells cost nothing, and the rest are solved on one
    HiGHS model, re-solved from the previous basis. A cell not ``strict`` fails only as a small count.
    """
    truth = np.asarray(values, dtype=float)
    least, most = truth.copy(), truth.copy()

    def cleared(i: int) -> bool:
        if not strict[i] and not is_small(values[i]):
            return True
        lower, upper = least[i], most[i]
        if math.isfinite(upper) and math.floor(upper + TOLERANCE) <= math.ceil(lower - TOLERANCE):
            return False
        return not is_small(values[i]) or lower <= TOLERANCE or upper >= SMALLEST_SAFE_COUNT - TOLERANCE

    pending = [i for i, value in enumerate(values) if value > 0 and not cleared(i)]
    if not pending:
        return []
    highs = highs_model(len(values), rows)
    unbounded = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)

    def extreme(costs: dict[int, float]) -> float:
        for i, cost in costs.items():
            highs.changeColCost(i, cost)
        highs.run()
        status = highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            point = np.asarray(highs.getSolution().col_value)
            np.minimum(least, point, out=least)
            np.maximum(most, point, out=most)
            objective = highs.getInfo().objective_function_value
        elif status in unbounded:
            objective = math.inf
        else:
            raise RuntimeError(f"disclosure audit: the linear program ended {highs.modelStatusToString(status)}")
        for i in costs:
            highs.changeColCost(i, 0.0)
        return objective

    # From no basis the dual simplex reaches the first point several times faster than the primal; every later
    # program starts from the last basis, where the primal is faster (``highs_model``).
    highs.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
    extreme(dict.fromkeys(pending, 1.0))  # everything as low as it goes: clears most small counts at once
    highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
    pending = [i for i in pending if not cleared(i)]
    if pending:  # and as high as it goes, within a cap that keeps the program bounded (its points stay feasible)
        width, cap = len(values), 2.0 * max(values) + SMALLEST_SAFE_COUNT
        columns = np.arange(width, dtype=np.int32)
        highs.changeColsBounds(width, columns, np.zeros(width), np.full(width, cap))
        extreme(dict.fromkeys(pending, -1.0))
        for _ in range(PUSH_ROUNDS):  # each cell still pending down if no point has taken it below its value, else up
            pending = [i for i in pending if not cleared(i)]
            if not pending:
                break
            extreme({i: 1.0 if least[i] >= truth[i] - TOLERANCE else -1.0 for i in pending})
            if not any(cleared(i) for i in pending):
                break
        highs.changeColsBounds(width, columns, np.zeros(width), np.full(width, highspy.kHighsInf))
    exposed = []
    for i in pending:
        if cleared(i):
            continue
        upper = extreme({i: -1.0})
        upper = math.inf if math.isinf(upper) else -upper
        most[i] = max(most[i], upper)
        if cleared(i):
            continue
        lower = extreme({i: 1.0})
        if not cleared(i):
            exposed.append((i, lower, upper))
    return exposed


def protect(table: CountTable, extra_hidden: Iterable[Key] = (), max_repairs: int = 200,
            released: Iterable[Key] = (), method: str = "optimal", rounds: int = OPTIMAL_ROUNDS,
            unpublished: Collection[Key] = frozenset(), preferred: Collection[Key] = frozenset()) -> set[Key]:
    """The cells to hide: small counts, their complements, and whatever the audit still finds exposed.

    ``method`` "optimal" chooses the complements by mixed-integer programming (``suppression_mip``), adding a
    cut for every cell the audit finds exposed, for up to ``rounds`` rounds; past them, or with "greedy",
    the greedy heuristic hides the smallest partner in each sum and then repairs what the audit finds.
    ``released`` cells were shown before (in an earlier release to the same recipient): they are facts the
    reader holds, never hidden now, and only other cells may be hidden to protect what they give away.
    ``unpublished`` cells (hidden too) are audited as ``audit`` says. ``preferred`` cells cost the optimal method
    less to hide."""
    if method not in ("optimal", "greedy"):
        raise ValueError(f"disclosure control: no method {method!r} (optimal or greedy)")
    shown_before = set(released)
    required = {key for key, value in table.cells.items() if is_small(value) and key not in shown_before} \
        | set(extra_hidden)
    hidden = set(required)
    relations = table.sums()
    audited: dict[tuple, list[Finding]] = {}
    if method == "optimal":
        pattern, hidden = _optimal(table, required, relations, shown_before, rounds, audited, unpublished,
                                   preferred)
        if pattern is not None:
            return pattern
    known = worked_out(table, required, shown_before, unpublished) if shown_before else set()
    if known:  # hiding them protected nothing: choose the pattern again, with them shown
        shown_before |= known
        hidden = set(required)
        if method == "optimal":
            pattern, hidden = _optimal(table, required, relations, shown_before, rounds, audited, unpublished,
                                       preferred)
            if pattern is not None:
                return pattern
    _complete_secondary(table, hidden, relations, shown_before)
    findings: list[Finding] = []
    for _ in range(max_repairs):
        findings = audit(table, hidden, audited, unpublished)
        if not findings:
            return hidden
        if not any([_hide_partner(table, hidden, relations, finding.key, shown_before) for finding in findings]):
            break
        _complete_secondary(table, hidden, relations, shown_before)
    raise RuntimeError(f"disclosure control: could not protect table {table.name}: {len(findings)} cell(s) still "
                       f"exposed, first {findings[0] if findings else None}")


def worked_out(table: CountTable, required: set[Key], released: set[Key], unpublished: Collection[Key]
               ) -> set[Key]:
    """The cells (5 or more) that a reader of the earlier releases works out exactly whatever else is hidden now.

    Across releases a cell of the new release can be pinned by what was shown before and the new release's true
    zeros alone (a 12-month count whose quarters were all shown, the new quarter's being 0): hiding it protects
    nothing and no partner can protect it, so it is shown, as a cell released before is. Found by hiding every
    positive cell that may be hidden, the widest the reader's bounds can be; a small count so pinned is not
    among them (it stays hidden, and the audit says it is exposed)."""
    hideable = {key for key, value in table.cells.items() if value > 0 and key not in released} - required
    return {finding.key for finding in audit(table, hideable | required, unpublished=unpublished)
            if finding.key in hideable and not is_small(finding.value)}  # found at all, 5 or more is pinned


def _optimal(table: CountTable, hidden: set[Key], relations: list[tuple[Key, list[Key]]], shown_before: set[Key],
             rounds: int, audited: dict[tuple, list[Finding]], unpublished: Collection[Key],
             preferred: Collection[Key] = frozenset()) -> tuple[set[Key] | None, set[Key]]:
    """The cheapest pattern the audit passes, or None and the last pattern tried (for the heuristic to repair:
    its few exposed cells cost less to mend greedily than more rounds of a growing integer program)."""
    problem = PatternProblem({key: value for key, value in table.cells.items()
                              if key not in hidden and key not in shown_before and value > 0},
                             hidden, [[total, *parts] for total, parts in relations], preferred=preferred)
    membership: dict[Key, list[int]] = defaultdict(list)
    for i, (total, parts) in enumerate(relations):
        for member in (total, *parts):
            membership[member].append(i)
    pattern = set(hidden)
    for _ in range(rounds):
        chosen = problem.solve()
        if chosen is None:
            break
        pattern = hidden | chosen
        findings = audit(table, pattern, audited, unpublished)
        if not findings:
            return pattern, pattern
        problem.cuts.extend((finding.key, _around(finding.key, pattern, relations, membership, problem.values))
                            for finding in findings)
    return None, pattern


def _around(key: Key, hidden: set[Key], relations: list[tuple[Key, list[Key]]], membership: dict[Key, list[int]],
            free: dict[Key, float]) -> list[Key]:
    """The cells nearest an exposed cell that could still be hidden: in its sums, else further out through the
    hidden cells of those sums."""
    frontier, seen = {key}, {key}
    while frontier:
        nearby = {i for cell in frontier for i in membership.get(cell, ())}
        members = {m for i in nearby for m in (relations[i][0], *relations[i][1])}
        candidates = [m for m in members if m not in hidden and m in free]
        if candidates:
            return sorted(candidates, key=repr)
        frontier = {m for m in members if m in hidden} - seen
        seen |= frontier
    return []


def _complete_secondary(table: CountTable, hidden: set[Key], relations: list[tuple[Key, list[Key]]],
                        shown_before: set[Key]) -> None:
    """Hide a partner for any hidden cell that stands alone in one of the table's sums."""
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            members = [total, *parts]
            if sum(1 for m in members if m in hidden) == 1:
                changed |= _hide_one_of(table, hidden, parts, total, shown_before)


def _hide_partner(table: CountTable, hidden: set[Key], relations: list[tuple[Key, list[Key]]], key: Key,
                  shown_before: set[Key]) -> bool:
    """Hide one more positive cell as near as possible to an exposed cell.

    First in the sums the exposed cell is part of; when those hold nothing left
    to hide (their other cells hidden already, or true zeros), in the sums that
    their hidden cells are part of, and so on outwards. Only when no positive
    cell is left anywhere around is the nearest true zero hidden: across releases,
    a new release's zeros can pin a cell hidden before that nothing else protects.
    """
    frontier, seen_cells, seen_relations = {key}, {key}, set()
    zeros: list[Key] = []
    while frontier:
        nearby = [i for i, (total, parts) in enumerate(relations)
                  if i not in seen_relations and (total in frontier or frontier.intersection(parts))]
        seen_relations.update(nearby)
        members = {m for i in nearby for m in (relations[i][0], *relations[i][1])}
        candidates = sorted((table.cells[m], m) for m in members
                            if m not in hidden and m not in shown_before and table.cells[m] > 0)
        if candidates:
            hidden.add(candidates[0][1])
            return True
        zeros = zeros or sorted((m for m in members if m not in hidden and m not in shown_before), key=repr)
        frontier = {m for m in members if m in hidden} - seen_cells
        seen_cells |= frontier
    if zeros:
        hidden.add(zeros[0])
        return True
    return False


def _hide_one_of(table: CountTable, hidden: set[Key], parts: list[Key], total: Key, shown_before: set[Key]
                 ) -> bool:
    """Hide the smallest positive part not yet hidden (else the total); zeros stay shown as true zeros."""
    candidates = sorted((table.cells[p], p) for p in parts
                        if p not in hidden and p not in shown_before and table.cells[p] > 0)
    if candidates:
        hidden.add(candidates[0][1])
        return True
    if total not in hidden and total not in shown_before and table.cells[total] > 0:
        hidden.add(total)
        return True
    return False


@dataclass
class Row:
    """One published value before and after disclosure control."""

    indicator: str
    unit: str
    period_type: str
    geographic_level: str
    area_code: str
    breakdown: str
    breakdown_value: str
    numerator: float | None
    denominator: float | None
    value: float | None
    availability: str = "available"
    shown: str = field(default="")

    @property
    def key(self) -> Key:
        return (self.geographic_level, self.area_code, self.breakdown, self.breakdown_value)

    @property
    def count_table(self) -> tuple | None:
        """The count table holding this row's count or numerator (None for medians and means)."""
        if self.unit in ("count", "rate_per_10000"):
            return (self.indicator, self.period_type, "count")
        if self.unit == "percent":
            return (self.indicator, self.period_type, "numerator")
        return None


def count_tables(rows: list[Row]) -> dict[tuple, CountTable]:
    """Gather the counts and numerators of the rows into their tables (a count row wins over its rate row)."""
    tables: dict[tuple, CountTable] = {}
    for row in sorted(rows, key=lambda r: r.unit != "count"):
        name = row.count_table
        if name is None:
            continue
        table = tables.setdefault(name, CountTable(name, {}))
        if row.key not in table.cells:
            table.cells[row.key] = float(row.numerator or 0)
    return tables


def unpublished_numerators(rows: list[Row]) -> dict[tuple, set[Key]]:
    """Percentages not shown whatever their numerator (too small a denominator, or not available): a reader
    does not know their numerators either."""
    unknown: dict[tuple, set[Key]] = defaultdict(set)
    for row in rows:
        if row.unit == "percent" and (row.availability == "not_available" or (
                row.availability == "available" and too_few_cases(row.denominator))):
            unknown[row.count_table].add(row.key)
    return unknown


def apply(rows: list[Row], decimals: dict[str, int], method: str = "optimal"
          ) -> tuple[list[Row], dict[tuple, set[Key]]]:
    """Decide what each row shows; return the rows and each count table's hidden cells."""
    tables = count_tables(rows)
    unknown = unpublished_numerators(rows)
    hidden = {name: protect(table, unknown.get(name, ()), method=method) for name, table in tables.items()}
    return show(rows, hidden, decimals), hidden


def show(rows: list[Row], hidden: dict[tuple, set[Key]], decimals: dict[str, int]) -> list[Row]:
    """Set what each row shows, given each count table's hidden cells."""
    for row in rows:
        row.shown = _shown(row, hidden, decimals)
    return rows


def _shown(row: Row, hidden: dict[tuple, set[Key]], decimals: dict[str, int]) -> str:
    if row.availability == "not_applicable":
        return NOT_APPLICABLE
    if row.availability == "not_available" or row.value is None:
        return NOT_AVAILABLE
    table = row.count_table
    if table is not None and row.key in hidden.get(table, set()):
        return SUPPRESSED
    if row.unit != "count" and too_few_cases(row.denominator):
        return SUPPRESSED
    if row.unit == "count" and row.value == 0:
        return TRUE_ZERO
    return format_number(row.value, decimals.get(row.unit, 1))


def format_number(value: float, places: int) -> str:
    """A plain decimal with a fixed number of places (no thousands separators, no exponent)."""
    return f"{round(value, places):.{places}f}" if places else str(round(value))
