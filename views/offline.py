"""Leaflet inside the page, so maps draw without the internet (offline machines, CI, standalone HTML).

The package ``folium-offline`` carries local copies of the scripts folium loads from CDNs; the Leaflet
of this folium line is embedded as data: URLs.  Basemap tiles still need the internet.
"""

from __future__ import annotations

import base64
import functools
import logging

import folium
from offlinefolium.elements import _res  # URL → file text, the same CDN URLs folium uses

log = logging.getLogger(__name__)

#: The Leaflet URLs of the installed folium.
LEAFLET_JS_URL = dict(folium.folium._default_js)["leaflet"]
LEAFLET_CSS_URL = dict(folium.folium._default_css)["leaflet_css"]


@functools.lru_cache(maxsize=1)
def local_leaflet() -> tuple[str, str] | None:
    """Leaflet JS and CSS as data: URLs from folium-offline's copy, or None when its version differs from folium's."""
    if LEAFLET_JS_URL not in _res or LEAFLET_CSS_URL not in _res:
        log.warning("folium-offline has no copy of %s (folium and folium-offline versions differ): maps will "
                    "load Leaflet from its CDN and need the internet", LEAFLET_JS_URL)
        return None
    js = base64.b64encode(_res[LEAFLET_JS_URL].encode("utf-8")).decode("ascii")
    css = base64.b64encode(_res[LEAFLET_CSS_URL].encode("utf-8")).decode("ascii")
    return f"data:text/javascript;base64,{js}", f"data:text/css;base64,{css}"


def embed_leaflet(m: folium.Map) -> bool:
    """Point the map at the local Leaflet; False (CDN kept) when no matching copy is installed.

    Only Leaflet itself is kept: the other folium defaults (jQuery, Bootstrap, awesome-markers) are not used
    by these maps, and an unreachable script would stop streamlit-folium from drawing the map at all.
    """
    local = local_leaflet()
    if local is None:
        return False
    m.default_js = [("leaflet", local[0])]
    m.default_css = [("leaflet_css", local[1])]
    return True
