"""What the tests, the benchmarks and the developer's commands (`tools/`) share, and nothing
that runs in production imports: throw-away virtual hosts and databases (`sandbox`), and the
services as plain processes with `wait_until` (`processes`). tests/test_tooling_apart.py
checks that seibiant_common, services and gateway never import it."""
