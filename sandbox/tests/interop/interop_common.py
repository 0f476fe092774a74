"""What both interop scripts share: checks that stop at the first failure and are counted, and
the Python SDK's schema-gap warnings ("field ... not found. Removing from query string")
collected from the root logger and reported as failures."""

import logging
import sys


class Catch(logging.Handler):
    """Collects every warning logged (by the SDK, or magic)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


CATCH = Catch()
_checks = 0


def catch_warnings():
    """Collects warnings from now on (call after any import that configures logging)."""
    logging.getLogger().addHandler(CATCH)


def check(condition, message):
    """Counts a check; prints the failure and exits 1 when `condition` is false."""
    global _checks
    _checks += 1
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)


def checks_passed():
    """How many checks ran (all passed: a failure exits)."""
    return _checks


def fail_on_schema_gaps():
    """Prints each schema gap the SDK reported and exits 1 when there was any."""
    gaps = [m for m in CATCH.messages if "not found" in m or "Removing from query" in m]
    for message in gaps:
        print(f"FAIL: schema gap reported by the SDK: {message}", file=sys.stderr)
    if gaps:
        sys.exit(1)
