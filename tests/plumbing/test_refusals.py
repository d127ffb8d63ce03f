"""One refusal family, one translation into the wire errors: no broker needed."""
import ast
import inspect

import pytest

from seibiant_common import refusals
from seibiant_common.errors import Conflict, Forbidden, InvalidInput, wire_errors


def test_each_refusal_becomes_its_wire_error():
    with pytest.raises(InvalidInput) as invalid, wire_errors():
        raise refusals.Invalid({"slots": ["give at least one slot"]})
    assert invalid.value.errors == {"slots": ["give at least one slot"]}

    with pytest.raises(Conflict) as conflict, wire_errors():
        raise refusals.NotAllowed("not_cancellable", "a completed booking cannot be cancelled")
    assert (conflict.value.code, conflict.value.detail) == (
        "not_cancellable", "a completed booking cannot be cancelled")

    with pytest.raises(Forbidden) as forbidden, wire_errors():
        refusals.require_role("family", "officer", "admin")
    assert forbidden.value.detail == "only officer or admin may do this"


def test_the_translation_is_also_a_decorator_and_leaves_other_errors_alone():
    @wire_errors()
    def use_case(error):
        raise error

    with pytest.raises(Conflict):
        use_case(refusals.NotAllowed("budget_closed", "the budget is closed"))
    with pytest.raises(Conflict):  # a fresh translation on every call
        use_case(refusals.NotAllowed("budget_closed", "the budget is closed"))
    with pytest.raises(KeyError):
        use_case(KeyError("not a refusal"))


def test_the_refusals_module_is_pure():
    tree = ast.parse(inspect.getsource(refusals))
    imported = {(node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
                for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    assert imported == {"typing"}
