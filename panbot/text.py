"""Text normalisation shared by the fuzzy searches (menu items, FAQ)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case-folded and accent-free: "Tiramisù" and "tiramisu" compare equal, as speech-to-text spells them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
