"""healthplan's front ends: the ``healthplan`` command (``healthplan.cli``) and the glue the app shares with it.

The engine is ``spatial`` (no screen, no plan), the plans are ``layers``, the maps and words ``views``.
"""

__version__ = "0.2.0"
