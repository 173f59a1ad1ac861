"""Users' text tables (facility CSVs, speed tables, node/edge tables): decoding and CSV records, refused clearly.

Chinese offices save CSVs as UTF-8 (often with a BOM), as GBK/GB18030 (Excel's "CSV" on a Chinese
Windows) or as UTF-16 ("Unicode text"); European tools write Windows-1252/Latin-1.  ``decode`` tells
them apart and never garbles: GB18030 decodes almost any byte string, so a GBK reading is accepted only
when its characters are the common Chinese ones (GB2312); Latin-1 only when every non-ASCII character is a
letter or common punctuation.  Anything else, and binary data, is refused with a sentence naming the file.
``csv_records`` turns the csv module's own errors (a cell over its 131,072-character limit, usually a stray
quote that swallowed the rest of the file) into a sentence naming the row.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import unicodedata
from pathlib import Path

from spatial.errors import InputFileError

log = logging.getLogger(__name__)

#: Largest text table read (bytes): a facility or speed table of a whole province is a few MB.
MAX_TEXT_BYTES: int = 200_000_000

#: Share of a GBK reading's non-ASCII characters that must be common Chinese characters (GB2312):
#: real Chinese text is ≈ 100 %; Latin-1 or random bytes read as GBK fall far below.
GBK_COMMON_SHARE: float = 0.8

#: Non-letter characters that Latin-1/Windows-1252 text commonly holds.
_LATIN_PUNCTUATION = frozenset("\u00a0’‘“”–—…°«»·´€£§²³µºª½¼¾×÷©®™¿¡•")

#: Longest cell value quoted in an error message (characters).
MAX_QUOTED: int = 40


def quoted(value: object) -> str:
    """A cell value for an error message: repr, cut to MAX_QUOTED characters."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…'"


def _gbk_plausible(text: str) -> bool:
    """True when the non-ASCII characters of a GB18030 reading are mostly common Chinese text (GB2312)."""
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return True
    common = 0
    for c in wide:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= GBK_COMMON_SHARE * len(wide)


def _latin_plausible(text: str) -> bool:
    """True when every non-ASCII character of a Windows-1252 reading is a letter or common punctuation."""
    return all(ord(c) < 128 or c.isalpha() or c in _LATIN_PUNCTUATION for c in text)


def _refuse_damaged_utf8(path: Path, raw: bytes) -> None:
    """Refuse UTF-8 text with a few broken bytes (a cut or spliced file), naming the line: never read as GBK/Latin-1."""
    try:
        raw.decode("utf-8")
        return
    except UnicodeDecodeError as exc:
        first = exc.start
    text = raw.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    wide = sum(1 for c in text if ord(c) > 127) - broken
    if wide >= 1 and broken <= max(2, wide // 20):
        line = raw[:first].count(b"\n") + 1
        raise InputFileError(f"{path}: UTF-8 text with {broken} broken byte(s), the first on line {line}; the file was "
                             "cut or joined badly — save it again as 'CSV UTF-8'")


def decode(path: Path, raw: bytes) -> str:
    """The text of a user's file: UTF-8 (BOM or not), UTF-16 with a BOM, GBK/GB18030 or Windows-1252.

    Raises InputFileError naming the file when the bytes are none of these (or binary: NUL bytes).
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputFileError(f"{path}: starts like UTF-16 text but is not; save it as 'CSV UTF-8'") from None
    else:
        _refuse_damaged_utf8(path, raw)
        found: str | None = None
        for encoding in ("utf-8-sig", "gb18030", "cp1252"):
            try:
                candidate = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if encoding == "gb18030" and not _gbk_plausible(candidate):
                continue
            if encoding == "cp1252":
                if not _latin_plausible(candidate):
                    continue
                log.warning("%s: not UTF-8 or GBK; read as Windows-1252/Latin-1 (Western European) text", path)
            found = candidate
            break
        if found is None:
            raise InputFileError(f"{path}: not a text file in UTF-8, GBK/GB18030 or Latin-1 (binary data, or "
                                 "another encoding); save it as 'CSV UTF-8' from Excel or WPS")
        text = found
    if "\x00" in text:
        raise InputFileError(f"{path}: holds NUL bytes, so it is not a text table (binary data, or UTF-16 saved "
                             "without its byte-order mark); save it as 'CSV UTF-8'")
    return unicodedata.normalize("NFC", text)


def read_text(path: Path, *, what: str = "text table") -> str:
    """Read and decode a user's text file (``decode``), refusing one over MAX_TEXT_BYTES."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputFileError(f"{path}: {size / 1e6:,.0f} MB is too large for a {what} (at most "
                                 f"{MAX_TEXT_BYTES / 1e6:,.0f} MB); split it or keep only the rows needed")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return decode(path, raw)


def delimiter_of(text: str) -> str:
    """The delimiter the header line uses: comma, else tab, semicolon or |."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    # The header decides (predictable, unlike sniffing the data rows).
    return next((d for d in (",", "\t", ";", "|") if d in first), ",")


def csv_records(path: Path, text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """(row number, cells) of CSV text; the row number is the record's 1-based position (header = 1).

    The csv module's errors (a cell over its field size limit, a NUL) become an InputFileError naming the row.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for i, row in enumerate(reader, start=1):
            rows.append((i, row))
    except csv.Error as exc:
        row_n = len(rows) + 1
        if "field larger than field limit" in str(exc):
            raise InputFileError(
                f"{path}: row {row_n} (line {reader.line_num}): a cell longer than {csv.field_size_limit():,} "
                "characters, the CSV reader's limit — most often a quote (\") left open, which swallows the rest "
                "of the file; close or remove it") from None
        raise InputFileError(f"{path}: row {row_n} (line {reader.line_num}) is not valid CSV ({exc})") from None
    return rows
