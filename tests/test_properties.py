"""Any text in, a valid record out, with every evidence span slicing the text it points into."""
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import extract_text, text_of

# the characters reports are made of, so generated texts reach the rules rather than bounce off them
REPORTISH = st.text(alphabet=st.sampled_from(list(
    "0123456789.,%|: \n\t\f年度预算数执行率万元亿千自评得分总扣优良中差一二三级指标个人家名项目实施单位局中心全初调整后"
    "合计资金额其中财政拨款（）()—/≥≤满意大于等以上２０％績效評價")), max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(REPORTISH)
def test_any_text_gives_an_ok_record_with_true_evidence(tmp_path_factory, s):
    path = tmp_path_factory.mktemp("p") / "r.txt"
    path.write_text(s or " ", encoding="utf-8")
    text = text_of(path).text
    record = extract_text(s or " ")
    assert record.status == "ok", record.error
    facts = [record.report_type, record.fiscal_year, record.organization, record.self_score, record.deduction,
             record.grade, *record.budget.__dict__.values()]
    spans = [f.evidence for f in facts if f] + [q.evidence for q in record.quantities] + \
            [e for f in record.findings for e in f.evidence]
    for ev in spans:
        assert 0 <= ev.start <= ev.end <= len(text) and text[ev.start:ev.end] == ev.text
