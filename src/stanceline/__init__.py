"""stanceline: how states and organisations deal with the Taliban government, day by day."""

__version__ = "0.1.0"
