"""A small library for the SWE pipeline's tests: enough branches, loops and operators for every
bug family to find something to break."""


def clamp(value, low, high):
    if low > high:
        raise ValueError("low must not exceed high")
    if value < low:
        return low
    else:
        return min(value, high)


def mean(values):
    total = 0
    count = 0
    for v in values:
        total += v
        count += 1
    if count == 0:
        raise ValueError("mean of nothing")
    return total / count


def running_total(values):
    out = []
    acc = 0
    for v in values:
        acc = acc + v
        out.append(acc)
    return out


def chunks(items, size):
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i:i + size] for i in range(0, len(items), size)]


def slugify(text):
    cleaned = text.strip().lower()
    words = [w for w in cleaned.split() if w]
    return "-".join(words)


def word_counts(text):
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)
        return len(self.items)

    def pop(self):
        if not self.items:
            raise IndexError("pop from an empty stack")
        return self.items.pop()

    def peek(self):
        try:
            return self.items[-1]
        except IndexError:
            return None

    def __len__(self):
        return len(self.items)
