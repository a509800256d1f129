"""Implementations of perla_core's ports: memory fakes, SQL, and the outside systems."""
