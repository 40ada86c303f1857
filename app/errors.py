"""Errors the rooms of the runner raise for bad input, in a module that imports nothing (the CLI catches them
without loading the rooms)."""


class TurnError(ValueError):
    """The turn cannot start (bad input); nothing was changed."""
