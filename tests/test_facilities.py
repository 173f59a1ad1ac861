"""Reading planners' facility files, checking them against a network, default facility sets, county seats."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from spatial import boundaries, regions
from spatial.coords import from_wgs84, gcj02_to_wgs84, wgs84_to_gcj02
from spatial.errors import InputFileError
from spatial.facilities import check_on_network, default_facilities, read_facilities
from spatial.network import assemble
from spatial.settings import FACILITIES_DIR

GBK_CSV = "机构名称,经度,纬度,床位,医生,护士,等级,机构类型\n" \
          "海口市人民医院,110.3316,20.0345,1500,600,900,三级甲等,综合医院\n" \
          "某镇卫生院,110.4500,19.9500,,,,一级,卫生院\n" \
          "某县医院,110.1200,19.8000,300,80,120,二级,县医院\n"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Rough planar distance (m) for small separations."""
    return np.hypot((np.asarray(lon2) - lon1) * 111_320 * np.cos(np.radians(lat1)), (np.asarray(lat2) - lat1) * 110_574)


# ---- reading -------------------------------------------------------------------------------------


def test_gbk_csv_with_chinese_columns_in_gcj02(tmp_path):
    path = _write(tmp_path / "医院.csv", GBK_CSV, "gbk")
    frame = read_facilities(path, datum="gcj02")
    assert list(frame.columns) == ["name", "kind", "tier", "beds", "doctors", "nurses", "source_row", "geometry"]
    assert frame["name"].tolist() == ["海口市人民医院", "某镇卫生院", "某县医院"]
    assert frame["source_row"].tolist() == [2, 3, 4]
    assert frame["tier"].tolist() == ["tertiary", "primary", "secondary"]
    assert frame["kind"].tolist() == ["综合医院", "卫生院", "县医院"]
    assert frame["beds"].tolist()[0] == 1500 and np.isnan(frame["beds"].iloc[1])
    assert frame["nurses"].iloc[2] == 120
    # converted: equals the inverse GCJ-02 transform, ≈ 450 m west / 200 m north of the input in Haikou
    wlon, wlat = gcj02_to_wgs84([110.3316, 110.45, 110.12], [20.0345, 19.95, 19.80])
    np.testing.assert_allclose(frame.geometry.x, wlon, atol=1e-9)
    np.testing.assert_allclose(frame.geometry.y, wlat, atol=1e-9)
    assert 400 < _metres(110.3316, 20.0345, frame.geometry.x[0], frame.geometry.y[0]) < 550
    assert frame.crs.to_epsg() == 4326


def test_same_file_as_wgs84_is_not_shifted(tmp_path):
    frame = read_facilities(_write(tmp_path / "a.csv", GBK_CSV, "gb18030"))
    assert frame.geometry.x.tolist() == [110.3316, 110.45, 110.12]


@pytest.mark.parametrize("lon_col, lat_col", [("lon", "lat"), ("lng", "lat"), ("Longitude", "Latitude"),
                                              ("x", "y"), ("经度", "纬度"), ("经度（E）", "纬度（N）")])
def test_coordinate_column_variants_utf8_bom(tmp_path, lon_col, lat_col):
    text = f"name,{lat_col},{lon_col}\nA,25.04,102.71\nB,24.88,102.83\n"  # latitude first on purpose
    frame = read_facilities(_write(tmp_path / "f.csv", text, "utf-8-sig"))
    assert frame.geometry.x.tolist() == [102.71, 102.83]
    assert frame.geometry.y.tolist() == [25.04, 24.88]


def test_bd09_input_is_converted(tmp_path):
    lon, lat = np.array([102.71, 112.35]), np.array([25.04, 28.55])
    blon, blat = from_wgs84(lon, lat, "bd09")
    text = "名称,经度,纬度\n" + "".join(f"p{i},{x:.8f},{y:.8f}\n" for i, (x, y) in enumerate(zip(blon, blat)))
    frame = read_facilities(_write(tmp_path / "baidu.csv", text), datum="bd09")
    assert _metres(lon, lat, frame.geometry.x, frame.geometry.y).max() < 0.01


def test_excel_with_title_row_counts_rows_like_the_spreadsheet(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["益阳市基层医疗卫生机构名单（2023）"])  # title row above the header
    sheet.append(["序号", "医院名称", "经度", "纬度", "床位数"])
    sheet.append([1, "资阳区人民医院", 112.3186, 28.5943, 420])
    sheet.append([None, None, None, None, None])  # blank row, ignored (and logged)
    sheet.append([2, "赫山区人民医院", "112.3684", "28.5826", "350"])  # numbers typed as text
    path = tmp_path / "yiyang.xlsx"
    book.save(path)
    frame = read_facilities(path)
    assert frame["name"].tolist() == ["资阳区人民医院", "赫山区人民医院"]
    assert frame["source_row"].tolist() == [3, 5]
    assert frame["beds"].tolist() == [420, 350]
    assert frame.geometry.x.tolist() == [112.3186, 112.3684]


def test_geojson_and_geopackage(tmp_path):
    src = gpd.GeoDataFrame({"名称": ["甲", "乙"], "床位": [100, None], "tier": ["三级", "二级"]},
                           geometry=gpd.points_from_xy([109.5, 110.2], [18.3, 19.9]), crs=4326)
    for suffix in (".geojson", ".gpkg"):
        path = tmp_path / f"f{suffix}"
        src.to_file(path)
        frame = read_facilities(path)
        assert frame["name"].tolist() == ["甲", "乙"]
        assert frame["source_row"].tolist() == [1, 2]  # feature number
        assert frame["tier"].tolist() == ["tertiary", "secondary"]
        assert frame["beds"].iloc[0] == 100 and np.isnan(frame["beds"].iloc[1])
        assert frame.geometry.x.tolist() == [109.5, 110.2]


def test_geojson_in_another_crs_is_reprojected(tmp_path):
    src = gpd.GeoDataFrame({"name": ["a"]}, geometry=gpd.points_from_xy([110.3], [20.0]), crs=4326).to_crs(32649)
    path = tmp_path / "utm.gpkg"
    src.to_file(path)
    frame = read_facilities(path)
    assert frame.geometry.x.iloc[0] == pytest.approx(110.3, abs=1e-9)


def test_tab_separated_and_thousands_separators(tmp_path):
    text = '名称\t经度\t纬度\t床位\n甲\t110.3\t20.0\t"1,200"\n乙\t１１０．４\t２０．０５°\t８０\n'
    frame = read_facilities(_write(tmp_path / "f.tsv", text))
    assert frame["beds"].tolist() == [1200, 80]
    assert frame.geometry.x.tolist() == [110.3, 110.4] and frame.geometry.y.tolist() == [20.0, 20.05]


def test_missing_name_column_labels_rows(tmp_path):
    frame = read_facilities(_write(tmp_path / "f.csv", "lat,lon\n20,110.3\n"))
    assert frame["name"].tolist() == ["row 2"] and frame["kind"].isna().all()


# ---- errors: each names the file and the row ------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("名称,经度,纬度\nA,110.3,20.0\nB,110.3,abc\n", r"row 3, column '纬度': 'abc' is not a number"),
        ('名称,经度,纬度\nA,"110,3",20.0\n', r"row 2, column '经度': '110,3' is not a number"),
        ("名称,经度,纬度\nA,110.3,20.0\nB,,20.0\n", r"row 3, column '经度': coordinate is missing"),
        ("名称,经度,纬度\nA,110.3,20.0\nB,20.0,110.3\n", r"row 3: longitude 20.0 / latitude 110.3 look swapped"),
        ("名称,经度,纬度\nA,200,20.0\n", r"row 2: longitude 200.0 / latitude 20.0 out of range"),
        ("名称,经度,纬度\nA,0,0\n", r"row 2: .* outside China"),
        ("名称,经度,纬度\nA,2.35,48.85\n", r"row 2: .* outside China"),
        ("名称,经度,纬度,床位\nA,110.3,20.0,很多\n", r"row 2, column '床位': '很多' is not a number"),
        ("名称,经度,纬度,床位\nA,110.3,20.0,-5\n", r"row 2, column '床位': '-5' must be a count"),
        ("名称,地址\n海口医院,海口市\n", r"row 1: no longitude/latitude columns found in the first 10 rows \(the first has 2 filled cells\); expected one of lon"),
        ("名称,经度,纬度\n", r"has a header \(row 1\) but no data rows"),
        ("\n\n", r"the file is empty"),
    ],
)
def test_bad_csv_names_file_and_row(tmp_path, text, expected):
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(InputFileError, match=expected) as info:
        read_facilities(path)
    assert str(path) in str(info.value)


def test_every_bad_row_is_listed_and_swapped_file_is_diagnosed(tmp_path):
    text = "name,lon,lat\n" + "".join(f"h{i},{19.5 + i / 100},{110.0 + i / 100}\n" for i in range(20))
    with pytest.raises(InputFileError) as info:
        read_facilities(_write(tmp_path / "swapped.csv", text))
    message = str(info.value)
    assert "20 problem(s)" in message and "row 2:" in message and "… and 5 more" in message
    assert "swapped in every row" in message


def test_empty_file_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="empty"):
        read_facilities(_write(tmp_path / "empty.csv", ""))
    with pytest.raises(InputFileError, match=r"unknown file type '\.shp'"):
        read_facilities(_write(tmp_path / "f.shp", "x"))
    with pytest.raises(InputFileError, match=r"\.xls is not supported"):
        read_facilities(_write(tmp_path / "f.xls", "x"))
    with pytest.raises(InputFileError, match="file not found"):
        read_facilities(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="unknown datum 'cgcs'"):
        read_facilities(_write(tmp_path / "ok.csv", "lon,lat\n110,20\n"), datum="cgcs")
    with pytest.raises(InputFileError, match="cannot be opened as an .xlsx"):
        read_facilities(_write(tmp_path / "fake.xlsx", "not a zip"))


def test_bad_excel_names_the_spreadsheet_row(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "经度", "纬度"])
    sheet.append(["甲", 110.3, 20.0])
    sheet.append(["乙", "110,3", "二十"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(InputFileError, match=r"row 3, column '纬度': '二十' is not a number"):
        read_facilities(path)


def test_bad_geojson_features_are_named(tmp_path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "ok"}, "geometry": {"type": "Point", "coordinates": [110.3, 20.0]}},
        {"type": "Feature", "properties": {"name": "area"}, "geometry": {
            "type": "Polygon", "coordinates": [[[110, 20], [110.1, 20], [110.1, 20.1], [110, 20]]]}},
        {"type": "Feature", "properties": {"name": "none"}, "geometry": None},
    ]}
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps(fc))
    with pytest.raises(InputFileError) as info:
        read_facilities(path)
    assert "feature 2: is a Polygon, expected a Point" in str(info.value)
    assert "feature 3: has no geometry" in str(info.value)


# ---- network check --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_net():
    """A 3-node road near central Haikou (WGS84), built with the network's own assembler."""
    lon = np.array([110.30, 110.32, 110.34])
    lat = np.array([20.02, 20.02, 20.02])
    tail, head = np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1])
    length = np.full(4, 2090.0)
    return assemble(lon, lat, tail, head, length, length * 0.06 / 40, np.zeros(4), ("road",), directed=False)


def test_check_on_network_names_far_rows(tmp_path, tiny_net):
    text = "名称,经度,纬度\n近,110.321,20.021\n远,109.50,18.30\n也近,110.30,20.02\n"
    frame = read_facilities(_write(tmp_path / "f.csv", text))
    with pytest.raises(InputFileError) as info:
        check_on_network(frame, tiny_net, max_snap_m=5_000)
    message = str(info.value)
    assert str(tmp_path / "f.csv") in message and "row 3 (远)" in message and "row 2" not in message
    dist = check_on_network(frame.iloc[[0, 2]], tiny_net, max_snap_m=5_000)
    assert dist[1] == pytest.approx(0.0, abs=1e-3) and 50 < dist[0] < 200


# ---- default facilities and county seats ----------------------------------------------------------


def test_default_tertiary_hospitals_are_named_and_inside(shared_data):
    region = regions.resolve("hainan")
    frame = default_facilities(region, kind="tertiary")
    table = pd.concat([pd.read_csv(p, encoding="utf-8-sig") for p in FACILITIES_DIR.glob("*_institutions.csv")])
    counted = table["counts_for_tertiary_circle"].astype(bool)  # general tertiary hospitals only (circle_reason)
    on_island = table[counted & table["lon"].between(108.5, 111.3) & table["lat"].between(18, 20.3)]
    assert len(frame) == len(on_island) > 0 and frame["circle_reason"].str.len().gt(0).all()
    assert (frame["tier"] == "tertiary").all() and not frame["stand_in"].any()
    assert set(frame["name"]) <= set(table["name_zh"])
    # every row points back at its CSV row
    for name, file, row in frame[["name", "source_file", "source_row"]].itertuples(index=False):
        assert pd.read_csv(FACILITIES_DIR / file, encoding="utf-8-sig").iloc[row - 2]["name_zh"] == name
    kunming = default_facilities(530100, kind="tertiary")
    assert kunming.geometry.x.between(102.1, 103.7).all()


@pytest.mark.parametrize("region, n", [("hainan", 18), ("haikou", 4), ("yunnan", 129), (530100, 14), ("yiyang", 6)])
def test_default_stand_ins_are_county_seats(region, n):
    for kind in ("county_hospital", "primary"):
        frame = default_facilities(region, kind=kind)
        assert len(frame) == n and frame["stand_in"].all() and (frame["kind"] == kind).all()
        assert set(frame["adcode"]) == set(regions.resolve(region).counties["adcode"])


def test_default_facilities_rejects_unknown_kind():
    with pytest.raises(InputFileError, match="unknown facility kind 'clinic'"):
        default_facilities("hainan", kind="clinic")


@pytest.fixture(scope="module")
def seats() -> pd.DataFrame:
    return pd.read_csv(FACILITIES_DIR / "county_seats.csv", encoding="utf-8-sig")


def test_county_seats_cover_every_unit_and_lie_inside_it(seats):
    units = pd.concat([boundaries.counties(k) for k in ("hainan", "hainan_districts", "yunnan", "yiyang")])
    units = gpd.GeoDataFrame(units.drop_duplicates("adcode"), crs=4326)
    assert set(seats["adcode"]) == set(units["adcode"]) and len(seats) == 161
    assert (seats["datum_found"] == "gcj02").all() and seats["location_source"].str.contains("cpca").all()
    joined = units.merge(seats, on="adcode")
    points = gpd.GeoSeries(gpd.points_from_xy(joined["lon"], joined["lat"]), crs=4326)
    assert gpd.GeoSeries(joined.geometry.values, crs=4326).contains(points).all()


def test_county_seat_datum_matters_at_xiuying(seats):
    # Read as WGS84 (i.e. without the GCJ-02 correction) the 秀英区 seat falls outside 秀英区.
    row = seats[seats["adcode"] == 460105].iloc[0]
    glon, glat = wgs84_to_gcj02(row["lon"], row["lat"])
    xiuying = boundaries.counties("hainan_districts").set_index("adcode").geometry[460105]
    assert xiuying.contains(shapely.Point(row["lon"], row["lat"]))
    assert not xiuying.contains(shapely.Point(float(glon), float(glat)))
