class Shape:
    sides = 0

    def describe(self):
        return f"{type(self).__name__} with {self.sides} sides and area {self.area()}"


class Rect(Shape):
    sides = 4

    def __init__(self, width, height):
        self.width = width
        self.height = height

    def area(self):
        return self.width * self.height

    def perimeter(self):
        return 2 * (self.width + self.height)


class Square(Rect):
    def __init__(self, side):
        super().__init__(side, side)
