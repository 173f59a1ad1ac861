"""healthplan's engine: road networks, travel times, population, coverage, siting and the one pipeline.

Knows no screen and no plan: it imports neither Streamlit, folium nor ``layers``.  The presentation
package ``views`` and the front ends (``app.py``, the ``healthplan`` command) build on it.
"""

from spatial import settings  # noqa: F401  (first: points numba's kernel cache before numba loads)

__version__ = "0.2.0"
