"""What the PDF and OCR readers both ask of a box on a page (y grows downward)."""
from __future__ import annotations


class Extent:
    """Mixed into a dataclass with left, top, right and bottom."""
    left: float
    top: float
    right: float
    bottom: float

    @property
    def center(self) -> float:
        return (self.left + self.right) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2
