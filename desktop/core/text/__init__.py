"""Reading an item's text: sensitivity markers and content cues, the pattern
reader their prefilter uses, and the language of the text."""
