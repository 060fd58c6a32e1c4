"""The application layer: the one place that knows both the store and the domain."""

from stanceline.application.app import Stanceline

__all__ = ["Stanceline"]
