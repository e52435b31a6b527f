"""How replica articles relate as stories: reposts, follow-ups, market reports, shared boilerplate.

A repost is the same story (a deduplicating crawl must keep one of the pair); a follow-up
quoting a third of an earlier story, two stories sharing a boilerplate paragraph, and daily
market reports worded alike with other numbers are different stories that merely look alike.
"""

from __future__ import annotations

import random
from datetime import datetime

ORIGINAL = "original"
REPOST = "repost"
FOLLOW_UP = "follow_up"
MARKET_REPORT = "market_report"
BOILERPLATE = "boilerplate"

REPOST_SHARE_OF_CNFINANCE = 0.12
FOLLOW_UP_SHARE = 0.03
MARKET_REPORT_SHARE = 0.03
BOILERPLATE_SHARE = 0.05
VARIANT_SHARE = 0.10
SOURCE_WINDOW = 300

TRACKING = "tracking"
MOBILE = "mobile"
PRINT = "print"
VARIANT_KINDS = (TRACKING, MOBILE, PRINT)
TRACKING_QUERY = "utm_source=wechat&utm_medium=social&from=timeline&isappinstalled=0"

BOILERPLATES = (
    "关于宁波银行：宁波银行成立于1997年4月10日，是一家具有独立法人资格的股份制商业银行，"
    "2007年7月19日在深圳证券交易所挂牌上市。经过多年发展，该行已在浙江、上海、江苏、北京、"
    "深圳等地设立分行，形成了覆盖长三角、珠三角和环渤海地区的经营网络，"
    "致力于为客户提供综合化、专业化、特色化的金融服务。",
    "关于中国金融网：中国金融网是面向金融行业的专业资讯平台，长期关注银行、证券、保险、"
    "信托、基金等领域的政策动向与市场变化，以客观、专业、权威为宗旨，"
    "为读者提供及时、准确、深入的财经新闻和行业分析，欢迎广大读者提供新闻线索。",
    "风险提示：市场有风险，投资需谨慎。本文所载信息及观点来源于公开资料，"
    "力求但不保证其准确性与完整性，所涉个股及基金产品仅作示例说明，"
    "投资者据此操作，风险自担。过往业绩不代表未来表现，请投资者根据自身风险承受能力审慎决策。",
)

_MARKET_PARAGRAPHS = (
    "{day}，A股三大指数{trend}。截至收盘，沪指{sh_move}，报{sh}点；深证成指{sz_move}，"
    "报{sz}点；创业板指{cy_move}，报{cy}点。",
    "成交方面，沪深两市全天成交额{turnover}亿元，较上一交易日{volume_change}{delta}亿元。"
    "北向资金全天净{north_flow}{north}亿元。",
    "盘面上，{sector_up}等板块涨幅居前，{sector_down}等板块跌幅居前。"
    "两市个股涨多跌少，{rising}只个股上涨，{falling}只个股下跌。",
    "分析人士认为，当前市场整体估值处于历史较低水平，随着稳增长政策持续发力，"
    "市场信心有望逐步修复，建议投资者关注业绩确定性较强的优质资产。",
)
_SECTORS = ("半导体", "银行", "券商", "保险", "白酒", "光伏", "医药", "汽车", "煤炭", "军工")


def market_report_title(published: datetime) -> str:
    return f"{published.month}月{published.day}日A股收评：三大指数表现分化 两市成交额维持高位"


def market_report_paragraphs(published: datetime, rng: random.Random) -> list[str]:
    """A daily close report: the same wording every day, other numbers."""

    def move() -> str:
        change = rng.randint(-250, 250) / 100
        return f"涨{change:.2f}%" if change >= 0 else f"跌{-change:.2f}%"

    sectors = rng.sample(_SECTORS, 4)
    values = {
        "day": f"{published.month}月{published.day}日",
        "trend": rng.choice(("集体收涨", "涨跌不一", "集体收跌")),
        "sh_move": move(),
        "sh": f"{rng.randint(280000, 360000) / 100:.2f}",
        "sz_move": move(),
        "sz": f"{rng.randint(900000, 1200000) / 100:.2f}",
        "cy_move": move(),
        "cy": f"{rng.randint(180000, 260000) / 100:.2f}",
        "turnover": str(rng.randint(6000, 14000)),
        "volume_change": rng.choice(("放量", "缩量")),
        "delta": str(rng.randint(50, 2000)),
        "north_flow": rng.choice(("买入", "卖出")),
        "north": f"{rng.randint(100, 9000) / 100:.2f}",
        "sector_up": "、".join(sectors[:2]),
        "sector_down": "、".join(sectors[2:]),
        "rising": str(rng.randint(800, 4200)),
        "falling": str(rng.randint(800, 4200)),
    }
    return [paragraph.format(**values) for paragraph in _MARKET_PARAGRAPHS]


_OPENERS = ("据悉，", "记者了解到，", "值得注意的是，", "业内人士指出，", "据介绍，")
SENTENCES_PER_EDIT = 8


def edit_sentences(paragraphs: list[str], rng: random.Random) -> list[str]:
    """The paragraphs lightly rewritten, as a repost does: in 1-3 sentences (one per eight),
    an opener is added and the last clause cut."""
    sentences = [paragraph.split("。") for paragraph in paragraphs]
    positions = [
        (p, s) for p, parts in enumerate(sentences) for s, text in enumerate(parts) if text
    ]
    edits = rng.randint(1, max(1, min(3, len(positions) // SENTENCES_PER_EDIT)))
    for p, s in rng.sample(positions, min(edits, len(positions))):
        clauses = sentences[p][s].split("，")
        kept = clauses[:-1] if len(clauses) > 1 else clauses
        sentences[p][s] = rng.choice(_OPENERS) + "，".join(kept)
    return ["。".join(parts) for parts in sentences]


def quoted_third(paragraphs: list[str]) -> list[str]:
    """The first third of a story's paragraphs, as a follow-up quotes them."""
    return paragraphs[: max(1, len(paragraphs) // 3)]
