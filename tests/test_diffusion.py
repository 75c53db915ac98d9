"""Slogan diffusion: first-adoption years, censoring, gaps, adoption curves and the event-history table.

The panel below is small enough to read: every expected value is worked out by
hand from the texts (which years each place is observed, which texts use 新质生产力).
"""

from __future__ import annotations

import pandas as pd
import pytest

from textmine import Corpus
from textmine.errors import MetadataError
from textmine.panels.diffusion import adoption, adoption_curve, adoption_events

USES = "推动高质量发展。加快发展新质生产力，建设现代化产业体系。"
NOT = "推动高质量发展。建设现代化产业体系。"

ROWS = [  # doc_id, place, level, year, text
    ("jia21", "甲市", "地级市", 2021, NOT),
    ("jia22", "甲市", "地级市", 2022, USES),
    ("jia24", "甲市", "地级市", 2024, USES),
    ("yi21", "乙市", "地级市", 2021, NOT),
    ("yi23", "乙市", "地级市", 2023, USES),        # 2022 not observed: a gap before adoption
    ("bing22", "丙市", "地级市", 2022, USES),      # used in its first observed year: left-censored
    ("ding21", "丁市", "地级市", 2021, NOT),
    ("ding24", "丁市", "地级市", 2024, NOT),       # never uses it: right-censored at 2024
    ("wu23r", "戊区", "县区", 2023, NOT),
    ("wu23x", "戊区", "县区", 2023, "摘登。" + USES),  # the excerpt of the same year uses it
]


@pytest.fixture(scope="module")
def panel() -> Corpus:
    df = pd.DataFrame(ROWS, columns=["doc_id", "place", "level", "year", "text"])
    return Corpus.from_dataframe(df)


@pytest.fixture(scope="module")
def table(panel) -> pd.DataFrame:
    return adoption(panel, ["新质生产力"]).set_index("place")


def test_first_adoption_year_and_what_was_observed(table):
    assert table.loc["甲市", ["adopted", "first_year", "doc_id"]].tolist() == [True, 2022, "jia22"]
    assert table.loc["甲市", ["first_observed", "last_observed", "n_years_observed"]].tolist() == [2021, 2024, 3]
    assert table.loc["甲市", "sentence"] == "加快发展新质生产力，建设现代化产业体系。"
    assert table.loc["甲市", ["previous_observed", "gap_before", "left_censored"]].tolist() == [2021, False, False]


def test_a_gap_before_adoption_is_flagged_not_read_as_non_adoption(table):
    assert table.loc["乙市", ["first_year", "previous_observed", "gap_before"]].tolist() == [2023, 2021, True]


def test_left_and_right_censoring(table):
    assert table.loc["丙市", ["first_year", "left_censored", "right_censored"]].tolist() == [2022, True, False]
    ding = table.loc["丁市"]
    assert (ding["adopted"], ding["right_censored"], ding["last_observed"]) == (False, True, 2024)
    assert pd.isna(ding["first_year"]) and pd.isna(ding["doc_id"])


def test_several_documents_of_one_year_are_one_observation(table):
    assert table.loc["戊区", ["first_year", "doc_id", "n_years_observed"]].tolist() == [2023, "wu23x", 1]
    assert table.loc["戊区", "level"] == "县区"


def test_variants_count_and_give_the_sentence():
    df = pd.DataFrame({"doc_id": ["a"], "place": ["甲市"], "year": [2022],
                       "text": ["稳步推进碳达峰碳中和。做好民生工作。"]})
    got = adoption(Corpus.from_dataframe(df), ["双碳|碳达峰碳中和"])
    assert got[["slogan", "first_year", "sentence"]].values.tolist() == [["双碳", 2022, "稳步推进碳达峰碳中和。"]]


def test_documents_without_unit_or_time_are_left_out_and_counted():
    df = pd.DataFrame({"doc_id": ["a", "b"], "place": ["甲市", "乙市"], "year": [2023, None],
                       "text": [USES, USES]})
    got = adoption(Corpus.from_dataframe(df), ["新质生产力"])
    assert got["place"].tolist() == ["甲市"]
    assert got.attrs["n_left_out"] == 1


def test_a_corpus_without_the_metadata_is_a_clear_error():
    with pytest.raises(MetadataError, match="'place' and 'year'"):
        adoption([USES, NOT], ["新质生产力"])
    with pytest.raises(MetadataError, match="by='city'"):
        adoption(Corpus.from_dataframe(pd.DataFrame(ROWS[:1], columns=["doc_id", "place", "level", "year", "text"])),
                 ["新质生产力"], unit="city")


def test_adoption_curve_denominator_is_units_observed_so_far(panel):
    # entered: 甲 乙 丁 2021, 丙 2022, 戊 2023; adopted: 甲 丙 2022, 乙 戊 2023, 丁 never
    curve = adoption_curve(panel, ["新质生产力"])
    assert curve[["year", "n_units", "n_adopted"]].values.tolist() == [
        [2021, 3, 0], [2022, 4, 2], [2023, 5, 4], [2024, 5, 4]]
    assert curve["share"].tolist() == pytest.approx([0, 0.5, 0.8, 0.8])


def test_adoption_curve_by_level_and_from_an_adoption_table(panel):
    table = adoption(panel, ["新质生产力"])
    curve = adoption_curve(table, by="level")
    county = curve[curve["level"] == "县区"]
    assert county[["year", "n_units", "n_adopted"]].values.tolist() == [
        [2021, 0, 0], [2022, 0, 0], [2023, 1, 1], [2024, 1, 1]]
    assert county["share"].isna().tolist() == [True, True, False, False]
    city = curve[curve["level"] == "地级市"]
    assert city[["year", "n_adopted"]].values.tolist() == [[2021, 0], [2022, 2], [2023, 3], [2024, 3]]


def test_event_history_rows_are_observed_years_at_risk(panel):
    ev = adoption_events(panel, ["新质生产力"])
    by_place = {p: part[["year", "start", "stop", "gap", "adopted"]].values.tolist()
                for p, part in ev.groupby("place")}
    assert by_place["甲市"] == [[2021, 2020, 2021, 1, 0], [2022, 2021, 2022, 1, 1]]  # 2024: no longer at risk
    assert by_place["乙市"] == [[2021, 2020, 2021, 1, 0], [2023, 2021, 2023, 2, 1]]  # the gap is one 2-year row
    assert by_place["丙市"] == [[2022, 2021, 2022, 1, 1]]
    assert by_place["丁市"] == [[2021, 2020, 2021, 1, 0], [2024, 2021, 2024, 3, 0]]  # censored, no event
    assert by_place["戊区"] == [[2023, 2022, 2023, 1, 1]]
    assert ev["adopted"].sum() == 4
