import io
import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A \uXXXX escape in the UTF-16 surrogate range, preceded by an even number of backslashes
# (an odd number would make it the literal text "\\uD800", not an escape).
_SURROGATE_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u([dD][89a-fA-F][0-9a-fA-F]{2})")
# A surrogate encoded directly as UTF-8 (CESU-8), which UTF-8 forbids.
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


def lone_surrogate(body: bytes) -> str | None:
    """Describe the first unpaired UTF-16 surrogate in a JSON body, or None.

    JSON text may spell a character outside the Basic Multilingual Plane as a pair of
    escapes ("\\ud83d\\ude00"); half a pair is not a character at all. Python's json module
    accepts it (and the database later refuses to store it); msgspec refuses it with a
    message that does not say why ("Input data was truncated").
    """
    matches = list(_SURROGATE_ESCAPE.finditer(body))
    index = 0
    while index < len(matches):
        match = matches[index]
        start = match.end() - 6
        if int(match.group(1), 16) < 0xDC00 and index + 1 < len(matches):
            partner = matches[index + 1]
            if partner.end() - 6 == start + 6 and int(partner.group(1), 16) >= 0xDC00:
                index += 2  # a proper pair
                continue
        escape = match.group(1).decode().lower()
        return f'a lone UTF-16 surrogate "\\u{escape}" at byte {start}'
    raw = _SURROGATE_BYTES.search(body)
    if raw is not None:
        bytes_hex = raw.group().hex(" ").upper()
        return f"a UTF-16 surrogate encoded as UTF-8 (bytes {bytes_hex}) at byte {raw.start()}"
    return None


def surrogate_message(where: str) -> str:
    return _(
        "The body is not valid JSON: %(where)s. Strings must be valid Unicode: send the "
        "character itself, or both halves of its surrogate pair."
    ) % {"where": where}


class SafeJSONParser(JSONParser):
    """JSON parser that answers 400, not 500, to absurdly nested bodies and to half
    surrogate pairs (which Python accepts but no database can store)."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        where = lone_surrogate(body)
        if where:
            raise ParseError(surrogate_message(where))
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("The body is nested too deeply.")) from exc
