"""Books: where tabs live (see :mod:`sheets_sync.books.base`)."""
