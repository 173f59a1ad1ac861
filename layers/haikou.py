"""Haikou wellness-residence reply (海卫健复字〔2020〕27号, 关于创新推进海口康养旅居产业建议的答复) as layers.

Source: sections 二 and 四（三） of /work/shared/plans/haikou_wellness_residence_reply_2020.txt.  Every
coordinate lives in data/facilities/*_institutions.csv (with how it was obtained and its precision); this
module only says which named place plays which role, quoting the reply.  Named but not placeable, hence
left out: “一园五区四平台” (the reply does not list its parts), the 2–3 planned 中医药文化旅游风情小镇 (no sites
named), and the 康养旅居 institutions 海口恭和苑, 颐养公社, 山海疗养院, 蓝色老年公寓 (sites not known offline).

Layers
- ``wellness``: 美安高新区“新药谷”, the existing 药谷, 桂林洋 康养旅居产业园区, 观澜湖体育休闲社区, 秀英区永兴镇 and
  the 市中医医院 with its 中医国际诊疗中心 (points).
- ``platform-hospitals``: the 5 hospitals the reply names on 海口市全民健康信息平台 (points).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd

from layers._common import named_point
from layers.schema import layer_frame

PLAN = "haikou-2020"
PLAN_FILE = "haikou_wellness_residence_reply_2020.txt"

#: (name or alias in the institution tables, role, clause).  美安“新药谷” and 药谷 are rows LAYERS-HAINAN keeps
#: in hainan_institutions.csv (the Hainan 14th FYP names them too); 市中医医院 is its 海口市中医院.
PLACES: tuple[tuple[str, str, str], ...] = (
    ("美安“新药谷”", "pharma-park", "重点发展美安高新区的“新药谷”"),
    ("药谷", "pharma-park", "在现有药谷的基础上，对现有产业园区进行整合"),
    ("桂林洋养生养老康养旅居产业园区", "wellness-park", "打造桂林洋养生养老康养旅居产业园区"),
    ("观澜湖体育休闲社区", "sports-rehab-centre", "以观澜湖体育休闲社区和秀英区永兴镇为中心"),
    ("秀英区永兴镇", "tcm-town-centre", "以观澜湖体育休闲社区和秀英区永兴镇为中心"),
    ("海口市中医院", "tcm-hospital", "市中医医院依托上海中医药大学附属岳阳中西医结合医院"),
)

#: The hospitals the reply names as joined to 海口市全民健康信息平台 (the other 7 of the 12 are unnamed).
PLATFORM_CLAUSE = "省人民医院、省干部疗养院、省安宁医院、省第五人民医院、海医一附院等12家医院顺利上线"
PLATFORM: tuple[str, ...] = (
    "海南省人民医院",
    "省干部疗养院",
    "海南省安宁医院",
    "海南省第五人民医院",
    "海南医学院第一附属医院",
)


def wellness() -> gpd.GeoDataFrame:
    """The places the reply names for the wellness-residence industry (points)."""
    return layer_frame([named_point(PLAN, "wellness", role, name, clause) for name, role, clause in PLACES])


def platform_hospitals() -> gpd.GeoDataFrame:
    """The hospitals the reply names on the city health information platform (points)."""
    return layer_frame(
        [named_point(PLAN, "platform-hospitals", "platform-hospital", n, PLATFORM_CLAUSE) for n in PLATFORM]
    )


LAYERS: dict[str, Callable[[], gpd.GeoDataFrame]] = {
    "wellness": wellness,
    "platform-hospitals": platform_hospitals,
}
