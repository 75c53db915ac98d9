"""textmine.gazetteer: place names -> division code, province, level, rank facts, region, parent."""

import pytest

from textmine.errors import MetadataError
from textmine.gazetteer import (
    AmbiguousPlace, PlaceNotFound, candidates, divisions, lookup, parent_of, place_from_text,
    place_names, short_form,
)


def test_table_has_every_province_and_prefecture_level_unit_once():
    t = divisions()
    # 34 province-level units (incl. 台湾, 香港, 澳门) and 333 prefecture-level units (2024 count)
    assert (t["level"] == "省级").sum() == 34
    assert (t["level"] == "地级市").sum() == 333
    assert t["code"].is_unique
    assert t["code"].str.fullmatch(r"\d{6}").all()


def test_short_and_full_forms_find_the_same_place():
    assert lookup("济南").code == lookup("济南市").code == "370100"
    assert lookup("内蒙古").name == lookup("内蒙古自治区").name == "内蒙古自治区"
    assert lookup("广西").name == "广西壮族自治区"
    assert lookup("延边").name == "延边朝鲜族自治州"


def test_full_form_match_is_reported_as_such():
    assert lookup("济南市").matched == "name"
    assert lookup("济南").matched == "short"


def test_a_province_short_form_means_the_province_not_the_city_of_that_name():
    assert lookup("吉林").name == "吉林省"
    assert lookup("吉林市").name == "吉林市"
    assert lookup("海南").name == "海南省"


def test_renamed_places_are_found_under_their_former_names():
    p = lookup("襄樊市")
    assert (p.name, p.matched) == ("襄阳市", "former")
    assert lookup("思茅市").name == "普洱市"


def test_a_changed_type_suffix_finds_the_place_through_its_stem():
    assert lookup("毕节地区").name == "毕节市"      # 地区 -> 市 in 2011
    assert lookup("长垣县").name == "长垣市"        # 县 -> 市


def test_ambiguous_names_are_marked_not_guessed():
    with pytest.raises(AmbiguousPlace) as info:
        lookup("朝阳区")
    assert {c.parent for c in info.value.candidates} == {"北京市", "长春市"}
    assert isinstance(info.value, MetadataError)


def test_province_or_parent_resolves_an_ambiguous_name():
    assert lookup("朝阳区", province="北京").code == "110105"
    assert lookup("朝阳区", province="吉林省").parent == "长春市"
    assert lookup("南沙区", parent="广州市").parent_code == "440100"


def test_unknown_place_is_a_clear_error():
    with pytest.raises(PlaceNotFound, match="火星市"):
        lookup("火星市")
    assert candidates("") == []


def test_levels_and_rank_facts():
    jinan = lookup("济南")
    assert (jinan.level, jinan.rank, jinan.capital, jinan.sub_provincial) == ("地级市", "副省级城市", True, True)
    assert jinan.ranks == ("副省级城市", "省会")
    fuzhou = lookup("福州")
    assert (fuzhou.rank, fuzhou.ranks) == ("省会", ("省会",))
    dalian = lookup("大连")
    assert (dalian.rank, dalian.ranks) == ("副省级城市", ("副省级城市",))
    assert lookup("商丘").ranks == ("地级市",)
    assert [lookup(n).rank for n in ("山东", "新疆", "上海")] == ["省", "自治区", "直辖市"]
    assert lookup("泉港区").level == "县区"
    assert lookup("晋江市").level == "县级市"


def test_regions_of_the_statistics_bureau():
    assert [lookup(n).region for n in ("浙江", "河南", "四川", "辽宁")] == ["东部", "中部", "西部", "东北"]
    assert lookup("商丘").region == "中部"


def test_parent_of_a_city_is_its_province_and_of_a_district_its_city():
    assert parent_of("济南市").name == "山东省"
    assert parent_of("泉港区").name == "泉州市"
    assert parent_of("浦东新区").name == "上海市"
    assert parent_of("山东省") is None
    assert parent_of("朝阳区", province="北京").name == "北京市"


def test_short_form_rules():
    assert short_form("新疆维吾尔自治区", "自治区") == "新疆"
    assert short_form("黔东南苗族侗族自治州", "自治州") == "黔东南"
    assert short_form("长阳土家族自治县", "自治县") == "长阳"
    assert short_form("城区", "市辖区") is None          # one character left: no short form


def test_place_names_include_short_forms_and_the_province():
    assert place_names(["河南省", "商丘市"]) == {"河南", "河南省", "商丘", "商丘市"}
    assert "不存在的地方" in place_names(["不存在的地方"])


def test_place_from_title_or_file_name():
    assert place_from_text("2026_云南省_政府工作报告.csv").name == "云南省"
    assert place_from_text("陕西省2026年政府工作报告").name == "陕西省"
    assert place_from_text("2024年泉州市泉港区政府工作报告").code == lookup("泉港区").code
    assert place_from_text("政府工作报告") is None


def test_place_stopwords_hold_the_corpus_places_and_the_places_inside_them():
    from textmine.gazetteer import place_stopwords

    words = set(place_stopwords(["河南省"]))
    assert {"河南", "河南省", "郑州", "郑州市", "商丘", "商丘市", "新郑市", "新郑", "中原区"} <= words
    assert "中原" not in words and "和平" not in words        # short names of districts are ordinary words
    assert set(place_stopwords(["河南省"], descendants=False)) == {"河南", "河南省"}
    assert {"浦东", "浦东新区"} <= set(place_stopwords(["上海"]))   # a municipality's districts are its cities


def test_place_stopwords_keep_place_names_out_of_top_terms():
    import textmine as tm

    corpus = tm.Corpus.from_texts(["河南省郑州市推进营商环境改革。河南郑州。", "上海市浦东新区发展航运。上海浦东。"])
    corpus = tm.Corpus([tm.Document(d.doc_id, d.raw, {"place": p}) for d, p in zip(corpus, ["河南省", "上海市"])])
    tok = tm.Tokenizer(extra_stopwords=tm.place_stopwords(corpus))
    terms = set(tm.top_terms(corpus, n=20, tokenizer=tok)["term"])
    assert not terms & {"河南", "河南省", "郑州", "郑州市", "上海", "上海市", "浦东", "浦东新区"}
    assert {"营商环境", "航运"} <= terms


# --- filling a document's metadata ---------------------------------------------------------

from textmine.gazetteer import infer_meta  # noqa: E402


def test_inference_fills_what_is_missing_and_says_so():
    m = infer_meta({"place": "沈阳", "year": 2024}, where="row 2")
    assert (m["province"], m["level"], m["rank"], m["code"], m["region"]) == ("辽宁省", "地级市", "副省级城市", "210100", "东北")
    assert (m["capital"], m["sub_provincial"]) == (True, True)
    assert m["inferred"] == "province,level,rank,code,region,capital,sub_provincial"
    assert m["place"] == "沈阳" and m["place_note"] == ""          # the user's spelling is kept


def test_a_value_the_user_gave_wins_and_is_not_listed_as_inferred():
    m = infer_meta({"place": "济南市", "rank": "省会", "level": "地级市"}, where="row 2")
    assert m["rank"] == "省会" and m["place_note"] == ""            # 省会 is one of 济南's rank facts
    assert "rank" not in m["inferred"].split(",") and "level" not in m["inferred"].split(",")


def test_a_contradiction_is_kept_warned_and_noted():
    with pytest.warns(UserWarning, match=r"row 5: province '河北省' given, but the gazetteer has '山东省'"):
        m = infer_meta({"place": "济南", "province": "河北省"}, where="row 5")
    assert m["province"] == "河北省"
    assert m["place_note"].startswith("contradiction: province '河北省' given")
    # a short form of the same province is no contradiction
    assert infer_meta({"place": "济南", "province": "山东"}, where="x")["place_note"] == ""


def test_an_ambiguous_place_is_noted_and_nothing_is_filled():
    m = infer_meta({"place": "朝阳区"}, where="row 3")
    assert m["place_note"].startswith("ambiguous:") and m["inferred"] == "" and m.get("province") is None
    m = infer_meta({"place": "朝阳区", "province": "北京市"}, where="row 3")
    assert (m["code"], m["inferred"]) == ("110105", "level,rank,code,region,capital,sub_provincial")


def test_a_renamed_place_and_an_unknown_one():
    assert infer_meta({"place": "襄樊市"}, where="x")["code"] == "420600"
    m = infer_meta({"place": "甲市"}, where="x")
    assert m["place_note"].startswith("not found:") and m["inferred"] == ""


def test_place_and_year_are_read_from_a_title_or_file_name():
    m = infer_meta({"title": "2026年四川省人民政府工作报告"}, where="x")
    assert (m["place"], m["year"], m["rank"]) == ("四川省", 2026, "省")
    m = infer_meta({}, where="x", hints=["2024_青岛市_政府工作报告.txt"])
    assert (m["place"], m["year"], m["province"]) == ("青岛市", 2024, "山东省")
