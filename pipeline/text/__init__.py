"""The text layer: a RawDoc normalised into the one text every evidence offset points into (layer),
and what the extractors and checks share to read it: words (segment), numbers and money (numbers),
amounts as the intervals their rounding allows (interval)."""
