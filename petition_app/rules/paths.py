"""Where a `next` parameter may lead: a path on this site, and nothing that a browser, a proxy or a
second decoding could read as another host."""
from urllib.parse import unquote, urlsplit

MAX_PATH = 2000


def _looks_local(path: str) -> bool:
    """A path from the root that names no host: `/x`, never `//x`, `/\\x`, `https:x` or a path with a
    control character (browsers drop tabs and line breaks, so `/\\t/x` is read as `//x`)."""
    if not path.startswith("/") or path.startswith("//"):
        return False
    if "\\" in path or any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def local_path(target: object) -> str | None:
    """`target` if it is a path on this site (query string allowed), else None.

    The raw value must be plain printable ASCII (so it goes into a Location header unchanged), and it
    must look local both as it is and after each round of percent-decoding: `/%2F%2Fx` is refused
    because a server or proxy that decodes once sees `///x`."""
    if not isinstance(target, str) or not target or len(target) > MAX_PATH:
        return None
    if any(not 0x21 <= ord(c) <= 0x7E for c in target):
        return None
    seen = target
    for _ in range(3):
        if not _looks_local(seen):
            return None
        decoded = unquote(seen)
        if decoded == seen:
            return target
        seen = decoded
    return None  # still encoded after three rounds: nobody needs that
