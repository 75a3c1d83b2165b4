"""Getting text out of the app: the system clipboard, and .vcf files.

The app always sends copied text to the terminal through OSC 52 (Textual's
`App.copy_to_clipboard`), which reaches the local clipboard over SSH and in
tmux when the terminal allows it — but nothing reports whether it did.  This
module adds the system clipboard (through pyperclip) where one is reachable,
and saving to a file for terminals where neither works.  Plain Python: no
Textual, so it can be tested and used on its own.
"""

from __future__ import annotations

import os
from pathlib import Path


def copy_to_system_clipboard(text: str) -> bool:
    """Copy `text` with pyperclip; False when no system clipboard is reachable.

    Over SSH, in containers and on headless machines pyperclip finds no
    clipboard tool and raises; any such failure is reported as False, never
    raised, because the terminal copy (OSC 52) may still have worked.
    """
    try:
        import pyperclip
    except ImportError:
        return False
    try:
        pyperclip.copy(text)
    except Exception:  # PyperclipException, a missing or failing xclip/wl-copy, ...
        return False
    return True


def save_folder() -> Path:
    """Where saved cards go: the current directory when writable, else the home folder."""
    here = Path.cwd()
    if os.access(here, os.W_OK):
        return here
    return Path.home()


def save_new_file(folder: Path, stem: str, suffix: str, text: str) -> Path:
    """Write `text` to `folder/stem.suffix`, never overwriting: stem-2, stem-3, ... if taken."""
    for number in range(1, 1000):
        name = f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}"
        path = folder / name
        try:
            with open(path, "x", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"too many files named {stem}*{suffix} in {folder}")
