"""The plans' spatial layouts as data tables plus small builders returning GeoDataFrames."""
