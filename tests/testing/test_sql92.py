"""The embedded broker's SQL92 selectors: grammar, precedence, null logic and Java's type rules."""

import pytest

from rocketmq.testing.sql92 import Sql92EvaluationError, Sql92SyntaxError, compile_selector


def outcome(expression, **properties):
    """The selector's raw value on a message with ``properties``: True, False, None, or "error"."""
    try:
        return compile_selector(expression).evaluate(properties)
    except Sql92EvaluationError:
        return "error"


def matches(expression, **properties):
    return compile_selector(expression).matches(properties)


@pytest.mark.parametrize("expression, properties, expected", [
    ("a > 5", {"a": "10"}, True),
    ("a > 5", {"a": "5"}, False),
    ("a >= 5", {"a": "5"}, True),
    ("a < -3", {"a": "-4"}, True),
    ("a <= 2.5", {"a": "2.5"}, True),
    ("a = 7", {"a": "7"}, True),
    ("a <> 7", {"a": "8"}, True),
    ("a = 'x'", {"a": "x"}, True),
    ("a <> 'x'", {"a": "x"}, False),
    ("a BETWEEN 1 AND 3", {"a": "3"}, True),
    ("a BETWEEN 1 AND 3", {"a": "4"}, False),
    ("a NOT BETWEEN 1 AND 3", {"a": "4"}, True),
    ("a IN ('x', 'y')", {"a": "y"}, True),
    ("a NOT IN ('x', 'y')", {"a": "z"}, True),
    ("a IS NULL", {}, True),
    ("a IS NOT NULL", {"a": ""}, True),
    ("TAGS = 'TagA'", {"TAGS": "TagA"}, True),
    ("a = TRUE", {"a": "TRUE"}, True),   # Boolean.valueOf ignores case
    ("a = FALSE", {"a": "yes"}, True),   # and anything but "true" is false
    ("TRUE", {}, True),
    ("FALSE OR TRUE", {}, True),
])
def test_operators(expression, properties, expected):
    assert outcome(expression, **properties) is expected


def test_and_binds_tighter_than_or():
    # a OR (b AND c): true through a alone.
    assert matches("a = '1' OR b = '1' AND c = '1'", a="1", b="0", c="0")
    assert not matches("(a = '1' OR b = '1') AND c = '1'", a="1", b="0", c="0")


def test_comparison_binds_tighter_than_equality():
    # (a > 1) = TRUE
    assert matches("a > 1 = TRUE", a="2")
    assert not matches("a > 1 = TRUE", a="0")


def test_not_is_unary_so_it_needs_parentheses_around_a_comparison():
    assert matches("NOT (a > 1)", a="0")
    with pytest.raises(Sql92SyntaxError) as caught:
        compile_selector("NOT a > 1")
    assert caught.value.remark == RUNTIME + "Value '(NOT a)' cannot be compared."


def test_missing_properties_are_unknown_and_unknown_never_selects():
    assert outcome("a > 1") is None
    assert outcome("a = 'x'") is None
    assert outcome("NOT (a = 'x')") is None
    assert outcome("a IN ('x')") is None and outcome("a NOT IN ('x')") is None
    assert not matches("NOT (a = 'x')")
    # Three-valued AND / OR, as LogicExpression.
    assert outcome("a = 'x' AND FALSE") is False
    assert outcome("a = 'x' AND TRUE") is None
    assert outcome("a = 'x' OR TRUE") is True
    assert outcome("a = 'x' OR FALSE") is None
    # A bare property is a boolean cast: a String is never Boolean true.
    assert outcome("flag", flag="true") is False
    assert outcome("flag") is None


def test_numbers_in_properties_are_parsed_as_the_literals_type():
    # An integer literal makes the property parse as an Integer: "2.5" cannot, so evaluation fails...
    assert outcome("a > 2", a="2.5") == "error"
    # ...while a decimal literal parses it as a Double.
    assert outcome("a > 2.0", a="2.5") is True
    # Beyond 32 bits the literal is a Long, and so is the property.
    assert outcome("a = 3000000000", a="3000000000") is True
    assert outcome("a = 5", a="3000000000") == "error"
    assert outcome("a = 5", a=" 5") == "error"  # Integer.parseInt takes no blanks
    assert outcome("a = 5.0", a=" 5 ") is True  # Double.valueOf trims them


def test_type_mismatches_fail_the_evaluation_and_do_not_select():
    assert outcome("a = 5", a="five") == "error"
    assert not matches("a = 5", a="five")
    # The error ends the whole evaluation, OR or not...
    assert not matches("a = 5 OR b = 'x'", a="five", b="x")
    # ...unless a side evaluated first already decided it.
    assert matches("b = 'x' OR a = 5", a="five", b="x")
    # Two properties compare as doubles with < and friends; as Strings with =.
    assert outcome("a < b", a="9", b="10") is True
    assert outcome("a < b", a="x", b="10") == "error"
    assert outcome("a = b", a="10", b="10.0") is False
    # A Boolean constant on the left of a String property fails (Java casts the Boolean).
    assert outcome("TRUE = a", a="true") == "error"


def test_in_only_matches_strings_and_literals_unescape_quotes():
    assert matches("a IN ('it''s')", a="it's")


def test_keywords_ignore_case_and_comments_are_skipped():
    assert matches("a is not null and b between 1 and 2 -- comment\n", a="x", b="1")
    assert matches("/* block */ a = 'x'", a="x")


def test_text_after_a_complete_expression_is_ignored_as_the_java_parser_does():
    assert matches("a = 'x' b = 'y'", a="x")
    with pytest.raises(Sql92SyntaxError) as caught:
        compile_selector("a = 'x' #")
    assert caught.value.remark.startswith("org.apache.rocketmq.filter.parser.TokenMgrError: Lexical error")


# The messages were compared with a real 4.9.8 broker's CHECK_CLIENT_CONFIG answers.
PARSE = "org.apache.rocketmq.filter.parser.ParseException: "
LEXICAL = "org.apache.rocketmq.filter.parser.TokenMgrError: "
RUNTIME = "java.lang.RuntimeException: "


@pytest.mark.parametrize("expression, remark", [
    # The end is placed on the last character read, as JavaCC places it.
    ("a >", PARSE + 'Encountered "<EOF>" at line 1, column 3.'),
    ("(a > 1", PARSE + 'Encountered "<EOF>" at line 1, column 6.'),
    ("a = 1 AND  ", PARSE + 'Encountered "<EOF>" at line 1, column 11.'),
    ("a = 1 NOT b", PARSE + 'Encountered " "NOT" "NOT "" at line 1, column 7.'),
    ("a IN (1)", PARSE + 'Encountered " <DECIMAL_LITERAL> "1 "" at line 1, column 7.'),
    ("a =\n\t== 1", PARSE + 'Encountered " "=" "= "" at line 2, column 9.'),  # tabs stop every 8 columns
    ("a = 1 # x", LEXICAL + 'Lexical error at line 1, column 7.  Encountered: "#" (35), after : ""'),
    # A bad last character is reported as the end, one column further.
    ("a = 1 #", LEXICAL + 'Lexical error at line 1, column 8.  Encountered: <EOF> after : ""'),
    ("a.b = 1", LEXICAL + 'Lexical error at line 1, column 3.  Encountered: "b" (98), after : "."'),
    ("a = 'open", LEXICAL + "Lexical error at line 1, column 10.  Encountered: <EOF> after : \"\\'open\""),
    ("5", PARSE + "Expression will not result in a boolean value: 5"),
    ("a > 'x'", RUNTIME + "Value ''x'' cannot be compared."),
    ("a > TRUE", RUNTIME + "Value 'TRUE' cannot be compared."),
    ("a = NULL", RUNTIME + "'NULL' cannot be compared."),
    ("TRUE = 'x'", RUNTIME + "'TRUE' cannot be compared with ''x''"),
    ("a BETWEEN 5 AND 1",
     RUNTIME + "Illegal values of between, left value(5) must less than or equal to right value(1)"),
    ("a BETWEEN NULL AND 1", RUNTIME + "Illegal values of between, values can not be null!"),
    ("'x' IN ('x')", RUNTIME + "Expected a property for In expression, got: 'x'"),
    ("a = 0.0", RUNTIME + "0.0 is less than 4.9E-324"),
    ("a = 1e999", RUNTIME + "1e999 is greater than 1.7976931348623157E308"),
    ("a = 9223372036854775808",
     'java.lang.NumberFormatException: For input string: "9223372036854775808"'),
    ("", PARSE + 'Encountered "<EOF>" at line 0, column 0.'),
])
def test_syntax_errors_carry_the_java_brokers_message(expression, remark):
    with pytest.raises(Sql92SyntaxError) as caught:
        compile_selector(expression)
    assert caught.value.remark == remark


def test_literal_types_follow_java():
    assert matches("a = 9223372036854775807L", a="9223372036854775807")
    assert matches("a = -5", a="-5")
    assert matches("a = .5", a="0.5")
    assert matches("a = 5E1", a="50")
    assert str(compile_selector("a = 1e10 AND b <> 'q'")) == "((a == 1.0E10) && (NOT (b == 'q')))"
