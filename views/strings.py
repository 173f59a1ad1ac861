"""Every word the user reads, in 中文 and English: UI labels, map words, metric names, notices, column headers.

One table, one function: ``t(key, lang, **values)``.  A missing key or a language other than zh/en is a
programming error (KeyError/ValueError), never a silent fallback to English on a Chinese page.
"""

from __future__ import annotations

import re
from typing import Any, Literal

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # page
    "title": ("healthplan 医疗卫生服务空间规划", "healthplan — spatial planning of health services"),
    "language": ("语言 / Language", "Language / 语言"),
    "region": ("规划区域", "Region"),
    "area": ("覆盖计算范围（州市）", "Coverage area (prefecture)"),
    "yunnan_note": ("本机只有昆明市的路网，其他州市需要先取得路网（“我的数据”页）。",
                    "Only Kunming has a road network here; other prefectures need one first (Your data tab)."),
    "data_dir": ("数据文件夹", "Data folder"),
    "data_dir_help": ("含 roads/、population/、osm/ 的文件夹；也可用环境变量 HEALTHPLAN_DATA 设置。",
                      "Folder with roads/, population/, osm/; also settable with HEALTHPLAN_DATA."),
    "basemap": ("底图", "Basemap"),
    "amap_note": ("高德底图为 GCJ-02 坐标，所有图层已平移对齐。", "AMap tiles are GCJ-02: every overlay is shifted to match."),
    "thresholds": ("阈值（分钟）", "Thresholds (minutes)"),
    "t_tertiary": ("三级医院服务圈", "Tertiary-hospital circle"),
    "t_urban": ("城市健康圈", "Urban health circle"),
    "t_rural": ("乡村健康圈", "Rural health circle"),
    "tab_coverage": ("覆盖分析", "Coverage"),
    "tab_sites": ("候选院址", "Candidate sites"),
    "tab_plans": ("规划目标", "Plan targets"),
    "tab_data": ("我的数据", "Your data"),
    "tab_export": ("导出", "Export"),
    "loading_net": ("读取路网（首次会建网并缓存）…", "Loading the road network (built and cached the first time)…"),
    "computing": ("计算覆盖…", "Computing coverage…"),
    "error": ("无法完成：", "Could not finish: "),
    "bug": ("程序错误（不是您的数据问题），详情已写入 {path}。", "A bug (not a problem with your data); details written to {path}."),
    # metric cards
    "m_population": ("常住人口", "Residents"),
    "m_tertiary": ("{t:g} 分钟三级医院", "{t:g} min to tertiary"),
    "m_tertiary_help": ("中心点在 {t:g} 分钟内可达最近三级综合医院的网格人口占常住人口的比例。",
                        "Share of residents in cells whose centre reaches the nearest general tertiary hospital "
                        "within {t:g} minutes."),
    "m_tertiary_default": ("计入 {n} 家三级综合医院：{names}。三级专科医院、中医医院、二级医院和规划中的项目不计入"
                           "（规划的“1小时三级医院服务圈”指三级综合医院；名单及每家是否计入的理由见 "
                           "data/facilities/*_institutions.csv 的 counts_for_tertiary_circle、circle_reason 列）。",
                           "Counts {n} general tertiary hospitals: {names}. Tertiary specialist and TCM hospitals, "
                           "secondary hospitals and planned projects do not count (the plans' 1-hour tertiary circle "
                           "means general tertiary hospitals; each institution's reason is in "
                           "data/facilities/*_institutions.csv, columns counts_for_tertiary_circle and circle_reason)."),
    "m_tertiary_own": ("计入你上传的 {n} 家医疗机构。", "Counts the {n} facilities you uploaded."),
    "m_counts": ("覆盖 {covered} 人 / 共 {total} 人。", "{covered} of {total} persons."),
    "m_general_tertiary": ("三级综合医院", "general hospitals"),
    "m_urban": ("{t:g} 分钟城市健康圈", "{t:g}-min urban circle"),
    "m_rural": ("{t:g} 分钟乡村健康圈", "{t:g}-min rural circle"),
    "m_stand_in": ("县城代替基层医疗点", "county seats stand in"),
    "m_help_primary": ("到基层医疗点的时间；没有上传乡镇卫生院/社区卫生服务中心位置时，以县城代替，结果偏低。",
                       "Minutes to primary care; without uploaded clinics, county seats stand in, so this is a floor."),
    "m_help_primary_stand_in": ("城镇人口按城市圈、乡村人口按乡村圈计到最近基层医疗点的时间。没有上传乡镇卫生院/社区卫生服务中心的"
                                "位置，以 {n} 个县城驻地代替基层医疗点，所以这是下限估计；在“我的数据”页上传真实位置。",
                                "Urban persons count at the urban threshold, rural persons at the rural one, to the "
                                "nearest primary-care point. No clinics are loaded: {n} county seats stand in for them, "
                                "so this is a floor; upload the real clinics in the Your data tab."),
    "m_help_primary_own": ("城镇人口按城市圈、乡村人口按乡村圈计到你上传的 {n} 个基层医疗点的时间。",
                           "Urban persons count at the urban threshold, rural persons at the rural one, to the "
                           "nearest of your {n} primary-care points."),
    "m_with_cand": ("加入候选点后", "With candidate sites"),
    "m_with_cand_help": ("{n} 个可用候选点新增覆盖 {new} 人（{rejected} 个不可用）。",
                         "{n} usable candidate sites bring {new} more persons within the threshold ({rejected} rejected)."),
    "m_optimised": ("优化 {k} 个新院址后", "{k} optimised sites"),
    "m_optimised_help": ("优化选出的 {k} 个新院址新增覆盖 {new} 人（见“候选院址”页的优化结果表）。",
                         "The optimiser's {k} new sites bring {new} more persons within the threshold (table in the "
                         "Candidate sites tab)."),
    "m_gaps": ("覆盖空白区", "Coverage gaps"),
    # tables and charts
    "county_table": ("分县结果", "By county"),
    "bar_title": ("{t:g} 分钟内人口占比（分县）", "Share within {t:g} minutes, by county"),
    "hist_title": ("各出行时间带人口", "Population by travel-time band"),
    "gap_table": ("覆盖空白区（超过 {t:g} 分钟，按人口排序，前 20；按县界分开）",
                  "Coverage gaps (beyond {t:g} min, most people first, top 20; split at county lines)"),
    "sources": ("数据来源与假设", "Data sources and assumptions"),
    "axis_share": ("覆盖率", "Share covered"),
    "axis_population": ("人口", "Persons"),
    "axis_band": ("出行时间带", "Travel-time band"),
    # candidate sites
    "click_adds": ("点击地图添加候选院址", "Click on the map to add a candidate site"),
    "snap_click": ("点击点移到最近道路节点", "Move clicked sites onto the nearest road node"),
    "add_site": ("添加候选点", "Add site"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "site_name": ("名称", "Name"),
    "site_default": ("候选点 {n}", "site {n}"),
    "upload_sites": ("上传候选点（CSV / GeoJSON，含经纬度）", "Upload candidate sites (CSV / GeoJSON with lon/lat)"),
    "clear_sites": ("清除全部候选点", "Clear all candidate sites"),
    "remove_site": ("删除", "Remove"),
    "no_sites": ("还没有候选点：点击地图、输入坐标或上传文件。", "No candidate sites yet: click the map, type coordinates or upload a file."),
    "gain_table": ("候选点新增覆盖人口", "People newly covered by the candidate sites"),
    "gain_by_county": ("新增覆盖人口（分县）", "Newly covered persons by county"),
    "rejected": ("不可用的候选点", "Rejected candidate sites"),
    "placeholder_note": ("位置为城市中心占位点，增益为近似值", "placed at a city centre (placeholder): the gain is approximate"),
    "optimiser": ("优化选址", "Optimise new sites"),
    "k": ("新增院址数 k", "New sites k"),
    "method": ("方法", "Method"),
    "run_opt": ("运行优化", "Run the optimiser"),
    "opt_result": ("优化结果", "Optimiser result"),
    "opt_progress": ("优化中… {pct:.0f}%", "Optimising… {pct:.0f}%"),
    "opt_outdated": ("设置（区域、数据、阈值、k 或方法）已改变：这是之前设置下的结果，卡片不再显示它；请重新运行优化。",
                     "The settings (region, data, thresholds, k or method) changed: this result belongs to the earlier "
                     "settings and the cards no longer show it; run the optimiser again."),
    "opt_summary": ("{method}：{k} 个新院址把覆盖率从 {before:.1f}% 提高到 {after:.1f}%（新增 {new} 人）。",
                    "{method}: {k} new sites raise the share from {before:.1f}% to {after:.1f}% (+{new} persons)."),
    "gap_site": ("空白区候选点 {n}", "gap candidate {n}"),
    "provenance_json": ("来源记录（JSON，英文原文）", "Provenance (JSON)"),
    "site_gain": ("新增覆盖 {n} 人", "+{n} persons"),
    "file_added": ("文件中的 {total} 个候选点加入了 {n} 个（其余已在列表中）。",
                   "{n} of the file's {total} sites added (the others were already listed)."),
    "scenario_placeholder": ("例如：方案 A", "e.g. plan A"),
    "cmp_threshold": ("阈值（三级 / 城市 / 乡村，分钟）", "Thresholds (tertiary / urban / rural, min)"),
    "cmp_tertiary": ("三级医院服务圈覆盖率", "Tertiary circle share"),
    "cmp_urban": ("城市健康圈覆盖率", "Urban circle share"),
    "cmp_rural": ("乡村健康圈覆盖率", "Rural circle share"),
    "cmp_gap_population": ("空白区人口", "Persons in gaps"),
    "cmp_sites": ("可用候选点数", "Usable candidate sites"),
    "cmp_optimised": ("优化选址后覆盖率", "Share with the optimised sites"),
    "gap_note": ("空白区在县界处分开：每一片只属于一个县区，人口不超过该县区的常住人口。",
                 "Gaps are split at county lines: each belongs to one county and holds no more than its residents."),
    "emergency_title": ("{t:g} 分钟紧急医学救援圈：4A 级以上景区", "{t:g}-minute emergency circle: 4A+ scenic areas"),
    "emergency_summary": ("{n} 个景区中 {within} 个（{share:.1f}%）在 {t:g} 分钟内可达急救目的地；中位数 {median:.1f} 分钟。",
                          "{within} of {n} scenic areas ({share:.1f}%) reach an emergency destination within {t:g} "
                          "minutes; median {median:.1f} min."),
    "emergency_outside": ("在区域外、未计算的景区：{names}", "Scenic areas outside the region, not measured: {names}"),
    "opt_searched": ("已计算 {done}/{total} 个候选点的可达范围", "searched from {done} of {total} candidate sites"),
    "candidates_source": ("候选点：{n} 个空白区中心点 + 你的候选点；需在陆地、区域内、离道路 ≤ {km:g} km。",
                          "Candidates: {n} gap centres + your own sites; each must be on land, inside the region "
                          "and ≤ {km:g} km from a road."),
    "compare": ("方案比较", "Compare scenarios"),
    "scenario_name": ("方案名称", "Scenario name"),
    "keep": ("保存到比较表", "Keep for comparison"),
    "save_json": ("下载方案 JSON（可用 healthplan scenario run 重放）",
                  "Download the scenario JSON (replay with healthplan scenario run)"),
    "clear_compare": ("清空比较表", "Clear the comparison"),
    # data tab
    "up_fac": ("上传医疗机构（CSV / Excel / GeoJSON；可含床位、医生、护士）",
               "Upload facilities (CSV / Excel / GeoJSON; may carry beds, doctors, nurses)"),
    "datum": ("坐标系", "Coordinate datum"),
    "up_roads": ("上传路网（OSM .pbf，或道路线 GeoPackage / GeoJSON）",
                 "Upload a road network (OSM .pbf, or road lines as GeoPackage / GeoJSON)"),
    "class_field": ("道路等级字段（道路线文件）", "Road-class field (road-line files)"),
    "oneway_field": ("单行字段（可选：yes/-1/no）", "One-way field (optional: yes/-1/no)"),
    "up_pop": ("上传人口栅格 GeoTIFF（每像元人数）", "Upload a population GeoTIFF (persons per pixel)"),
    "use_file": ("使用此文件", "Use this file"),
    "reset_data": ("恢复默认数据", "Back to the default data"),
    "resources": ("每千人资源与规划目标", "Resources per 1,000 residents vs plan targets"),
    "no_resources": ("上传的机构表含床位/医生/护士列时，这里显示每千人指标。",
                     "Upload facilities with beds/doctors/nurses columns to see per-1,000 figures here."),
    "too_big": ("{name} 有 {mb:.0f} MB，超过此类文件的上限 {limit} MB；请裁剪到规划区域后再上传，或用命令行。",
                "{name} is {mb:.0f} MB, over the {limit} MB limit for this kind of file; clip it to the region "
                "first, or use the command line."),
    "no_network": ("数据文件夹 {d} 中没有 {r} 的路网：图层照常显示，覆盖分析需要先取得路网。",
                   "No road network for {r} in the data folder {d}: the layers show, coverage needs a network first."),
    "fetch_osm": ("下载{p} OpenStreetMap 全省数据（Geofabrik）", "Download the {p} OpenStreetMap extract (Geofabrik)"),
    "build_overpass": ("从 Overpass 下载（地名）", "Download from Overpass (place name)"),
    "place": ("地名", "Place name"),
    "download_offline": ("无法下载 {what} 的路网数据：连接不上下载服务器（本机离线或无法解析域名）。请联网后重试，"
                         "或在“我的数据”页上传路网文件。",
                         "Could not download the road data of {what}: the download server cannot be reached (offline, "
                         "or no name resolution). Try again online, or upload a road file in the Your data tab."),
    "download_failed": ("下载 {what} 的路网数据没有完成（原因见详情）；可以重试，或在“我的数据”页上传路网文件。",
                        "The download of the road data of {what} did not finish (see the details); try again, or "
                        "upload a road file in the Your data tab."),
    "details": ("详情", "Details"),
    "needs_network": ("覆盖分析需要这个范围的路网：用上面的按钮下载，或在“我的数据”页上传。",
                      "Coverage needs a road network for this area: download one with the buttons above, or upload "
                      "one in the Your data tab."),
    "build_upload": ("或在“我的数据”页上传路网文件。", "Or upload a road file in the Your data tab."),
    "internet": ("需要联网；首次建网需几分钟，之后从缓存读取。",
                 "Needs the internet; the first build takes minutes, later runs load it from the cache."),
    # exports
    "exports": ("导出给其他 GIS 软件", "Exports for other GIS tools"),
    "gpkg": ("全部图层 GeoPackage（含规划图层）", "All layers as one GeoPackage (with the plan layers)"),
    "map_html": ("地图（独立 HTML）", "Map (standalone HTML)"),
    "report": ("简要报告（HTML）", "Short report (HTML)"),
    "csv_counties": ("分县表 CSV（zip，含来源说明）", "County table CSV (zip, with provenance)"),
    "csv_gaps": ("空白区表 CSV（zip，含来源说明）", "Gap table CSV (zip, with provenance)"),
    "csv_all": ("全部表格 CSV（zip，含来源说明）", "All tables as CSV (zip, with provenance)"),
    "plans_geojson": ("规划图层 GeoJSON（{n} 层）", "Plan layers as GeoJSON ({n} layers)"),
    "geojson_layers": ("各结果图层 GeoJSON（RFC 7946，含来源说明）", "Each result layer as GeoJSON (RFC 7946, with provenance)"),
    "exports_note": ("每个文件都带来源说明（数据来源与日期、速度、阈值、方法）：GeoJSON 和 GeoPackage 写在文件内，CSV 写在旁边的 "
                     ".provenance.json（与命令行输出相同）。",
                     "Every file carries its provenance (data sources and dates, speeds, thresholds, method): inside "
                     "GeoJSON and GeoPackage files, beside each CSV as .provenance.json (as the command line writes)."),
    "geojson_of": ("GeoJSON：{n}", "GeoJSON: {n}"),
    # map words
    "min": ("分钟", "min"),
    "population": ("人口", "Population"),
    "name": ("名称", "Name"),
    "county": ("县区", "County"),
    "share": ("覆盖率", "Share covered"),
    "minutes": ("出行时间（分钟）", "Travel time (min)"),
    "worst_min": ("最远分钟", "Worst minutes"),
    "status": ("状态", "Status"),
    "reason": ("原因", "Reason"),
    "gain": ("新增覆盖人口", "Newly covered"),
    "rank": ("次序", "Rank"),
    "band": ("时间带", "Band"),
    "threshold": ("阈值（分钟）", "Threshold (min)"),
    "legend": ("图例", "Legend"),
    "results_legend": ("结果", "Results"),
    "plans_legend": ("规划图层", "Plan layers"),
    "ok": ("可用", "usable"),
    "rejected_word": ("不可用", "rejected"),
    "all_facilities": ("全部三级医院", "all tertiary hospitals"),
    "approximate": ("（近似）", " (approximate)"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "more": ("以上", "and more"),
    "plan_layer": ("规划图层", "Plan layer"),
    "covered_of": ("覆盖人口 / 人口", "Covered / persons"),
    "gap_word": ("覆盖空白区（按县界分开）", "Coverage gap (split at county lines)"),
    "site_word": ("候选院址", "Candidate site"),
    "opt_site_word": ("优化选址", "Optimised site"),
    "scenic_word": ("4A 级以上景区", "4A+ scenic area"),
    "within_emergency": ("10 分钟内可达急救", "Within 10 minutes of emergency care"),
    # method names (the widget keeps its value by its key across a language switch: tests/test_app.py)
    "method_greedy": ("贪心算法 + 交换改进", "greedy + interchange"),
    "method_exact": ("精确求解（MILP，HiGHS）", "exact MILP (HiGHS)"),
    # access analyses (views/app/access_tab.py)
    "tab_access": ("可及性与容量", "Access & capacity"),
    "acc_intro": ("考虑床位等服务能力的可及性：每项分析默认关闭，设置后点“运行”。未给出床位的医院按三级综合医院最低 500 张床假设，并在上方提示。",
                  "Access that counts capacity: each analysis is off until you run it. Hospitals without beds are "
                  "assumed to have 500 (the tertiary minimum), and the page says so above."),
    "acc_capacity": ("容量覆盖", "Capacity coverage"),
    "acc_fca": ("可及性指数 2SFCA", "Accessibility (2SFCA)"),
    "acc_referral": ("分级转诊链", "Referral chain"),
    "acc_scaling": ("扩容选址", "Scaling up"),
    "acc_run": ("运行", "Run"),
    "acc_off": ("关闭此分析", "Switch this analysis off"),
    "acc_not_run": ("尚未运行：设置参数后点“运行”。", "Not run yet: set the options and press Run."),
    "acc_capacity_help": ("每家医院按出行时间由近及远接收尚未获得服务的人口，直到床位（或医生）能力或时间阈值用尽（AccessMod 方法）。",
                          "Each hospital takes the not-yet-served people nearest first until its capacity (beds or "
                          "doctors) or the threshold runs out (AccessMod's method)."),
    "acc_column": ("容量依据", "Capacity column"),
    "acc_ppu": ("每单位服务人口（空 = 规划目标比值）", "Persons per unit (blank = the plan's ratio)"),
    "acc_assume": ("缺失时假设的单位数（空 = 默认）", "Units assumed where missing (blank = default)"),
    "acc_threshold": ("时间阈值（分钟）", "Threshold (minutes)"),
    "acc_order": ("医院处理顺序", "Facility order"),
    # (option labels the same in both languages: a widget keeps its value across a language switch)
    "order_demand": ("可达人口多者优先 most people in reach first",) * 2,
    "order_capacity": ("容量大者优先 largest capacity first",) * 2,
    "order_given": ("按文件顺序 in file order",) * 2,
    "acc_served": ("获得服务", "Served"),
    "acc_over": ("可达但超出容量", "In reach, over capacity"),
    "acc_beyond": ("超出可达范围", "Beyond reach"),
    "acc_full": ("满负荷医院", "Facilities at capacity"),
    "acc_by_facility": ("分医院：容量、服务人口、负荷系数", "By facility: capacity, persons served, load factor"),
    "acc_by_county": ("分县", "By county"),
    "acc_method": ("方法", "Method"),
    "acc_decay": ("距离衰减", "Distance decay"),
    "decay_default": ("按方法默认 the method's own",) * 2,
    "acc_catchment": ("搜索半径（分钟）", "Catchment (minutes)"),
    "acc_sigma": ("高斯宽度 σ（分钟，空 = 半径的一半）", "Gaussian σ (minutes, blank = half the catchment)"),
    "acc_supply": ("供给量", "Supply"),
    "acc_mean_score": ("人口加权平均（每千人）", "Population-weighted mean (per 1,000)"),
    "acc_reached": ("半径内有医院的人口", "Persons with a facility in reach"),
    "acc_county_hospitals": ("县级医院文件（空 = 县城代替）", "County hospitals file (blank = county seats stand in)"),
    "acc_limit": ("搜索上限（分钟，空 = 不限）", "Search limit (minutes, blank = none)"),
    "acc_median_chain": ("转诊链中位数（分钟）", "Median chain (minutes)"),
    "acc_max_chain": ("最慢转诊链（分钟）", "Slowest chain (minutes)"),
    "acc_slowest_links": ("各县最慢环节", "Slowest links by county"),
    "acc_form": ("目标", "Goal"),
    "form_k": ("新增 k 个院址 k new sites",) * 2,
    "form_target": ("达到服务比例 reach a share served",) * 2,
    "form_budget": ("预算内 within a budget",) * 2,
    "acc_target": ("目标比例（0–1）", "Target share (0–1)"),
    "acc_budget": ("预算（候选点成本单位）", "Budget (the candidates' cost unit)"),
    "acc_pool": ("候选点来源", "Candidate sources"),
    "acc_cand_units": ("新院址容量（单位，空 = 假设值）", "Capacity of a new site (units, blank = assumed)"),
    "acc_time_limit": ("求解时限（秒）", "Solver time limit (s)"),
    "acc_served_before": ("现有服务人口", "Served today"),
    "acc_served_after": ("新增后服务人口", "Served with the new sites"),
    "acc_proven": ("已证明最优（差距 {gap}）", "proven optimal (gap {gap})"),
    "acc_not_proven": ("未证明最优", "not proven optimal"),
    "acc_csv": ("下载 CSV：{n}", "Download CSV: {n}"),
    "capacity_persons": ("容量（人）", "Capacity (persons)"),
    "load_factor": ("负荷系数", "Load factor"),
    "from": ("起点", "From"),
    "to": ("终点", "To"),
    "pool_gaps": ("空白区中心 gap centres",) * 2,
    "pool_seats": ("县城驻地 county seats",) * 2,
    "pool_plan": ("规划项目 plan projects",) * 2,
    "pool_points": ("我的候选点 my sites",) * 2,
    # plan targets (views/app/targets_tab.py)
    "tg_intro": ("规划设定的全部数值目标：已测量（数值与分县）、提供相应数据后可测量、或非空间指标。",
                 "Every numeric target of the plans: measured (value and by county), measurable once you give the "
                 "named input, or not spatial."),
    "tg_upload": ("上传含床位、医生、护士、养老床位等的机构表（按模板）", "Upload a facility file with beds, doctors, "
                  "nurses, elderly beds … (template layout)"),
    "tg_template": ("下载模板（英文表头）", "Download the template (English headers)"),
    "tg_template_zh": ("下载模板（中文表头）", "Download the template (Chinese headers)"),
    "tg_file": ("正在测量的机构表：{f}", "Facility file measured: {f}"),
    "tg_remove": ("移除机构表", "Remove the facility file"),
    "tg_status": ("状态", "Status"),
    "tg_all": ("全部 all",) * 2,
    "st_measured": ("已测量 measured",) * 2,
    "st_measurable": ("可测量（需数据）measurable",) * 2,
    "st_not spatial": ("非空间 not spatial",) * 2,
    "tg_counts": ("已测量 {m} 项（达标 {ok} 项），可测量 {n} 项，非空间 {x} 项", "{m} measured ({ok} met), {n} measurable, "
                  "{x} not spatial"),
    "tg_by_county": ("分县数值", "Values by county"),
    "tg_pick": ("选择指标", "Pick a target"),
    "tg_outside": ("{n} 个机构不在本区域任何县内，未计入。", "{n} facilities lie in no county of the region and are not counted."),
    "tg_none": ("该区域的规划没有数值目标。", "The plans of this region set no numeric targets."),
    # method names (widget options keep one label in both languages so a widget keeps its value)
    "acc_method_greedy": ("贪心+交换 greedy + interchange", "贪心+交换 greedy + interchange"),
    "acc_method_exact": ("精确 exact MILP (HiGHS)", "精确 exact MILP (HiGHS)"),
}

#: Result overlays in drawing order (bottom first) with their names.
OVERLAYS: dict[str, tuple[str, str]] = {
    "outline": ("区域边界", "Region outline"),
    "surface": ("出行时间面（到最近三级医院）", "Travel time to the nearest tertiary hospital"),
    "counties": ("分县覆盖率", "County coverage"),
    "counties_outline": ("县界", "County boundaries"),
    "isochrones": ("等时圈", "Isochrones"),
    "gaps": ("覆盖空白区（按县界分开）", "Coverage gaps (split at county lines)"),
    "candidate_isochrones": ("候选点等时圈", "Candidate isochrones"),
    "primary_care": ("基层医疗点", "Primary care"),
    "emergency_sites": ("4A 级以上景区（10 分钟急救圈）", "4A+ scenic areas (10-minute emergency circle)"),
    "facilities": ("三级综合医院", "General tertiary hospitals"),
    "candidates": ("候选院址", "Candidate sites"),
    "optimised_sites": ("优化选址", "Optimised sites"),
    # access analyses
    "catchments": ("服务范围（按负荷系数着色）", "Catchments (coloured by load factor)"),
    "facility_load": ("医院负荷", "Facility load"),
    "access_counties": ("分县可及性", "Access by county"),
    "referral_links": ("转诊环节（直线示意，分钟按道路计）", "Referral links (straight lines, road minutes)"),
    "scaling_sites": ("扩容新院址", "New sites (scaling up)"),
    "scaling_candidates": ("扩容候选点", "Scaling-up candidates"),
}

REGIONS: dict[str, tuple[str, str]] = {"hainan": ("海南省", "Hainan"), "yunnan": ("云南省", "Yunnan"),
                                       "yiyang": ("益阳市", "Yiyang"), "haikou": ("海口市", "Haikou")}
#: Basemaps and datums are named by their proper names, the same in both languages: a Streamlit widget keeps its
#: value across a language switch only while its option labels stay the same.
BASEMAPS: dict[str, str] = {"positron": "CartoDB positron", "osm": "OpenStreetMap", "amap": "高德 AMap (GCJ-02)"}
DATUMS: dict[str, str] = {"wgs84": "WGS84 · GPS / OSM", "gcj02": "GCJ-02 · 高德 AMap / 腾讯 Tencent",
                          "bd09": "BD-09 · 百度 Baidu"}

#: Notices from the engine (``spatial.results.Notice.code``) in both languages; {values} come from the notice.
NOTICES: dict[str, tuple[str, str]] = {
    "placeholder_sites": ("{n} 个可用候选点位于占位点（规划所指单位的驻地，而非项目地址）：{names}；其增益为近似值。",
                          "{n} usable candidate site(s) stand on placeholder points (the seat of the unit the plan "
                          "names, not the project's address): {names}; their gains are approximate."),
    "far_from_network": ("{persons:,.0f} 人居住在距路网 {km:g} km 以外，其出行时间主要是直线接驳段；请使用覆盖全区的路网。",
                         "{persons:,.0f} persons live more than {km:g} km from the road network; their minutes are "
                         "mostly the straight-line access leg — use a network that covers the whole region."),
    "primary_stand_in": ("未上传基层医疗点位置：以县城代替，15/30 分钟健康圈为下限估计。",
                         "No primary-care locations loaded: county seats stand in, so the 15/30-minute circles are a floor."),
    "embedded_network": ("使用随程序附带的海南 OpenStreetMap 主干路网（仅高速/国道/省道），远离主干路处可达性被低估；"
                         "请在“我的数据”页载入完整路网。",
                         "Using the embedded Hainan OpenStreetMap backbone (motorway/trunk/primary only), so access "
                         "away from the trunk roads is understated; load a full extract in the Your data tab."),
    "sites_outside_region": ("急救圈的 {total} 个景区中有 {n} 个在区域外，仅列出、不计算。",
                             "{n} of the emergency circle's {total} sites lie outside the region: listed, not measured."),
    "emergency_stand_in": ("未上传急救站点：以三级医院代替急救圈的目的地。",
                           "No emergency stations loaded: the tertiary hospitals stand in as destinations."),
    "optimiser_fewer_sites": ("要求 {k} 个新院址，只有 {n} 个能新增覆盖人口；其余不返回。",
                              "Only {n} of the {k} sites asked for add anyone; the others are not returned."),
    "target_unreachable": ("目标 {target:.1%} 无法达到：全部可用候选点最多达到 {best:.1%}。",
                           "The target {target:.1%} cannot be reached: all usable candidates reach {best:.1%}."),
    "solver_not_proven": ("HiGHS 在时间限制内未证明最优（{status}），结果为目前最好解。",
                          "HiGHS stopped before proving optimality ({status}); these are its best sites so far."),
    "capacity_assumed": ("{m} 家机构中有 {n} 家没有容量数据（列 {column}）：每家按 {units:g} 假设；请上传含该列的机构表以得到真实结果。",
                         "{n} of the {m} {what} have no {column} value: {units:g} each are assumed; give a facility "
                         "file with a {column} column for real figures."),
    "referral_stand_in": ("未上传县级医院：转诊链中以县城代替县级医院，中间环节为模型估计。",
                          "No county hospitals loaded: county seats stand in for them, so the referral chain's middle "
                          "link is a model, not a measurement."),
    "scaling_not_proven": ("HiGHS 达到时间限制（{status}）仍未证明最优：结果为目前最好解，并非已证明的最优解；可延长求解时限。",
                           "HiGHS stopped ({status}) before proving optimality: these sites are its incumbent, not a "
                           "proven optimum; give the solver more time."),
    "scaling_greedy_fallback": ("精确求解未得到更好结果（{status}）：以下为贪心解，并非已证明的最优解。",
                                "The exact solver found nothing better ({status}): these are the greedy sites, not a "
                                "proven optimum."),
    "scaling_target_unreachable": ("目标 {target:.1%} 无法达到：全部可用候选点合计只能服务 {best:.1%}。",
                                   "The target {target:.1%} cannot be reached: all usable candidates together serve "
                                   "{best:.1%}."),
    "scaling_fewer_sites": ("要求 {k} 个新院址，只有 {n} 个能新增服务人口。",
                            "Only {n} of the {k} new sites asked for serve anyone more."),
    "scaling_capacity_assumed": ("{n} 个候选点没有容量数据（列 {column}）：每个新院址按 {units:g} 假设。",
                                 "{n} candidate sites have no {column} value: each new site is assumed to have "
                                 "{units:g}."),
    "scaling_costs_assumed": ("{n} 个候选点没有成本数据，每个按 1 计。", "{n} candidate sites have no cost: 1 each is assumed."),
}

#: Column headers of the tables shown and exported from the app.
COLUMNS: dict[str, tuple[str, str]] = {
    "adcode": ("区划代码", "adcode"), "name_zh": ("名称", "Name (zh)"), "name_en": ("英文名", "Name (en)"),
    "population": ("人口", "Persons"), "covered": ("覆盖人口", "Covered"), "share": ("覆盖率", "Share"),
    "urban_share_hc": ("城镇健康圈", "Urban circle"), "rural_share_hc": ("乡村健康圈", "Rural circle"),
    "health_circle_share": ("健康圈合计", "Health circles"), "mean_min": ("平均分钟", "Mean min"),
    "p90_min": ("90 分位分钟", "P90 min"), "unreachable": ("不可达", "Unreachable"),
    "rank": ("次序", "Rank"), "cells": ("网格数", "Cells"), "area_km2": ("面积 km²", "Area km²"),
    "worst_min": ("最远分钟", "Worst min"), "name": ("名称", "Name"), "status": ("状态", "Status"),
    "reason": ("原因", "Reason"), "snap_m": ("离道路节点（米）", "To road node (m)"),
    "alone_population": ("单独新增人口", "New persons alone"), "gain_population": ("边际新增人口", "Marginal gain"),
    "covered_population_after": ("建成后覆盖人口", "Covered after"), "county": ("县区", "County"),
    "new_population": ("新增人口", "New persons"), "threshold_min": ("阈值（分钟）", "Threshold (min)"),
    "order": ("次序", "Order"), "covered_share_after": ("建成后覆盖率", "Share after"),
    "source": ("来源", "Source"), "minutes": ("分钟", "Minutes"), "within": ("达标", "Within"),
    "destination": ("最近的急救目的地", "Nearest destination"),
    # access analyses and plan targets
    "capacity": ("容量（人）", "Capacity (persons)"), "capacity_units": ("容量单位数", "Capacity units"),
    "capacity_assumed": ("容量为假设", "Assumed"), "served": ("获得服务人口", "Served"),
    "over_capacity": ("超出容量人口", "Over capacity"), "beyond_reach": ("超出可达人口", "Beyond reach"),
    "served_share": ("服务比例", "Share served"), "over_capacity_share": ("超容量比例", "Share over capacity"),
    "beyond_reach_share": ("不可达比例", "Share beyond reach"), "demand_population": ("可达人口", "Persons in reach"),
    "load_factor": ("负荷系数", "Load factor"), "utilisation": ("容量使用率", "Utilisation"),
    "catchment_min": ("服务范围最远分钟", "Catchment min"), "score_per_1000": ("每千人指数", "Score per 1,000"),
    "normalized": ("相对全区均值", "Relative to mean"), "reached_share": ("可达人口比例", "Share in reach"),
    "supply": ("供给", "Supply"), "ratio_per_1000": ("供需比（每千人）", "Supply per 1,000 in catchment"),
    "points": ("基层点数", "Points"), "median_chain_min": ("转诊链中位数（分钟）", "Median chain min"),
    "slowest_chain_min": ("最慢转诊链（分钟）", "Slowest chain min"), "slowest_point": ("最慢基层点", "Slowest point"),
    "level": ("环节", "Link"), "from_name": ("起点", "From"), "to_name": ("终点", "To"),
    "chain_min": ("转诊链（分钟）", "Chain min"), "to_county_hospital_min": ("到县级医院（分钟）", "To county hospital min"),
    "county_hospital_to_tertiary_min": ("县级到三级（分钟）", "County → tertiary min"),
    "served_after": ("累计服务人口", "Served after"), "cost": ("成本", "Cost"),
    "plan": ("规划", "Plan"), "indicator": ("指标", "Indicator"), "indicator_zh": ("指标", "Indicator (zh)"),
    "value": ("测量值", "Value"), "target": ("目标值", "Target"), "comparator": ("比较", "Comparator"),
    "unit": ("单位", "Unit"), "meets": ("达标", "Met"), "gap": ("缺口", "Gap"), "input_needed": ("所需数据", "Input needed"),
    "clause": ("规划原文", "Clause"), "units_meeting": ("达标县数", "Units meeting"), "units": ("县数", "Units"),
    "amount": ("数量", "Amount"), "denominator": ("分母", "Denominator"), "detail": ("说明", "Detail"),
}


#: Why a candidate site was rejected, by check (``spatial.candidates.CHECKS``): the engine's English sentence is
#: matched part by part and said again in the page language with its own numbers.
REJECTIONS: dict[str, tuple[str, str, str]] = {  # code: (pattern of the engine's sentence, zh, en)
    "not_on_land": (r"not on land.*", "不在陆地上（在海上或在已知省界之外）", "not on land (in the sea or outside the mapped provinces)"),
    "outside_region": (r"outside the region (?P<zh>\S+) \((?P<en>[^)]*)\)", "在区域 {zh} 之外", "outside the region {en}"),
    "far_from_road": (r"(?P<m>[\d,.]+) m from the nearest road node \(limit (?P<limit>[\d,.]+) m\)",
                      "距最近道路节点 {m} 米（上限 {limit} 米）", "{m} m from the nearest road node (limit {limit} m)"),
}


def reason_text(reason: str, lang: str) -> str:
    """A rejected site's whole reason (every failed check, "; "-separated by the engine) in ``lang``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use zh or en")
    parts = [p.strip() for p in str(reason or "").split(";") if p.strip()]
    out = []
    for part in parts:
        for pattern, zh, en in REJECTIONS.values():
            hit = re.fullmatch(pattern, part)
            if hit:
                out.append((zh if lang == "zh" else en).format(**hit.groupdict()))
                break
        else:  # a check this table does not know yet: its own words rather than nothing
            out.append(part)
    return "；".join(out) if lang == "zh" else "; ".join(out)


def site_name(name: str, lang: str) -> str:
    """A site's name for people: the engine's "gap 12" candidates named in ``lang``."""
    m = re.fullmatch(r"gap (\d+)", str(name))
    return t("gap_site", lang, n=int(m.group(1))) if m else str(name)


def t(key: str, lang: str, **values: Any) -> str:
    """The UI string ``key`` in ``lang`` ("zh" or "en"), formatted with ``values``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use zh or en")
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def pick(pair: tuple[str, str], lang: str) -> str:
    """The zh or en half of a (zh, en) pair."""
    return pair[0] if lang == "zh" else pair[1]


def overlay(key: str, lang: str) -> str:
    """The display name of a result overlay."""
    return pick(OVERLAYS[key], lang)


def notice(code: str, message: str, values: dict[str, Any], lang: str) -> str:
    """An engine notice in ``lang`` (its own English sentence where no translation exists)."""
    if code in NOTICES:
        try:
            return pick(NOTICES[code], lang).format(**values)
        except (KeyError, ValueError, TypeError):
            pass
    return message


def column(name: str, lang: str) -> str:
    """A table column's header in ``lang`` (band columns such as pop_15_30 become '15–30 分钟')."""
    if name in COLUMNS:
        return pick(COLUMNS[name], lang)
    if name.startswith("pop_gt_"):
        return f"> {name[7:]} {t('min', lang)}"
    if name.startswith("pop_"):
        lo, _, hi = name[4:].partition("_")
        return f"{lo}–{hi} {t('min', lang)}"
    if name.startswith("new_population_") and name.endswith("min"):
        return f"{pick(COLUMNS['new_population'], lang)} ≤ {name[15:-3]} {t('min', lang)}"
    return name


def band_label(lo: float, hi: float | None, lang: str) -> str:
    """'0–15 min', '> 90 min' (or in Chinese)."""
    unit = t("min", lang)
    return f"{lo:g}–{hi:g} {unit}" if hi is not None else f"> {lo:g} {unit}"
