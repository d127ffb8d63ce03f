from .saga import saga_world, shared_saga, start_saga  # noqa: F401 (fixtures)
