"""Storage: SQLModel tables, an engine from a URL, repository functions. Never imports `app`."""

from storage.engine import Database, SchemaTooNewError, StorageError, open_database
from storage.repo import NotFound

__all__ = ["Database", "NotFound", "SchemaTooNewError", "StorageError", "open_database"]
