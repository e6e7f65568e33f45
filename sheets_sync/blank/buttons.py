"""The 控制面板 buttons: caption, VBA macro, and the Python command the macro runs.

The VBA text lives in ``macros/vba/<module>.bas`` (one module per button, one ``Sub``
that calls xlwings' ``RunPython``); this module only names them and reads the command back
out of the text, so the workbook, the docs and the tests cannot disagree with the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import SheetsSyncError
from .vba import SHEET_BASE, WORKBOOK_BASE, Module, document_module, module_from_file

MACROS_DIR = "macros"
_RUN = re.compile(r'^\s*RunPython\s+"([^"]*)"\s*$', re.M)
_SUB = re.compile(r"^\s*Public Sub (\w+)\(\)", re.M)
_CALL = re.compile(r"^import (\w+); \1\.(\w+)\(\)$")


@dataclass(frozen=True)
class Button:
    caption: str        # the text on the button
    module: str         # the VBA module (file macros/vba/<module>.bas)
    macro: str          # the Sub the button runs
    explain: str        # one line beside the button on 控制面板


BUTTONS: tuple[Button, ...] = (
    Button("校验", "btnValidate", "ValidateClicked",
           "检查各表的每一格,把问题写进“校验问题”表;不修改您填的内容。"),
    Button("同步", "btnSync", "SyncClicked",
           "与项目总表和各队工作簿同步(需要 sheets-sync.toml 项目配置)。"),
    Button("查重", "btnDedupe", "DedupeClicked",
           "找出重复登记的儿童和志愿者,列在“疑似重复”表中等您确认。"),
    Button("生成花名册", "btnRosters", "RostersClicked",
           "按学校生成安全花名册(敏感信息已遮盖)。"),
    Button("预算汇总", "btnBudget", "BudgetClicked",
           "汇总预算与支出,生成预算汇总和结算表。"),
    Button("结对建议", "btnPair", "PairClicked",
           "为尚未结对的儿童推荐志愿者,写进“结对建议”表。"),
)


class MacrosMissing(SheetsSyncError):
    """The VBA sources in macros/ are not where the build looks for them."""


def macros_dir() -> Path:
    """Where ``macros/`` is: inside the installed package, or the source tree."""
    packaged = resources.files("sheets_sync") / MACROS_DIR
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / MACROS_DIR


def button_module(button: Button, directory: Path | None = None) -> Module:
    """The VBA module of ``button``, read from its ``.bas`` file and checked."""
    path = (directory or macros_dir()) / "vba" / f"{button.module}.bas"
    if not path.is_file():
        raise MacrosMissing(f"找不到按钮“{button.caption}”的宏代码 {path}:"
                            "请从 sheets-sync 的源代码中取回 macros/ 文件夹。")
    module = module_from_file(path)
    subs = _SUB.findall(module.code)
    if module.name != button.module or subs != [button.macro]:
        raise MacrosMissing(f"{path}: 应为模块 {button.module},只含 Sub {button.macro}()。")
    python_command(module)
    return module


def python_command(module: Module) -> tuple[str, str]:
    """``(python module, function)`` that the module's single ``RunPython`` line calls."""
    commands = _RUN.findall(module.code)
    call = _CALL.match(commands[0]) if len(commands) == 1 else None
    if call is None:
        raise MacrosMissing(f"宏模块 {module.name} 应只含一行 "
                            'RunPython "import 模块; 模块.函数()"。')
    return call.group(1), call.group(2)


def run_python_commands(directory: Path | None = None) -> dict[str, str]:
    """Each button's caption and the exact command its macro passes to RunPython."""
    out: dict[str, str] = {}
    for b in BUTTONS:
        mod, fn = python_command(button_module(b, directory))
        out[b.caption] = f"import {mod}; {mod}.{fn}()"
    return out


def xlwings_modules() -> list[Module]:
    """xlwings' standalone VBA (``RunPython`` and its helpers), from the installed package."""
    import xlwings

    root = Path(xlwings.__file__).parent
    return [module_from_file(root / "xlwings.bas"),
            module_from_file(root / "addin" / "Dictionary.cls")]


def project_modules(n_sheets: int, macros: Path | None = None) -> list[Module]:
    """Every module of the workbook's VBA project, in order: ``ThisWorkbook``, the sheets'
    document modules ``Sheet1``…``Sheet<n_sheets>``, one module per button, xlwings'."""
    mods = [document_module("ThisWorkbook", WORKBOOK_BASE)]
    mods += [document_module(f"Sheet{i}", SHEET_BASE) for i in range(1, n_sheets + 1)]
    mods += [button_module(b, macros) for b in BUTTONS]
    return mods + xlwings_modules()
