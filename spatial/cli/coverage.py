"""PLACEHOLDER: filled in by the owning work package."""


def coverage() -> None:
    """Not implemented yet."""
    raise NotImplementedError
