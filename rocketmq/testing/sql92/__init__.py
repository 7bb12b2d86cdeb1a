"""SQL92 message selectors as the 4.9.x Java broker compiles and evaluates them.

``compile_selector(text)`` gives a Selector or raises Sql92SyntaxError (whose
``remark`` is the Java broker's answer text); ``Selector.matches(properties)``
is ExpressionMessageFilter's verdict on one message.
"""

from typing import Mapping

from .errors import Sql92EvaluationError, Sql92SyntaxError
from .expressions import Expression
from .parser import parse

__all__ = ["Selector", "Sql92EvaluationError", "Sql92SyntaxError", "compile_selector"]


class Selector:
    def __init__(self, text: str) -> None:
        self.text = text
        self.expression: Expression = parse(text)

    def evaluate(self, properties: Mapping[str, str]) -> object:
        """The raw outcome: True, False, None (unknown); raises Sql92EvaluationError."""
        return self.expression.evaluate(properties)

    def matches(self, properties: Mapping[str, str]) -> bool:
        """Only an outcome of exactly true selects; unknown and evaluation errors do not."""
        try:
            return self.evaluate(properties) is True
        except Sql92EvaluationError:
            return False

    def __str__(self) -> str:
        return str(self.expression)


def compile_selector(text: str) -> Selector:
    return Selector(text)
