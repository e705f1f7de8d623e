"""The benchmark harness behind ``make bench``: docs PERFORMANCE.md says how we measure."""
