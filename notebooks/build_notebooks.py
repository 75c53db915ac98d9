"""Write the analysis notebooks of this folder, without outputs (run: python notebooks/build_notebooks.py).

The notebooks are generated so that they stay small, diff well and never carry
stale outputs; every cell calls textmine's functions (no analysis code lives in
a notebook). tests/test_notebooks.py runs each of them top to bottom.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from textmine._io import write_text_atomic  # noqa: E402

SETUP = """\
%matplotlib inline
import pandas as pd
import textmine
from textmine import plots

pd.set_option("display.max_columns", 20)
pd.set_option("display.width", 160)
corpus = textmine.load_corpus()   # the bundled corpus; load_corpus("folder/") reads your own"""


def corpus_and_cleaning() -> list:
    return [
        new_markdown_cell(
            "# 01 · The corpus and what cleaning does\n\n"
            "The bundled corpus holds 11 documents: Quanzhou (泉州) across three years -- a 2021 news article, "
            "the 2023 work report (truncated) and a 2024 excerpt (摘登) --, the 2024 plan report of its "
            "Quangang district (泉港区), and the 2024 work reports of seven cities from a collection (合集). "
            "They are not like-for-like: keep the document type (`doctype`) and the notes in view whenever "
            "you compare."),
        new_code_cell(SETUP),
        new_markdown_cell("One row per document: the shared metadata columns and `n_chars`, the number of "
                          "non-whitespace characters after cleaning (the denominator of every per-10,000 rate)."),
        new_code_cell('corpus.to_frame()[["doc_id", "place", "level", "rank", "year", "doctype", "n_chars", "notes"]]'),
        new_code_cell("plots.corpus_overview(corpus.to_frame())"),
        new_markdown_cell("The collection's table of contents lists reports whose text it does not hold; "
                          "they are not silently dropped but listed here."),
        new_code_cell("pd.DataFrame(corpus.missing)"),
        new_markdown_cell("## Cleaning\n\nEvery change cleaning makes is recorded (step, what was removed or "
                          "replaced, and where), so a reader can audit it. Here, how many changes each step "
                          "made in each document:"),
        new_code_cell('changes = corpus.cleaning_changes()\n'
                      'changes.groupby(["doc_id", "step"]).size().unstack(fill_value=0)'),
        new_code_cell("changes.head(10)"),
        new_markdown_cell("Raw text against cleaned text for the start of one document (site furniture and "
                          "PDF line breaks go; the words stay):"),
        new_code_cell('doc = corpus["quanzhou_2023_report"]\nprint(doc.raw[:300])\nprint("-" * 40)\n'
                      'print(doc.text[:300])'),
        new_markdown_cell("`clean()` works on any string too:"),
        new_code_cell('result = textmine.clean("加快发展新质\\n生产力，优化营商环境。")\n'
                      'result.text, result.to_frame()'),
    ]


def slogans() -> list:
    return [
        new_markdown_cell(
            "# 02 · Slogans: how often does each document use them?\n\n"
            "`slogan_frequency` counts exact phrases (and their listed variants) in the cleaned text, ignoring "
            "whitespace, and divides by the document's length: **mentions per 10,000 characters**. No word "
            "segmentation is involved, so the counts are what `str.count` would find."),
        new_code_cell(SETUP),
        new_code_cell("freq = textmine.slogan_frequency(corpus)\n"
                      'freq[["doc_id", "place", "slogan", "category", "count", "n_chars", "rate"]].head()'),
        new_markdown_cell("The slogan × document heatmap (the most used slogans; column labels give each "
                          "document's length -- in a short document one mention is a high rate):"),
        new_code_cell("plots.slogan_heatmap(freq)"),
        new_markdown_cell("Three slogans of 2024, document by document, coloured by administrative level:"),
        new_code_cell('plots.slogans_by_place(freq, ["新质生产力", "民营经济", "营商环境"])'),
        new_markdown_cell("Comparing ranks of city honestly: with one or two documents per group, the group "
                          "mean is shown with every document behind it. Only the 2024 documents, so that "
                          "years are not pooled."),
        new_code_cell('plots.slogans_by_group(freq[freq["year"] == 2024], ["新质生产力", "民营经济", "营商环境"], '
                      'group="rank")'),
        new_markdown_cell("Pooled per group instead (counts and characters added up; `n_docs` says how many "
                          "documents stand behind each rate):"),
        new_code_cell('textmine.slogan_frequency(corpus, ["新质生产力", "民营经济", "营商环境"], by="level")'),
        new_markdown_cell("Quanzhou across the years. Its three documents differ in type (news article, "
                          "truncated report, excerpt), so a difference between years is not a trend:"),
        new_code_cell('plots.place_over_time(freq, "泉州市")'),
        new_markdown_cell("Reading the mentions in context (keyword in context):"),
        new_code_cell('textmine.kwic(corpus, "新质生产力", window=15).head(10)'),
        new_markdown_cell("The numbers behind any figure, ready to save as CSV:"),
        new_code_cell('plots.figure_data(plots.slogans_by_place(freq)).head()'),
        new_markdown_cell("## Like for like: the 31 provincial reports of 2026\n\n"
                          "The seed documents differ in type and year. For a comparison that means something, "
                          "take the second bundled corpus: every province-level unit's full work report of the "
                          "same year. Its metadata (rank 省/自治区/直辖市, region, division code) comes from the "
                          "gazetteer; `inferred` says which values were filled."),
        new_code_cell('provinces = textmine.load_corpus("provinces2026")\n'
                      'provinces.to_frame()[["place", "rank", "region", "code", "n_chars", "inferred"]].head()'),
        new_code_cell('textmine.slogan_frequency(provinces, ["新质生产力", "民营经济", "营商环境"], by="region")'),
        new_code_cell('pfreq = textmine.slogan_frequency(provinces, ["新质生产力", "民营经济", "营商环境"])\n'
                      'plots.slogans_by_group(pfreq, ["新质生产力", "民营经济", "营商环境"], group="region")'),
    ]


def keywords() -> list:
    return [
        new_markdown_cell(
            "# 03 · Keywords: TF-IDF and keyness\n\n"
            "Terms come from textmine's policy-aware tokenizer (a policy dictionary keeps 新质生产力 or "
            "营商环境 in one piece; stopwords, numbers and punctuation are dropped). TF-IDF asks which terms "
            "weigh most in a document given the rest of the corpus; keyness asks which terms a group of "
            "documents uses significantly more than another."),
        new_code_cell(SETUP),
        new_code_cell('tok = textmine.Tokenizer()\ntok("加快发展新质生产力，持续优化营商环境")'),
        new_markdown_cell("The ten highest-TF-IDF terms of each document. Place names come first: TF-IDF finds "
                          "what is particular to a document, and a city's own name is."),
        new_code_cell("top = textmine.top_terms(corpus, n=10, tokenizer=tok)\n"
                      'top[["doc_id", "place", "term", "tfidf", "term_rank"]].head(12)'),
        new_code_cell("plots.top_terms_grid(top)"),
        new_markdown_cell("By province instead of by document (the mean of the documents' TF-IDF vectors):"),
        new_code_cell('textmine.top_terms(corpus, n=5, by="province", tokenizer=tok)'),
        new_markdown_cell("## Keyness\n\nThe three Liaoning (辽宁) work reports against the other full work "
                          "reports: signed G² (positive = more frequent in Liaoning), with p-values and Log "
                          "Ratio as effect size. Excerpts, plan reports and news are left out so that like is "
                          "compared with like."),
        new_code_cell('kn = textmine.keyness(corpus, {"province": "辽宁省", "doctype": "report"},\n'
                      '                      lambda d: d["doctype"] == "report" and d["province"] != "辽宁省",\n'
                      "                      tokenizer=tok)\n"
                      'kn[["feature", "target_count", "reference_count", "g2", "p_value", "log_ratio"]].head(10)'),
        new_code_cell('plots.keyness_chart(kn, target_label="辽宁省 reports", reference_label="other reports")'),
        new_markdown_cell("## Like for like: regions of the 31 provincial reports of 2026\n\n"
                          "Full reports of one year, so differences are not differences of document type. "
                          "Place names are kept out of the vocabulary (`place_stopwords`: the provinces, their "
                          "short forms and the cities inside them), so the top terms are policy words."),
        new_code_cell('provinces = textmine.load_corpus("provinces2026")\n'
                      'ptok = textmine.Tokenizer(extra_stopwords=textmine.place_stopwords(provinces))\n'
                      'ptop = textmine.top_terms(provinces, n=8, tokenizer=ptok)\n'
                      'ptop[ptop["place"].isin(["上海市", "河南省", "四川省"])][["place", "term", "term_rank"]]'),
        new_code_cell('pkn = textmine.keyness(provinces, {"region": "西部"}, tokenizer=ptok)\n'
                      'plots.keyness_chart(pkn, target_label="西部 (12 reports)", reference_label="other regions (19)")'),
        new_markdown_cell("Keywords of a single document, with IDF learned from this corpus:"),
        new_code_cell('textmine.extract_keywords("fuzhou_2024_report", corpus, n=10, tokenizer=tok)'
                      '[["term", "score", "count"]]'),
    ]


def topics() -> list:
    return [
        new_markdown_cell(
            "# 04 · Topics (LDA)\n\n"
            "Eleven documents are far too few for LDA, but a work report is a sequence of paragraphs that each "
            "take up one task. With fewer than 50 documents `TopicModel` therefore fits paragraphs and maps "
            "them back to their reports: a report's topic shares are the share of its words each topic "
            "accounts for. The engine is tomotopy (Gibbs sampling; `engine=\"gensim\"` for gensim's "
            "variational LDA); the seed makes the result reproducible."),
        new_code_cell(SETUP),
        new_code_cell("tm = textmine.TopicModel(k=6, seed=0).fit(corpus)\ntm"),
        new_markdown_cell("To name a topic: its most probable terms, its FREX terms (frequent *and* exclusive "
                          "to the topic) and its most relevant terms (LDAvis, λ = 0.6), then the paragraphs "
                          "most devoted to it, with their report and place."),
        new_code_cell("tm.describe(n=6)"),
        new_code_cell('tm.representative(n=2, chars=80)[["topic", "unit_rank", "doc_id", "place", "share", "text"]]'),
        new_code_cell("plots.topic_terms_grid(tm.topic_terms(10), labels=tm.labels())"),
        new_markdown_cell("Which documents spend their words on which topic:"),
        new_code_cell('prevalence = tm.prevalence(by=["doc_id", "place", "level", "rank", "year", "doctype"])\n'
                      "plots.topic_prevalence_heatmap(prevalence, labels=tm.labels())"),
        new_markdown_cell(
            "## Does attention to a topic differ by level?\n\n"
            "`topic_effects` regresses the paragraphs' topic shares on the reports' metadata (stm's "
            "`estimateEffect`: draws of the shares from their posterior, regressions clustered by report) and "
            "gives each topic's expected share per level and the difference 县区 − 地级市 with a 95% interval. "
            "**This corpus is too small for that:** the difference rests on the 11 reports, not on their "
            "paragraphs, and the bundled documents are not like-for-like (news, excerpts, a plan report). "
            "`attrs[\"note\"]` says so; read the numbers as a description of these documents."),
        new_code_cell('effects = textmine.topic_effects(tm, "level")\n'
                      'print(effects.attrs["note"])\n'
                      'effects.query("kind == \'difference\'")[["topic", "label", "value", "reference", "estimate", '
                      '"lower", "upper", "n_docs"]].round(3)'),
        new_code_cell('plots.topic_effects_chart(effects, "level")'),
        new_markdown_cell(
            "## Choosing K\n\n"
            "`select_k` fits every K with several seeds and reports coherence (c_v, u_mass, c_npmi), held-out "
            "likelihood and stability (do the topics come back under another seed?). On a corpus this small "
            "c_v moves with the seed about as much as between neighbouring K -- the points in the figure. "
            "(Three K values and fewer sweeps here, to keep the notebook quick.)"),
        new_code_cell("table, runs = textmine.select_k(corpus, [4, 6, 8], seed=0, n_seeds=3, iterations=150,\n"
                      "                               return_runs=True)\n"
                      "table.round(3)"),
        new_code_cell("plots.k_selection_chart(table, runs)"),
    ]


def reading_reports() -> list:
    return [
        new_markdown_cell(
            "# 05 · Reading reports as reports: sections, growth targets, new slogans\n\n"
            "A work report reviews the past year, then sets this year's targets and tasks. Knowing which "
            "part a sentence stands in tells a target from a result."),
        new_code_cell(SETUP),
        new_markdown_cell("How well each document could be divided into its parts (`full` for a complete "
                          "report; `partial` for truncated ones, excerpts and plan reports; `none` for news):"),
        new_code_cell("from textmine.sections import sectioning_summary\n"
                      'sectioning_summary(corpus)[["doc_id", "doctype", "sectioning", "parts", "n_sections"]]'),
        new_code_cell('textmine.split_sections(corpus["fuzhou_2024_report"])'
                      '[["section_no", "part", "heading_level", "heading", "subheading"]].head(12)'),
        new_markdown_cell("## GDP growth targets\n\nThe target for the coming year and the past year's growth, "
                          "with the sentence each was read from and a `status` when none is stated -- check "
                          "them against the sentences before using them."),
        new_code_cell('targets = textmine.growth_targets(corpus)\n'
                      'targets[["doc_id", "place", "target_value", "qualifier", "past_growth", "status"]]'),
        new_code_cell('targets.loc[targets["doc_id"] == "jinan_2024_report", ["target_sentence", "past_sentence"]]'
                      ".T"),
        new_markdown_cell("## Slogans the list does not hold yet\n\nCandidates from quotation marks, numbered "
                          "formulas and tokens that always occur together, ranked by how many places use them:"),
        new_code_cell("candidates = textmine.discover_slogans(corpus, min_count=3)\n"
                      'candidates[~candidates["in_slogans"]].head(15)'),
    ]


def panels() -> list:
    return [
        new_markdown_cell(
            "# 06 · Panels over places and years: attention, diffusion, echo, escalation\n\n"
            "Published work on government reports is usually a **panel**: a measure per place and year used "
            "as a variable. This notebook walks through the four panel analyses on the bundled corpus.\n\n"
            "**What this small corpus can and cannot show.** Quanzhou (泉州) is observed in three years, but "
            "as three different kinds of document (a 2021 news article, a truncated 2023 report of 1,800 "
            "characters, a 2024 excerpt), so any change over time is mixed with document type and length. "
            "There is one vertical pair -- the Quangang district (泉港区) plan report under Quanzhou's 2024 "
            "excerpt -- and no provincial or national report, so echo and escalation between a city and its "
            "province cannot be measured here: the functions list those documents as having no parent in the "
            "corpus. Read the outputs below as a demonstration of the tables, not as findings."),
        new_code_cell(SETUP + "\nfrom textmine.panels import figures"),
        new_markdown_cell(
            "## 1 · Dictionary attention\n\n"
            "`attention` counts the tokens of each dictionary category (default: the shipped policy-term "
            "categories) as a share of all tokens, with quanteda's `dfm_lookup`/`tokens_lookup` rules: "
            "wildcards (`绿色*`), phrases of several tokens, and a term in two categories counts in both."),
        new_code_cell('att = textmine.attention(corpus, by="level")\n'
                      'att.pivot(index="category", columns="level", values="attention").round(4)'),
        new_markdown_cell("Your own dictionary: a dict, a CSV (`term,category`), YAML, or a LIWC `.dic` file."),
        new_code_cell('mine = {"green": ["绿色*", "生态*", "碳达峰", "碳中和"], "open": ["开放*", "外贸", "跨境电商"]}\n'
                      'textmine.attention(corpus, mine, unit="chars")[["doc_id", "category", "count", "attention"]]'
                      '.head(6)'),
        new_markdown_cell("The place × year table for a regression (several documents of one place-year are "
                          "pooled; missing place-years are absent, not zero):"),
        new_code_cell("textmine.attention_panel(corpus).round(4)"),
        new_markdown_cell("Rates by year and level with exact Poisson intervals (`interval=\"bootstrap\"` "
                          "resamples documents instead). Quanzhou's 2023 point is one truncated report: its wide "
                          "intervals say how little 1,800 characters can tell."),
        new_code_cell('rates = textmine.attention_by_year(corpus, by="level")\nfigures.attention_by_year_chart(rates)'),
        new_markdown_cell("Growing a dictionary from seed words: candidates from word embeddings trained on the "
                          "corpus (deterministic for a seed). On 11 documents the neighbours are noisy -- "
                          "accept or reject each by reading it."),
        new_code_cell('textmine.expand_dictionary(corpus, {"green": ["绿色低碳", "生态环境"]}, n=8)'),
        new_markdown_cell(
            "## 2 · Slogan diffusion\n\n"
            "The first observed year each place uses a slogan, with the sentence. Censoring is explicit: "
            "`right_censored` = never used in the observed years; `left_censored` = used in the first year "
            "observed (it may be older); `gap_before` = an unobserved year lies between the last year without "
            "it and the first with it. Only Quanzhou has more than one year here."),
        new_code_cell('slogans = ["新质生产力", "高质量发展", "营商环境", "民营经济", "碳达峰碳中和"]\n'
                      'adopt = textmine.adoption(corpus, slogans)\n'
                      'adopt[adopt["place"] == "泉州市"][["slogan", "adopted", "first_year", "doc_id", '
                      '"previous_observed", "left_censored", "right_censored"]]'),
        new_markdown_cell("The cumulative share of places that have used each slogan by each year (a place "
                          "enters the denominator when it is first observed), and the event-history table "
                          "(one row per observed place-year at risk) for lifelines or statsmodels:"),
        new_code_cell("curve = textmine.adoption_curve(adopt)\nfigures.adoption_curve_chart(curve)"),
        new_code_cell('textmine.adoption_events(corpus, ["营商环境"]).query("place == \'泉州市\'")'),
        new_markdown_cell(
            "## 3 · Echo: sentences reused from the parent level\n\n"
            "Near-duplicate sentences (character shingles, MinHash LSH, then an exact Jaccard check) between "
            "each document and its parent level's document of the same or previous year. Here only the "
            "district has a parent in the corpus (Quanzhou's 2024 excerpt):"),
        new_code_cell('echoed = textmine.echo(corpus)\n'
                      'echoed.documents[["doc_id", "reference_doc_ids", "reference_status", "n_sentences", '
                      '"n_echoed", "share_echoed"]]'),
        new_code_cell('echoed.passages[["sentence", "reference_sentence", "similarity"]]'),
        new_markdown_cell("Across the corpus (`reference=\"all\"`) the reused sentences of unrelated cities are "
                          "mostly formulae of the genre -- the opening address, section headings, short "
                          "indicator sentences. That is text reuse, but not evidence of copying: read the "
                          "passages."),
        new_code_cell('everyone = textmine.echo(corpus, "all")\nfigures.echo_chart(everyone.documents)'),
        new_code_cell('everyone.passages.sort_values("similarity", ascending=False)'
                      '[["doc_id", "sentence", "reference_doc_id", "similarity"]].head(8)'),
        new_markdown_cell("### Cross-sectional echo: the 31 provincial reports of 2026\n\n"
                          "`load_corpus(\"provinces2026\")` holds one report per province of one year, so it "
                          "shows reuse across provinces (there is no national report in it to be the parent). "
                          "The sentences echoed most widely are section headings, stock phrases and target "
                          "sentences (居民消费价格涨幅2%左右): the shared wording of the genre, not copying."),
        new_code_cell('provinces = textmine.load_corpus("provinces2026")\n'
                      'cross = textmine.echo(provinces, "all")\n'
                      'figures.echo_chart(cross.documents)'),
        new_code_cell('cross.passages.groupby("sentence").size().sort_values(ascending=False).head(5)'),
        new_markdown_cell("The document-level view: TF-IDF cosine similarity of every pair of documents."),
        new_code_cell("figures.similarity_heatmap(textmine.similarity(corpus))"),
        new_markdown_cell(
            "## 4 · Target escalation (层层加码)\n\n"
            "Each document's GDP growth target next to its parent level's target of the same year, with the "
            "qualifier of each (以上 `at_least` commits harder than 左右 `about`). Every document is listed; "
            "`status` says why most cannot be compared here."),
        new_code_cell('esc = textmine.target_escalation(corpus)\n'
                      'esc[["doc_id", "target_value", "qualifier", "parent_place", "parent_target", '
                      '"parent_qualifier", "gap_pp", "status"]]'),
        new_code_cell("figures.escalation_chart(esc)"),
    ]


NOTEBOOKS = {
    "01_corpus_and_cleaning.ipynb": corpus_and_cleaning,
    "02_slogans.ipynb": slogans,
    "03_keywords_tfidf.ipynb": keywords,
    "04_topics.ipynb": topics,
    "05_reading_reports.ipynb": reading_reports,
    "06_panels.ipynb": panels,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` with ids numbered in order (stable diffs) and no outputs."""
    nb = new_notebook(cells=NOTEBOOKS[name](), metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:02d}"
    nbformat.validate(nb)
    return nb


def main() -> None:
    for name in NOTEBOOKS:
        path = write_text_atomic(HERE / name, nbformat.writes(build(name)) + "\n")
        print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
