"""Write the synthetic survey exports the intake tests read (run once; output committed).

Every person here is made up: names from a short list, phones 1380000xxxx, no real ID
numbers. Each file has the shape of one tool's export (see sheets_sync/intake/shapes.py):

    .venv/bin/python tests/data/intake/make_fixtures.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent

WJX_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
VOLUNTEERS = [  # name, sex, student no, college, phone, skills, county, contact, contact phone
    ("王小明", "男", "20260101", "文学院", "13800000001", ["数学", "音乐"], "满城",
     "王大山", "13800001001"),
    ("李小红", "女", "20260102", "理学院", "13800000002", ["英语"], "顺平", "李大海", "13800001002"),
    ("赵小刚", "男", "20260103", "法学院", "13800000003", ["体育", "其他〖象棋〗"], "清苑",
     "赵大江", "13800001003"),
]


def _xlsx(path: Path, rows: list[list[str]], sheet: str = "Sheet1") -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.write_string(i, j, v)
    wb.close()


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> None:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


def wjx(people: list[tuple], first: int = 1) -> list[list[str]]:
    """问卷星, 按选项文本: multi-choice joined with ┋."""
    head = [*WJX_META, "1、您的姓名：", "2、您的性别：", "3、请填写您的学号(必填)", "4、所在学院",
            "5、您的手机号码是？", "6、您的特长(多选)", "7、意向县", "8、紧急联系人", "9、紧急联系人电话",
            "10、您对本次活动有什么期待？"]
    rows = [head]
    for i, p in enumerate(people):
        n = first + i
        rows.append([str(n), f"2026/5/{n} 20:3{n % 10}:05", f"{100 + n}秒", "手机提交",
                     "微信", f"10.0.0.{n}(河北-保定)", p[0], p[1], p[2], p[3], p[4],
                     "┋".join(p[5]), p[6], p[7], p[8], "希望帮助孩子"])
    return rows


def wjx_binary(people: list[tuple]) -> list[list[str]]:
    """问卷星, one column per option holding 0/1 (按选项序号 with options split)."""
    opts = ["语文", "数学", "英语", "体育", "音乐", "其他"]
    head = [*WJX_META, "1、您的姓名：", "2、您的性别：", "3、请填写您的学号(必填)",
            "5、您的手机号码是？", *(f"6、您的特长(多选)({o})" for o in opts), "8、紧急联系人",
            "9、紧急联系人电话"]
    rows = [head]
    for i, p in enumerate(people, start=1):
        picked = {s.split("〖")[0] for s in p[5]}
        rows.append([str(i), f"2026/5/{i} 09:00:00", "88秒", "链接", "直接访问", "10.0.0.9",
                     p[0], p[1], p[2], p[4], *("1" if o in picked else "0" for o in opts),
                     p[7], p[8]])
    return rows


def main() -> None:
    _xlsx(HERE / "wjx_volunteer.xlsx", wjx(VOLUNTEERS[:2]))
    # the same survey downloaded a week later: one more answer, and 李小红 changed her phone
    later = [VOLUNTEERS[0], (*VOLUNTEERS[1][:4], "13800000022", *VOLUNTEERS[1][5:]),
             VOLUNTEERS[2]]
    _xlsx(HERE / "wjx_volunteer_later.xlsx", wjx(later))
    _xlsx(HERE / "wjx_volunteer_binary.xlsx", wjx_binary(VOLUNTEERS))

    # 腾讯问卷, child registration, CSV
    head = ["编号", "用户ID", "开始答题时间", "结束答题时间", "答题时长", "地理位置", "IP",
            "1.儿童姓名", "2.性别", "3.出生日期", "4.所在县", "5.学校", "6.年级",
            "7.监护人姓名", "8.监护人电话", "9.与儿童关系", "10.兴趣爱好"]
    kids = [
        ["1", "u01", "2026-04-02 10:00:00", "2026-04-02 10:05:12", "312秒", "河北省保定市",
         "10.1.0.1", "刘小花", "女", "2016-03-08", "满城", "王家庄小学", "四年级", "刘奶奶",
         "13800002001", "祖父母", "画画┋唱歌"],
        ["2", "u02", "2026-04-02 11:00:00", "2026-04-02 11:04:40", "280秒", "河北省保定市",
         "10.1.0.2", "陈小军", "男", "2015-09-20", "顺平", "李家村小学", "5", "陈爷爷",
         "13800002002", "祖父母", "踢球"],
    ]
    _csv(HERE / "tencent_child.csv", [head, *kids])

    # 金数据, volunteer sign-up: questions first, the tool's columns after
    head = ["序号", "姓名", "性别", "学号", "手机", "特长", "紧急联系人", "紧急联系人电话",
            "提交人", "提交时间", "修改时间", "填写设备", "操作系统", "浏览器", "填写地区", "IP",
            "微信昵称"]
    rows = [head]
    for i, p in enumerate(VOLUNTEERS[:2], start=1):
        rows.append([str(i), p[0], p[1], p[2], p[4], "、".join(p[5]), p[7], p[8], "匿名",
                     f"2026-05-0{i} 12:00:00", "", "手机", "Android", "微信", "河北 保定",
                     f"10.2.0.{i}", f"昵称{i}"])
    _xlsx(HERE / "jinshuju_volunteer.xlsx", rows)

    # Google Forms, Chinese interface (时间戳记), email collected, checkboxes with ", "
    head = ["时间戳记", "电子邮件地址", "姓名", "性别", "学号", "手机号", "特长", "紧急联系人",
            "紧急联系人电话"]
    rows = [head]
    for i, p in enumerate(VOLUNTEERS[:2], start=1):
        rows.append([f"2026/5/{i} 下午 3:00:00", f"student{i}@example.edu.cn", p[0], p[1], p[2],
                     p[4], ", ".join(p[5]), p[7], p[8]])
    _csv(HERE / "google_volunteer.csv", rows)

    # KoboToolbox, child registration from the XLSForm (XML names, group paths, both
    # the select_one text and Kobo's metadata)
    head = ["start", "end", "basic/name", "basic/sex", "basic/birth_date", "basic/county",
            "basic/school", "basic/grade", "family/guardian_name", "family/guardian_phone",
            "family/guardian_relation", "_id", "_uuid", "_submission_time", "_validation_status",
            "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]
    rows = [head,
            ["2026-04-03T09:00:00", "2026-04-03T09:06:00", "孙小雨", "女", "2016-05-01", "清苑",
             "张家庄小学", "4", "孙奶奶", "13800003001", "祖父母", "501", "a1b2c3d4-0001",
             "2026-04-03T09:07:00", "", "", "submitted_via_web", "", "vX1", "", "1"],
            ["2026-04-03T10:00:00", "2026-04-03T10:05:00", "周小北", "男", "2015-11-11", "清苑",
             "张家庄小学", "5", "周爷爷", "13800003002", "祖父母", "502", "a1b2c3d4-0002",
             "2026-04-03T10:06:00", "", "", "submitted_via_web", "", "vX1", "", "2"]]
    _xlsx(HERE / "kobo_child.xlsx", rows, sheet="留守儿童家庭情况登记表")

    # 问卷星, the children's survey (调查问卷) for 问卷统计
    head = [*WJX_META, "1、你的名字", "2、性别", "3、所在县", "4、学校", "5、年级",
            "6、父母外出情况", "7、平时和谁一起生活", "8、和父母联系的频率", "9、和父母联系的方式(多选)",
            "10、你喜欢上学吗？", "11、每天课外学习时间", "12、你会感到孤单吗？", "13、最大的心愿"]
    answers = [
        ("小芳", "女", "满城", "王家庄小学", "3", "双亲外出", "爷爷奶奶", "每周", "电话┋视频", "很喜欢",
         "1", "有时", "爸爸妈妈回家"),
        ("小亮", "男", "满城", "王家庄小学", "4", "父亲外出", "母亲", "每天", "视频", "比较喜欢",
         "2", "很少", "当老师"),
        ("小雪", "女", "顺平", "李家村小学", "5", "双亲外出", "外公外婆", "每月", "电话", "一般",
         "0.5", "经常", "有新书包"),
        ("小虎", "男", "清苑", "张家庄小学", "4", "母亲外出", "父亲", "很少", "微信┋其他〖写信〗",
         "很喜欢", "1.5", "有时", "去北京"),
    ]
    rows = [head]
    for i, a in enumerate(answers, start=1):
        rows.append([str(i), f"2026/4/1{i} 16:00:00", "200秒", "手机提交", "微信", "10.3.0.1",
                     *a])
    _xlsx(HERE / "wjx_survey.xlsx", rows)


if __name__ == "__main__":
    main()
