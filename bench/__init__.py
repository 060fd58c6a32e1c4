"""`make bench`: synthetic records, measured steps, one table (docs/performance.md)."""
