"""``sheets-sync init``: write a commented ``sheets-sync.toml`` and a blank hub to start from.

:func:`init_folder` is what the command does: the config (unless one is there already) and,
when the config names a local hub workbook that does not exist yet, that hub (``总表.xlsx``)
built from the form templates by the blank-forms builder: one tab per synced form, Chinese
headers, dropdowns and input prompts, ID and phone columns as text, a frozen header. So
``sheets-sync sync --dry-run`` works right after ``init``. A Google hub is not created (make
the spreadsheet in Google and put its link in ``[hub] book``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import CONFIG_NAME
from ..errors import ConfigError, SheetsSyncError, os_reason

if TYPE_CHECKING:
    from .project import Project

TEMPLATE = '''# sheets-sync 项目配置。改完保存后,在本文件夹运行 sheets-sync sync。
# 路径相对于本文件所在的文件夹。

[project]
name = "让你不再孤单——一对一帮助计划"
# 要同步的表单(须有“编号”列):child 留守儿童家庭情况登记表,school 学校,volunteer 志愿者报名表,
# pair 结对,application 儿童参加活动申请书,expense 支出明细,talk 谈心记录,donation 捐赠;
# 暑期还可加上 team 支队,rotation 进驻安排,attendance 出勤,contact 联系记录,incident 事件,
# survey 调查问卷(不列出的表单只在总表中校验和统计,不发到分表)
forms = ["child", "school", "volunteer", "pair", "application", "expense", "talk"]
# 同一个单元格两边都改了时:"hub-wins" 保留总表的值(默认),"spoke-wins" 保留分表的值。
# 未采用的值总会记在总表的“同步冲突”工作表里。
conflict_policy = "hub-wins"

[program]
counties = ["满城", "顺平", "清苑"]
# 项目期间:支出等日期须在期间内。不写时按“学校”表的进驻日期推定(期间外的日期只作提醒);
# 两处都没有时不检查日期是否在期间内(运行时会说明)。去掉行首的 # 并改成本期的日期:
# start_date = "2026-07-01"
# end_date = "2026-08-31"
# 发票额度:不写时每笔支出都须填写发票号(所用资金应开具发票证明);
# 写了金额时,不足该金额的支出可凭收据:
# invoice_threshold = "100"
# 志愿者最低年龄(按身份证号算到 start_date 那天);不写时不检查:
# volunteer_min_age = 18
# 排班(sheets-sync schedule):每个支队的人数(± 2 人以内不提醒),支队能否跨县进驻,
# 进驻周从哪天开始、最晚到哪天结束(不写时按 start_date、end_date;每周六天在校,周日准备下一所):
# team_size = 8
# cross_county = false
# visit_start = "2026-07-07"
# visit_end = "2026-08-11"
# 结对时每名志愿者最多负责几名儿童:
# pair_capacity_max = 5
# 从几年级起儿童可以自行回家(低年级“电影天堂”“外出活动”后须写接送人):
# walk_home_min_grade = 5
# 待办:谈心、亲情视频(也可写亲情电话、家访)每隔几天须有一次;"0d" 表示不列入待办:
# [program.cadence]
# "谈心" = "30d"
# "亲情视频" = "7d"

# 总表:保存全部记录。可以是本地工作簿,也可以是 Google 表格:
#   book = "https://docs.google.com/spreadsheets/d/表格ID/edit"
[hub]
book = "总表.xlsx"

# [google]
# 服务账号密钥文件;也可以设置环境变量 GOOGLE_APPLICATION_CREDENTIALS
# credentials = "service-account.json"

# 分表:每个县大队一个工作簿,只保存本县的记录(县写成“满城县”也算满城)。
# 没有“县”列的表单按引用分:结对、申请书、谈心记录跟着儿童的县,支出明细、志愿者跟着所属大队。
# 谈心记录整张表是敏感信息,只发给在 forms 中写明它的分表。
# 分表中的身份证号、电话、住址、心理状况默认遮挡显示(sensitive = "mask");
# "omit" 不放这些列,"full" 完整显示;reveal 列出要完整显示的字段。
# 在遮挡的单元格里输入完整的新值,同步后会进入总表,分表中再显示为遮挡。
# 给分表加打开密码:encrypt = true(密码放在环境变量 SHEETS_SYNC_PASSWORD 或系统钥匙串中)。
[[spokes]]
book = "满城.xlsx"
partition = {county = "满城"}
# sensitive = "mask"
# reveal = ["监护人电话"]
# encrypt = true

[[spokes]]
book = "顺平.xlsx"
partition = {county = "顺平"}

[[spokes]]
book = "清苑.xlsx"
partition = {county = "清苑"}

# 某个表单不按默认方式分到分表时(可不写):字段名,或 "hub"(只在总表中)。
# [partition]
# expense = "所属大队"
# donation = "hub"

# 工具写入总表的工作表名称(可不写):
# [outputs]
# conflicts_tab = "同步冲突"
# recycle_tab = "回收站"
# log_tab = "同步日志"
'''


PROGRAM_LINES = {
    "start_date": '# start_date = "2026-07-01"',
    "end_date": '# end_date = "2026-08-31"',
    "invoice_threshold": '# invoice_threshold = "100"',
    "volunteer_min_age": "# volunteer_min_age = 18",
    "team_size": "# team_size = 8",
    "cross_county": "# cross_county = false",
    "visit_start": '# visit_start = "2026-07-07"',
    "visit_end": '# visit_end = "2026-08-11"',
    "pair_capacity_max": "# pair_capacity_max = 5",
}
"""The commented ``[program]`` lines of :data:`TEMPLATE` (the demo writes its values there)."""


def init_project(folder: Path | str) -> Path:
    """Write ``folder/sheets-sync.toml``; refuses to overwrite an existing one."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    path = root / CONFIG_NAME
    if path.exists():
        raise ConfigError(f"{path} 已经存在,没有覆盖它。请直接编辑它,或先把它改名。")
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


@dataclass(frozen=True)
class InitResult:
    config: Path
    config_written: bool                  # False: an existing sheets-sync.toml was kept
    books: tuple[Path, ...] = ()          # the blank workbooks written (hub first)


def init_folder(folder: Path | str) -> InitResult:
    """``sheets-sync init``: the config (if absent), then the blank books it names (if absent).

    Raises :class:`ConfigError` when there is nothing to do (the config and every local book
    exist), so that running ``init`` in a project folder by mistake says so.
    """
    from .project import load_project

    root = Path(folder)
    config = root / CONFIG_NAME
    written = not config.exists()
    if written:
        init_project(root)
    project = load_project(config)
    books = write_blank_books(project)
    if not written and not books:
        raise ConfigError(f"{config} 已经存在,没有覆盖它;它写的总表和分表也都已经在了。"
                          "请直接编辑配置,或先把它改名。")
    return InitResult(config, written, tuple(books))


def write_blank_books(project: Project) -> list[Path]:
    """Each local ``.xlsx``/``.xlsm`` book of ``project`` that does not exist yet, written as a
    blank workbook of its forms (hub: every synced form; a spoke: its own). Existing files and
    Google spreadsheets are left alone. The paths written, hub first."""
    out = []
    for spec, forms in [(project.hub, project.forms),
                        *((s.book, s.forms) for s in project.spokes)]:
        path = _blank_book(project, spec.location, spec.is_google, forms)
        if path is not None:
            out.append(path)
    return out


def _blank_book(project: Project, location: str, is_google: bool,
                form_keys: tuple[str, ...]) -> Path | None:
    from ..blank.workbook import CONF_TAB, PANEL_TAB, build_workbook
    from ..books.xlsx.safety import atomic_save

    if is_google:
        return None
    path = Path(location)
    path = path if path.is_absolute() else project.root / path
    if path.exists() or path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return None
    forms = [project.templates[k] for k in form_keys if k in project.templates]
    wb = build_workbook(forms, project.program)
    for tab in (PANEL_TAB, CONF_TAB):  # buttons and xlwings settings belong to blank forms
        wb.remove(wb[tab])
    wb.active = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SheetsSyncError(f"无法创建文件夹 {path.parent}:{os_reason(e)}。请换一个位置。") from e
    atomic_save(lambda tmp: wb.save(tmp), path)  # an OSError becomes a Chinese BookError
    return path
