"""Files the CLI writes into an `--out` folder (digest, index report, QR cards).

A folder such as /tmp/minyi may already hold a symbolic link under the name of a file about
to be written (planted by another user of the machine): writing through it would overwrite
whatever it points to (the operator's ~/.bashrc) with a report. So each file is written under
a fresh name beside it, opened exclusively and never through a link, then renamed over the
name: a link there is replaced, not followed, and nobody reads half a file meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_file(path: Path, data: bytes) -> None:
    """Write `data` as the file `path` (see the module's docstring); the file gets the
    permissions any new file gets (0666 less the umask), as `Path.write_bytes` gave it."""
    part = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(part, flags, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(part, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise


def write_text(path: Path, text: str) -> None:
    """`write_file` of `text` in UTF-8."""
    write_file(path, text.encode("utf-8"))
