"""Load benchmark of the service (python -m bench.run; see bench/README.md)."""
