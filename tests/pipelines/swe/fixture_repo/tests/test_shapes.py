from minilib import Rect, Shape, Square


def test_rect_area():
    assert Rect(2, 3).area() == 6


def test_rect_perimeter():
    assert Rect(2, 3).perimeter() == 10


def test_square():
    sq = Square(3)
    assert sq.area() == 9
    assert isinstance(sq, Rect)


def test_describe():
    assert Square(2).describe() == "Square with 4 sides and area 4"


def test_is_shape():
    assert isinstance(Rect(1, 1), Shape)
