"""The one exception family the engine raises on bad user input, with messages a planner can act on."""


class HealthplanError(ValueError):
    """Bad or unusable user input; the message says what is wrong and how to fix it."""


class InputFileError(HealthplanError):
    """A user file (facilities, roads, population, candidates) cannot be read or is invalid.

    The message names the file and, where there is one, the row (1-based, as a spreadsheet shows it).
    """


class NetworkError(HealthplanError):
    """A road network cannot be built, loaded or used (empty, disconnected, stale cache …)."""


class DownloadError(NetworkError):
    """A data file (OSM extract, population raster) cannot be downloaded or fails its checksum.

    The message names the addresses tried, why each failed, and where to put the file by hand.
    """


class RegionError(HealthplanError):
    """An unknown region name or adcode."""


class OptionError(HealthplanError):
    """A parameter (command-line option, scenario key, app setting) outside its stated range."""


class OutputError(HealthplanError):
    """A result cannot be written where asked (read-only, an existing file, a full disk …)."""
