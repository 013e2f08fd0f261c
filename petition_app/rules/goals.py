"""Goals and milestones. A campaign has ascending goals (1,500 then 2,000); each one reached is a milestone."""
from collections.abc import Iterable, Sequence


def validate_goals(goals: Iterable[object] | None) -> list[int]:
    """Return the goals as a list of ints if they are positive and strictly ascending, else raise ValueError."""
    if not goals:
        raise ValueError("at least one goal is needed")
    result: list[int] = []
    for goal in goals:
        if isinstance(goal, bool) or not isinstance(goal, int) or goal <= 0:
            raise ValueError(f"goal {goal!r} is not a positive whole number")
        if result and goal <= result[-1]:
            raise ValueError("goals must be in ascending order")
        result.append(goal)
    return result


def goals_crossed(before: int, after: int, goals: Iterable[int]) -> list[int]:
    """The goals that a count moving from `before` to `after` reaches (each goal belongs to exactly one step)."""
    return [goal for goal in goals if before < goal <= after]


def goal_count(online: int, paper: int, paper_counts: bool) -> int:
    """The count that goals are measured by: the confirmed online signatures, plus the paper ones if the
    campaign counts paper toward its goals."""
    return online + paper if paper_counts else online


def next_goal(count: int, goals: Sequence[int]) -> int | None:
    """The goal to show next: the first one not yet reached, or the last one once all are reached."""
    for goal in goals:
        if count < goal:
            return goal
    return goals[-1] if goals else None


def progress_percent(count: int, goal: int | None) -> int:
    if not goal:
        return 0
    return min(100, int(count * 100 // goal))


def count_step(count: int) -> int:
    """The count rounded down to two significant digits (exact below 100, then 120, 1,200, 15,000):
    the share image is drawn once per step, not once per signature."""
    if count < 100:
        return max(0, count)
    magnitude = 10 ** (len(str(count)) - 2)
    return count // magnitude * magnitude
