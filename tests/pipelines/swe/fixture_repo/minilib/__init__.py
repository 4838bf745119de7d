from minilib.core import Stack, chunks, clamp, mean, running_total, slugify, word_counts
from minilib.shapes import Rect, Shape, Square

__all__ = ["Stack", "clamp", "chunks", "mean", "running_total", "slugify", "word_counts", "Rect", "Shape", "Square"]
