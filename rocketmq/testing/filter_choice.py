"""Which filter a pull reads with, or why it is refused (PullMessageProcessor, 4.9.x).

With the subscription bit of sysFlag the pull carries its own expression and
expression type; without it the broker takes the subscription the group's
heartbeat announced. SQL92 (any type but TAG) is refused unless the broker
has property filtering on, whichever way it came.
"""

from typing import Mapping, NamedTuple, Optional, Union

from .clients import ConsumerGroup
from .codes import ResponseCode
from .filters import MessageFilter, Sql92Filter, SubscriptionFilter, compile_or_none, is_tag_type


class Refusal(NamedTuple):
    code: int
    remark: str


def property_filter_disabled(expression_type: str) -> Refusal:
    return Refusal(ResponseCode.SYSTEM_ERROR,
                   "The broker does not support consumer to filter message by %s" % expression_type)


def choose_pull_filter(fields: Mapping[str, str], carries_subscription: bool, group: Optional[ConsumerGroup],
                       topic: str, enable_property_filter: bool) -> Union[MessageFilter, Refusal]:
    if carries_subscription:
        expression, expression_type = fields.get("subscription"), fields.get("expressionType")
        if is_tag_type(expression_type):
            return SubscriptionFilter(expression)
        if not expression:
            # FilterAPI.build refuses an empty non-tag expression.
            return Refusal(ResponseCode.SUBSCRIPTION_PARSE_FAILED, "parse the consumer's subscription failed")
        if not enable_property_filter:
            return property_filter_disabled(str(expression_type))
        # ConsumerFilterManager.build gives no filter data for an expression that does not
        # compile; the Java broker then lets every message through, and so does this one.
        return Sql92Filter(compile_or_none(expression))

    sub = group.subscriptions.get(topic) if group else None
    if sub is None:
        return Refusal(ResponseCode.SUBSCRIPTION_NOT_EXIST, "the consumer's subscription not exist")
    expression_type = sub.get("expressionType")
    if is_tag_type(expression_type):
        codes = sub.get("codeSet")
        return SubscriptionFilter(sub.get("subString"), set(codes) if codes else None)
    selector = compile_or_none(sub.get("subString"))
    if selector is None:
        # The heartbeat's expression did not compile, so ConsumerFilterManager holds nothing for it.
        return Refusal(ResponseCode.FILTER_DATA_NOT_EXIST,
                       "The broker's consumer filter data is not exist!Your expression may be wrong!")
    if not enable_property_filter:
        return property_filter_disabled(str(expression_type))
    return Sql92Filter(selector)
