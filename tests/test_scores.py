"""The report's score and grade, read where unseen reports state them, and left null where they don't."""
import pytest

from pipeline.api import extract_text, text_layer


def _read(text: str):
    record, doc = extract_text(text), text_layer(text)
    for fact in (record.self_score, record.grade):
        if fact is not None:         # evidence slices the printed text
            assert doc.text[fact.evidence.start:fact.evidence.end] == fact.evidence.text
    return (record.self_score.value if record.self_score else None,
            record.grade.value if record.grade else None)


@pytest.mark.parametrize("text,score,grade", [
    # a sentence gives both
    ("青石县农业农村局2023年度部门整体支出绩效自评报告\n经综合评定，自评得分94分，本部门绩效自评为优秀。", 94.0, "优秀"),
    # bonus points take a score past 100
    ("对照考核办法逐项自评（含加分项），自评得分104.5分，评价等级为“优”。", 104.5, "优"),
    # traditional characters with a mirror site's pinyin gloss
    ("某某縣衛(wèi)生院2023年度項(xiàng)目自評得分96分，評價等級為“優”。", 96.0, "優"),
    # the 总分 row gives the score after the template maximum
    ("满意度指标 | 服务对象满意度 | ≥90% | 95% | 10 | 10\n总分 | 100 | 97.5 | 优", 97.5, "优"),
    # only the template maximum: no score
    ("满意度指标 | 服务对象满意度 | ≥90% | | 10 |\n总分 | 100 | | ", None, None),
    # a tally of other units' results and a band definition are no grade of this report
    ("各预算单位自评结果“优秀”28个、“良好”6个；得分90分以上的评价等级为优。", None, None),
])
def test_score_and_grade(text, score, grade):
    assert _read(text) == (score, grade)
