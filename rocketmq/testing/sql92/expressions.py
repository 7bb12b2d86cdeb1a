"""The compiled form of a selector and its evaluation against message properties.

Each class stands for one of org.apache.rocketmq.filter.expression's, with its
three-valued logic: a comparison involving a missing property gives None
(SQL's unknown), AND/OR combine unknowns as Java's LogicExpression does, and
only an outcome of exactly True selects a message. ``str()`` gives the
``toString()`` Java prints in its error messages.
"""

from typing import Callable, Mapping, Sequence

from .errors import Sql92EvaluationError
from .values import Int32, Int64, Value, compare, java_double_string, parse_java_double

Properties = Mapping[str, str]


class Expression:
    # BooleanExpression in Java: what AND, OR, NOT and the whole selector accept.
    is_boolean = False

    def evaluate(self, properties: Properties) -> Value:
        raise NotImplementedError


class Constant(Expression):
    def __init__(self, value: Value) -> None:
        self.value = value

    def evaluate(self, properties: Properties) -> Value:
        return self.value

    def __str__(self) -> str:
        value = self.value
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, str):
            return "'%s'" % value.replace("'", "''")
        if isinstance(value, float):
            return java_double_string(value)
        return str(int(value))


class BooleanConstant(Constant):
    """TRUE, FALSE and NULL, which may stand where a condition is expected."""

    is_boolean = True


class Property(Expression):
    """A message property by name; absent properties are None (Java null)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def evaluate(self, properties: Properties) -> Value:
        return properties.get(self.name)

    def __str__(self) -> str:
        return self.name


class Negate(Expression):
    def __init__(self, operand: Expression) -> None:
        self.operand = operand

    def evaluate(self, properties: Properties) -> Value:
        value = self.operand.evaluate(properties)
        # UnaryExpression.negate keeps the number's type; anything else negates to null.
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, Int64):
            return Int64(-value)
        if isinstance(value, Int32):
            return Int32(-value)
        if isinstance(value, float):
            return -value
        return None

    def __str__(self) -> str:
        return "(- %s)" % self.operand


class Not(Expression):
    is_boolean = True

    def __init__(self, operand: Expression) -> None:
        self.operand = operand

    def evaluate(self, properties: Properties) -> Value:
        value = self.operand.evaluate(properties)
        return None if value is None else not value

    def __str__(self) -> str:
        return "(NOT %s)" % self.operand


class BooleanCast(Expression):
    """A bare property used as a condition: true only for a Boolean true, which a String never is."""

    is_boolean = True

    def __init__(self, operand: Expression) -> None:
        self.operand = operand

    def evaluate(self, properties: Properties) -> Value:
        value = self.operand.evaluate(properties)
        if value is None:
            return None
        return value is True

    def __str__(self) -> str:
        return str(self.operand)


class InList(Expression):
    """``name [NOT] IN ('a', ...)``: only Strings are members; a missing property is unknown."""

    is_boolean = True

    def __init__(self, operand: Property, members: Sequence[str], negated: bool) -> None:
        self.operand = operand
        self.members = list(members)
        self.negated = negated

    def evaluate(self, properties: Properties) -> Value:
        value = self.operand.evaluate(properties)
        if not isinstance(value, str):
            return None
        return (value in self.members) != self.negated

    def __str__(self) -> str:
        return "%s %s ( %s )" % (self.operand, "NOT IN" if self.negated else "IN", ", ".join(self.members))


class Equal(Expression):
    """``=`` and IS NULL: null equals only null; one null side gives null when it is the left."""

    is_boolean = True

    def __init__(self, left: Expression, right: Expression) -> None:
        self.left, self.right = left, right

    def evaluate(self, properties: Properties) -> Value:
        left, right = self.left.evaluate(properties), self.right.evaluate(properties)
        if left is None or right is None:
            if left is None and right is None:
                return True
            return None if left is None else False
        return compare(left, right) == 0

    def __str__(self) -> str:
        return "(%s == %s)" % (self.left, self.right)


class Ordering(Expression):
    """``>``, ``>=``, ``<``, ``<=``: two Strings (two properties) are compared as doubles."""

    is_boolean = True
    _TESTS: Mapping[str, Callable[[int], bool]] = {
        ">": lambda c: c > 0, ">=": lambda c: c >= 0, "<": lambda c: c < 0, "<=": lambda c: c <= 0,
    }

    def __init__(self, symbol: str, left: Expression, right: Expression) -> None:
        self.symbol, self.left, self.right = symbol, left, right

    def evaluate(self, properties: Properties) -> Value:
        left = self.left.evaluate(properties)
        if left is None:
            return None
        right = self.right.evaluate(properties)
        if right is None:
            return None
        if isinstance(left, str) and isinstance(right, str):
            try:
                left, right = parse_java_double(left), parse_java_double(right)
            except Sql92EvaluationError:
                raise Sql92EvaluationError("It's illegal to compare string by '>=', '>', '<', '<='. "
                                           "lv=%s, rv=%s" % (left, right)) from None
        return self._TESTS[self.symbol](compare(left, right))

    def __str__(self) -> str:
        return "(%s %s %s)" % (self.left, self.symbol, self.right)


class _Logic(Expression):
    """AND / OR in three-valued logic (LogicExpression): the right side is not
    evaluated once the left decides, and unknown wins over the other value."""

    is_boolean = True
    _DECIDES: bool  # False decides an AND, True an OR
    _SYMBOL: str

    def __init__(self, left: Expression, right: Expression) -> None:
        self.left, self.right = left, right

    def evaluate(self, properties: Properties) -> Value:
        left = self.left.evaluate(properties)
        if left is self._DECIDES:
            return left
        right = self.right.evaluate(properties)
        if right is self._DECIDES:
            return right
        if left is None or right is None:
            return None
        return not self._DECIDES

    def __str__(self) -> str:
        return "(%s %s %s)" % (self.left, self._SYMBOL, self.right)


class And(_Logic):
    _DECIDES = False
    _SYMBOL = "&&"


class Or(_Logic):
    _DECIDES = True
    _SYMBOL = "||"
