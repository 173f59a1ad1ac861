"""healthplan's engine: road networks, travel times, population, coverage and siting.

Knows nothing of Streamlit; the app (``app.py``) and the CLI (``spatial.cli``) call these functions.
"""

__version__ = "0.1.0"
