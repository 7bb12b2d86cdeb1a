"""The kinds of subscription expression, as the Java client's MessageSelector has them.

"TAG": tags joined by "||", or "*" for all. "SQL92": a condition over message
properties (``a > 5 AND TAGS IN ('x', 'y')``) that brokers with property
filtering on (``enablePropertyFilter=true``) evaluate.
"""

from typing import Any

TAG = "TAG"
SQL92 = "SQL92"
EXPRESSION_TYPES = (TAG, SQL92)


def c_expression_type(value: Any, expression: Any) -> bytes:
    """Checks ``expression_type`` (and that a SQL92 expression is not blank) for the C API."""
    if not isinstance(value, str):
        raise TypeError(f"expression_type must be str, not {type(value).__name__}")
    if value not in EXPRESSION_TYPES:
        raise ValueError(f"expression_type must be one of {', '.join(EXPRESSION_TYPES)}, not {value!r}")
    if value == SQL92:
        text = expression.decode("utf-8", "replace") if isinstance(expression, bytes) else expression
        if isinstance(text, str) and not text.strip():
            raise ValueError("a SQL92 expression cannot be empty")
    return value.encode("ascii")
