"""Teaching: built-in scenarios for the offline demo model, playback and offline replay (see teaching.py)."""
