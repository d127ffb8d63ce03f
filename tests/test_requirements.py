"""The locks (requirements*.txt, compiled by `make lock` from requirements*.in) pin every
package with its hashes, agree with the .in files and with each other, carry nothing the .in
files do not need, and are exactly what is installed. Offline: the files and the installed
packages' own metadata only."""
import importlib.metadata
import os
import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from devtools.processes import ROOT

LOCKS = {"requirements.txt": "requirements.in", "requirements-dev.txt": "requirements-dev.in"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
# The venv's own installer, which no lock pins (`pip-compile` leaves it out).
INSTALLER = {"pip"}


def lines(name):
    with open(os.path.join(ROOT, name)) as source:
        return source.read().splitlines()


def direct(source):
    """{name: version} of the pins in a .in file (comments and -c lines aside)."""
    pins = {}
    for line in lines(source):
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", "{}: pin {} exactly".format(source, line)
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def locked(lock):
    """{name: (version, [hashes])} of a compiled lock."""
    pins, current = {}, None
    for line in lines(lock):
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), [])
        elif current and line.strip().startswith("--hash=sha256:"):
            pins[current][1].append(line.strip())
        elif not line.startswith(" "):
            current = None
    return pins


def needed(names):
    """`names` and everything they require, from the installed packages' metadata."""
    wanted, seen = [(name, frozenset()) for name in names], set()
    while wanted:
        name, extras = wanted.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for spec in importlib.metadata.requires(name) or []:
            requirement = Requirement(spec)
            if requirement.marker is None or any(
                    requirement.marker.evaluate({"extra": extra}) for extra in extras | {""}):
                wanted.append((canonicalize_name(requirement.name),
                               frozenset(requirement.extras)))
    return {name for name, _ in seen}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_each_lock_pins_the_in_files_versions_and_hashes_every_package(lock):
    pins = locked(lock)
    assert len(pins) > len(direct(LOCKS[lock]))
    for name, version in direct(LOCKS[lock]).items():
        assert pins.get(name, (None,))[0] == version, "{}: run `make lock`".format(name)
    for name, (version, hashes) in pins.items():
        assert hashes, "{}=={} has no hash".format(name, version)


def test_the_locks_agree_on_every_package_they_share():
    runtime, dev = locked("requirements.txt"), locked("requirements-dev.txt")
    shared = set(runtime) & set(dev)
    assert shared  # requests, werkzeug... are needed by both
    for name in shared:
        assert runtime[name][0] == dev[name][0], name


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_each_lock_holds_what_its_in_file_needs_and_nothing_else(lock):
    assert set(locked(lock)) == needed(direct(LOCKS[lock])), "run `make lock`"


def test_the_installed_packages_are_exactly_the_locks():
    expected = {}
    for lock in LOCKS:
        expected.update({name: version for name, (version, _) in locked(lock).items()})
    installed = {canonicalize_name(dist.metadata["Name"]): dist.version
                 for dist in importlib.metadata.distributions()}
    for name in INSTALLER:
        installed.pop(name, None)
    assert installed == expected, "rebuild the venv: rm -rf .venv && make install"
