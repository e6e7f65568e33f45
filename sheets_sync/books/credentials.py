"""Google credentials: a service-account JSON key or an OAuth user token file.

The path comes from the project config or ``GOOGLE_APPLICATION_CREDENTIALS``. The file is
read, never logged or copied; errors name the path and the fix, not the content.

::

    BookError
    └── CredentialsError            credentials cannot be used
        ├── CredentialsMissing      no path given, or no file at the path
        ├── CredentialsUnreadable   not a service-account key or OAuth user token
        └── CredentialsRejected     Google refused them (401, revoked key)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from ..errors import BookError, os_reason

__all__ = [
    "ENV_VAR",
    "SCOPES",
    "CredentialsError",
    "CredentialsMissing",
    "CredentialsRejected",
    "CredentialsUnreadable",
    "GoogleCredentials",
    "load_credentials",
]

ENV_VAR = "GOOGLE_APPLICATION_CREDENTIALS"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)


class CredentialsError(BookError):
    """Google credentials cannot be used."""


class CredentialsMissing(CredentialsError):
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        if path is None:
            super().__init__(
                "没有找到 Google 凭据:请在 sheets-sync.toml 中写明服务账号 JSON 文件的路径,"
                f"或设置环境变量 {ENV_VAR} 指向它(在 Google Cloud 控制台"
                "“IAM 和管理 → 服务账号 → 密钥”中创建并下载)。"
            )
        else:
            super().__init__(
                f"找不到 Google 凭据文件 {path}。请检查路径是否正确"
                f"(配置文件中的路径或环境变量 {ENV_VAR})。"
            )


class CredentialsUnreadable(CredentialsError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"无法使用 Google 凭据文件 {path}:{reason}。请重新下载服务账号的 JSON 密钥"
            "(或重新登录生成 OAuth 令牌文件),不要手工修改它。"
        )


class CredentialsRejected(CredentialsError):
    def __init__(self, detail: str, account: str | None = None) -> None:
        self.account = account
        who = f"服务账号 {account} 的" if account else ""
        super().__init__(
            f"Google 拒绝了{who}凭据({detail})。密钥可能已被删除或过期:"
            "请在 Google Cloud 控制台重新创建密钥并下载,替换凭据文件后重新运行。"
        )


@dataclass(frozen=True)
class GoogleCredentials:
    """Loaded credentials and, for a service account, the e-mail to share sheets with."""

    credentials: Credentials
    account_email: str | None
    kind: str  # "service_account" or "authorized_user"
    path: Path


def _resolve(path: Path | str | None, env: Mapping[str, str]) -> Path:
    if path is None or str(path).strip() == "":
        from_env = env.get(ENV_VAR, "").strip()
        if not from_env:
            raise CredentialsMissing()
        path = from_env
    if not isinstance(path, (str, Path)):  # a library caller's 5: say what to give
        raise CredentialsMissing(None)
    p = Path(path).expanduser()
    if "\x00" in str(p):
        raise CredentialsUnreadable(Path(str(p).replace("\x00", "\u2400")),
                                    "路径里有不可见的控制字符 NUL(显示为 \u2400),请重新输入路径")
    if not p.exists():
        raise CredentialsMissing(p)
    return p


def _info(p: Path) -> dict[str, Any]:
    if p.is_dir():
        raise CredentialsUnreadable(p, "这是一个文件夹,不是 JSON 文件")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise CredentialsUnreadable(p, f"无法读取文件({os_reason(err)})") from err
    except UnicodeDecodeError as err:
        raise CredentialsUnreadable(p, "文件不是文本格式的 JSON") from err
    try:
        info = json.loads(text)
    except json.JSONDecodeError as err:
        raise CredentialsUnreadable(p, f"不是有效的 JSON(第 {err.lineno} 行)") from err
    if not isinstance(info, dict):
        raise CredentialsUnreadable(p, "JSON 内容不是一个对象")
    return info


def load_credentials(path: Path | str | None = None, *,
                     env: Mapping[str, str] | None = None) -> GoogleCredentials:
    """Credentials from ``path``, else from ``$GOOGLE_APPLICATION_CREDENTIALS``.

    Accepts a service-account key (``"type": "service_account"``) or an OAuth user token
    (``"type": "authorized_user"``, as ``gspread.oauth()`` or ``gcloud`` save it).
    Nothing is sent to Google here; a rejected key shows up on the first request.
    """
    p = _resolve(path, os.environ if env is None else env)
    info = _info(p)
    kind = info.get("type")
    if kind == "service_account":
        missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
        if missing:
            raise CredentialsUnreadable(p, f"服务账号密钥缺少字段 {', '.join(missing)}")
        try:
            creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        except (ValueError, TypeError, IndexError) as err:
            raise CredentialsUnreadable(p, "服务账号密钥中的私钥无法解析") from err
        return GoogleCredentials(creds, str(info["client_email"]), kind, p)
    if kind == "authorized_user":
        try:
            user = user_credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES)
        except ValueError as err:
            raise CredentialsUnreadable(
                p, "OAuth 令牌文件缺少 refresh_token、client_id 或 client_secret") from err
        return GoogleCredentials(user, None, kind, p)
    raise CredentialsUnreadable(
        p, f"它不是服务账号密钥或 OAuth 用户令牌(type 为 {json.dumps(kind, ensure_ascii=False)},"
        "应为 \"service_account\" 或 \"authorized_user\")")
