"""Google's error bodies, as the Sheets API v4 and the Drive API v3 send them.

Sheets uses the ``google.rpc.Status`` envelope::

    {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}

Drive v3 adds the classic ``errors[]`` list (``domain``, ``reason``, ``location``).
"""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

DEFAULT_MESSAGES = {
    401: (
        "Request is missing required authentication credential. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    ),
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    408: "The request timed out.",
    500: "Internal error encountered.",
    502: "The service is currently unavailable.",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}

NOT_FOUND = "Requested entity was not found."
CELL_TOO_LONG = "Your input contains more than the maximum of 50000 characters in a single cell."
CELL_LIMIT = (
    "This action would increase the number of cells in the workbook above the limit "
    "of 10000000 cells."
)
COLUMN_LIMIT = (
    "This action would increase the number of columns in the sheet above the limit "
    "of 18278 columns."
)


class ApiError(Exception):
    """An error the server answers with; ``body()`` is what Google sends."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        drive_reason: str | None = None,
    ) -> None:
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, "Unknown error.")
        self.details = details
        self.headers = headers or {}
        self.drive_reason = drive_reason
        super().__init__(f"{code} {self.message}")

    def body(self) -> dict[str, Any]:
        if self.drive_reason is not None:
            error: dict[str, Any] = {
                "code": self.code,
                "message": self.message,
                "errors": [
                    {"message": self.message, "domain": "global", "reason": self.drive_reason}
                ],
            }
            if self.drive_reason == "notFound":
                error["errors"][0].update({"location": "fileId", "locationType": "parameter"})
            return {"error": error}
        error = {
            "code": self.code,
            "message": self.message,
            "status": STATUS_NAMES.get(self.code, "UNKNOWN"),
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found() -> ApiError:
    return ApiError(404, NOT_FOUND)


def drive_not_found(file_id: str) -> ApiError:
    return ApiError(404, f"File not found: {file_id}.", drive_reason="notFound")


def grid_limits(range_text: str, rows: int, cols: int) -> str:
    return f"Range ({range_text}) exceeds grid limits. Max rows: {rows}, max columns: {cols}"


def quota_exceeded(group: str, per_minute: int, retry_after: int | None) -> ApiError:
    """429 as Google sends it when the per-minute, per-user quota is spent."""
    metric = "Read requests" if group == "read" else "Write requests"
    limit = "ReadRequestsPerMinutePerUser" if group == "read" else "WriteRequestsPerMinutePerUser"
    message = (
        f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' "
        "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."
    )
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_limit": limit,
                "quota_metric": f"sheets.googleapis.com/{group}_requests",
                "quota_location": "global",
                "service": "sheets.googleapis.com",
                "consumer": "projects/000000000000",
                "quota_limit_value": str(per_minute),
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    ]
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return ApiError(429, message, details=details, headers=headers)
