"""Key names as the operator reads them, and which keys a binding has once the user's keymap
(the config file's `[keymap]`, by binding id) is applied. No Textual: the action bar, the
help screen and the README table share it."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

# How Textual names some keys, and how an operator reads them.
KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "exclamation_mark": "!",
    "minus": "-",
    "escape": "Esc",
}


def key_text(key: str) -> str:
    """ "slash,ctrl+r" -> "/, ctrl+r"; "ctrl+left_square_bracket" -> "ctrl+["."""
    return ", ".join(_one_key(k.strip()) for k in key.split(","))


def _one_key(key: str) -> str:
    *modifiers, name = key.split("+")
    return "+".join([*modifiers, _key_name(name)])


def _key_name(name: str) -> str:
    """A key's name as read: our names, else the character Textual names after its Unicode
    name ("left_square_bracket" -> "["; a keymap writes what Textual calls the key), else
    the name itself ("enter", "f5")."""
    if name in KEY_NAMES:
        return KEY_NAMES[name]
    if len(name) > 1 and "_" in name:
        try:
            character = unicodedata.lookup(name.replace("_", " ").upper())
        except KeyError:
            return name
        if character.isprintable() and not character.isspace():
            return character
    return name


def bound_keys(binding_id: str, default: str, keymap: Mapping[str, str]) -> str:
    """The keys of a binding: the keymap's for its id, else its own."""
    return keymap.get(binding_id) or default


def first_key_text(binding_id: str, default: str, keymap: Mapping[str, str]) -> str:
    """The first key of a binding, as shown on a button."""
    return key_text(bound_keys(binding_id, default, keymap).split(",")[0])
