"""The language of an item's text, when its input does not say.

py3langid (langid.py's maintained fork, its model bundled) restricted to the
languages moderators here receive: restricting it makes short posts far
more reliable, and a language outside the set is better reported as unknown
than guessed.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

LANGUAGES = ("en", "ru", "uk", "az", "hy", "tr", "es", "ar", "fa", "he", "ka", "de", "fr", "it", "pt", "pl")
_WORDS = re.compile(r"\w{2,}")
_NOISE = re.compile(r"(https?://|www\.|pic\.twitter\.com/|t\.me/)\S+|[@#]\w+")


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


SAMPLE = 240  # characters: enough to tell a language, and the cost grows with length


def detect(text: str, *, min_words: int = 3, min_confidence: float = 0.6) -> str | None:
    """An ISO 639-1 code, or None when the text is too short or unclear."""
    clean = _NOISE.sub(" ", text[: SAMPLE * 2])[:SAMPLE]
    if len(_WORDS.findall(clean)) < min_words:
        return None
    language, confidence = _identifier().classify(clean)
    return str(language) if confidence >= min_confidence else None
