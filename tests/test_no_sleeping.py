"""Tests wait for events, never for time (issue 19): a sleep of a fixed length either wastes the time
on a fast machine or is too short on a busy one. The one place that sleeps for longer is
helpers.wait_for, between the polls of a condition with a deadline."""
import ast
from pathlib import Path

TESTS = Path(__file__).parent
LONGEST_PAUSE = 0.2  # a pause between two polls, or a beat in a loop that checks something each time
WAITING_HELPER = ("helpers.py", "wait_for")


def sleeps(tree):
    """(line, seconds, function) of each call of time.sleep, sleep, asyncio.sleep or a browser page's
    wait_for_timeout (in milliseconds), with the name of the function it is in."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call) and child.args:
                called = child.func
                name_called = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", None)
                if name_called in ("sleep", "wait_for_timeout"):
                    seconds = child.args[0]
                    if name_called == "wait_for_timeout" and isinstance(seconds, ast.Constant):
                        seconds = ast.Constant(seconds.value / 1000)
                    found.append((child.lineno, seconds, function))
            visit(child, name)

    visit(tree, None)
    return found


def long_sleeps(source, filename):
    problems = []
    for line, argument, function in sleeps(ast.parse(source)):
        if (filename, function) == WAITING_HELPER:
            continue
        if isinstance(argument, ast.Constant) and isinstance(argument.value, (int, float)):
            if argument.value > LONGEST_PAUSE:
                problems.append(f"{filename}:{line}: sleep({argument.value})")
        else:
            problems.append(f"{filename}:{line}: sleep({ast.unparse(argument)}) of a length not written down")
    return problems


def test_no_test_sleeps_longer_than_a_pause_between_polls():
    problems = []
    for path in sorted(TESTS.rglob("*.py")):
        problems += long_sleeps(path.read_text(encoding="utf-8"), path.relative_to(TESTS).as_posix())
    assert not problems, "wait for an event (helpers.wait_for, wait_until_idle) instead of sleeping:\n" + "\n".join(problems)


def test_the_check_finds_a_long_sleep_and_lets_the_waiting_helper_sleep():
    source = "import time\nfrom time import sleep\n\ndef settle():\n    time.sleep(3)\n\ndef quick():\n    sleep(0.1)\n    sleep(0.5)\n"
    assert long_sleeps(source, "test_x.py") == ["test_x.py:5: sleep(3)", "test_x.py:9: sleep(0.5)"]
    assert long_sleeps("def wait_for(p, interval):\n    time.sleep(interval)\n", "helpers.py") == []
    assert long_sleeps("def wait(p, interval):\n    time.sleep(interval)\n", "helpers.py") != []
    assert long_sleeps("def test_page(page):\n    page.wait_for_timeout(3000)\n", "e2e/test_x.py") == ["e2e/test_x.py:2: sleep(3.0)"]
