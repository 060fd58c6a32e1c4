"""End-to-end tests: a real `stanceline serve` process."""
