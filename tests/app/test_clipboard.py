"""The clipboard module on its own: never raises, never overwrites."""

from __future__ import annotations

import sys
import types

import pytest

from urbact_tui import clipboard


def test_no_system_clipboard_is_false_not_an_error(monkeypatch):
    monkeypatch.undo()  # the autouse fixture replaced the function; test the real one
    broken = types.SimpleNamespace(copy=lambda text: (_ for _ in ()).throw(RuntimeError("no xclip")))
    monkeypatch.setitem(sys.modules, "pyperclip", broken)
    assert clipboard.copy_to_system_clipboard("x") is False


def test_a_reachable_system_clipboard_gets_the_text(monkeypatch):
    monkeypatch.undo()
    got: list[str] = []
    monkeypatch.setitem(sys.modules, "pyperclip", types.SimpleNamespace(copy=got.append))
    assert clipboard.copy_to_system_clipboard("BEGIN:VCARD") is True
    assert got == ["BEGIN:VCARD"]


def test_save_new_file_never_overwrites(tmp_path):
    first = clipboard.save_new_file(tmp_path, "card", ".vcf", "one\r\n")
    second = clipboard.save_new_file(tmp_path, "card", ".vcf", "two\r\n")
    assert (first.name, second.name) == ("card.vcf", "card-2.vcf")
    assert first.read_bytes() == b"one\r\n"


def test_save_folder_falls_back_to_home(tmp_path, monkeypatch):
    assert clipboard.save_folder() == tmp_path  # the autouse fixture's working directory
    monkeypatch.setattr(clipboard.os, "access", lambda path, mode: False)
    assert clipboard.save_folder() == clipboard.Path.home()


@pytest.mark.parametrize("text", ["", "é ✓ 日本"])
def test_saved_text_is_utf8(tmp_path, text):
    assert clipboard.save_new_file(tmp_path, "t", ".txt", text).read_bytes() == text.encode()
