"""PLACEHOLDER: filled in by the owning work package."""


def traveltime() -> None:
    """Not implemented yet."""
    raise NotImplementedError
