"""``spreadsheets.batchUpdate``: every request applied to a copy, kept only if all succeed.

A failing request answers Google's 400 ``Invalid requests[i].kind: …`` and leaves the
spreadsheet exactly as it was. Replies follow Google's shapes (``addSheet`` returns the
new sheet's properties, ``addNamedRange`` the named range, others ``{}``).
"""

from __future__ import annotations

from typing import Any

from . import batch_cells, batch_objects, batch_sheets, errors, schema
from .batch_base import HANDLERS, Context, RequestFailed
from .sheetops import shift_dimension
from .state import Spreadsheet, Store

__all__ = ["HANDLERS", "apply", "batch_cells", "batch_objects", "batch_sheets",
           "shift_dimension"]


def apply(store: Store, book: Spreadsheet, body: dict[str, Any]) -> tuple[Spreadsheet, list[Any]]:
    """Apply every request to a copy of ``book``; return the copy and the replies."""
    requests = body.get("requests")
    if not requests:
        raise errors.bad_request("Must specify at least one request.")
    ctx = Context(store, book.copy())
    replies = []
    for i, request in enumerate(requests):
        kinds = [k for k in request if request[k] is not None]
        if not kinds:
            raise errors.bad_request(f"Invalid requests[{i}]: No request set.")
        if len(kinds) != 1:  # the schema check answers this first, as Google does
            raise errors.bad_request(f"Invalid value at 'requests[{i}]' (oneof), oneof field "
                                     f"'kind' is already set. Cannot set '{kinds[1]}'")
        kind = kinds[0]
        handler = HANDLERS.get(kind) or HANDLERS.get(schema.camel(kind))
        if handler is None:
            raise errors.bad_request(
                f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                "Cannot find field."
            )
        kind = schema.camel(kind)
        given = request[kinds[0]] or {}
        problem = schema.mask_problem(kind, given)
        try:
            if problem is not None:
                raise RequestFailed(problem)
            replies.append(handler(ctx, given))
        except RequestFailed as e:
            raise errors.bad_request(f"Invalid requests[{i}].{kind}: {e}") from None
        except errors.ApiError as e:
            raise errors.ApiError(e.code, f"Invalid requests[{i}].{kind}: {e.message}") from None
        try:
            ctx.book.check_size()
        except ValueError as e:  # only Google's limit messages
            raise errors.bad_request(f"Invalid requests[{i}].{kind}: {e}") from None
    ctx.book.touch()
    return ctx.book, replies


