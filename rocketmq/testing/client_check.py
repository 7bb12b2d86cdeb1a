"""CHECK_CLIENT_CONFIG (ClientManageProcessor.checkClientConfig, 4.9.x).

A consumer with a non-tag subscription asks this of a broker before it
starts: the answer refuses the subscription when the broker has property
filtering off (SYSTEM_ERROR) or cannot compile the expression
(SUBSCRIPTION_PARSE_FAILED, with the compiler's message as remark).
"""

from typing import TYPE_CHECKING

from .codes import ResponseCode
from .connection import Connection
from .filter_choice import property_filter_disabled
from .filters import SQL92_TYPE, compile_cached, is_tag_type
from .headers import lenient_json
from .remoting import RemotingCommand
from .sql92 import Sql92SyntaxError

if TYPE_CHECKING:
    from .broker import Broker


async def check_client_config(broker: "Broker", conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
    try:
        body = lenient_json(cmd.body) if cmd.body else None
    except (ValueError, UnicodeDecodeError):
        return cmd.make_response(ResponseCode.SYSTEM_ERROR, "bad CheckClientRequestBody")
    subscription = body.get("subscriptionData") if isinstance(body, dict) else None
    if not isinstance(subscription, dict):
        return cmd.make_response(ResponseCode.SUCCESS)
    expression_type = subscription.get("expressionType")
    if is_tag_type(expression_type):
        return cmd.make_response(ResponseCode.SUCCESS)
    if not broker.config.enable_property_filter:
        refusal = property_filter_disabled(str(expression_type))
        return cmd.make_response(refusal.code, refusal.remark)
    if expression_type != SQL92_TYPE:
        # FilterFactory knows no such type: Java fails with a NullPointerException, which has no message.
        return cmd.make_response(ResponseCode.SUBSCRIPTION_PARSE_FAILED, None)
    try:
        compile_cached(str(subscription.get("subString") or ""))
    except Sql92SyntaxError as error:
        return cmd.make_response(ResponseCode.SUBSCRIPTION_PARSE_FAILED, error.remark)
    return cmd.make_response(ResponseCode.SUCCESS)
