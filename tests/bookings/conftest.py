from ..e2e.saga import saga_world, shared_saga  # noqa: F401 (fixtures)
