"""touchpoint: customer-journey analytics (journey graphs, exact attribution) on a Rust core."""

from touchpoint._touchpoint import __version__, demo_report

__all__ = ["__version__", "demo_report"]
