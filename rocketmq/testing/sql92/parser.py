"""SelectorParser.jj's grammar as recursive descent, with the checks its factories make.

Precedence, loosest first: OR; AND; ``=``, ``<>``, IS [NOT] NULL; ``>``,
``>=``, ``<``, ``<=``, [NOT] BETWEEN, [NOT] IN; unary ``+``, ``-``, NOT.
NOT being unary means ``NOT a > 1`` reads as ``(NOT a) > 1``, which Java
refuses (a condition cannot be ordered); ``NOT (a > 1)`` is what works.
The ComparisonExpression/ConstantExpression factories reject some operands
while parsing (``a > 'x'``, ``a = NULL``, ``a BETWEEN 5 AND 1``, ``0.0``);
those are compile errors too, with Java's messages.
"""

from typing import List, Tuple

from . import lexer
from .errors import (
    NUMBER_FORMAT_EXCEPTION,
    PARSE_EXCEPTION,
    RUNTIME_EXCEPTION,
    Sql92EvaluationError,
    Sql92SyntaxError,
)
from .expressions import (
    And,
    BooleanCast,
    BooleanConstant,
    Constant,
    Equal,
    Expression,
    InList,
    Negate,
    Not,
    Or,
    Ordering,
    Property,
)
from .values import INT32_RANGE, INT64_RANGE, Int32, Int64, compare, is_number, java_string

DOUBLE_MAX = 1.7976931348623157e308
DOUBLE_MIN = 5e-324  # Double.MIN_VALUE, the smallest positive double


def parse(text: str) -> Expression:
    """Compile a SQL92 selector; raises Sql92SyntaxError as SqlFilter.compile throws."""
    return _Parser(text).selector()


def _refuse(message: str) -> Sql92SyntaxError:
    return Sql92SyntaxError(RUNTIME_EXCEPTION, message)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = lexer.TokenStream(text)

    # -- helpers ---------------------------------------------------------------
    def _kind(self, ahead: int = 1) -> str:
        return self.tokens.peek(ahead).kind

    def _unexpected(self) -> Sql92SyntaxError:
        # Java goes on with "Was expecting one of:" and the tokens that would have fitted.
        token = self.tokens.peek()
        return Sql92SyntaxError(PARSE_EXCEPTION, "Encountered %s at line %d, column %d."
                                % (lexer.describe(token), token.line, token.column))

    def _expect(self, kind: str) -> lexer.Token:
        if self._kind() != kind:
            raise self._unexpected()
        return self.tokens.take()

    @staticmethod
    def _as_condition(expression: Expression) -> Expression:
        if expression.is_boolean:
            return expression
        if isinstance(expression, Property):
            return BooleanCast(expression)
        raise Sql92SyntaxError(PARSE_EXCEPTION,
                               "Expression will not result in a boolean value: %s" % expression)

    # -- grammar ---------------------------------------------------------------
    def selector(self) -> Expression:
        # No end-of-input is required: whatever follows a complete expression is ignored.
        return self._as_condition(self.or_expression())

    def or_expression(self) -> Expression:
        left = self.and_expression()
        while self._kind() == lexer.OR:
            self.tokens.take()
            right = self.and_expression()
            left = Or(self._as_condition(left), self._as_condition(right))
        return left

    def and_expression(self) -> Expression:
        left = self.equality_expression()
        while self._kind() == lexer.AND:
            self.tokens.take()
            right = self.equality_expression()
            left = And(self._as_condition(left), self._as_condition(right))
        return left

    def equality_expression(self) -> Expression:
        left = self.comparison_expression()
        while True:
            kind = self._kind()
            if kind == "=":
                self.tokens.take()
                left = _equal(left, self.comparison_expression())
            elif kind == "<>":
                self.tokens.take()
                left = Not(_equal(left, self.comparison_expression()))
            elif kind == lexer.IS and self._kind(2) == lexer.NULL:
                self.tokens.take()
                self.tokens.take()
                left = Equal(left, BooleanConstant(None))
            elif kind == lexer.IS:
                self.tokens.take()
                self._expect(lexer.NOT)
                self._expect(lexer.NULL)
                left = Not(Equal(left, BooleanConstant(None)))
            else:
                return left

    def comparison_expression(self) -> Expression:
        left = self.unary_expression()
        while True:
            kind = self._kind()
            if kind in (">", ">=", "<", "<="):
                self.tokens.take()
                left = _ordering(kind, left, self.unary_expression())
            elif kind == lexer.BETWEEN:
                self.tokens.take()
                low, high = self._range()
                left = _between(left, low, high)
            elif kind == lexer.NOT and self._kind(2) == lexer.BETWEEN:
                self.tokens.take()
                self.tokens.take()
                low, high = self._range()
                left = Or(_ordering("<", left, low), _ordering(">", left, high))
            elif kind == lexer.IN:
                self.tokens.take()
                left = _in_list(left, self._string_list(), negated=False)
            elif kind == lexer.NOT and self._kind(2) == lexer.IN:
                self.tokens.take()
                self.tokens.take()
                left = _in_list(left, self._string_list(), negated=True)
            elif kind == lexer.NOT:
                raise self._unexpected()
            else:
                return left

    def _range(self) -> Tuple[Expression, Expression]:
        low = self.unary_expression()
        self._expect(lexer.AND)
        return low, self.unary_expression()

    def _string_list(self) -> List[str]:
        self._expect("(")
        members = [self._string()]
        while self._kind() == ",":
            self.tokens.take()
            members.append(self._string())
        self._expect(")")
        return members

    def _string(self) -> str:
        image = self._expect(lexer.STRING).image
        return image[1:-1].replace("''", "'")

    def unary_expression(self) -> Expression:
        kind = self._kind()
        if kind == "+":
            self.tokens.take()
            return self.unary_expression()
        if kind == "-":
            self.tokens.take()
            return Negate(self.unary_expression())
        if kind == lexer.NOT:
            self.tokens.take()
            return Not(self._as_condition(self.unary_expression()))
        return self.primary_expression()

    def primary_expression(self) -> Expression:
        kind = self._kind()
        if kind == lexer.ID:
            return Property(self.tokens.take().image)
        if kind == "(":
            self.tokens.take()
            inner = self.or_expression()
            self._expect(")")
            return inner
        if kind == lexer.STRING:
            return Constant(self._string())
        if kind == lexer.DECIMAL:
            return _decimal(self.tokens.take().image)
        if kind == lexer.FLOAT:
            return _float(self.tokens.take().image)
        if kind in (lexer.TRUE, lexer.FALSE, lexer.NULL):
            self.tokens.take()
            return BooleanConstant({lexer.TRUE: True, lexer.FALSE: False}.get(kind))
        raise self._unexpected()


# -- the factories' checks (ComparisonExpression, ConstantExpression) ---------------
def _decimal(image: str) -> Constant:
    digits = image[:-1] if image[-1] in "lL" else image
    number = int(digits)
    if not INT64_RANGE[0] <= number <= INT64_RANGE[1]:
        raise Sql92SyntaxError(NUMBER_FORMAT_EXCEPTION, 'For input string: "%s"' % digits)
    if INT32_RANGE[0] <= number <= INT32_RANGE[1]:
        return Constant(Int32(number))
    return Constant(Int64(number))


def _float(image: str) -> Constant:
    value = float(image)
    if value > DOUBLE_MAX:
        raise _refuse("%s is greater than 1.7976931348623157E308" % image)
    if value < DOUBLE_MIN:
        # Java compares with the smallest positive double, so a literal 0.0 is refused too.
        raise _refuse("%s is less than 4.9E-324" % image)
    return Constant(value)


def _check_orderable(operand: Expression) -> None:
    if isinstance(operand, Constant):
        if is_number(operand.value):
            return
        raise _refuse("Value '%s' cannot be compared." % operand)
    if operand.is_boolean:
        raise _refuse("Value '%s' cannot be compared." % operand)


def _ordering(symbol: str, left: Expression, right: Expression) -> Expression:
    _check_orderable(left)
    _check_orderable(right)
    return Ordering(symbol, left, right)


def _equal(left: Expression, right: Expression) -> Expression:
    for operand in (left, right):
        if isinstance(operand, Constant) and operand.value is None:
            raise _refuse("'%s' cannot be compared." % operand)
    both_constant = isinstance(left, Constant) and isinstance(right, Constant)
    if both_constant and left.is_boolean and not right.is_boolean:
        raise _refuse("'%s' cannot be compared with '%s'" % (left, right))
    return Equal(left, right)


def _between(value: Expression, low: Expression, high: Expression) -> Expression:
    if isinstance(low, Constant) and isinstance(high, Constant):
        if low.value is None or high.value is None:
            raise _refuse("Illegal values of between, values can not be null!")
        try:
            reversed_range = compare(high.value, low.value) < 0
        except Sql92EvaluationError as error:
            raise _refuse(str(error)) from None
        if reversed_range:
            raise _refuse("Illegal values of between, left value(%s) must less than or equal to "
                          "right value(%s)" % (java_string(low.value), java_string(high.value)))
    return And(_ordering(">=", value, low), _ordering("<=", value, high))


def _in_list(operand: Expression, members: List[str], negated: bool) -> Expression:
    if not isinstance(operand, Property):
        raise _refuse("Expected a property for In expression, got: %s" % operand)
    return InList(operand, members, negated)
