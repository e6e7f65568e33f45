"""``sheets-sync init``: write a commented ``sheets-sync.toml`` to start from."""

from __future__ import annotations

from pathlib import Path

from ..config import CONFIG_NAME
from ..errors import ConfigError

TEMPLATE = '''# sheets-sync 项目配置。改完保存后,在本文件夹运行 sheets-sync sync。
# 路径相对于本文件所在的文件夹。

[project]
name = "让你不再孤单——一对一帮助计划"
# 要同步的表单(须有“编号”列):child 留守儿童家庭情况登记表,school 学校,volunteer 志愿者报名表 ……
forms = ["child", "school"]
# 同一个单元格两边都改了时:"hub-wins" 保留总表的值(默认),"spoke-wins" 保留分表的值。
# 未采用的值总会记在总表的“同步冲突”工作表里。
conflict_policy = "hub-wins"

[program]
counties = ["满城", "顺平", "清苑"]
start_date = "2026-07-01"
end_date = "2026-08-31"

# 总表:保存全部记录。可以是本地工作簿,也可以是 Google 表格:
#   book = "https://docs.google.com/spreadsheets/d/表格ID/edit"
[hub]
book = "总表.xlsx"

# [google]
# 服务账号密钥文件;也可以设置环境变量 GOOGLE_APPLICATION_CREDENTIALS
# credentials = "service-account.json"

# 分表:每个县大队一个工作簿,只保存本县的记录(县写成“满城县”也算满城)。
[[spokes]]
book = "满城.xlsx"
partition = {county = "满城"}

[[spokes]]
book = "顺平.xlsx"
partition = {county = "顺平"}

[[spokes]]
book = "清苑.xlsx"
partition = {county = "清苑"}

# 工具写入总表的工作表名称(可不写):
# [outputs]
# conflicts_tab = "同步冲突"
# recycle_tab = "回收站"
# log_tab = "同步日志"
'''


def init_project(folder: Path | str) -> Path:
    """Write ``folder/sheets-sync.toml``; refuses to overwrite an existing one."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    path = root / CONFIG_NAME
    if path.exists():
        raise ConfigError(f"{path} 已经存在,没有覆盖它。请直接编辑它,或先把它改名。")
    path.write_text(TEMPLATE, encoding="utf-8")
    return path
