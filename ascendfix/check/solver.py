"""A small constraint solver for version plans: operations return data, knowledge stays in the tables.

A :class:`Problem` is a list of variables (each with its candidate values, best first) and a list of
constraints (each over a few variables, returning ``None`` when satisfied or the reason it is not).
:func:`solve` returns the first assignment in preference order that satisfies every constraint: the
first variable is the most important, and within a variable the earlier candidate wins. Constraints
are checked as soon as their variables are assigned (backtracking), so the tables' size never matters.

:func:`solve_relaxed` asks the same question while freeing "fixed" facts one set at a time (the
Python of the environment, the installed CANN, ...), smallest sets first, and reports which facts had
to change and why the original ones could not work.

Nothing here knows about MindSpore or torch: :mod:`ascendfix.check.plan` builds the problems.
"""

from collections import OrderedDict


class Var(object):
    """A variable: ``name``, candidate ``values`` (best first) and an optional ``label`` for messages."""

    def __init__(self, name, values, label=None):
        self.name = name
        self.values = list(values)
        self.label = label or name

    def __repr__(self):
        return "Var({!r}, {!r})".format(self.name, self.values)


class Constraint(object):
    """``check(assignment) -> None | reason`` over the variables named in ``over``."""

    def __init__(self, over, check, name=None):
        self.over = tuple(over)
        self.check = check
        self.name = name or "+".join(self.over)

    def __repr__(self):
        return "Constraint({})".format(self.name)


class Problem(object):
    def __init__(self, variables, constraints):
        self.variables = list(variables)
        self.constraints = list(constraints)
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            raise ValueError("duplicate variable names: {}".format(names))
        for c in self.constraints:
            unknown = [n for n in c.over if n not in names]
            if unknown:
                raise ValueError("constraint {} uses unknown variables {}".format(c.name, unknown))

    def var(self, name):
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)


def violations(problem, assignment):
    """Reasons of every constraint that fails for a complete ``assignment`` (a dict)."""
    out = []
    for c in problem.constraints:
        if all(n in assignment for n in c.over):
            why = c.check(assignment)
            if why and why not in out:
                out.append(why)
    return out


def solve(problem, cost=None, limit=5000):
    """The best assignment (an OrderedDict in variable order) satisfying every constraint, or None.

    Without ``cost`` the best is the first in preference order. With ``cost(assignment) -> number`` the lowest
    cost wins and preference order breaks ties (e.g. "change as little of what is installed as possible, then
    the newest"); up to ``limit`` solutions are compared.
    """
    if cost is not None:
        sols = solve_all(problem, limit=limit)
        if not sols:
            return None
        return min(enumerate(sols), key=lambda t: (cost(t[1]), t[0]))[1]
    order = [v.name for v in problem.variables]
    # a constraint is checked when the last of its variables (in order) gets a value
    due = {name: [] for name in order}
    for c in problem.constraints:
        last = max(order.index(n) for n in c.over) if c.over else 0
        due[order[last]].append(c)
    assignment = OrderedDict()

    def step(i):
        if i == len(order):
            return True
        var = problem.variables[i]
        for value in var.values:
            assignment[var.name] = value
            if all(c.check(assignment) is None for c in due[var.name]) and step(i + 1):
                return True
            del assignment[var.name]
        return False

    return OrderedDict(assignment) if step(0) else None


def solve_all(problem, limit=50):
    """Up to ``limit`` satisfying assignments in preference order (for tests and "several fits" reports)."""
    order = [v.name for v in problem.variables]
    due = {name: [] for name in order}
    for c in problem.constraints:
        last = max(order.index(n) for n in c.over) if c.over else 0
        due[order[last]].append(c)
    out = []
    assignment = OrderedDict()

    def step(i):
        if len(out) >= limit:
            return
        if i == len(order):
            out.append(OrderedDict(assignment))
            return
        var = problem.variables[i]
        for value in var.values:
            assignment[var.name] = value
            if all(c.check(assignment) is None for c in due[var.name]):
                step(i + 1)
            del assignment[var.name]

    step(0)
    return out


class Relaxed(object):
    """The answer of :func:`solve_relaxed`.

    - ``solution``: the assignment found (None when nothing fits even with every relaxation);
    - ``relaxed``: the names of the facts that had to change (empty when the facts fit as they are);
    - ``blocked_by``: why the original facts do not fit, as reasons from the constraints: the found solution's
      values evaluated against the original facts;
    - ``tried``: the relaxation sets tried, in order.
    """

    def __init__(self, solution, relaxed, blocked_by, tried):
        self.solution = solution
        self.relaxed = list(relaxed)
        self.blocked_by = list(blocked_by)
        self.tried = [list(t) for t in tried]

    @property
    def ok(self):
        return self.solution is not None

    def to_dict(self):
        return {"solution": dict(self.solution) if self.solution else None, "relaxed": self.relaxed,
                "blocked_by": self.blocked_by, "tried": self.tried}


def solve_relaxed(build, relaxations, cost=None):
    """Solve ``build(frozenset())``; when nothing fits, try ``build(relax)`` for the sets in ``relaxations``.

    ``build(relax)`` returns a :class:`Problem` in which the facts named in ``relax`` are free variables
    instead of fixed ones. Smaller sets are tried first; among the sets of the smallest size that yield a
    solution, the one with the lowest ``cost(solution, relax)`` wins (ties: the order of ``relaxations``);
    within one problem, too, the lowest-cost solution wins (see :func:`solve`).
    """
    tried = [[]]
    base = build(frozenset())
    rank = (lambda relax: (lambda a: cost(a, relax))) if cost else (lambda relax: None)
    sol = solve(base, rank(frozenset()))
    if sol is not None:
        return Relaxed(sol, [], [], tried)
    order = [v.name for v in base.variables]
    sets = [frozenset(r) for r in relaxations]
    for size in sorted({len(r) for r in sets}):
        found = []
        for relax in [r for r in sets if len(r) == size]:
            tried.append(sorted(relax, key=lambda n: order.index(n) if n in order else len(order)))
            sol = solve(build(relax), rank(relax))
            if sol is not None:
                found.append((cost(sol, relax) if cost else 0, len(found), relax, sol))
        if found:
            _, _, relax, sol = min(found, key=lambda t: (t[0], t[1]))
            # why the original facts fail for this solution: put the fixed values back and ask the constraints
            original = OrderedDict(sol)
            for v in base.variables:
                if v.name in relax and len(v.values) == 1:
                    original[v.name] = v.values[0]
            reasons = violations(base, original)
            names = sorted(relax, key=lambda n: order.index(n) if n in order else len(order))
            return Relaxed(sol, names, reasons, tried)
    return Relaxed(None, [], [], tried)


def first_failure(problem):
    """For a problem without a solution: for the best candidate of the first variable, the reasons it fails
    with every combination of the others that the remaining constraints allow (a short explanation)."""
    if not problem.variables:
        return []
    head = problem.variables[0]
    reasons = []
    for value in head.values[:1]:
        sub = Problem([Var(head.name, [value], head.label)] + problem.variables[1:], problem.constraints)
        for assignment in _partial_assignments(sub):
            for why in violations(sub, assignment):
                if why not in reasons:
                    reasons.append(why)
    return reasons


def _partial_assignments(problem, limit=200):
    """Complete assignments ignoring the constraints (the first ``limit`` in preference order)."""
    out = []
    names = [v.name for v in problem.variables]

    def step(i, acc):
        if len(out) >= limit:
            return
        if i == len(names):
            out.append(OrderedDict(acc))
            return
        for value in problem.variables[i].values:
            acc[names[i]] = value
            step(i + 1, acc)
            del acc[names[i]]

    step(0, OrderedDict())
    return out
