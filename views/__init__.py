"""healthplan's presentation: maps, legends, styles, charts, tables, the HTML report and every UI string.

The only package that knows folium, plotly and Streamlit (``views.app``); it reads engine results and
plan layers, and the engine never reads it.
"""
