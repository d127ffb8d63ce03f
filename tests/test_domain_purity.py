"""The domain is pure: every module of rules imports nothing but the standard library, other
domain modules and seibiant_common's pure modules, directly or through what it imports (so
the rules run and are tested with no nameko, SQLAlchemy, marshmallow or broker). Each module
is imported alone in a fresh interpreter and what that loaded is looked at."""
import json
import os
import subprocess
import sys
import sysconfig
import tomllib

import pytest

from devtools.processes import ROOT

DOMAIN_MODULES = ["services.bookings.domain", "services.bookings.state_machine",
                  "services.bookings.ballots", "services.bookings.waiting",
                  "services.budgets.domain", "services.budgets.statements",
                  "services.budgets.monitoring",
                  "services.providers.domain", "services.families.domain",
                  "services.insight.domain", "services.notifications.domain",
                  "services.staycation.domain"]
# What a domain module may use besides the standard library and DOMAIN_MODULES: the packages
# that hold them, and the plumbing's pure modules (names and rules, no I/O).
PURE = {"services", "services.bookings", "services.budgets", "services.providers",
        "services.insight", "services.notifications",
        "services.families", "seibiant_common.contracts.families",
        "services.staycation", "seibiant_common.contracts.staycation",
        "seibiant_common", "seibiant_common.vocabularies", "seibiant_common.times",
        "seibiant_common.contracts", "seibiant_common.contracts.bookings",
        "seibiant_common.contracts.budgets", "seibiant_common.contracts.providers",
        "seibiant_common.refusals", "seibiant_common.fingerprints",
        "seibiant_common.spreadsheets"}
# The modules the import loaded, each with its file (None for one built in).
LOADED = ("import json, sys; before = set(sys.modules); import {}; print(json.dumps("
          "{{name: getattr(sys.modules[name], '__file__', None) "
          "for name in set(sys.modules) - before}}))")
STANDARD = sysconfig.get_paths()["stdlib"] + os.sep
INSTALLED = {sysconfig.get_paths()[key] + os.sep for key in ("purelib", "platlib")}


def standard(path):
    return path is None or (path.startswith(STANDARD)
                            and not any(path.startswith(folder) for folder in INSTALLED))


def impure(module):
    """What importing `module` loads that is neither the standard library nor allowed."""
    loaded = json.loads(subprocess.run([sys.executable, "-c", LOADED.format(module)], cwd=ROOT,
                                       capture_output=True, text=True, check=True).stdout)
    allowed = PURE | set(DOMAIN_MODULES)
    return sorted(name for name, path in loaded.items()
                  if name not in allowed and not standard(path))


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_a_domain_module_imports_only_the_standard_library_and_pure_modules(module):
    assert impure(module) == []


def test_mypy_checks_every_domain_module():
    """The rules are typed: `make lint`'s mypy reads each domain module (pyproject.toml)."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as config:
        checked = set(tomllib.load(config)["tool"]["mypy"]["files"])
    assert {name.replace(".", "/") + ".py" for name in DOMAIN_MODULES} <= checked
