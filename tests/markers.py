"""How a run selects tests, on purpose and never silently (a pytest plugin; tests/conftest.py loads it).

- Markers (registered in pytest.ini): `server` (real gunicorn, nginx, pgbouncer or a PostgreSQL
  of its own), `browser`, `fuzz`, `slow` (100k-row fills). A test that starts a server through
  tests/live_server.py or tests/pg_control.py, or that uses a big fill, is marked here, so a new
  test module needs no marker of its own for that; tests of nginx or pgbouncer carry
  `@pytest.mark.server` themselves.
- Under pytest-xdist (`--dist loadgroup`), server tests run one at a time on one worker and the
  big fill is built once, on one worker.
- What -m or -k leaves out is counted, by marker, at the end of the run.
- A test that needs a missing tool skips with a reason naming it (`-ra` lists it). With CI=true
  every skip fails the run unless ALLOW_SKIPS names a word of its reason
  (ALLOW_SKIPS=chromium on a machine that cannot have a browser).
"""

import inspect
import os
import types
from collections import Counter

import pytest

# What starts a real server: the helpers of tests/live_server.py and tests/pg_control.py.
SERVER_NAMES = frozenset({"live_server", "spawn_server", "ControlledPostgres", "GUNICORN"})
# Module fixtures that fill a database with ~100k rows: their tests run on one xdist worker.
BIG_FILL_FIXTURES = frozenset({"big_database"})


def _names_used(function, seen):
    """Global names the function's code uses, following helper functions of the same module."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    if code is None or code in seen:
        return set()
    seen.add(code)
    names, stack = set(), [code]
    while stack:  # nested functions, lambdas and comprehensions have code objects of their own
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(const for const in current.co_consts if isinstance(const, types.CodeType))
    module_globals = getattr(inspect.unwrap(function), "__globals__", {})
    for name in list(names):
        helper = module_globals.get(name)
        if inspect.isfunction(helper) and helper.__module__ == function.__module__:
            names |= _names_used(helper, seen)
    return names


def _set_node_id(item, nodeid):
    """Change an item's node id: pytest 9.2 keeps it as a structured NodeId (`_id`), where
    pytest-xdist 3.8 still writes `_nodeid`, which is then never read."""
    if hasattr(item, "_id"):
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(nodeid)
    else:
        item._nodeid = nodeid


def _give_each_item_its_own_id(items):
    """schemathesis names each operation's test `test_x[GET /ping]` but gives all of them the node
    id `...::test_x`; xdist schedules --dist loadgroup by node id, and ran one operation of 42."""
    seen = Counter(item.nodeid for item in items)
    for item in items:
        if seen[item.nodeid] > 1 and item.parent is not None:
            _set_node_id(item, f"{item.parent.nodeid}::{item.name}")


def _group_for_xdist(config, item, group):
    """Run the item on the worker that runs its group, as the `xdist_group` mark should: with
    pytest 9.2 xdist's own suffix never reaches the scheduler (pytest-xdist issue 1386). The
    `@group` suffix is what its loadgroup scheduler reads."""
    item.add_marker(pytest.mark.xdist_group(group))
    if config.getoption("loadgroup", default=False) and "@" not in item.nodeid.rpartition("]")[2]:
        _set_node_id(item, f"{item.nodeid}@{group}")


@pytest.hookimpl(tryfirst=True)  # before -m deselects and before xdist groups by xdist_group
def pytest_collection_modifyitems(config, items):
    _give_each_item_its_own_id(items)
    for item in items:
        functions = [item.function] if hasattr(item, "function") else []
        fixture_info = getattr(item, "_fixtureinfo", None)
        if fixture_info is not None:
            functions += [d.func for defs in fixture_info.name2fixturedefs.values() for d in defs]
        seen = set()
        if any(_names_used(function, seen) & SERVER_NAMES for function in functions):
            item.add_marker(pytest.mark.server)
        if item.get_closest_marker("server"):
            # One server at a time, on one worker, while the others run in-process tests: each
            # gunicorn is three processes that import the app, and on two cores several at once
            # made requests time out.
            _group_for_xdist(config, item, "servers")
        big_fills = sorted(BIG_FILL_FIXTURES & set(getattr(item, "fixturenames", ())))
        if big_fills:
            item.add_marker(pytest.mark.slow)
            _group_for_xdist(config, item, big_fills[0])  # one fill, not one per worker


# What -m/-k left out of this run, counted by marker; xdist workers hand theirs to the controller.
_deselected = {}


def pytest_deselected(items):
    _deselected["total"] = _deselected.get("total", 0) + len(items)
    for item in items:
        for marker in ("server", "browser", "fuzz", "slow"):
            if item.get_closest_marker(marker):
                _deselected[marker] = _deselected.get(marker, 0) + 1


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # an xdist worker
        session.config.workeroutput["deselected"] = dict(_deselected)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    # Every worker collects the whole suite, so each deselected the same tests: keep one count.
    _deselected.update(getattr(node, "workeroutput", {}).get("deselected", {}))


def pytest_terminal_summary(terminalreporter, config):
    if hasattr(config, "workeroutput") or not _deselected.get("total"):
        return
    by_marker = ", ".join(
        f"{m} {_deselected[m]}" for m in ("server", "browser", "fuzz", "slow") if m in _deselected
    )
    selection = " ".join(
        f"{flag} {value!r}"
        for flag, value in (("-m", config.option.markexpr), ("-k", config.option.keyword))
        if value
    )
    terminalreporter.write_line(
        f"deselected on purpose ({selection}): {_deselected['total']} test(s)"
        + (f" — {by_marker}" if by_marker else ""),
        yellow=True,
        bold=True,
    )


def _skips_fail():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _skip_allowed(reason):
    allowed = [word.strip().lower() for word in os.environ.get("ALLOW_SKIPS", "").split(",")]
    return any(word and word in reason.lower() for word in allowed)


def _fail_skip_in_ci(report):
    """In CI a skipped test is a failure: a missing tool must not pass unnoticed."""
    if not (report.skipped and _skips_fail()) or hasattr(report, "wasxfail"):
        return report
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if not _skip_allowed(reason):
        report.outcome = "failed"
        report.longrepr = f"skipped with CI=true: {reason} (ALLOW_SKIPS=<a word of the reason> allows it)"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    return _fail_skip_in_ci((yield))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    return _fail_skip_in_ci((yield))
