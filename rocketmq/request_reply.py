"""Request-reply messaging, as the Java client's ``DefaultMQProducer.request``.

A requester calls ``Producer.request(msg)``: the message goes out marked with
a fresh correlation id, the requester's client id and its timeout. A
responder consumes it like any message and answers with
``producer.send_reply(request, body)`` (or sends ``create_reply(request,
body)`` itself). The broker pushes the reply straight back to the requester,
which hands it to the waiting ``request`` call.
"""

from typing import Any, Dict, Union

from ._bindings import c_bytes
from .message import DetachedMessage, Message, ReceivedMessage

__all__ = ["create_reply", "is_request", "REPLY_TOPIC_SUFFIX"]

# MixAll.REPLY_TOPIC_POSTFIX.
#: Replies go to the topic ``<cluster>_REPLY_TOPIC`` of the cluster that stored the request.
REPLY_TOPIC_SUFFIX = "REPLY_TOPIC"
# MixAll.REPLY_MESSAGE_FLAG, the MSG_TYPE of a reply message.
REPLY_MESSAGE_FLAG = "reply"

# MessageConst property names.
PROPERTY_CORRELATION_ID = "CORRELATION_ID"
PROPERTY_REPLY_TO_CLIENT = "REPLY_TO_CLIENT"
PROPERTY_MESSAGE_TTL = "TTL"
PROPERTY_CLUSTER = "CLUSTER"
PROPERTY_MESSAGE_TYPE = "MSG_TYPE"

StrOrBytes = Union[str, bytes]
RequestMessage = Union[ReceivedMessage, DetachedMessage]


def _check_request_type(request: Any) -> RequestMessage:
    if not isinstance(request, (ReceivedMessage, DetachedMessage)):
        raise TypeError(f"request must be a received message (ReceivedMessage or DetachedMessage), "
                        f"not {type(request).__name__}")
    return request


def is_request(message: RequestMessage) -> bool:
    """True for a message sent by ``Producer.request`` (one that can be replied to)."""
    msg = _check_request_type(message)
    return bool(msg.get_property(PROPERTY_CORRELATION_ID) and msg.get_property(PROPERTY_REPLY_TO_CLIENT))


def create_reply(request: RequestMessage, body: StrOrBytes) -> Message:
    """The reply to ``request`` (MessageUtil.createReplyMessage): a message to the
    request's cluster's reply topic carrying its correlation id, requester and
    timeout. Send it with any started producer (``send_sync``); the broker
    pushes it to the requester.

    Raises ``ValueError`` when ``request`` was not sent by ``Producer.request``
    (no correlation id or reply-to client) or did not come through a broker
    (no cluster)."""
    msg = _check_request_type(request)
    data = c_bytes(body, "body")
    correlation_id = msg.get_property(PROPERTY_CORRELATION_ID)
    reply_to = msg.get_property(PROPERTY_REPLY_TO_CLIENT)
    if not correlation_id or not reply_to:
        raise ValueError(f"message {msg.id} is not a request: it has no {PROPERTY_CORRELATION_ID} and "
                         f"{PROPERTY_REPLY_TO_CLIENT} properties (send requests with Producer.request)")
    cluster = msg.get_property(PROPERTY_CLUSTER)
    if not cluster:
        raise ValueError(f"cannot reply to message {msg.id}: it has no {PROPERTY_CLUSTER} property "
                         f"(the broker sets it on every stored message)")
    properties: Dict[StrOrBytes, StrOrBytes] = {
        PROPERTY_MESSAGE_TYPE: REPLY_MESSAGE_FLAG.encode(),
        PROPERTY_CORRELATION_ID: correlation_id,
        PROPERTY_REPLY_TO_CLIENT: reply_to,
    }
    ttl = msg.get_property(PROPERTY_MESSAGE_TTL)
    if ttl:
        properties[PROPERTY_MESSAGE_TTL] = ttl
    return Message(cluster + b"_" + REPLY_TOPIC_SUFFIX.encode(), data, properties=properties)
