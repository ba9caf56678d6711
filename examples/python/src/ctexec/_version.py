"""The package version: the [project] version in pyproject.toml (a test
holds the two together)."""

__version__ = "0.3.0"
