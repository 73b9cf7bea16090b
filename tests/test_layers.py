"""The import graph of service/: every module sits in a layer and imports only from its own layer
or the ones below it, so a module can be read knowing only what is under it.

The graph is read from the source with ast (imports inside functions count too); nothing is
imported. A new module must be placed in LAYERS.
"""

import ast
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SERVICE_DIR = PROJECT_DIR / "service"

# Lowest first. A module may import from its own layer and from any layer listed before it.
LAYERS = (
    # Leaves: settings and the log configuration (gunicorn's master loads logs.py by its path).
    ("settings", {"service.config", "service.logs"}),
    # Prometheus metrics: counters and histograms the lower layers record into.
    ("metrics", {"service.metrics"}),
    # The sql/ files as named queries, usable without an app.
    ("queries", {"service.queries"}),
    # The pool and the request's connection; the schema's migrations.
    ("database", {"service.db", "service.migrations", "service.yoyo_backend"}),
    # One error body, and failures (database ones included) mapped to it.
    ("errors", {"service.errors"}),
    # marshmallow schemas: what the API reads and writes, and the questionnaire's field list.
    ("schemas", {"service.schemas", "service.schemas.*"}),
    # What a request does besides parsing and answering: passwords, tokens and sessions,
    # throttling, accounts, clean-up.
    (
        "domain",
        {
            "service.hashing",
            "service.security",
            "service.throttle",
            "service.accounts",
            "service.housekeeping",
        },
    ),
    # Blueprints: parse, call the domain and named queries, dump.
    ("api", {"service.api", "service.api.*"}),
    # The app factory and its Flask class, flask commands, and the tools run from a shell.
    (
        "app",
        {
            "service",
            "service.http_semantics",
            "service.cli",
            "service.seed",
            "service.devdb",
            "service.sqlfiles",
            "service.sqlcheck",
            "service.schema_doc",
        },
    ),
)


def module_name(path):
    parts = list(path.relative_to(PROJECT_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(SERVICE_DIR.rglob("*.py"))}


def _in_layer(module, members):
    return any(
        module == member or (member.endswith(".*") and module.startswith(member[:-1])) for member in members
    )


def layer_of(module):
    for index, (_, members) in enumerate(LAYERS):
        if _in_layer(module, members):
            return index
    return None


def imported_modules(module, path):
    """The service modules `module` imports: `from service import db` is service.db."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {name for name in found if name == "service" or name.startswith("service.")}


def test_every_service_module_is_in_exactly_one_layer():
    layers = {module: [name for name, members in LAYERS if _in_layer(module, members)] for module in MODULES}
    unplaced = sorted(module for module, names in layers.items() if not names)
    assert unplaced == [], f"add these modules to LAYERS in tests/test_layers.py: {unplaced}"
    assert {module: names for module, names in layers.items() if len(names) > 1} == {}
    listed = {member for _, members in LAYERS for member in members if not member.endswith(".*")}
    assert sorted(listed - set(MODULES)) == [], "LAYERS lists a module that does not exist"


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for module, path in MODULES.items():
        own = layer_of(module)
        for target in sorted(imported_modules(module, path)):
            theirs = layer_of(target)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{module} ({LAYERS[own][0]}) imports {target} ({LAYERS[theirs][0]})")
    assert upward == []


def test_the_log_configuration_imports_nothing_from_the_service():
    # gunicorn's master loads it by its path and must not import the app package.
    assert imported_modules("service.logs", MODULES["service.logs"]) == set()


def test_the_import_reader_finds_each_kind_of_import():
    # Checks the checker: each spelling of an import in the tree is read as the module it names.
    assert imported_modules("service", MODULES["service"]) >= {
        "service.cli",  # from service import cli
        "service.api.admin",  # from service.api import admin
        "service.api.spec",  # from service.api.spec import init_api
        "service.config",
    }
    assert "service.db" in imported_modules("service.api.health", MODULES["service.api.health"])
