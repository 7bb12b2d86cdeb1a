"""What a broker adds to, or leaves out of, the properties of a message it is
sent before storing them; 4.9.8 and 5.3.1 brokers differ here, and a consumer
sees the difference.

- MSG_REGION / TRACE_ON: the send processor's buildMsgContext writes the
  broker's region and trace switch into the properties. 5.3.1 builds that
  context for every send; 4.9.8 only when a send hook is registered, and a
  stock 4.9.8 broker registers none, so its messages do not carry them.
- WAIT: 4.9.8's SendMessageProcessor.sendMessage encodes a single message's
  properties without WAIT (it only tells the broker to wait for the flush).
  It puts WAIT back into the property map for later, so whatever encodes the
  properties again from that map stores it after all: the delay-level detour
  (CommitLog.asyncPutMessage) and a transaction's half message
  (TransactionalMessageBridge.parseHalfMessageInner). Batches are not
  touched. 5.3.1 moved the removal into MessageExtBrokerInner, where only
  light message queues call it, so its messages keep WAIT.
"""

from typing import Dict

from .codes import MessageSysFlag, Prop
from .message_codec import StoredMessage
from .versions import BrokerVersion

# MQVersion.Version.V5_0_0.ordinal(): the 5.x send processor.
FIRST_5X_VERSION = 413

# BrokerConfig defaults: regionId and traceOn.
REGION_ID = "DefaultRegion"
TRACE_ON = "true"

MSG_REGION = "MSG_REGION"      # MessageConst.PROPERTY_MSG_REGION
TRACE_SWITCH = "TRACE_ON"      # MessageConst.PROPERTY_TRACE_SWITCH


def add_send_context(header_properties: Dict[str, str], version: BrokerVersion) -> None:
    """The region and trace switch a 5.x broker writes into every sent message's properties."""
    if version.ordinal >= FIRST_5X_VERSION:
        header_properties[MSG_REGION] = REGION_ID
        header_properties[TRACE_SWITCH] = TRACE_ON


def _properties_encoded_again(msg: StoredMessage) -> bool:
    """Whether the 4.9.8 put path encodes the properties again from the map that still holds WAIT."""
    if msg.properties.get(Prop.TRAN_MSG) == "true":
        return True  # stored as a half message
    delayable = (MessageSysFlag.TRANSACTION_NOT_TYPE, MessageSysFlag.TRANSACTION_COMMIT_TYPE)
    try:
        level = int(msg.properties.get(Prop.DELAY, "0") or 0)
    except ValueError:
        level = 0
    return level > 0 and msg.sysflag & MessageSysFlag.TRANSACTION_MASK in delayable


def drop_wait_of_single(msg: StoredMessage, version: BrokerVersion) -> None:
    """4.9.8: a single sent message is stored without WAIT, unless its properties are encoded again."""
    if version.ordinal < FIRST_5X_VERSION and not _properties_encoded_again(msg):
        msg.properties.pop(Prop.WAIT, None)
