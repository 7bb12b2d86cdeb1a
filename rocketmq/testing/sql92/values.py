"""Java's value types in selectors and how ComparisonExpression compares them.

A selector's literals are Java objects: ``5`` an Integer (a Long beyond 32
bits), ``1.5`` a Double, ``'a'`` a String, TRUE/FALSE a Boolean. Message
properties are always Strings. Comparing two values of different types
converts one side as ``ComparisonExpression.__compare`` does with string
conversion on (SelectorParser always turns it on): a String meeting a number
is parsed as that number's type, and a String that does not parse makes the
whole evaluation fail.
"""

import math
import re
from decimal import Decimal
from typing import Tuple, Union

from .errors import Sql92EvaluationError


class Int32(int):
    """A java.lang.Integer literal."""


class Int64(int):
    """A java.lang.Long literal (a decimal outside the 32-bit range, or with an L suffix)."""


Value = Union[None, bool, Int32, Int64, float, str]

BOOLEAN, INTEGER, LONG, DOUBLE, STRING = "Boolean", "Integer", "Long", "Double", "String"
INT32_RANGE = (-(1 << 31), (1 << 31) - 1)
INT64_RANGE = (-(1 << 63), (1 << 63) - 1)

# Integer.parseInt / Long.parseLong: an optional sign, then digits, nothing else.
_JAVA_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
# Double.valueOf after trimming: decimal or hexadecimal forms, NaN, Infinity, a d/f suffix.
_JAVA_DOUBLE = re.compile(
    r"[+-]?(NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)\Z")
_JAVA_HEX_DOUBLE = re.compile(
    r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?\Z")


def java_type(value: Value) -> str:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, Int64):
        return LONG
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return DOUBLE
    return STRING


def is_number(value: Value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def java_string(value: Value) -> str:
    """Object.toString() of a value, as Java error messages print it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_string(value)
    return str(value)


def java_double_string(value: float) -> str:
    """Double.toString: plain between 10^-3 and 10^7, computerized scientific notation elsewhere."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(str(d) for d in digits)
    return "%s%s.%sE%d" % ("-" if sign else "", text[0], text[1:] or "0", exponent + len(text) - 1)


def _number_format(text: str) -> Sql92EvaluationError:
    return Sql92EvaluationError('java.lang.NumberFormatException: For input string: "%s"' % text)


def parse_java_int(text: str, bits_range: Tuple[int, int]) -> int:
    if not _JAVA_INTEGER.match(text):
        raise _number_format(text)
    number = int(text)
    if not bits_range[0] <= number <= bits_range[1]:
        raise _number_format(text)
    return number


def parse_java_double(text: str) -> float:
    """Double.valueOf: leading and trailing characters up to U+0020 are ignored."""
    trimmed = text.strip("".join(chr(c) for c in range(0x21)))
    if _JAVA_HEX_DOUBLE.match(trimmed):
        return float.fromhex(trimmed.rstrip("fFdD"))
    if not _JAVA_DOUBLE.match(trimmed):
        raise _number_format(text)
    body = trimmed.rstrip("fFdD") if not trimmed.endswith(("NaN", "Infinity")) else trimmed
    return float(body.replace("Infinity", "inf"))


def convert_string(text: str, java_class: str) -> Value:
    """The String side of a mixed comparison, converted to the other side's type."""
    if java_class == BOOLEAN:
        return text.lower() == "true"  # Boolean.valueOf: "true" in any case, anything else false
    if java_class == INTEGER:
        return Int32(parse_java_int(text, INT32_RANGE))
    if java_class == LONG:
        return Int64(parse_java_int(text, INT64_RANGE))
    return parse_java_double(text)


def compare(left: Value, right: Value) -> int:
    """ComparisonExpression.__compare for two non-null values: negative, zero or positive.

    Raises Sql92EvaluationError where Java throws (a String that does not parse
    as the other side's number, or a Boolean on the left of a String).
    """
    left_type, right_type = java_type(left), java_type(right)
    if left_type != right_type:
        if left_type == BOOLEAN:
            if right_type == STRING:
                # Java casts the Boolean itself to String here, which always fails.
                raise Sql92EvaluationError(
                    "java.lang.ClassCastException: java.lang.Boolean cannot be cast to java.lang.String")
            return -1
        if left_type == STRING:
            assert isinstance(left, str)
            left = convert_string(left, right_type)
        elif right_type == STRING:
            assert isinstance(right, str)
            right = convert_string(right, left_type)
        elif right_type == BOOLEAN:
            return -1
        elif DOUBLE in (left_type, right_type):
            assert left is not None and right is not None
            left, right = float(left), float(right)
        # Integer against Long: both widen to long, which Python ints already are.
    return _compare_same_type(left, right)


def _compare_same_type(left: Value, right: Value) -> int:
    if isinstance(left, str) and isinstance(right, str):
        # String.compareTo orders UTF-16 code units; big-endian UTF-16 bytes sort the same way.
        a, b = left.encode("utf-16-be"), right.encode("utf-16-be")
        return (a > b) - (a < b)
    if isinstance(left, float) and isinstance(right, float):
        return _double_compare(left, right)
    assert isinstance(left, (int, float)) and isinstance(right, (int, float))
    return (left > right) - (left < right)


def _double_compare(left: float, right: float) -> int:
    """Double.compare: NaN equals itself and is above everything, -0.0 is below 0.0."""
    if math.isnan(left) or math.isnan(right):
        return int(math.isnan(left)) - int(math.isnan(right))
    if left == right == 0.0:
        return int(math.copysign(1, left) > 0) - int(math.copysign(1, right) > 0)
    return (left > right) - (left < right)
