"""A spec -> a Document (blocks) and its gold record.

Every sentence has several phrasings, picked with the document's own seeded generator. Whatever a
sentence or table cell states is noted as it is written (`Composer.state`), and the gold record is
built from those notes only: the gold never claims what the rendered text does not say.
"""
from __future__ import annotations

from decimal import Decimal

from . import lexicon as lx
from .doc import Block, BlockKind, Cell, Document, Table, TableBuilder, TableMode
from .spec import (
    CENT,
    HUNDRED,
    WAN,
    YUAN100,
    DocSpec,
    FundLine,
    q,
    rate_of,
    rng_for,
    superior,
)

CN_NUM = "一二三四五六七八九十"


def _num(d: Decimal) -> str:
    """A score or weight as a form prints it: 10, 9.5, 9.85."""
    s = format(d.normalize(), "f")
    return s


class Composer:
    def __init__(self, spec: DocSpec) -> None:
        self.s = spec
        self.rng = rng_for(spec.seed, spec.id, "text")
        self.blocks: list[Block] = []
        self.stated: dict[str, object] = {}
        self.notes: list[str] = []
        r = self.rng
        self.sep = spec.money_unit == "yuan" and r.random() < 0.5       # 11,504,873.26元
        self.spaced = r.random() < 0.2                                   # 1150.50 万元, 95 分 (PDF-converted look)
        self.short = self._short_ref()

    # ---------------------------------------------------------------- helpers

    def _short_ref(self) -> str:
        org = self.s.organization
        for suffix, ref in (("总工会", "我会"), ("联合会", "我会"), ("局", "我局"), ("中心", "我中心"),
                            ("院", "我院"), ("馆", "我馆"), ("学", "我校"), ("所", "我所"), ("队", "我队"),
                            ("站", "我站"), ("处", "我处")):
            if org.endswith(suffix):
                return ref
        return "本单位"

    def sp(self, number: str, unit: str) -> str:
        return f" {number} {unit}" if self.spaced else f"{number}{unit}"

    def money(self, yuan: Decimal) -> str:
        if self.s.money_unit == "wan":
            return self.sp(f"{q(yuan / WAN)}", "万元")
        return self.sp(f"{q(yuan):,}" if self.sep else f"{q(yuan)}", "元")

    def cell_money(self, yuan: Decimal | None) -> Cell:
        if yuan is None:
            return Cell("")
        v = q(yuan / WAN) if self.s.money_unit == "wan" else q(yuan)
        return Cell(f"{v}", v, "amount")

    def pct(self, rate: Decimal) -> str:
        return self.sp(f"{rate}", "%")

    def score_text(self, d: Decimal) -> str:
        return self.sp(_num(d), "分")

    def state(self, key: str, value: object) -> None:
        old = self.stated.get(key)
        if old is not None and old != value:
            raise AssertionError(f"{self.s.id}: {key} stated as {old!r} and {value!r}")
        self.stated[key] = value

    def add(self, kind: BlockKind, text: str = "", level: int = 1, table: Table | None = None) -> None:
        self.blocks.append(Block(kind, text, level, table))

    def heading(self, n: int, text: str, level: int = 1) -> None:
        prefix = f"{CN_NUM[n - 1]}、" if level == 1 else f"（{CN_NUM[n - 1]}）"
        self.add("heading", prefix + text, level)

    def duties(self, k: int) -> list[str]:
        level = self.s.place.level
        return [d.replace("全区", f"全{level}")
                for d in self.rng.sample(self.s.domain.duties, k=k)]

    def pick(self, *options):
        return self.rng.choice(options)

    # ---------------------------------------------------------------- shared sentences

    def budget_sentence(self, scope: str) -> str:
        s = self.s
        T, E, I, R = self.money(s.total), self.money(s.executed), self.money(s.initial), self.pct(s.rate)
        variants = [
            ("tre", f"{s.year}年{scope}全年预算数{T}，全年执行数{E}，预算执行率{R}。"),
            ("itre", f"年初预算安排{I}，年中调整后全年预算为{T}，实际支出{E}，执行率为{R}。"),
            ("itre", f"{s.year}年度{scope}预算合计{T}（其中年初预算{I}），当年支出{E}，预算执行率达到{R}。"),
            ("tre", f"截至{s.year}年12月31日，{scope}全年预算{T}，已支出{E}，完成预算的{R}。"),
            ("", f"{scope}资金到位及支出情况详见附表。"),
        ]
        roles, text = self.rng.choices(variants, weights=(3, 3, 2, 2, 1))[0]
        if "i" in roles:
            self.state("initial_yuan", float(s.initial))
        if "t" in roles:
            self.state("total_yuan", float(s.total))
        if "e" in roles:
            self.state("executed_yuan", float(s.executed))
        if "r" in roles:
            self.state("rate_pct", float(s.rate))
        if not roles:
            self.notes.append("the narrative defers the figures to the table")
        return text

    def prior_paragraph(self, scope: str) -> None:
        """A report of a series restates last year's budget, execution and rate as last year's report
        stated them (its own generator, so nothing else in the report changes)."""
        p = self.s.prior_year
        if p is None:
            return
        rng = rng_for(self.s.seed, self.s.id, "prior")
        T, E, R = self.money(p.total), self.money(p.executed), self.pct(p.rate)
        text = rng.choice((
            f"上年（{p.year}年）{scope}全年预算数为{T}，执行数{E}，执行率{R}。",
            f"{p.year}年度{scope}全年预算数{T}，全年执行数{E}，预算执行率{R}。",
            f"去年{scope}全年预算{T}，实际支出{E}，完成预算的{R}。",
            f"上一年度{scope}调整后预算数{T}，决算数{E}，执行率为{R}。",
        ))
        if rng.random() < 0.5:
            diff = self.s.total - p.total
            word = "与上年持平" if diff == 0 else f"较上年{'增加' if diff > 0 else '减少'}{self.money(abs(diff))}"
            text = text[:-1] + f"，本年全年预算{word}。"
        self.state("prior_year", {"fiscal_year": p.year, "total_yuan": float(p.total),
                                  "executed_yuan": float(p.executed), "rate_pct": float(p.rate)})
        self.add("para", text)
        self.notes.append("the narrative restates last year's budget, execution and rate as last year's report "
                          "stated them (prior_year); they are not this report's budget")

    def structure_sentence(self) -> str:
        """Split of spending into 基本支出 / 项目支出: figures that are not the report's budget roles."""
        s = self.s
        unit = YUAN100 if s.money_unit == "wan" else CENT
        basic = q(s.executed * Decimal(str(round(self.rng.uniform(0.3, 0.7), 4))), unit)
        self.notes.append("基本支出/项目支出 split of the spending is not a budget role")
        return self.pick(f"从支出结构看，基本支出{self.money(basic)}，项目支出{self.money(s.executed - basic)}。",
                         f"按支出性质分，人员和公用经费等基本支出{self.money(basic)}，"
                         f"项目支出{self.money(s.executed - basic)}。")

    def counts_blocks(self, lead: str) -> None:
        s = self.s
        forms = ("{s}{n}", "{s}共{n}", "{s}达{n}", "{s}累计{n}")
        items = []
        for c in s.counts:
            n = self.sp(str(c.value), c.unit)
            items.append(self.rng.choice(forms).format(s=c.subject, n=n))
        self.state("quantities", [{"value": c.value, "unit": c.unit, "keyword": c.subject} for c in s.counts])
        if self.rng.random() < 0.5:
            self.add("para", f"{lead}，" + "，".join(items) + "。")
        else:
            self.add("para", f"{lead}：")
            style = self.pick("{i}.{t}。", "（{i}）{t}。", "{i}、{t}；")
            for i, item in enumerate(items, 1):
                text = style.format(i=i, t=item)
                self.add("para", text[:-1] + "。" if i == len(items) else text)

    def benefit_paragraph(self) -> None:
        rows = [r for r in self.s.indicators if r.level1 == "效益指标"]
        parts = [f"{r.level3}{r.actual}" for r in rows]
        sat = next(r for r in self.s.indicators if r.level1 == "满意度指标")
        self.add("para", self.pick("通过项目实施，", "从效益看，", "在社会效益方面，") + "，".join(parts) + "。"
                 + self.pick(f"经抽样问卷调查，{sat.level3}为{sat.actual}。",
                             f"满意度调查结果显示，{sat.level3}达到{sat.actual}。"))

    def conclusion(self, scope: str) -> None:
        s = self.s
        S, G = self.score_text(s.score), s.grade
        gword = {"优": "优秀", "良": "良好"}.get(G, G) if self.rng.random() < 0.2 else G
        variants = [
            ("sg", f"经自评，{scope}绩效自评得分{S}，评价等级为“{gword}”。"),
            ("sg", f"按照评分标准逐项打分，综合评分为{S}，等级为{gword}。"),
            ("s", f"自评总分{S}。"),
            ("sg", f"本次自评得分{S}，自评等级为{gword}。"),
            ("", "各项指标得分情况见附表。"),
        ]
        roles, text = self.rng.choices(variants, weights=(3, 3, 2, 2, 1))[0]
        if "s" in roles:
            self.state("self_score", float(s.score))
        if "g" in roles:
            self.state("grade", gword)
        out = [text]
        ded_rows = [(r.level3, r.weight - r.score) for r in s.indicators if r.score < r.weight]
        if s.fund_score is not None and s.fund_score < 10:
            ded_rows.insert(0, ("预算执行率", Decimal(10) - s.fund_score))
        D = self.score_text(s.deduction)
        if s.deduction == 0:
            out.append(self.pick("各项指标均达到年度目标，未发生扣分。", "所有指标均得满分，无扣分项。"))
            self.state("deduction", 0.0)
            self.notes.append("no deduction: the text says none was made (deduction 0)")
        else:
            reason = "、".join(name for name, _ in ded_rows[:3])
            style = self.rng.choices(("total", "noun", "items", "none"), weights=(3, 3, 2, 1))[0]
            if style == "total":
                out.append(f"以上各项共扣{D}，扣分主要集中在{reason}等方面。")
                self.state("deduction", float(s.deduction))
            elif style == "noun":
                out.append(f"扣分{D}，主要原因是{reason}未完全达到预期。")
                self.state("deduction", float(s.deduction))
            elif style == "items":
                items = "，".join(f"{name}扣{self.score_text(d)}" for name, d in ded_rows)
                out.append(f"其中{items}。")
                self.state("deduction", float(s.deduction))
                self.notes.append("deduction stated item by item; gold is their sum")
            else:
                self.notes.append("deductions not stated in the text")
        self.add("para", "".join(out))

    def problems(self, n: int, title: str) -> None:
        self.heading(n, title)
        probs = self.rng.sample(lx.PROBLEMS, k=2)
        meas = self.rng.sample(lx.MEASURES, k=self.rng.choice((2, 3)))
        order = "一二三"
        self.add("para", "；".join(f"{order[i]}是{p}" for i, p in enumerate(probs)) + "。")
        self.add("para", self.pick("下一步，", "针对上述问题，", "今后，") + "；".join(
            f"{order[i]}是{m}" for i, m in enumerate(meas)) + "。")

    def indicator_structure(self) -> None:
        """About half the department and project reports count their indicators in the narrative, as the
        table has them (drawn from their own generator, so no other sentence or cell changes)."""
        s, rng = self.s, rng_for(self.s.seed, self.s.id, "structure")
        if rng.random() >= 0.5:
            return
        inds = s.indicators
        levels = [list(dict.fromkeys(r.level1 for r in inds)), list(dict.fromkeys(r.level2 for r in inds)),
                  [r.level3 for r in inds]]
        n1, n2, n3 = (self.sp(str(len(names)), "个") for names in levels)
        l1, l2, l3 = ("、".join(names) for names in levels)
        text = rng.choice((
            f"绩效指标体系共设一级指标{n1}；二级指标{n2}；三级指标{n3}：{l3}。",
            f"按照年度绩效目标，设置一级指标{n1}，{l1}；二级指标{n2}，{l2}；三级指标{n3}，{l3}。",
            f"自评表中设定一级指标{n1}；二级指标{n2}；三级指标{n3}：{l3}。",
            f"对照年度绩效目标逐项打分，三级指标{n3}：{l3}。",
        ))
        self.add("para", text)
        self.notes.append(f"the narrative counts the indicators as the table has them ({len(levels[0])} first-level, "
                          f"{len(levels[1])} second-level, {len(levels[2])} third-level)")

    def signature(self) -> None:
        y, m, d = self.s.published
        self.add("sign", self.s.organization)
        self.add("sign", f"{y}年{m}月{d}日")

    # ---------------------------------------------------------------- the self-evaluation table

    def selfeval_table(self, caption: str, label_rows: list[tuple[str, str, str | None, str | None]],
                       fund_label: str) -> Table:
        s = self.s
        tb = TableBuilder(9, [1.2, 1.05, 1.15, 1.55, 1.15, 1.15, 0.65, 1.05, 1.8])
        for label, value, label2, value2 in label_rows:
            r = tb.new_row()
            tb.put(r, 0, Cell(label, bold=True))
            if label2 is None:
                tb.put(r, 1, Cell(value, align="left"), cols=8)
            else:
                tb.put(r, 1, Cell(value, align="left"), cols=3)
                tb.put(r, 4, Cell(label2, bold=True), cols=2)
                tb.put(r, 6, Cell(value2 or "", align="left"), cols=3)
        unit = "万元" if s.money_unit == "wan" else "元"
        head = tb.new_row()
        tb.put(head, 0, Cell(f"{fund_label}（{unit}）", bold=True), rows=1 + len(s.funds))
        tb.put(head, 1, "", cols=2)
        for col, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), 3):
            tb.put(head, col, Cell(text, bold=True))
        funds_gold = []
        for line in s.funds:
            r = tb.new_row()
            tb.put(r, 1, Cell(line.label, align="left"), cols=2)
            tb.put(r, 3, self.cell_money(line.initial))
            tb.put(r, 4, self.cell_money(line.total))
            tb.put(r, 5, self.cell_money(line.executed))
            rate = rate_of(line.executed, line.total, s.rate_decimals) if line.total else None
            is_total = line.role == "total"
            weight = s.fund_weight if is_total else None
            score = s.fund_score if is_total else None
            tb.put(r, 6, Cell(_num(weight), weight, "number") if weight is not None else Cell("—"))
            tb.put(r, 7, Cell(f"{rate}%", rate / HUNDRED, "rate") if rate is not None else Cell("—"))
            tb.put(r, 8, Cell(_num(score), score, "number") if score is not None else Cell("—"))
            funds_gold.append(self._fund_gold(line, rate, weight, score))
        self.state("funds", funds_gold)
        self.state("initial_yuan", float(s.initial))
        self.state("total_yuan", float(s.total))
        self.state("executed_yuan", float(s.executed))
        self.state("rate_pct", float(s.rate))

        goal = tb.new_row()
        tb.put(goal, 0, Cell("年度总体目标", bold=True), rows=2)
        tb.put(goal, 1, Cell("预期目标", bold=True), cols=4)
        tb.put(goal, 5, Cell("实际完成情况", bold=True), cols=4)
        txt = tb.new_row()
        names = "、".join(c.indicator.removesuffix("数量").removesuffix("数") for c in s.counts[:2])
        tb.put(txt, 1, Cell(f"按计划完成{names}等年度任务，资金使用规范，服务对象满意。", align="left"), cols=4)
        tb.put(txt, 5, Cell(self.pick("年度目标基本完成，", "主要任务已按计划完成，") +
                            "资金按规定使用，取得了较好的社会效益。", align="left"), cols=4)

        ind_head = tb.new_row()
        tb.put(ind_head, 0, Cell("绩效指标", bold=True), rows=1 + len(s.indicators))
        for col, text in enumerate(("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                                    "偏差原因分析及改进措施"), 1):
            tb.put(ind_head, col, Cell(text, bold=True))
        first = ind_head + 1
        no_reason = self.pick("", "无")
        inds = s.indicators
        for i, row in enumerate(inds):
            r = first + i
            tb.new_row()
            if i == 0 or inds[i - 1].level1 != row.level1:
                span = next((j for j in range(i, len(inds)) if inds[j].level1 != row.level1), len(inds)) - i
                tb.put(r, 1, row.level1, rows=span)
            if i == 0 or (inds[i - 1].level1, inds[i - 1].level2) != (row.level1, row.level2):
                span = next((j for j in range(i, len(inds))
                             if (inds[j].level1, inds[j].level2) != (row.level1, row.level2)), len(inds)) - i
                tb.put(r, 2, row.level2, rows=span)
            tb.put(r, 3, Cell(row.level3, align="left"))
            tb.put(r, 4, row.target)
            tb.put(r, 5, row.actual)
            tb.put(r, 6, Cell(_num(row.weight), row.weight, "number"))
            tb.put(r, 7, Cell(_num(row.score), row.score, "number"))
            tb.put(r, 8, Cell(row.reason or no_reason, align="left"))
        self.state("indicators", [{"level1": r.level1, "level2": r.level2, "level3": r.level3, "target": r.target,
                                   "actual": r.actual, "weight": float(r.weight), "score": float(r.score)}
                                  for r in inds])
        total = tb.new_row()
        tb.put(total, 0, Cell("总分", bold=True), cols=6)
        tb.put(total, 6, Cell("100", 100, "number"))
        tb.put(total, 7, Cell(_num(s.score), s.score, "number"))
        show_grade = self.rng.random() < 0.7
        tb.put(total, 8, Cell(s.grade if show_grade else ""))
        self.state("self_score", float(s.score))
        if show_grade:
            self.state("grade", s.grade if self.stated.get("grade") in (None, s.grade) else self.stated["grade"])
            if self.stated["grade"] != s.grade:
                self.notes.append(f"grade written {self.stated['grade']} in the text and {s.grade} in the table")
        return tb.build(caption=caption, subcaption=f"（{s.year}年度）", kind="selfeval")

    def _fund_gold(self, line: FundLine, rate, weight, score) -> dict:
        return {"label": line.label, "role": line.role,
                "initial_yuan": None if line.initial is None else float(line.initial),
                "total_yuan": float(line.total), "executed_yuan": float(line.executed),
                "weight": None if weight is None else float(weight),
                "rate_pct": None if rate is None else float(rate),
                "score": None if score is None else float(score)}

    def attach(self, table: Table) -> None:
        if self.rng.random() < 0.6:
            self.add("pagebreak")
        self.add("note", self.pick("附件", "附件1", "附表"))
        self.add("table", table=table)

    # ---------------------------------------------------------------- the four kinds

    def department(self) -> None:
        s, org = self.s, self.s.organization
        self.state("report_type", "department")
        self.state("fiscal_year", s.year)
        self.state("organization", org)
        title = self.rng.choices([
            f"{org}{s.year}年度部门整体支出绩效自评报告",
            f"{org}{s.year}年部门整体支出绩效自评报告",
            f"{s.year}年度{org}部门整体支出绩效自评报告",
            f"{org}{s.year}年度部门（单位）整体支出绩效自评报告"], weights=(3, 2, 2, 1))[0]
        self.add("title", title)
        self.heading(1, self.pick("部门基本情况", "基本情况"))
        self.heading(1, self.pick("部门职能", "主要职能"), 2)
        duties = self.duties(3)
        sup = superior(s.domain, s.place)
        if self.rng.random() < 0.5:
            self.add("para", f"{org}是{sup}领导下的{s.domain.role}，主要职责包括：" + "；".join(duties) + "。")
        else:
            self.add("para", f"{self.short}作为{sup}的{s.domain.role}，承担以下职能："
                     + "；".join(f"（{i}）{d}" for i, d in enumerate(duties, 1)) + "。")
        if self.rng.random() < 0.5:
            offices, subs, staff = self.rng.randint(3, 9), self.rng.randint(1, 4), self.rng.randint(12, 90)
            self.add("para", f"{self.short}内设{offices}个科室，下属{subs}个事业单位，年末在职人员{staff}人。")
            self.notes.append("内设科室/下属单位/在职人员 counts are structure, not outputs: not in quantities")
        self.heading(2, "年度主要工作任务", 2)
        tasks = "、".join(p + "项目" if not p.endswith("项目") else p for p in self.rng.sample(s.domain.projects, k=2))
        self.add("para", f"{s.year}年，{self.short}围绕年度目标任务，重点做好{tasks}等工作，"
                 "并将绩效目标分解到各科室和具体项目。")
        self.heading(2, self.pick("部门整体支出情况", "预算执行情况", "年度预算收支情况"))
        self.add("para", self.budget_sentence("部门") + (self.structure_sentence() if self.rng.random() < 0.5 else ""))
        self.prior_paragraph("部门")
        if s.key_projects:
            projects = []
            for p in s.key_projects:
                self.add("para", self.pick(
                    f"重点项目“{p.name}”全年预算数{self.money(p.total)}，执行数{self.money(p.executed)}，"
                    f"执行率{self.pct(p.rate)}。",
                    f"{p.name}项目：全年预算{self.money(p.total)}，实际支出{self.money(p.executed)}，"
                    f"执行率为{self.pct(p.rate)}。"))
                projects.append({"name": p.name, "total_yuan": float(p.total), "executed_yuan": float(p.executed),
                                 "rate_pct": float(p.rate)})
            self.state("projects", projects)
        self.heading(3, self.pick("绩效目标完成情况", "部门整体绩效目标实现情况"))
        self.indicator_structure()
        self.heading(1, "产出情况", 2)
        self.counts_blocks(self.pick(f"{s.year}年", "全年", "年度内"))
        self.heading(2, "效益情况", 2)
        self.benefit_paragraph()
        self.heading(4, self.pick("自评结论", "自评结果", "综合评价情况"))
        self.conclusion(self.pick(f"{self.short}{s.year}年度部门整体支出", "部门整体支出", "本部门"))
        self.problems(5, self.pick("存在的问题及改进措施", "存在问题和下一步工作打算"))
        self.signature()
        caption = "部门整体支出绩效自评表"
        table = self.selfeval_table(caption, [("部门名称", org, None, None)],
                                    self.pick("部门资金", "年度预算执行情况", "项目资金"))
        self.attach(table)

    def project(self) -> None:
        s, org = self.s, self.s.organization
        self.state("report_type", "project")
        self.state("fiscal_year", s.year)
        self.state("organization", org)
        name = s.subject
        assert name is not None             # a project report names its project
        title = self.rng.choices([
            f"{s.year}年度{name}项目支出绩效自评报告",
            f"{org}{s.year}年度{name}项目绩效自评报告",
            f"{name}项目{s.year}年度支出绩效自评报告"], weights=(3, 3, 2))[0]
        self.add("title", title)
        self.heading(1, self.pick("项目基本情况", "项目概况"))
        if org == s.competent:
            self.add("para", f"{name}项目由{org}组织实施。")
        else:
            self.add("para", self.pick(f"{name}项目的主管部门为{s.competent}，实施单位为{org}。",
                                       f"{name}项目由{s.competent}主管，{org}负责具体实施。"))
        self.add("para", self.pick(f"项目立项依据{s.domain.body}年度工作要点，资金主要用于{s.domain.purpose}。",
                                   f"该项目为经常性项目，资金用于{s.domain.purpose}。"))
        self.heading(1, "项目资金情况", 2)
        self.add("para", self.budget_sentence("项目"))
        self.prior_paragraph("项目")
        self.heading(2, self.pick("绩效目标完成情况", "项目绩效目标实现情况"))
        self.indicator_structure()
        self.heading(1, "产出完成情况", 2)
        self.counts_blocks(self.pick("项目实施以来", f"{s.year}年", "全年"))
        self.heading(2, "效益实现情况", 2)
        self.benefit_paragraph()
        self.heading(3, self.pick("自评结论", "评价结论"))
        self.conclusion(self.pick("该项目", "本项目", f"{name}项目"))
        self.problems(4, self.pick("存在的问题及改进措施", "问题与建议"))
        self.signature()
        caption = "项目支出绩效自评表"
        rows = [("项目名称", name, None, None), ("主管部门", s.competent, "实施单位", org)]
        self.attach(self.selfeval_table(caption, rows, "项目资金"))

    def policy(self) -> None:
        s, org, fund = self.s, self.s.organization, self.s.subject
        assert fund is not None             # a policy report names its fund
        place = s.place.name
        self.state("report_type", "policy")
        self.state("fiscal_year", s.year)
        self.state("organization", org)
        title = self.rng.choices([
            f"{place}{s.year}年度{fund}绩效自评报告",
            f"{s.year}年{place}{fund}绩效自评报告",
            f"{org}{s.year}年度{fund}绩效自评报告"], weights=(3, 2, 2))[0]
        self.add("title", title)
        self.add("para", f"根据预算绩效管理工作要求，{org}作为资金主管部门，会同{place}财政局对{s.year}年度"
                         f"{fund}的使用情况开展了绩效自评，现将有关情况报告如下。")
        self.heading(1, self.pick("资金基本情况", "专项资金概况"))
        unit = YUAN100 if s.money_unit == "wan" else CENT
        central = q(s.total * Decimal(str(round(self.rng.uniform(0.4, 0.7), 4))), unit)
        province = q((s.total - central) * Decimal(str(round(self.rng.uniform(0.3, 0.7), 4))), unit)
        local = s.total - central - province
        self.add("para", f"{fund}主要用于{s.domain.purpose}。{s.year}年资金来源为中央补助"
                         f"{self.money(central)}、省级补助{self.money(province)}、{s.place.level}级安排"
                         f"{self.money(local)}。")
        self.notes.append("中央/省级/本级 source split of the fund is not a budget role")
        self.add("para", self.budget_sentence("专项资金"))
        self.prior_paragraph("专项资金")
        self.heading(2, self.pick("资金管理和使用情况", "绩效目标完成情况"))
        self.counts_blocks(self.pick("资金支持下", f"{s.year}年", "全年"))
        self.benefit_paragraph()
        self.heading(3, "自评结论")
        self.conclusion(self.pick("该专项资金", "本专项", f"{fund}"))
        self.problems(4, self.pick("存在的问题", "存在问题及改进建议"))
        self.signature()
        caption = f"{fund}绩效自评表"
        rows = [("资金名称", fund, None, None), ("主管部门", s.competent, "资金使用单位", org)]
        self.attach(self.selfeval_table(caption, rows, self.pick("资金情况", "项目资金")))

    def other(self) -> None:
        s, org, f = self.s, self.s.organization, self.s.other_figures
        self.state("report_type", "other")
        self.state("fiscal_year", s.year)
        self.state("organization", org)
        title = self.pick(f"{org}{s.year}年度部门决算公开说明", f"{org}{s.year}年部门决算说明")
        self.add("title", title)
        wan = lambda y: self.sp(f"{q(y / WAN)}", "万元")   # a 决算说明 always writes 万元
        self.add("heading", "第一部分 部门概况")
        self.add("para", "一、主要职能。" + "；".join(self.duties(2)) + "。")
        self.add("para", f"二、机构设置。本部门内设{f['offices']}个职能科室，编制人数{f['staff']}人。")
        self.add("heading", f"第二部分 {s.year}年度部门决算情况说明")
        income, last = f["income"], f["last_year"]
        diff = income - last
        word, pct = ("增加", "增长") if diff >= 0 else ("减少", "下降")
        change = q(abs(diff) / last * HUNDRED, Decimal("0.1")) if last else Decimal(0)
        self.add("para", f"一、收入支出决算总体情况说明。{s.year}年度收、支总计均为{wan(income)}。与上年相比，"
                         f"收、支总计各{word}{wan(abs(diff))}，{pct}{change}%，主要原因是业务工作量有所变化。")
        fiscal = q(income * Decimal(str(round(self.rng.uniform(0.8, 0.98), 4))), YUAN100)
        basic = q(income * Decimal(str(round(self.rng.uniform(0.4, 0.7), 4))), YUAN100)
        share = lambda a: q(a / income * HUNDRED, Decimal("0.01"))
        self.add("para", f"二、收入决算情况说明。本年收入合计{wan(income)}，其中：财政拨款收入{wan(fiscal)}，"
                         f"占{share(fiscal)}%；其他收入{wan(income - fiscal)}，占{share(income - fiscal)}%。")
        self.add("para", f"三、支出决算情况说明。本年支出合计{wan(income)}，其中：基本支出{wan(basic)}，"
                         f"占{share(basic)}%；项目支出{wan(income - basic)}，占{share(income - basic)}%。")
        self.add("para", f"四、“三公”经费支出情况说明。因公出国（境）费0万元；公务用车运行维护费{wan(f['car'])}；"
                         f"公务接待费{wan(f['reception'])}。")
        self.add("para", f"五、其他重要事项的情况说明。{s.year}年度政府采购支出总额{wan(f['procurement'])}。"
                         f"截至{s.year}年12月31日，本部门共有车辆{f['vehicles']}辆。本部门组织对"
                         f"{f['projects_evaluated']}个项目开展了绩效自评，自评结果已按要求公开。")
        self.add("heading", "第三部分 名词解释")
        self.add("para", "基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员支出和公用支出。"
                         "项目支出：指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。")
        self.signature()
        tb = TableBuilder(4, [2.2, 1.2, 2.2, 1.2])
        tb.put(0, 0, Cell("收入", bold=True), cols=2)
        tb.put(0, 2, Cell("支出", bold=True), cols=2)
        for col, text in enumerate(("项目", "决算数", "项目", "决算数")):
            tb.put(1, col, Cell(text, bold=True))
        lines = [("一、财政拨款收入", fiscal, "一、基本支出", basic),
                 ("二、其他收入", income - fiscal, "二、项目支出", income - basic),
                 ("本年收入合计", income, "本年支出合计", income)]
        for r, (a, av, b, bv) in enumerate(lines, 2):
            tb.put(r, 0, Cell(a, align="left"))
            tb.put(r, 1, Cell(f"{q(av / WAN)}", q(av / WAN), "amount"))
            tb.put(r, 2, Cell(b, align="left"))
            tb.put(r, 3, Cell(f"{q(bv / WAN)}", q(bv / WAN), "amount"))
        self.attach(tb.build(caption="收入支出决算总表", subcaption="单位：万元"))
        self.notes.append("Negative: a 部门决算公开说明 (final-accounts disclosure), not a performance self-evaluation; "
                          "its amounts, percentages, staff and vehicle counts are not annotated, as for negatives")

    # ---------------------------------------------------------------- out

    def compose(self) -> Document:
        getattr(self, self.s.kind)()
        s = self.s
        modes: tuple[TableMode, ...] = ("pipe", "lines", "spaces")
        mode = self.rng.choices(modes, weights=(6, 2, 2))[0]
        y, m, d = s.published
        header = self.rng.choice((None, f"{s.year}年度绩效自评材料", s.organization)) if s.kind != "other" else None
        return Document(id=s.id, title=self.blocks[0].text, blocks=self.blocks, organization=s.organization,
                        published=f"{y}-{m:02d}-{d:02d}", header=header, txt_table_mode=mode,
                        txt_blank_lines=self.rng.random() < 0.5, seal=self.rng.random() < 0.6, notes=self.notes)


def compose(spec: DocSpec) -> tuple[Document, dict]:
    c = Composer(spec)
    doc = c.compose()
    from .gold import gold_record
    return doc, gold_record(spec, doc, c.stated, c.notes)
