"""Echo and text reuse: constructed copies with small edits are found, unrelated text in the same style is not.

The province's report holds six sentences; the city's report copies four of
them with one edit each (kind named in ``EDITS``) and adds two sentences of its
own; a second city writes in the same style about other things. Expected
similarities are Jaccard similarities of character 3-shingle sets, computed in
the test with plain Python sets (digits folded to ``#`` as the module documents).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from textmine import Corpus
from textmine.panels.echo import EchoResult, echo, similarity, split_sentences

PROVINCE = [
    "全省地区生产总值增长5.5%左右，一般公共预算收入增长3%，城镇新增就业50万人以上。",
    "加快建设现代化产业体系，推动制造业高端化、智能化、绿色化发展，培育壮大战略性新兴产业和未来产业。",
    "深入实施乡村振兴战略，福建要学习运用千万工程经验，因地制宜建设宜居宜业和美乡村。",
    "持续优化营商环境，落实促进民营经济发展壮大的各项政策措施，支持民营企业参与重大项目建设。",
    "坚持生态优先绿色发展，深化国家生态文明试验区建设，统筹推进山水林田湖草沙一体化保护和系统治理。",
    "扎实推进共同富裕，健全基本公共服务体系，办好人民满意的教育，推进健康福建建设。",
]
EDITS = {  # city sentence -> (province sentence index, kind of edit)
    "全市地区生产总值增长6%左右，一般公共预算收入增长4.5%，城镇新增就业8万人以上。": (0, "numbers changed"),
    "加快建设现代化产业体系，推动制造业高端化、智能化、绿色化发展。": (1, "clause dropped"),
    "深入实施乡村振兴战略，泉州要学习运用千万工程经验，因地制宜建设宜居宜业和美乡村。": (2, "place swapped"),
    "持续优化营商环境，落实促进民营经济发展壮大的各项政策措施，支持民营企业参与重大项目建设。": (3, "verbatim"),
}
CITY_OWN = [
    "擦亮晋江经验的金字招牌，推动海丝名城建设迈上新台阶，打造世界级先进制造业集群。",
    "深化泉台融合发展，建设两岸融合发展示范区，办好海峡两岸交流活动。",
]
UNRELATED = [  # the same register, other content
    "全力推进黄河流域生态保护和高质量发展，加快建设现代化区域中心城市。",
    "实施科技创新引领工程，新建省级以上研发平台二十家，培育高新技术企业一百家。",
    "稳步扩大制度型开放，高水平建设综合保税区和跨境电商综合试验区。",
    "坚持以人民为中心的发展思想，新增城镇就业岗位两万个，改造老旧小区一百二十个。",
]


def corpus() -> Corpus:
    rows = [
        ("fj", "福建省", "福建省", "省级", 2024, "".join(PROVINCE)),
        ("qz", "泉州市", "福建省", "地级市", 2024, "".join(list(EDITS)[:2] + CITY_OWN + list(EDITS)[2:])),
        ("nd", "宁德市", "福建省", "地级市", 2024, "".join(UNRELATED)),
    ]
    return Corpus.from_dataframe(pd.DataFrame(rows, columns=["doc_id", "place", "province", "level", "year", "text"]))


def shingles(sentence: str) -> set[str]:
    s = re.sub(r"[0-9]+(?:\.[0-9]+)?", "#", sentence)
    return {s[i:i + 3] for i in range(len(s) - 2)}


def jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


@pytest.fixture(scope="module")
def result() -> EchoResult:
    return echo(corpus())


def test_each_edited_copy_is_found_with_its_source_and_similarity(result):
    passages = result.passages.set_index("sentence")
    assert set(passages.index) == set(EDITS)
    for sentence, (j, kind) in EDITS.items():
        row = passages.loc[sentence]
        assert (row["doc_id"], row["reference_doc_id"], row["reference_sentence_no"]) == ("qz", "fj", j), kind
        assert row["reference_sentence"] == PROVINCE[j]
        assert row["similarity"] == pytest.approx(jaccard(sentence, PROVINCE[j])), kind
    assert passages.loc[list(EDITS)[3], "similarity"] == 1.0  # verbatim


def test_changed_numbers_do_not_count_as_differences():
    city = "全省地区生产总值增长6%左右，一般公共预算收入增长4.5%，城镇新增就业8万人以上。"  # only numbers differ
    c = Corpus.from_dataframe(pd.DataFrame({"doc_id": ["p", "c"], "text": [PROVINCE[0], city]}))
    assert echo(c, {"c": "p"}).passages["similarity"].tolist() == [1.0]


def test_share_of_sentences_that_echo_the_parent(result):
    docs = result.documents.set_index("doc_id")
    assert docs.loc["qz", ["reference_doc_ids", "reference_status", "n_sentences", "n_echoed"]].tolist() == [
        "fj", "same year", 6, 4]
    assert docs.loc["qz", "share_echoed"] == pytest.approx(4 / 6)


def test_an_unrelated_report_in_the_same_style_echoes_nothing(result):
    docs = result.documents.set_index("doc_id")
    assert docs.loc["nd", ["n_sentences", "n_echoed"]].tolist() == [4, 0]
    assert "nd" not in set(result.passages["doc_id"])
    # and no unrelated sentence is near the threshold: the check is not a close call
    assert max(jaccard(u, p) for u in UNRELATED for p in PROVINCE) < 0.2


def test_the_parent_itself_has_no_reference_here(result):
    docs = result.documents.set_index("doc_id")
    assert docs.loc["fj", "reference_status"] == "no parent level in the corpus"
    assert pd.isna(docs.loc["fj", "n_echoed"]) and pd.isna(docs.loc["fj", "share_echoed"])


def test_the_numpy_and_datasketch_engines_agree(result):
    other = echo(corpus(), engine="datasketch")
    pd.testing.assert_frame_equal(result.passages, other.passages)
    pd.testing.assert_frame_equal(result.documents, other.documents)


def test_explicit_references_and_all():
    c = corpus()
    given = echo(c, {"qz": "fj"})
    assert given.documents.set_index("doc_id")["n_echoed"].tolist()[1] == 4
    everyone = echo(c, "all")
    # fj echoes qz's four copies the other way round; nd echoes nobody
    assert everyone.documents.set_index("doc_id")["n_echoed"].to_dict() == {"fj": 4, "qz": 4, "nd": 0}
    with pytest.raises(Exception, match="not in the corpus"):
        echo(c, "nowhere")


def test_a_higher_threshold_drops_the_weakest_copy():
    weakest = min(EDITS, key=lambda s: jaccard(s, PROVINCE[EDITS[s][0]]))
    cut = jaccard(weakest, PROVINCE[EDITS[weakest][0]]) + 0.01
    strict = echo(corpus(), threshold=cut)
    assert weakest not in set(strict.passages["sentence"])
    assert len(strict.passages) == 3


def test_results_do_not_depend_on_the_run_but_on_the_seed(result):
    pd.testing.assert_frame_equal(echo(corpus()).passages, result.passages)


def test_split_sentences():
    assert split_sentences("一。二！三？四；五\n六") == ["一。", "二！", "三？", "四；", "五", "六"]
    assert split_sentences("短句。这一句够长了吧。", min_chars=5) == ["这一句够长了吧。"]


def test_similarity_is_a_square_tfidf_cosine_table():
    s = similarity(corpus(), cache=False)
    assert list(s.index) == list(s.columns) == ["fj", "qz", "nd"]
    assert s.loc["fj", "fj"] == pytest.approx(1.0)
    assert s.loc["fj", "qz"] == pytest.approx(s.loc["qz", "fj"])
    assert s.loc["fj", "qz"] > s.loc["fj", "nd"]


def test_bad_parameters_are_clear_errors():
    for kwargs in ({"threshold": 0}, {"threshold": 1.5}, {"lsh_threshold": 0}, {"engine": "faiss"}, {"k": 0}):
        with pytest.raises(ValueError):
            echo(corpus(), **kwargs)


def test_a_result_unpacks_into_documents_and_passages(result):
    documents, passages = result
    assert documents is result.documents and passages is result.passages
    assert repr(result) == "EchoResult(3 documents, 4 echoed sentences)"
