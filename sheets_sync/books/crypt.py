"""Workbooks with an Excel open-password (ECMA-376 agile encryption, via msoffcrypto-tool).

An encrypted ``.xlsx`` is an OLE (CFB) file holding the encrypted OOXML package. The tool
decrypts it to memory, reads and edits the package as it does a plain one
(:mod:`sheets_sync.books.excel`), and encrypts the result again before the atomic save.
msoffcrypto is imported only when a workbook is encrypted (or is to be).

Where the password comes from — never from ``sheets-sync.toml``, never printed or logged:

* the environment variable ``SHEETS_SYNC_PASSWORD`` — for every encrypted workbook;
* for a spoke with ``encrypt = "MANCHENG"`` (a password *name*: capital letters, digits,
  ``_``), the variable ``SHEETS_SYNC_PASSWORD_MANCHENG`` instead, so each county's book can
  have its own password;
* when the variable is not set and the ``keyring`` package is installed, the system keyring:
  service ``sheets-sync``, user ``default`` (or the password name), saved once with
  ``keyring set sheets-sync default``.

Errors are one Chinese line and leave the file as it was: :class:`PasswordMissing`,
:class:`WrongPassword`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import BookError
from .xlsx.package import CFB_MAGIC, NotWritable, checked
from .xlsx.safety import TEMP_PREFIX

__all__ = [
    "ENV",
    "KEYRING_SERVICE",
    "PasswordMissing",
    "WrongPassword",
    "decrypt",
    "encrypting_save",
    "find_password",
    "how_to_give",
    "is_encrypted",
    "open_plain",
    "password_name_problem",
]

ENV = "SHEETS_SYNC_PASSWORD"
KEYRING_SERVICE = "sheets-sync"
KEYRING_DEFAULT = "default"
_NAME = re.compile(r"[A-Z0-9_]{1,40}")


class PasswordMissing(BookError):
    """An encrypted workbook (or one to encrypt) and no password given."""


class WrongPassword(BookError):
    """The password given does not open the workbook."""


def password_name_problem(name: str) -> str:
    """Why ``name`` cannot name a password (Chinese), ``""`` when it can.

    The text never repeats ``name``: someone may have written the password itself there.
    """
    if _NAME.fullmatch(name):
        return ""
    return ("应为 true,或密码名称(大写字母、数字和下划线,最多 40 个字符,例如 "
            'encrypt = "MANCHENG",密码放在环境变量 SHEETS_SYNC_PASSWORD_MANCHENG 中);'
            "密码本身不能写在配置文件里")


def _variable(name: str) -> str:
    return f"{ENV}_{name}" if name else ENV


def how_to_give(name: str = "") -> str:
    """The Chinese instruction for giving the password named ``name`` (``""``: the default)."""
    return (f"请把密码放进环境变量 {_variable(name)},或安装 keyring 后用 “keyring set "
            f"{KEYRING_SERVICE} {name or KEYRING_DEFAULT}” 保存,然后重新运行")


def find_password(name: str = "") -> tuple[str, str] | None:
    """``(password, where it came from)`` for the password ``name``, or ``None``.

    ``where`` names the source, never the password (``环境变量 SHEETS_SYNC_PASSWORD``).
    """
    variable = _variable(name)
    value = os.environ.get(variable)
    if value:
        return value, f"环境变量 {variable}"
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]  # optional
    except ImportError:
        return None
    user = name or KEYRING_DEFAULT
    try:
        value = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # no usable keyring backend is the same as no password
        return None
    if not value:
        return None
    return str(value), f"系统钥匙串 {KEYRING_SERVICE}/{user}"


def is_encrypted(path: Path) -> bool:
    """Whether ``path`` is an OLE (CFB) file: an encrypted OOXML workbook under its name."""
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == CFB_MAGIC
    except OSError:
        return False


def decrypt(path: Path, book: str, name: str = "") -> tuple[bytes, str]:
    """The plain package of the encrypted workbook ``path`` and the password that opened it.

    Raises :class:`PasswordMissing` / :class:`WrongPassword` (``book`` names it), or
    :class:`NotWritable` when the file is an OLE file but no encrypted workbook (an old
    ``.xls`` renamed).
    """
    from msoffcrypto import exceptions  # type: ignore[import-untyped]  # no stubs
    from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]

    data = path.read_bytes()
    try:
        office = OOXMLFile(io.BytesIO(data))
    except (exceptions.FileFormatError, OSError, ValueError) as err:
        raise NotWritable(
            "文件是旧的二进制格式(.xls)或损坏的加密文件,无法处理;请在 Excel 中另存为 .xlsx"
        ) from err
    if getattr(office, "type", "") != "agile" and getattr(office, "type", "") != "standard":
        raise NotWritable("工作簿的加密方式不受支持;请在 Excel 中取消密码后重新设置一次密码")
    found = find_password(name)
    if found is None:
        raise PasswordMissing(
            f"工作簿 {book} 设置了打开密码,但没有提供密码:{how_to_give(name)}。文件没有改动。"
        )
    password, where = found
    plain = io.BytesIO()
    try:
        office.load_key(password=password, verify_password=True)
        office.decrypt(plain)
    except (exceptions.InvalidKeyError, exceptions.DecryptionError) as err:
        raise WrongPassword(
            f"工作簿 {book} 的打开密码不对(密码来自{where}):请改成正确的密码后重新运行。"
            "文件没有改动。"
        ) from err
    return plain.getvalue(), password


def open_plain(data: bytes) -> zipfile.ZipFile:
    """The decrypted package ``data`` as a zip, after the zip-bomb checks of a plain one."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise NotWritable("解密后的内容不是有效的 Excel 工作簿(文件可能已损坏)") from err
    return checked(z)


def _encrypted(plain: bytes, password: str) -> bytes:
    """The plain package ``plain`` encrypted (ECMA-376 agile) with ``password``."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


def encrypt_file(path: Path, password: str) -> None:
    """Encrypt the plain workbook ``path`` in place (a backup of a spoke about to be
    encrypted: no plain copy of it stays behind)."""
    data = _encrypted(path.read_bytes(), password)
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def encrypting_save(save_plain: Callable[[Path], object], password: str) -> Callable[[Path], None]:
    """A ``save`` for :func:`.xlsx.safety.atomic_save` that writes the workbook encrypted.

    ``save_plain`` writes the plain package to a private temp file beside the target (mode
    0600, named like the save's own temp files so a killed run's copy is removed by the
    next save; deleted as soon as it is encrypted); the encrypted workbook goes to the
    target the atomic save then moves into place.
    """

    def save(target: Path) -> None:
        plain = target.with_name(
            f"{TEMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}-plain-{target.name}")
        try:
            os.close(os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            save_plain(plain)
            data = plain.read_bytes()
        finally:
            with contextlib.suppress(OSError):
                plain.unlink()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_encrypted(data, password))

    return save
