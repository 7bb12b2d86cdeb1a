"""The two ways a SQL92 selector fails, as the Java broker tells them apart.

A selector that does not compile is refused (CHECK_CLIENT_CONFIG answers
SUBSCRIPTION_PARSE_FAILED with the message); a message on which a compiled
selector fails to evaluate (say ``a = 5`` where ``a`` is ``'x'``) is simply
not delivered, as ExpressionMessageFilter treats any evaluation error.
"""


class Sql92SyntaxError(ValueError):
    """The selector does not compile; ``remark`` is the text the Java broker answers with.

    SelectorParser wraps every failure in an MQFilterException whose message is
    the cause's ``toString()``: the Java class name, a colon and its message.
    """

    def __init__(self, java_class: str, message: str) -> None:
        super().__init__(message)
        self.java_class = java_class
        self.message = message

    @property
    def remark(self) -> str:
        return "%s: %s" % (self.java_class, self.message)


class Sql92EvaluationError(Exception):
    """Evaluating a compiled selector against one message's properties failed."""


PARSE_EXCEPTION = "org.apache.rocketmq.filter.parser.ParseException"
LEXICAL_ERROR = "org.apache.rocketmq.filter.parser.TokenMgrError"
RUNTIME_EXCEPTION = "java.lang.RuntimeException"
NUMBER_FORMAT_EXCEPTION = "java.lang.NumberFormatException"
