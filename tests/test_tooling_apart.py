"""What runs in production (seibiant_common, services, gateway) never imports the tooling
beside it: devtools (sandboxes, processes, wait_until), tools (`make run`, the demo seed),
bench or tests. Every import statement of every production file is read (migrations too), so
nothing reaches the tooling through another production module either."""
import ast
import os

from devtools.processes import ROOT

PRODUCTION = ("seibiant_common", "services", "gateway")
TOOLING = {"devtools", "tools", "bench", "tests"}


def production_files():
    for package in PRODUCTION:
        for folder, _, names in os.walk(os.path.join(ROOT, package)):
            for name in names:
                if name.endswith(".py"):
                    yield os.path.join(folder, name)


def imported(path):
    """The absolute modules a file imports (a relative import stays in its own package)."""
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_production_imports_no_tooling():
    files = {os.path.relpath(path, ROOT): path for path in production_files()}
    reaching = sorted("{}: {}".format(name, module) for name, path in files.items()
                      for module in imported(path) if module.partition(".")[0] in TOOLING)
    assert reaching == []
    # the walk read every package (a wrong ROOT would find nothing and pass)
    assert {"seibiant_common/health.py", "gateway/service.py", "services/bookings/service.py",
            "services/budgets/migrations/env.py"} <= set(files)


def test_the_check_sees_an_import_of_the_tooling(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("import os\nfrom devtools.processes import wait_until\n"
                      "def f():\n    import tools.seed\n    from . import sibling\n")
    assert list(imported(str(module))) == ["os", "devtools.processes", "tools.seed"]
