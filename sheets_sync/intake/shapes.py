"""Which survey tool an export comes from, told by the columns the tool adds itself.

Each tool puts its own columns around the answers (what they hold, as exported):

* 问卷星 (wjx): ``序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP`` first, then one column
  per question headed ``1、您的姓名：`` (numbering, wording and ``(必填)``/``(多选)`` around
  the label); a multi-choice answer is ``数学┋音乐``, or one column per option holding 0/1
  (``5、(数学)``); a free-text "other" is ``其他〖书法〗``; a skipped question ``(跳过)``.
  序号 numbers the answers of one survey.
* 腾讯问卷: ``编号, 开始答题时间, 结束答题时间, 答题时长`` first, then one column per question
  headed ``1.问题``, then ``语言, 清洗数据结果, 智能清洗数据无效概率, 地理位置国家和地区,
  地理位置省, 地理位置市, 自定义字段, IP, UA, Referrer`` (as in the export sample of
  zzyspace/auto-invoice-issuance, ``样例.csv``, whose client downloads the CSV from wj.qq.com);
  编号 is the answer's number, 答题时长 is in seconds.
* 金数据: ``序号`` first, then the questions, then ``提交人, 提交时间, 修改时间, 填写设备,
  操作系统, 浏览器, 填写地区, IP, 微信昵称 …`` (no export file seen; a table that mirrors a 金数据
  form in a public repository ends in ``微信昵称, 微信性别, 微信国家, 微信省市, 微信市, openid,
  提交人, 提交时间, 修改时间, 填写设备, 操作系统, 浏览器, ip``).
* Google Forms: ``Timestamp`` (``时间戳记``/``时间戳`` in Chinese), ``Email Address``
  (``电子邮件地址``) when addresses are collected; checkboxes joined with ``, ``. There is no
  answer number: the address, when collected, else the timestamp, names an answer.
* KoboToolbox: the questions by name or label, in ``group/field`` paths, then ``_id, _uuid,
  _submission_time, _validation_status, _notes, _status, _submitted_by, __version__, _tags,
  _index``; a select_multiple is one column of space-separated choices plus a ``q/choice``
  column per choice holding 0/1.
* ODK Central: ``SubmissionDate``, ``group-field`` paths, ``meta-instanceID``, ``KEY``,
  ``SubmitterID``, ``SubmitterName``, ``AttachmentsPresent``, ``ReviewState`` …

:func:`detect_shape` scores the header row against each tool's own columns; a file with
none of them is a plain table (``generic``): an answer is then named by its 序号/ID column
if it has one, else by its values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """One survey tool's export: its own columns and how it writes answers."""

    key: str
    name: str                           # the tool, as staff call it
    markers: frozenset[str]             # columns only this tool writes
    ids: tuple[str, ...]                # the answer's number, first found wins
    times: tuple[str, ...]              # when it was submitted
    meta: frozenset[str]                # the tool's columns: never questions
    multi_sep: str = "┋"                # how a multi-choice answer is joined in one cell
    path_sep: str = ""                  # group/field paths ("/" Kobo, "-" ODK Central)
    min_markers: int = 2
    meta_prefixes: tuple[str, ...] = ()  # a family of the tool's columns (地理位置国家和地区 …)

    def is_meta(self, header: str) -> bool:
        h = header.strip()
        return h in self.meta or h.startswith(self.meta_prefixes) or (
            self.key in {"kobo", "odk"} and (
                h.startswith("_") or h.startswith("meta/") or h.startswith("meta-")))


WJX = Shape(
    "wjx", "问卷星",
    frozenset({"提交答卷时间", "所用时间", "来源详情", "来自IP", "来自 IP"}),
    ("序号",), ("提交答卷时间",),
    frozenset({"序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "来自 IP",
               "总分", "答卷编号", "用户ID", "微信昵称"}),
    multi_sep="┋")
TENCENT = Shape(
    "tencent", "腾讯问卷",
    frozenset({"开始答题时间", "结束答题时间", "答题时长", "地理位置", "用户标识", "清洗数据结果",
               "智能清洗数据无效概率", "地理位置国家和地区"}),
    ("编号", "回答ID", "答卷ID"), ("结束答题时间", "提交时间", "开始答题时间"),
    frozenset({"编号", "回答ID", "答卷ID", "用户ID", "用户标识", "昵称", "开始答题时间",
               "结束答题时间", "答题时长", "地理位置", "IP", "IP地址", "来源", "渠道", "自定义字段",
               "国家", "省份", "城市", "系统", "浏览器", "设备", "总分", "语言", "清洗数据结果",
               "智能清洗数据无效概率", "UA", "Referrer"}),
    multi_sep="┋", meta_prefixes=("地理位置",))
JINSHUJU = Shape(
    "jinshuju", "金数据",
    frozenset({"提交人", "填写设备", "填写地区", "微信昵称", "微信OpenID", "修改时间", "填写时长"}),
    ("序号", "数据ID"), ("提交时间",),
    frozenset({"序号", "数据ID", "提交人", "提交时间", "修改时间", "更新时间", "填写设备",
               "操作系统", "浏览器", "填写地区", "IP", "ip", "微信昵称", "微信性别", "微信国家",
               "微信省份", "微信城市", "微信省市", "微信市", "微信头像", "微信OpenID", "openid",
               "渠道", "填写时长", "来源", "推广渠道"}),
    multi_sep="、")
GOOGLE = Shape(
    "google", "Google 表单",
    frozenset({"Timestamp", "时间戳记", "时间戳", "Email Address", "电子邮件地址"}),
    ("Email Address", "电子邮件地址", "Timestamp", "时间戳记", "时间戳"),
    ("Timestamp", "时间戳记", "时间戳"),
    frozenset({"Timestamp", "时间戳记", "时间戳", "Email Address", "电子邮件地址", "Score",
               "分数", "得分"}),
    multi_sep=", ", min_markers=1)
KOBO = Shape(
    "kobo", "KoboToolbox",
    frozenset({"_uuid", "_submission_time", "_validation_status", "_submitted_by",
               "__version__", "_index", "_id", "_status", "_tags", "_notes"}),
    ("_id", "_uuid", "meta/instanceID"), ("_submission_time", "end"),
    frozenset({"start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
               "phonenumber", "audit", "__version__", "_version_"}),
    multi_sep=" ", path_sep="/")
ODK = Shape(
    "odk", "ODK Central",
    frozenset({"SubmissionDate", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
               "AttachmentsExpected", "ReviewState", "DeviceID", "Edits", "meta-instanceID"}),
    ("KEY", "meta-instanceID"), ("SubmissionDate", "end"),
    frozenset({"SubmissionDate", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
               "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
               "FormVersion", "start", "end", "today", "deviceid", "instanceID"}),
    multi_sep=" ", path_sep="-")
GENERIC = Shape(
    "generic", "表格", frozenset(), ("序号", "提交编号", "答卷编号", "ID", "id"),
    ("提交时间", "填写时间", "时间"), frozenset({"序号", "提交编号", "答卷编号", "提交时间"}),
    multi_sep="┋", min_markers=0)

SHAPES = (WJX, TENCENT, JINSHUJU, GOOGLE, KOBO, ODK)


def detect_shape(headers: Sequence[str]) -> Shape:
    """The tool whose own columns ``headers`` carry most of (``GENERIC`` when none fits)."""
    present = {h.strip() for h in headers}
    best, score = GENERIC, 0
    for shape in SHAPES:
        n = len(shape.markers & present)
        if n >= shape.min_markers and n > score:
            best, score = shape, n
    return best


def find_header(headers: Sequence[str], names: Sequence[str]) -> int | None:
    """The 1-based column of the first of ``names`` that ``headers`` holds."""
    stripped = [h.strip() for h in headers]
    for name in names:
        if name in stripped:
            return stripped.index(name) + 1
    return None
