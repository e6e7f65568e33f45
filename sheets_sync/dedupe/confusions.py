"""Characters that are mistaken for one another in handwritten and typed names.

:data:`SHAPE_GROUPS` are look-alike characters (形近字): a stroke or a component more or
less (明/朋, 军/车, 辉/挥), read differently, so pinyin cannot explain the error. Sound
errors (李明/李鸣) need no table: the names' pinyin says so. A name pair differing in one
character that neither sound nor this table explains is treated as two people (twins
often share one character of the given name).
"""

from __future__ import annotations

import numpy as np

SHAPE_GROUPS: tuple[str, ...] = (
    "己已巳", "未末", "土士", "日曰", "人入八", "大太犬", "天夭", "王玉主", "田由甲申",
    "刀力", "千干于", "午牛", "贝见", "今令", "免兔", "候侯", "晴睛", "辩辨辫", "泪汨",
    "戊戌戍", "拔拨", "析折", "崇祟", "宇字", "朋明鹏", "车军", "乎平", "木杰", "冈刚",
    "寿涛", "挥辉", "化华", "江红", "捐娟", "净静", "色艳", "央英", "方芳", "夏霞",
    "每敏", "羊洋", "男勇", "虽强", "石磊", "召超", "皮波", "武斌", "于宇", "艺芝",
    "林材彬", "杉衫", "洁浩", "治冶", "冰水永", "东车乐", "风凡凤", "丹舟", "乌鸟",
    "兵乒丘", "苗笛", "伟纬玮", "娜哪", "莹萤营", "秦泰奏", "晓烧浇", "瑞端", "颜彦",
    "萍苹", "婷亭停", "琴芩", "佳桂", "雯零", "鸣呜", "鹃娟", "婧靖", "菲非", "莉利",
    "璐路露", "颖颍", "淼森", "焱炎", "钰玉", "怡恰", "悦说阅", "欣炘", "晨辰", "浩皓",
    "梓辛", "瑶遥谣", "萱宣喧", "涵函", "俊浚峻骏", "琪棋旗淇祺", "倩情", "雅鸦", "曦羲",
    "澄橙登", "韵匀", "鑫金", "坤伸", "芬纷", "丽俪", "燕雁", "琳淋", "斌赋", "军库",
    "雪雷", "霖淋", "凯凯", "博搏", "翔祥", "鹤鸽", "泽择", "嘉喜", "宏弘", "志忐",
    "秀季", "梅海", "桃挑", "杨扬杨", "兰兴", "春椿", "振震", "锋峰", "铭名", "健建",
)

_WIDE = np.int64(1 << 21)


def _pair_codes() -> np.ndarray:
    out: set[int] = set()
    for group in SHAPE_GROUPS:
        for a in group:
            for b in group:
                if a != b:
                    out.add(ord(a) * int(_WIDE) + ord(b))
    return np.array(sorted(out), dtype=np.int64)


SHAPE_CODES = _pair_codes()
"""``ord(a) << 21 | ord(b)`` for every ordered look-alike pair, sorted (for ``np.isin``)."""


def look_alike(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise: are code points ``a`` and ``b`` a known look-alike pair?"""
    return np.isin(a.astype(np.int64) * _WIDE + b.astype(np.int64), SHAPE_CODES)


def look_alike_char(a: str, b: str) -> bool:
    return bool(look_alike(np.array([ord(a)]), np.array([ord(b)]))[0])
