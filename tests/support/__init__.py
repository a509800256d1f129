"""Helpers the test suites share (servers on loopback, ...)."""
