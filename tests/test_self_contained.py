"""The repository stands on its own: no file points outside it (the public contract and the
design's rules are in docs/), and every `docs/*.md` a file names is there."""
import os
import re
import subprocess

from devtools.processes import ROOT

OUTSIDE = re.compile(r"\.\./shared|shared/docs|\bissue \d+|\bdesign rule \d", re.IGNORECASE)
DOC = re.compile(r"\bdocs/([\w-]+\.md)")


def tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for name in names:
        if name.endswith((".py", ".md", ".yaml", ".yml", ".toml", ".in", ".html", ".cfg")) \
                or os.path.basename(name) in ("Makefile", "Dockerfile", "run"):
            with open(os.path.join(ROOT, name), encoding="utf-8") as text:
                yield name, text.read()


def test_no_file_points_outside_the_repository():
    pointing = ["{}: {}".format(name, match.group(0)) for name, text in tracked_text_files()
                if name != "tests/test_self_contained.py" for match in OUTSIDE.finditer(text)]
    assert pointing == []


def test_every_document_named_is_in_docs():
    named = {match.group(1) for _, text in tracked_text_files() for match in DOC.finditer(text)}
    assert named and sorted(named - set(os.listdir(os.path.join(ROOT, "docs")))) == []
