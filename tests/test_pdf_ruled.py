"""readers.ruled's lattice is pdfplumber's TableFinder (explicit lines) done without its per-pair
rebuilding: on random rulings (lines a hair or a few points apart, partial and broken rules, merged
cells, stray short strokes) both give the same tables, cells and rows, compared float for float."""
from typing import ClassVar

from hypothesis import HealthCheck, given, settings, strategies as st
from pdfplumber.table import TableFinder, merge_edges
from pdfplumber.utils import filter_edges

from pipeline.readers import ruled
from pipeline.readers.pdf import Char


def plumber_edge(e: ruled.Edge) -> dict:
    """An edge as pdfplumber takes it (what readers.ruled handed it before)."""
    orientation, at, lo, hi = e
    x0, x1, top, bottom = (lo, hi, at, at) if orientation == "h" else (at, at, lo, hi)
    return {"object_type": "curve_edge", "orientation": orientation, "x0": x0, "x1": x1, "top": top,
            "bottom": bottom, "doctop": top, "width": x1 - x0, "height": bottom - top}


class _Page:
    """What pdfplumber's TableFinder asks of a page when it is given explicit edges."""
    chars: ClassVar[list] = []
    bbox = (0, 0, 0, 0)


def plumber_tables(edges: list[ruled.Edge]) -> list[tuple]:
    dicts = [plumber_edge(e) for e in edges]
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": [e for e in dicts if e["orientation"] == "v"],
                "explicit_horizontal_lines": [e for e in dicts if e["orientation"] == "h"]}
    return [(t.bbox, t.cells, [r.cells for r in t.rows]) for t in TableFinder(_Page(), settings).tables]  # type: ignore[arg-type]


def our_tables(edges: list[ruled.Edge]) -> list[tuple]:
    v = ruled._merged([e[1:] for e in edges if e[0] == "v"], horizontal=False)
    h = ruled._merged([e[1:] for e in edges if e[0] == "h"], horizontal=True)
    out = []
    for cells in ruled._tables(ruled._cells(v, h)):
        bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
        out.append((bbox, cells, ruled._rows(cells)))
    return out


# positions on a coarse grid, each nudged by nothing, a hair, or a few points (within and past the snap)
_position = st.tuples(st.integers(0, 12), st.sampled_from([0.0, 0.004, 0.37, 1.5, 2.9, 3.0, 3.1, 5.0])) \
    .map(lambda t: 40.0 + 37.5 * t[0] + t[1])


@st.composite
def grid(draw, dx: float, dy: float) -> list[ruled.Edge]:
    xs = sorted(dx + x for x in draw(st.lists(_position, min_size=2, max_size=6)))
    ys = sorted(dy + y for y in draw(st.lists(_position, min_size=2, max_size=6)))
    edges: list[ruled.Edge] = []
    for orientation, across, along in (("v", xs, ys), ("h", ys, xs)):
        for at in across:
            i = draw(st.integers(0, len(along) - 2))
            j = draw(st.integers(i + 1, len(along) - 1))
            lo, hi = along[i], along[j]
            if draw(st.booleans()):          # a broken rule: two pieces with a gap (joined within 3 points)
                cut = (lo + hi) / 2
                gap = draw(st.sampled_from([0.0, 1.0, 2.99, 3.0, 4.0]))
                edges += [(orientation, at, lo, cut), (orientation, at, cut + gap, hi)]
            else:
                edges.append((orientation, at, lo, hi))
    return edges


@st.composite
def rulings(draw) -> list[ruled.Edge]:
    """One grid, or two (side by side, one under the other, or overlapping), and a few strays."""
    edges = draw(grid(0.0, 0.0))
    if draw(st.booleans()):
        edges += draw(grid(draw(st.sampled_from([-300.0, 0.0, 120.0, 500.0])), draw(st.sampled_from([-400.0, 0.0, 60.0, 520.0]))))
    for _ in range(draw(st.integers(0, 3))):       # strays: short strokes, repeated rules
        orientation = draw(st.sampled_from("vh"))
        at, lo = draw(_position), draw(_position)
        edges.append((orientation, at, lo, lo + draw(st.sampled_from([1.0, 2.5, 3.0, 40.0]))))
    return draw(st.permutations(edges))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(rulings())
def test_the_lattice_is_pdfplumber_s(edges):
    assert our_tables(edges) == plumber_tables(edges)


def test_tables_come_topmost_first_then_leftmost():
    # a table on the left, lower on the page, and one on the right, higher: found left first
    def square(x, y):
        return [("h", y, x, x + 40), ("h", y + 20, x, x + 40), ("h", y + 40, x, x + 40),
                ("v", x, y, y + 40), ("v", x + 40, y, y + 40)]
    ours = our_tables(square(50.0, 300.0) + square(300.0, 100.0))
    assert [t[0] for t in ours] == [(300.0, 100.0, 340.0, 140.0), (50.0, 300.0, 90.0, 340.0)]
    assert ours == plumber_tables(square(50.0, 300.0) + square(300.0, 100.0))


# lines a few points apart (exactly 3 apart: the snap's and the join's edge), a hair apart, or anywhere;
# positions along them anywhere, at any float (i / 1667.3 fills the mantissa, so sums round)
_anywhere = st.integers(0, 10**6).map(lambda i: i / 1667.3)
_line = st.one_of(st.tuples(st.sampled_from([100.0, 103.0, 106.0, 106.5, 250.0]), st.sampled_from([0.0, 0.1, 1e-9]))
                  .map(sum), _anywhere)
_along = st.one_of(_anywhere, st.sampled_from([50.0, 53.0, 97.3, 100.3]))
_length = st.one_of(_anywhere.map(lambda f: f / 10), st.sampled_from([2.0, 3.0, 47.3]))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(_line, _along, _length, st.sampled_from("hv")), min_size=1, max_size=30))
def test_snapping_joining_and_dropping_short_edges_is_pdfplumber_s_to_the_last_bit(found):
    edges = [(o, at, lo, lo + length) for at, lo, length, o in found]
    for orientation in "hv":
        plumber = filter_edges(merge_edges([plumber_edge(e) for e in edges if e[0] == orientation], 3, 3, 3, 3),
                               min_length=3)
        across, lo, hi = ("top", "x0", "x1") if orientation == "h" else ("x0", "top", "bottom")
        length = "width" if orientation == "h" else "height"
        ours = ruled._merged([e[1:] for e in edges if e[0] == orientation], horizontal=orientation == "h")
        assert ours == [(e[across], e[lo], e[hi], e[length]) for e in plumber]


def test_a_merged_cell_s_text_is_read_once_and_the_positions_it_covers_are_none():
    # a 2 x 3 grid whose first column's two cells are merged into one
    edges = [("h", 100.0, 50.0, 200.0), ("h", 120.0, 80.0, 200.0), ("h", 140.0, 50.0, 200.0),
             ("v", 50.0, 100.0, 140.0), ("v", 80.0, 100.0, 140.0), ("v", 140.0, 100.0, 140.0),
             ("v", 200.0, 100.0, 140.0)]
    chars = [Char("合", 55, 115, 65, 125), Char("计", 65, 115, 75, 125), Char("一", 90, 105, 100, 115),
             Char("二", 90, 125, 100, 135)]
    assert ruled.find(edges, chars) == [((50.0, 100.0, 200.0, 140.0),
                                         [["合计", "一", ""], [None, "二", ""]])]
