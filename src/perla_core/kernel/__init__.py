"""The shared kernel: errors, money, identifiers, time, events and validated value objects."""
