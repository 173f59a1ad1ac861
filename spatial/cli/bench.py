"""PLACEHOLDER: filled in by the owning work package."""


def bench() -> None:
    """Not implemented yet."""
    raise NotImplementedError
