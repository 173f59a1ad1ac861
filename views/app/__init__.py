"""The Streamlit page, in panels: sidebar, headline cards, map, and one module per tab (``app.py`` wires them)."""
