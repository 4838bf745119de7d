import pytest
from minilib import Stack, chunks, clamp, mean, running_total, slugify, word_counts


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_low():
    assert clamp(-3, 0, 10) == 0


def test_clamp_high():
    assert clamp(30, 0, 10) == 10


def test_clamp_bad_bounds():
    with pytest.raises(ValueError):
        clamp(1, 5, 2)


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_mean_empty():
    with pytest.raises(ValueError):
        mean([])


def test_running_total():
    assert running_total([1, 2, 3]) == [1, 3, 6]


def test_chunks():
    assert chunks([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]


def test_chunks_bad_size():
    with pytest.raises(ValueError):
        chunks([1], 0)


def test_slugify():
    assert slugify("  Hello  Big World ") == "hello-big-world"


def test_word_counts():
    assert word_counts("a b a") == {"a": 2, "b": 1}


def test_stack():
    s = Stack()
    assert s.push(1) == 1
    assert s.push(2) == 2
    assert s.peek() == 2
    assert s.pop() == 2
    assert len(s) == 1


def test_stack_empty():
    s = Stack()
    assert s.peek() is None
    with pytest.raises(IndexError):
        s.pop()
