"""Every numeric target of the five plans as one table, each with its quoted clause and its spatial status.

One row per target: which plan and year, what is measured (``indicator``), the value and how the plan writes
it, the unit and the denominator it is counted per (``per``: ``total`` residents, ``children`` aged 0–14,
``60plus`` residents aged 60 and over, ``area`` km², or ``none`` for an absolute count), whether it applies to
the region as a whole or to each county/prefecture (``scope``), the quoted clause (pieces of the original
joined by " … ", each a substring of the plan's Chinese text), and its spatial status:

- ``measured``: the tool measures it by default; ``status_detail`` names the metric.
- ``measurable``: it can be measured once the user supplies ``input_file`` with ``input_columns``;
  targets with a ``resource`` (a capacity column of a facility file, see data/templates/) run in
  ``spatial.resources.resources_by_county`` against the 2020 census denominators.
- ``not spatial``: ``status_detail`` says why (a rate of service use, a budget, a count of programmes …).

Baselines the plans report for 2020 are not targets and are left out, except where the plan states a
spatial achievement the tool can check (the 1-hour circle of the 14th plan).  ``layer`` names the plan layer
that draws a target's named members, where one does.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: The table's columns, in order.
COLUMNS: tuple[str, ...] = (
    "plan", "year", "indicator", "indicator_zh", "value", "comparator", "value_as_written", "unit",
    "resource", "per", "per_count", "scope", "threshold_min", "clause", "section",
    "status", "status_detail", "input_file", "input_columns", "layer", "note",
)  # fmt: skip
PER: tuple[str, ...] = ("total", "children", "60plus", "area", "none")
SCOPES: tuple[str, ...] = ("region", "each county", "each prefecture")
STATUSES: tuple[str, ...] = ("measured", "measurable", "not spatial")
COMPARATORS: tuple[str, ...] = (">=", ">", "<=", "<", "=")

#: The census column each ``per`` value divides by (``none``: no denominator; ``area``: county polygons, km²).
CENSUS_COLUMN: dict[str, str] = {"total": "pop_total", "children": "pop_0to14", "60plus": "pop_60plus"}

FACILITY_FILE = "a facility file in the data/templates/facilities_template.csv layout (CSV/XLSX/GeoJSON, WGS84 or GCJ-02/BD-09)"
_H14 = "hainan-14th"
_H13 = "hainan-13th"
_YN = "yunnan-14th"
_YY = "yiyang"
_HK = "haikou-2020"
_TABLE = "第二章 “十四五”卫生与健康规划主要指标"

_ROWS: list[dict[str, Any]] = []


def _t(
    plan: str,
    year: int,
    indicator: str,
    indicator_zh: str,
    value: float | None,
    written: str,
    unit: str,
    clause: str,
    section: str,
    status: str,
    detail: str,
    *,
    comparator: str = ">=",
    resource: str = "",
    per: str = "none",
    per_count: float = 1.0,
    scope: str = "region",
    threshold_min: float | None = None,
    input_file: str = "",
    input_columns: str = "",
    layer: str = "",
    note: str = "",
) -> None:
    """Append one target row (see the module docstring for the columns)."""
    _ROWS.append({
        "plan": plan, "year": year, "indicator": indicator, "indicator_zh": indicator_zh,
        "value": float("nan") if value is None else float(value), "comparator": comparator,
        "value_as_written": written, "unit": unit, "resource": resource, "per": per, "per_count": float(per_count),
        "scope": scope, "threshold_min": float("nan") if threshold_min is None else float(threshold_min),
        "clause": clause, "section": section, "status": status, "status_detail": detail,
        "input_file": input_file, "input_columns": input_columns, "layer": layer, "note": note,
    })  # fmt: skip


def _resource(
    plan: str,
    year: int,
    indicator: str,
    zh: str,
    value: float,
    written: str,
    unit: str,
    clause: str,
    section: str,
    resource: str,
    columns: str,
    **kw: Any,
) -> None:
    """A target measurable from a facility file's capacity column ``resource`` (per the census denominator)."""
    detail = f"sum of column {resource} of the user's facility file per county, against the 2020 census"
    _t(
        plan,
        year,
        indicator,
        zh,
        value,
        written,
        unit,
        clause,
        section,
        "measurable",
        detail,
        resource=resource,
        input_file=FACILITY_FILE,
        input_columns=columns,
        **kw,
    )


def _not(
    plan: str,
    year: int,
    indicator: str,
    zh: str,
    value: float | None,
    written: str,
    unit: str,
    clause: str,
    section: str,
    why: str,
    **kw: Any,
) -> None:
    """A target that is not spatial, with the reason."""
    _t(plan, year, indicator, zh, value, written, unit, clause, section, "not spatial", why, **kw)


_OUTCOME = "a population health outcome from vital or survey statistics; no place-based input measures it"
_PROCESS = (
    "a rate of service delivery or management from programme statistics, not a quantity placed on the map"
)
_ECONOMY = "an economic figure from statistical accounts; nothing spatial to measure"
_PROGRAMME = (
    "a count of programmes, titles, talents or projects without named sites; nothing spatial to measure"
)
_STANDARD = "a share of institutions reaching a grade or standard; the tool has no institution grading input"
_UTILISATION = (
    "a rate of service use that needs admission records by the patient's county of residence and the "
    "hospital's county; no such input is supported"
)


def _named(layer: str) -> str:
    """Why a count of named members is not measured: they are drawn as a layer."""
    return (
        f"a count of members the plan names; they are drawn in layer {layer} (the count is checked by tests)"
    )


# fmt: off
# ------------------------------------------------------------------------------------------ Hainan 14th (2025)
_t(_H14, 2020, "tertiary_1h_circle_share", "“1小时三级医院服务圈”全覆盖", 100.0, "全覆盖",
   "% of residents within 60 min by road of a tertiary general hospital",
   "实现全省“1小时三级医院服务圈”全覆盖", "第一章第一节 (reported as achieved by 2020)", "measured",
   "coverage of the 2020 census population within threshold_min of the hospitals flagged "
   "counts_for_tertiary_circle in data/facilities (spatial.facilities.default_facilities(kind='tertiary'))",
   per="total", per_count=100.0, threshold_min=60.0, layer="hainan-13th/five-centres",
   note="the bundled backbone network has no secondary or rural roads, so it understates access")
_t(_H14, 2020, "urban_15min_health_circle", "15分钟城市健康圈", None, "15分钟",
   "minutes by road from urban residents to the nearest primary facility",
   "初步建成“15分钟城市健康圈、30分钟乡村健康圈”", "第一章第一节 (reported as initially built by 2020)",
   "measurable", "coverage of urban census residents within threshold_min of a primary facility",
   per="total", per_count=100.0, threshold_min=15.0, input_file="a primary-care facility file "
   "(社区卫生服务中心/站, clinics; facilities template layout)", input_columns="name, lon, lat (kind optional)",
   note="without that file the tool uses county seats as stand-ins, which is not a measurement")
_t(_H14, 2020, "rural_30min_health_circle", "30分钟乡村健康圈", None, "30分钟",
   "minutes by road from rural residents to the nearest primary facility",
   "初步建成“15分钟城市健康圈、30分钟乡村健康圈”", "第一章第一节 (reported as initially built by 2020)",
   "measurable", "coverage of rural census residents within threshold_min of a primary facility",
   per="total", per_count=100.0, threshold_min=30.0, input_file="a primary-care facility file "
   "(乡镇卫生院, 村卫生室; facilities template layout)", input_columns="name, lon, lat (kind optional)",
   note="without that file the tool uses county seats as stand-ins, which is not a measurement")
_not(_H14, 2025, "life_expectancy", "人均预期寿命", 81, "81", "years",
     "人均预期寿命（岁） … 81", _TABLE, _OUTCOME)
_not(_H14, 2025, "maternal_mortality", "孕产妇死亡率", 10, "≤10", "per 100,000 live births",
     "孕产妇死亡率（/10万） … ≤10", _TABLE, _OUTCOME, comparator="<=")
_not(_H14, 2025, "infant_mortality", "婴儿死亡率", 3.5, "≤3.5", "per 1,000 live births",
     "婴儿死亡率（‰） … ≤3.5", _TABLE, _OUTCOME, comparator="<=")
_not(_H14, 2025, "under5_mortality", "5岁以下儿童死亡率", 5.5, "≤5.5", "per 1,000 live births",
     "5岁以下儿童死亡率（‰） … ≤5.5", _TABLE, _OUTCOME, comparator="<=")
_not(_H14, 2025, "premature_ncd_mortality", "重大慢性病过早死亡率", 13, "≤13", "%",
     "重大慢性病过早死亡率（%） … ≤13", _TABLE, _OUTCOME, comparator="<=")
_not(_H14, 2025, "health_literacy", "居民健康素养水平", 30, ">30", "%",
     "居民健康素养水平（%） … >30", _TABLE, _OUTCOME, comparator=">",
     note="第三章第二节 says the same: 居民健康素养水平达到30%以上")
_not(_H14, 2025, "smoking_15plus", "15岁以上人群吸烟率", 22.8, "≤22.8", "%",
     "15岁以上人群吸烟率（%） … ≤22.8", _TABLE, _OUTCOME, comparator="<=")
_not(_H14, 2025, "national_health_city_share", "国家卫生城市数量占比", 100, "100", "% of cities and county towns",
     "国家卫生城市数量占比（%） … 100", _TABLE,
     "a title awarded to cities; the tool has no input of awarded titles",
     note="第三章第一节: 全省所有城市（县城）创建为国家卫生城市（县城）")
_resource(_H14, 2025, "beds_per_1000", "每千人口医疗卫生机构床位数", 6.5, "≥6.5", "beds per 1,000 residents",
          "每千人口医疗卫生机构床位数（张） … ≥6.5", _TABLE, "beds", "beds (床位)", per="total", per_count=1000)
_resource(_H14, 2025, "doctors_per_1000", "每千人口执业（助理）医师数", 3.1, "≥3.1",
          "licensed (assistant) doctors per 1,000 residents", "每千人口执业（助理）医师数 … ≥3.1", _TABLE,
          "doctors", "doctors (执业(助理)医师)", per="total", per_count=1000)
_resource(_H14, 2025, "tcm_doctors_per_1000", "每千人口中医类执业（助理）医师数", 0.4, "≥0.4",
          "TCM licensed (assistant) doctors per 1,000 residents", "其中每千人口中医类执业（助理）医师数 … ≥0.4",
          _TABLE, "tcm_doctors", "tcm_doctors (中医类执业(助理)医师)", per="total", per_count=1000)
_resource(_H14, 2025, "gps_per_10000", "每万人口全科医师数", 4, "≥4", "general practitioners per 10,000 residents",
          "每万人口全科医师数（人） … ≥4", _TABLE, "gps", "gps (全科医师)", per="total", per_count=10000,
          note="约束性 (binding) target")
_resource(_H14, 2025, "nurses_per_1000", "每千人口注册护士数", 3.6, "≥3.6", "registered nurses per 1,000 residents",
          "每千人口注册护士数（人） … ≥3.6", _TABLE, "nurses", "nurses (注册护士)", per="total", per_count=1000)
_resource(_H14, 2025, "public_health_doctors_per_10000", "每万人口公共卫生医师数", 1, "≥1",
          "public-health doctors per 10,000 residents", "每万人口公共卫生医师数（人） … ≥1", _TABLE,
          "public_health_doctors", "public_health_doctors (公共卫生医师)", per="total", per_count=10000)
_not(_H14, 2025, "out_of_pocket_share", "个人卫生支出占卫生总费用比例", 20.38, "20.38", "%",
     "个人卫生支出占卫生总费用比例（%） … 20.38", _TABLE, _ECONOMY, comparator="<=")
_not(_H14, 2025, "county_internal_hospitalisation", "县域内住院率", 85, "≥85", "% of inpatient stays",
     "县域内住院率（%）（洋浦不纳入） … ≥85", _TABLE, _UTILISATION, note="洋浦 is excluded by the plan")
_not(_H14, 2025, "antibiotic_intensity", "抗菌药物使用强度", 40, "<40", "DDDs per 100 patient-days",
     "抗菌药物使用强度（DDDs*100/人天%） … <40", _TABLE, _PROCESS, comparator="<")
_not(_H14, 2025, "newborn_screening", "新生儿遗传代谢性疾病筛查率", 99, ">99", "%",
     "新生儿遗传代谢性疾病筛查率（%） … >99", _TABLE, _PROCESS, comparator=">")
_not(_H14, 2025, "prenatal_screening", "产前筛查率", 75, "75", "%", "产前筛查率（%） … 75", _TABLE, _PROCESS)
_not(_H14, 2025, "cancer_5y_survival", "总体癌症5年生存率", 44.5, "44.5", "%",
     "总体癌症5年生存率（%） … 44.5", _TABLE, _OUTCOME)
_not(_H14, 2025, "child_eye_care", "0-6岁儿童眼保健和视力检查覆盖率", 92, "≥92", "%",
     "0-6岁儿童眼保健和视力检查覆盖率（%） … ≥92", _TABLE, _PROCESS)
_not(_H14, 2025, "under3_management", "3岁以下儿童系统管理率", 90, "≥90", "%",
     "3岁以下儿童系统管理率（%） … ≥90", _TABLE, _PROCESS)
_not(_H14, 2025, "maternal_management", "孕产妇系统管理率", 90, "≥90", "%",
     "孕产妇系统管理率（%） … ≥90", _TABLE, _PROCESS)
_not(_H14, 2025, "primary_tcm_service_share", "基层医疗机构开展中医药服务比例", 85, "≥85", "% of primary facilities",
     "基层医疗机构开展中医药服务比例（%） … ≥85", _TABLE, _PROCESS)
_resource(_H14, 2025, "childcare_places_per_1000", "每千人口托位数", 3, "3", "childcare places per 1,000 residents",
          "每千人口托位数（个） … 3", _TABLE, "childcare_places", "childcare_places (托位)", per="total",
          per_count=1000, note="专栏1 says the same: 每千人口托位数达3个")
_not(_H14, 2025, "occupational_health_exam", "接触职业病危害因素劳动者在岗期间职业健康检查率", 95, "95", "%",
     "接触职业病危害因素劳动者在岗期间职业健康检查率（%） … 95", _TABLE, _PROCESS)
_not(_H14, 2025, "immunisation_by_township", "以乡（镇）为单位适龄儿童免疫规划疫苗接种率", 98, ">98", "%",
     "以乡（镇）为单位适龄儿童免疫规划疫苗接种率（%） … >98", _TABLE,
     "a vaccination rate per township; needs immunisation records and township units, neither available",
     comparator=">")
_not(_H14, 2025, "hypertension_management", "高血压患者规范化管理率", 75, "≥75", "%",
     "高血压患者规范化管理率（%） … ≥75", _TABLE, _PROCESS)
_not(_H14, 2025, "diabetes_management", "2型糖尿病患者规范化管理率", 75, "≥75", "%",
     "2型糖尿病患者规范化管理率（%） … ≥75", _TABLE, _PROCESS)
_not(_H14, 2025, "elderly_health_management", "65岁以上老年人健康管理率", 70, "70", "% of residents aged 65+",
     "65岁以上老年人健康管理率（%） … 70", _TABLE, _PROCESS)
_not(_H14, 2025, "severe_mental_disorder_management", "严重精神障碍患者规范管理率", 90, "≥90", "%",
     "严重精神障碍患者规范管理率（%） … ≥90", _TABLE, _PROCESS,
     note="第三章第四节 sets 85%以上 for the same rate (next row): the plan is inconsistent")
_not(_H14, 2025, "health_industry_gdp_share", "健康产业增加值占GDP比重", 10, "10", "% of GDP",
     "健康产业增加值占GDP比重（%） … 10", _TABLE, _ECONOMY)
# --- text targets of the 14th plan
_not(_H14, 2025, "townships_hygienic", "省级卫生乡镇", 100, "所有乡镇", "% of townships",
     "全省所有乡镇创建成省级卫生乡镇", "第三章第一节", "a title awarded to townships; no such input")
_not(_H14, 2025, "villages_hygienic", "省级卫生村", 80, "80%以上", "% of administrative villages",
     "80%以上的行政村创建成省级卫生村", "第三章第一节", "a title awarded to villages; no such input")
_resource(_H14, 2025, "elderly_nursing_beds_per_60plus", "老年护理床位（60岁以上户籍老年人口1.5%）", 1.5, "1.5%",
          "elderly nursing beds per 100 persons aged 60+", "按照60岁以上户籍老年人口1.5%的标准配置老年护理床位",
          "第三章第三节", "elderly_nursing_beds", "elderly_nursing_beds (老年护理床位)", per="60plus",
          per_count=100, note="the plan counts registered (户籍) elderly; the census gives resident 60+, "
          "the denominator used here")
_not(_H14, 2025, "primary_share_of_elderly_nursing_beds", "基层医疗卫生机构老年护理床位占比", 30, "30%以上",
     "% of elderly nursing beds", "基层医疗卫生机构老年护理床位占比达到30%以上", "第三章第三节",
     "a split of beds between facility levels, not a quantity per resident or place")
_not(_H14, 2025, "childcare_coverage", "公立型和普惠性婴幼儿在托覆盖率", 30, "不低于30%", "% of infants",
     "全省公立型和普惠性婴幼儿在托覆盖率不低于30%", "第三章第三节", _PROCESS)
_not(_H14, 2025, "public_childcare_share", "公立型婴幼儿照护服务在托婴幼儿占比", 10, "不低于10%", "% of enrolled infants",
     "其中公立型婴幼儿照护服务在托婴幼儿占比原则上不低于10%", "第三章第三节", _PROCESS)
_resource(_H14, 2025, "paediatric_beds_per_1000_children", "每千儿童儿科床位数", 2.2, "2.2张",
          "paediatric beds per 1,000 children aged 0–14", "全省每千儿童儿科床位数达到2.2张", "第三章第三节",
          "paediatric_beds", "paediatric_beds (儿科床位)", per="children", per_count=1000,
          note="children = census ages 0–14 (the usual denominator of 每千儿童儿科床位数)")
_not(_H14, 2025, "youth_fitness", "青少年体质健康达标优良率", 50, "50%以上", "%",
     "全省青少年体质健康达标优良率达到50%以上", "第三章第三节", _OUTCOME)
_not(_H14, 2025, "caries_age12", "12岁儿童龋患率", 30, "30%以内", "%", "12岁儿童龋患率控制在30%以内",
     "第三章第四节", _OUTCOME, comparator="<=")
_not(_H14, 2025, "severe_mental_disorder_management_text", "在册严重精神障碍患者规范管理率", 85, "85%以上", "%",
     "使在册严重精神障碍患者规范管理率达85%以上", "第三章第四节", _PROCESS,
     note="the indicator table sets ≥90 for the same rate")
_not(_H14, 2025, "severe_mental_disorder_medication", "规范服药率", 65, "65%以上", "%", "规范服药率达65%以上",
     "第三章第四节", _PROCESS)
_resource(_H14, 2025, "integrated_care_demo_each_county", "每个市县省级医养结合示范机构", 1, "1家以上",
          "provincial demonstration medical-elderly-care institutions per county", "每个市县1家以上省级医养结合示范机构",
          "专栏1 全生命周期健康保障工程", "integrated_care_demo", "integrated_care_demo (省级医养结合示范机构, 0/1 per row)",
          scope="each county")
_not(_H14, 2025, "new_childcare_places", "新增托位", 22000, "2.2万个以上", "places added 2021–2025",
     "全省新增托位2.2万个以上", "专栏1 全生命周期健康保障工程",
     "an increase since 2020: a facility file gives the stock at one date, not the change")
_not(_H14, 2025, "regional_cdc_centres", "区域疾控中心", 5, "5个", "centres",
     "5个区域中心级：建设海口、三亚、儋州、琼海、五指山5个区域疾控中心", "专栏3 公共卫生防护网工程",
     _named("hainan-14th/emergency-and-disease-control-centres"), layer="hainan-14th/emergency-and-disease-control-centres")
_not(_H14, 2025, "regional_emergency_command_centres", "区域公共卫生紧急救援指挥中心", 5, "五大", "centres",
     "建设海口、三亚、儋州、琼海、五指山五大区域公共卫生紧急救援指挥中心", "专栏3 公共卫生防护网工程",
     _named("hainan-14th/emergency-and-disease-control-centres"), layer="hainan-14th/emergency-and-disease-control-centres")
_not(_H14, 2025, "public_health_2_3", "省级定点救治医疗机构 + 区域重大传染病救治中心", 5, "2家 … 3个", "institutions",
     "2家省级定点救治医疗机构 … 在儋州、琼海、五指山3个市县依托区域医疗中心建设相对独立的综合医院传染病区",
     "第四章第二节", _named("hainan-14th/public-health-2-3-n"), layer="hainan-14th/public-health-2-3-n")
_not(_H14, 2025, "port_cities", "口岸所在地公共卫生应急救治服务网络", 7, "7个", "port cities",
     "完善海口、洋浦、东方等7个口岸所在地公共卫生应急救治服务网络", "note 5 (公共卫生“2+3+N”救治网络)",
     _named("hainan-14th/port-cities") + "; only 3 of the 7 are named", layer="hainan-14th/port-cities")
_resource(_H14, 2025, "township_emergency_stations", "乡镇卫生院急救站", 100, "100个", "stations in the province",
          "建设100个乡镇卫生院急救站", "专栏3 公共卫生防护网工程", "township_emergency_stations",
          "township_emergency_stations (乡镇卫生院急救站, 0/1 per row)")
_not(_H14, 2025, "community_hospitals", "乡镇中心卫生院和政府办社区卫生服务中心建成社区医院", 70, "70%",
     "% of central township health centres and government community health centres",
     "到2025年力争70%的乡镇中心卫生院和政府办社区卫生服务中心建成社区医院", "专栏4 医疗卫生基础建设升级工程", _STANDARD)
_not(_H14, 2025, "county_hospital_standard", "县级医院达到《县级医院服务能力标准》", 100, "全部", "% of county hospitals",
     "到2025年，全省县级医院全部达到国家《县级医院服务能力标准》", "第五章第二节", _STANDARD)
_not(_H14, 2025, "remote_consultation_centres", "远程会诊或诊断中心", 7, "7个", "centres",
     "建设全省疑难杂病症、心电、影像等7个远程会诊或诊断中心", "专栏5 医疗卫生服务能力提升工程", _PROGRAMME)
_not(_H14, 2025, "key_disciplines", "学科建设", 50, "50个", "disciplines",
     "加强肿瘤、心脑血管、儿科、妇产、老年、精神、感染、急重症医学等50个学科建设", "专栏5 医疗卫生服务能力提升工程",
     _PROGRAMME, note="第二章第三节 also names 50个省级临床医学中心")
_resource(_H14, 2025, "county_tcm_hospital_each_county", "县级公立中医医院全覆盖", 1, "全覆盖",
          "public county-level TCM hospitals per county", "到2025年，实现县级公立中医医院全覆盖，并达到二级以上水平",
          "第六章第一节", "county_tcm_hospitals", "county_tcm_hospitals (县级公立中医医院, 0/1 per row)",
          scope="each county", note="the grade (二级以上) needs the tier column as well")
_not(_H14, 2025, "tcm_prevention_departments", "二级以上中医医院设立治未病科室", 90, "90%", "% of TCM hospitals",
     "90%的二级以上中医医院设立治未病科室", "第六章第一节", _STANDARD)
_not(_H14, 2025, "regional_tcm_centres", "省级区域中医医疗中心", 5, "五市县", "county-level units",
     "重点加强海口、三亚、琼海、儋州、琼中等五市县中医院建设，构建省级区域中医医疗中心", "第六章第二节",
     _named("hainan-14th/tcm-projects"), layer="hainan-14th/tcm-projects")
_not(_H14, 2025, "model_tcm_clinics", "示范中医馆", 30, "30%", "% of TCM clinics",
     "到2025年，30%的中医馆建成示范中医馆", "第六章第二节", _STANDARD)
_not(_H14, 2025, "township_tcm_non_drug", "乡镇卫生院、社区卫生服务中心提供中医非药物疗法的比例", 100, "100%",
     "% of township and community health centres", "乡镇卫生院、社区卫生服务中心提供中医非药物疗法的比例达到100%",
     "第六章第二节", _PROCESS)
_not(_H14, 2025, "village_tcm_non_drug", "村卫生室提供中医非药物疗法的比例", 75, "75%", "% of village clinics",
     "村卫生室提供中医非药物疗法的比例达到75%", "第六章第二节", _PROCESS)
_not(_H14, 2025, "emr_tertiary", "三级综合医疗机构电子病历5级", 100, "100%", "% of tertiary general hospitals",
     "三级综合医疗机构100%实现电子病历分级评价5级及以上水平", "第七章第一节", _STANDARD)
_not(_H14, 2025, "emr_secondary", "二级综合医疗机构电子病历4级", 100, "100%", "% of secondary general hospitals",
     "二级综合医疗机构100%实现电子病历分级评价4级及以上水平", "第七章第一节", _STANDARD)
_not(_H14, 2025, "provincial_clinical_centres", "省级临床医学中心", 50, "50个", "centres",
     "以50个省级临床医学中心建设为引领", "第二章第三节", _PROGRAMME)
_not(_H14, 2025, "national_innovation_platforms", "国家级创新平台", 2, "2-3个", "platforms",
     "建立2-3个国家级创新平台", "第二章第三节", _PROGRAMME, note="2 to 3")
_not(_H14, 2025, "top100_hospitals", "中国医院科技影响力排名前100的医院", None, "前100", "hospitals",
     "培育进入中国医院科技影响力排名前100的医院", "第十章第二节", _PROGRAMME)
_not(_H14, 2025, "society_vice_chairs", "国家级行业学会任副主任委员及以上职务人数", 1, "新增1-2名", "persons",
     "在国家级行业学会任副主任委员及以上职务人数新增1-2名", "第十章第二节", _PROGRAMME, note="1 to 2")
_not(_H14, 2025, "elite_trainees_per_year", "精英人才脱产学习", 50, "每年遴选50名", "persons per year",
     "每年遴选50名学术骨干和医院管理优秀人才", "第十章第三节", _PROGRAMME)
_not(_H14, 2025, "residents_trained_elsewhere_per_year", "住院医师赴外规范化培训", 200, "每年选送200名",
     "persons per year", "每年选送200名住院医师赴北京、上海等五省市进行住院医师规范化培训", "第十章第三节", _PROGRAMME)
_not(_H14, 2025, "residents_trained_five_provinces", "住院医师规范化培训“五省市代培”", 1000, "1000人以上", "persons",
     "住院医师规范化培训“五省市代培”1000人以上", "专栏9 卫生健康人才“万泉工程”", _PROGRAMME)

# ------------------------------------------------------------------------------------------ Hainan 13th (2020)
_t(_H13, 2020, "tertiary_1h_circle", "“1小时三级医院服务圈”", None, "1小时",
   "minutes by road to the nearest tertiary general hospital",
   "构建起更加完善的“1小时三级医院服务圈” … 构建完善“1小时三级医院服务圈”", "三(一) 五中心; 四(五)2", "measured",
   "coverage of the 2020 census population within threshold_min of the hospitals flagged counts_for_tertiary_circle",
   per="total", per_count=100.0, threshold_min=60.0, layer="hainan-13th/five-centres",
   note="the 13th plan sets the threshold, not a share; the 14th plan reports full coverage as achieved")
_not(_H13, 2020, "five_regional_centres", "五大区域医疗卫生中心", 5, "五大", "centres",
     "打造“东西南北中”五大区域医疗卫生中心", "三(一) 五中心", _named("hainan-13th/five-centres"),
     layer="hainan-13th/five-centres")
_not(_H13, 2020, "health_industry_gdp_share", "医疗健康产业增加值占全省GDP比重", 15, "15%", "% of GDP",
     "医疗健康产业增加值占全省GDP比重达到15%", "二(三) 发展目标", _ECONOMY)
_not(_H13, 2020, "health_industry_size", "医疗健康产业规模", 1000, "1000亿元左右", "100 million yuan",
     "医疗健康产业规模达1000亿元左右", "二(三) 发展目标", _ECONOMY, comparator="=")
_resource(_H13, 2020, "beds_per_1000", "每千人医疗卫生机构床位数", 6, "6张", "beds per 1,000 residents",
          "全省常住人口每千人医疗卫生机构床位数达到6张", "二(三) 发展目标", "beds", "beds (床位)",
          per="total", per_count=1000)
_resource(_H13, 2020, "doctors_per_1000", "每千人执业(助理)医师", 2.5, "2.5人",
          "licensed (assistant) doctors per 1,000 residents", "执业(助理)医师2.5人", "二(三) 发展目标", "doctors",
          "doctors (执业(助理)医师)", per="total", per_count=1000)
_resource(_H13, 2020, "nurses_per_1000", "每千人注册护士", 3.14, "3.14人", "registered nurses per 1,000 residents",
          "注册护士3.14人", "二(三) 发展目标", "nurses", "nurses (注册护士)", per="total", per_count=1000)
_not(_H13, 2020, "private_tcm_service_share", "非公立中医医疗机构提供的中医服务量", 20, "20%", "% of TCM services",
     "到2020年，非公立中医医疗机构提供的中医服务量达到20%", "四(二)1", _PROCESS)
_resource(_H13, 2020, "elderly_beds_total", "养生（老）床位数", 42000, "4.2万张", "wellness/elderly-care beds in the province",
          "力争到2020年，全省养生（老）床位数达到4.2万张", "四(三)2", "elderly_beds", "elderly_beds (养老床位)")
_resource(_H13, 2020, "rehab_sanatorium_beds_total", "康复疗养机构床位数", 2500, "2500张",
          "beds of rehabilitation and sanatorium institutions (incl. geriatric hospitals, nursing homes)",
          "其中康复疗养机构（含老年病医院、老年护理院）床位数达到2500张", "四(三)2", "rehab_beds",
          "rehab_beds (康复疗养床位)")
_not(_H13, 2020, "treated_within_county", "常见病、多发病…在市县域内基本解决", 80, "80%以上", "% of cases",
     "使80%以上的常见病、多发病、危急重症和部分疑难复杂疾病的诊治、康复能够在市县域内基本解决", "四(五)2",
     _UTILISATION)

# ------------------------------------------------------------------------------------------ Yunnan 14th (2025)
_not(_YN, 2025, "health_services_value_added", "健康服务业增加值", 1800, "1800亿元左右", "100 million yuan",
     "全省健康服务业增加值达到1800亿元左右", "二(三) 发展目标", _ECONOMY, comparator="=")
_not(_YN, 2025, "health_services_gdp_share", "健康服务业增加值占地区生产总值比重", 5, "5%以上", "% of GDP",
     "占地区生产总值的5%以上", "二(三) 发展目标", _ECONOMY)
_not(_YN, 2025, "health_services_revenue", "健康服务业主营业务收入", 5000, "5000亿元", "100 million yuan",
     "主营业务收入达到5000亿元", "二(三) 发展目标", _ECONOMY)
_not(_YN, 2025, "national_health_tourism_bases", "国家健康旅游示范基地", 1, "1—2个", "bases",
     "争创1—2个国家健康旅游示范基地", "二(三) 发展目标", _PROGRAMME, note="1 to 2")
_not(_YN, 2025, "provincial_health_industry_zones", "省级健康产业示范区", 10, "10个", "zones",
     "打造10个业态集聚、特色鲜明的省级健康产业示范区", "二(三) 发展目标", _PROGRAMME + " (the plan names none)")
_not(_YN, 2025, "provincial_regional_centres", "省级区域医疗中心", 4, "4个", "centres",
     "在滇东北、滇东、滇南、滇西布局建设4个省级区域医疗中心", "四(一)1", _named("yunnan-14th/medical-centres"),
     layer="yunnan-14th/medical-centres")
_not(_YN, 2025, "clinical_centres", "优势临床医学中心（重点学科）", 30, "30个", "centres",
     "集中力量持续打造30个优势临床医学中心（重点学科）", "四(一)2", _PROGRAMME)
_resource(_YN, 2025, "tertiary_tcm_hospital_each_prefecture", "州（市）三级中医医院全覆盖", 1, "全覆盖",
          "tertiary TCM hospitals per prefecture", "实现州（市）三级中医医院全覆盖", "四(一)2",
          "tertiary_tcm_hospitals", "tertiary_tcm_hospitals (三级中医医院, 0/1 per row)", scope="each prefecture")
_resource(_YN, 2025, "county_tcm_hospital_each_county", "县级中医医院基本全覆盖", 1, "基本全覆盖",
          "county TCM hospitals per county", "县级中医医院（州（市）政府所在地除外）基本全覆盖", "四(一)2",
          "county_tcm_hospitals", "county_tcm_hospitals (县级中医医院, 0/1 per row)", scope="each county",
          note="counties where the prefecture government sits are exempt; 基本 = essentially all")
_not(_YN, 2025, "national_medical_centre", "国家医学中心", 1, "1家", "centres", "力争创建1家国家医学中心",
     "专栏2 高水平服务体系建设工程", _PROGRAMME)
_not(_YN, 2025, "high_level_institutions", "高水平、高技术的高端医疗服务机构", 5, "5—10所", "institutions",
     "打造5—10所高水平、高技术的高端医疗服务机构", "专栏2 高水平服务体系建设工程", _PROGRAMME, note="5 to 10")
_not(_YN, 2025, "populous_county_tcm_tertiary", "人口大县的县级中医医院创建三级中医医院", 10, "10所", "hospitals",
     "支持10所人口大县的县级中医医院创建三级中医医院", "专栏3 中医药健康服务能力建设工程",
     "the plan does not say which counties are 人口大县; a count of upgrades, not a place-based quantity")
_not(_YN, 2025, "tcm_clinical_centres", "中医优势临床医学中心", 5, "5个", "centres",
     "以5个中医优势临床医学中心为龙头，统筹规划布局，带动32个分中心建设", "专栏3 中医药健康服务能力建设工程",
     _PROGRAMME, note="with 32 sub-centres")
_not(_YN, 2025, "county_tcm_basic_standard", "县中医院达到基本标准", 90, "90%以上", "% of county TCM hospitals",
     "推进90%以上的县中医院综合服务能力达到《国家县级公立中医医院综合服务能力基本标准》要求",
     "专栏3 中医药健康服务能力建设工程", _STANDARD)
_not(_YN, 2025, "county_tcm_recommended_standard", "县中医院达到推荐标准", 50, "50%以上", "% of county TCM hospitals",
     "50%以上达到推荐标准", "专栏3 中医药健康服务能力建设工程", _STANDARD)
_t(_YN, 2025, "scenic_10min_emergency_circle", "4A级及以上旅游景区10分钟紧急医学救援圈", 100, "建立",
   "% of 4A+ scenic areas within 10 min by road of emergency medical rescue",
   "4A级及以上旅游景区建立10分钟紧急医学救援圈并配置体外自动除颤仪", "专栏4 特色健康旅游发展工程", "measurable",
   "share of the scenic areas of data/facilities/yunnan_scenic_4a.csv whose travel time to the nearest "
   "emergency station is within threshold_min", per="none", per_count=100.0, threshold_min=10.0,
   input_file="an emergency-station file (120 stations; facilities template layout) and a road network "
   "(the data folder has Kunming's only)", input_columns="name, lon, lat",
   note="without a station file, tertiary hospitals are the stated stand-in destination")
_t(_YN, 2025, "scenic_aed", "4A级及以上旅游景区配置体外自动除颤仪", 1, "配置", "AEDs per 4A+ scenic area",
   "4A级及以上旅游景区建立10分钟紧急医学救援圈并配置体外自动除颤仪", "专栏4 特色健康旅游发展工程", "measurable",
   "count of AEDs per scenic area", input_file="data/facilities/yunnan_scenic_4a.csv with an added column",
   input_columns="aeds (体外自动除颤仪 count per scenic area)")
_t(_YN, 2025, "hyperbaric_above_2000m", "海拔2000米以上地区的医疗机构配置高压氧舱", 1, "配置",
   "hyperbaric chambers per medical institution above 2,000 m",
   "海拔2000米以上地区的医疗机构配置高压氧舱和高原病急救设施设备", "专栏4 特色健康旅游发展工程", "measurable",
   "share of the facilities above 2,000 m that have a hyperbaric chamber", input_file=FACILITY_FILE,
   input_columns="hyperbaric_chambers (高压氧舱), elevation_m (海拔; or a DEM, which the data folder lacks)")
_not(_YN, 2025, "nhc_key_labs", "国家卫生健康委重点实验室", 2, "2个", "laboratories",
     "建设生物医药和大健康产业领域的国家卫生健康委重点实验室2个", "四(三)10", _PROGRAMME)
_not(_YN, 2025, "stem_cell_institutions", "国家干细胞临床研究机构", 6, "6个", "institutions",
     "国家干细胞临床研究机构6个", "四(三)10", _PROGRAMME)
_not(_YN, 2025, "provincial_clinical_research_centres", "省临床研究中心", 24, "24个", "centres",
     "省临床研究中心24个", "四(三)10", _PROGRAMME)
_not(_YN, 2025, "west_yunnan_major_projects", "滇西“健康生活目的地”重大项目", 10, "10个10亿元以上", "projects",
     "重点扶持10个10亿元以上涉及医疗、康养、体育、教育、健康旅游等领域的“健康生活目的地”重大项目",
     "三(二) 滇西健康医疗服务业集聚区", _PROGRAMME)

# ------------------------------------------------------------------------------------------ Yiyang (2017–2020)
_not(_YY, 2020, "health_industry_growth", "健康产业增加值年均增长率", 15, "15%", "% per year",
     "“十三五”期间，健康产业增加值年均增长率达15%", "一(三) 发展目标", _ECONOMY)
_not(_YY, 2020, "new_private_hospitals", "新建社会办医院", 26, "26家", "hospitals",
     "“十三五”期间，全市规划新建社会办医院26家", "二(一)1", _PROGRAMME + " (no sites given)")
_not(_YY, 2020, "chronic_disease_demo_areas", "省级慢性病综合防控示范区", 2, "2-3个", "areas",
     "在赫山区、桃江县、安化县建设2-3个省级慢性病综合防控示范区", "二(一)3",
     _named("yiyang/chronic-disease-areas") + " (3 candidate counties for 2–3 areas)",
     layer="yiyang/chronic-disease-areas")
_not(_YY, 2020, "county_tcm_grade", "县级中医医院达到二级甲等标准", 90, "90%以上", "% of county TCM hospitals",
     "到2020年，90%以上县级中医医院达到二级甲等标准", "二(一)4", _STANDARD)
_not(_YY, 2020, "village_clinic_tcm", "村卫生室具备中医药服务能力", 70, "70%", "% of village clinics",
     "70%的村卫生室具备中医药服务能力", "二(一)4", _PROCESS)
_not(_YY, 2020, "private_tcm_service_share", "非公立中医医疗机构提供的中医服务量", 20, "20%", "% of TCM services",
     "非公立中医医疗机构提供的中医服务量达到20%", "二(一)4", _PROCESS)
_not(_YY, 2020, "municipal_tcm_specialties", "市级重点特色专科", 20, "20个以上", "specialties",
     "到2020年市级重点特色专科发展到20个以上", "二(一)4", _PROGRAMME)
_not(_YY, 2020, "national_tcm_specialty", "国家重点特色专科", 1, "1个", "specialties",
     "建设1个国家重点特色专科、10个省级重点特色中医专科", "二(一)4", _PROGRAMME, note="and 10 provincial ones")
_not(_YY, 2020, "famous_tcm_doctors", "“名中医”", 20, "20名", "persons", "培养“名中医”20名", "二(一)4", _PROGRAMME)
_not(_YY, 2020, "village_elderly_care_stations", "每个村（社区）均应设立养护站", 100, "每个", "% of villages and communities",
     "每个村（社区）均应设立养护站", "二(二)5",
     "per village/community: the data hold no village or community units to count stations in")
_not(_YY, 2020, "new_elderly_care_institutions", "社会力量举办养老机构", 20, "20所以上", "institutions",
     "全市引导扶持社会力量举办养老机构20所以上", "二(二)7", _PROGRAMME)
_resource(_YY, 2020, "elderly_beds_per_1000_elderly", "每千名老年人养老床位数", 35, "35张以上",
          "elderly-care beds per 1,000 persons aged 60+", "实现养老床位数达到每千名老年人35张以上", "二(二)7",
          "elderly_beds", "elderly_beds (养老床位)", per="60plus", per_count=1000,
          note="老年人 = residents aged 60+ (the census count)")
_not(_YY, 2020, "high_end_elderly_clusters", "高端健康养老聚集区", 3, "3-5所", "clusters",
     "鼓励社会力量建设3-5所高端健康养老聚集区", "二(二)8", _PROGRAMME, note="3 to 5")
_not(_YY, 2020, "national_brand_events", "国家级品牌赛事", 1, "1-2个", "events",
     "“十三五”期间力争形成1-2个国家级品牌赛事", "二(五)17", _PROGRAMME)
_not(_YY, 2020, "fitness_spending_per_person", "人均全民健身经费", 1, "1元以上", "yuan per person",
     "人均全民健身经费最低达到1元以上", "二(五)18", _ECONOMY)
_resource(_YY, 2020, "sports_area_per_person", "人均体育场地面积", 1.6, "1.6平方米", "m² of sports ground per resident",
          "人均体育场地面积达到1.6平方米", "二(五)18", "sports_area_m2", "sports_area_m2 (体育场地面积)",
          per="total", per_count=1)
_not(_YY, 2020, "regular_exercise_share", "经常参加体育锻炼的人数比例", 35, "35%", "% of residents",
     "经常参加体育锻炼的人数比例达到35%", "二(五)18", _OUTCOME)
_resource(_YY, 2020, "sports_instructors_per_1000", "每千人公益社会体育指导员", 2, "2名",
          "public-welfare sports instructors per 1,000 residents", "每千人公益社会体育指导员比例达到2名", "二(五)18",
          "sports_instructors", "sports_instructors (社会体育指导员)", per="total", per_count=1000)
_t(_YY, 2020, "fitness_15min_circle", "城市社区15分钟健身圈", 100, "15分钟健身圈",
   "% of urban residents within 15 min of a fitness venue", "在城市社区建设15分钟健身圈", "二(五)18", "measurable",
   "coverage of urban census residents within threshold_min of a fitness venue", per="total", per_count=100.0,
   threshold_min=15.0, input_file="a fitness-venue file (facilities template layout) and a road network for Yiyang "
   "(none in the data folder: a Geofabrik/Overpass download or an uploaded file)", input_columns="name, lon, lat",
   note="the plan does not say whether the 15 minutes are on foot; the tool measures by the network's speeds")
_not(_YY, 2020, "new_community_sports_facilities", "新建社区的体育设施全覆盖", 100, "全覆盖", "% of new communities",
     "新建社区的体育设施全覆盖", "二(五)18", "per community: the data hold no community units")
_not(_YY, 2020, "village_sports_facilities", "乡镇、行政村公共体育设施全覆盖", 100, "全覆盖",
     "% of townships and villages", "在乡镇、行政村实现公共体育设施全覆盖", "二(五)18",
     "per township/village: the data hold no township or village units")
_not(_YY, 2020, "standardised_planting_zones", "种植业标准化生产示范区", 200, "200个", "zones",
     "全市建立种植业标准化生产示范区200个", "二(六)19", _PROGRAMME, note="350万亩 in all")
_not(_YY, 2020, "certified_produce_share", "“三品”认证农产品产量占比", 40, "40%", "% of farm output",
     "到2020年“三品”认证农产品产量占农产品总产量的比重达到40%", "二(六)19", _ECONOMY)
_not(_YY, 2020, "forest_wellness_bases", "森林康养基地", 10, "10个", "bases",
     "全市规划建设10个森林康养基地", "二(七)25", _PROGRAMME + " (the plan names no sites)")

# ------------------------------------------------------------------------------------------ Haikou (2020)
_not(_HK, 2020, "tcm_culture_tourism_towns", "中医药文化旅游风情小镇（街区）", 2, "2-3个", "towns",
     "打造2-3个中医药文化旅游风情小镇（街区）", "四(三)", _PROGRAMME + " (the reply names no sites)", note="2 to 3")
_not(_HK, 2020, "one_key_phones", "“一键通”老年人专用手机", 8000, "8000 部以上", "phones",
     "“一键通”老年人专用手机达到 … 8000 部以上", "四(五)", _PROGRAMME)
# fmt: on

#: The plans' numeric targets, one row per target (see the module docstring).
TARGETS: pd.DataFrame = pd.DataFrame(_ROWS, columns=list(COLUMNS))


def targets(plan: str | None = None, *, status: str | None = None) -> pd.DataFrame:
    """The targets table, optionally only one plan's (``plan`` id) and/or one ``status``; a copy."""
    frame = TARGETS
    if plan is not None:
        frame = frame[frame["plan"] == plan]
    if status is not None:
        frame = frame[frame["status"] == status]
    return frame.reset_index(drop=True).copy()


def resource_targets(plan: str | None = None) -> pd.DataFrame:
    """The measurable targets that a facility file's capacity column answers (input of spatial.resources)."""
    frame = targets(plan, status="measurable")
    return frame[frame["resource"] != ""].reset_index(drop=True)
