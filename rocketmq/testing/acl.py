"""Optional ACL of the embedded broker, checking requests as the Java broker's PlainAccessValidator does.

Configured with the keys of the Java broker's ``plain_acl.yml``, as a dict
(or JSON file): ``globalWhiteRemoteAddresses`` and ``accounts``, each with
``accessKey``, ``secretKey``, ``whiteRemoteAddress``, ``admin``,
``defaultTopicPerm``, ``defaultGroupPerm``, ``topicPerms`` and ``groupPerms``
(``["TopicA=PUB|SUB", ...]``). A rejected request is answered SYSTEM_ERROR
with the AclException's text as remark, which is what the Java broker's
remoting layer makes of an exception thrown by its ACL hook.
"""

import base64
import hashlib
import hmac
import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .codes import RETRY_GROUP_TOPIC_PREFIX, RequestCode
from .remoting import RemotingCommand

# Permission.java
DENY, ANY, PUB, SUB = 1, 2, 4, 8
_PERMS = {"PUB": PUB, "SUB": SUB, "PUB|SUB": PUB | SUB, "SUB|PUB": PUB | SUB, "DENY": DENY}
# Fields the signature does not cover (SessionCredentials.SIGNATURE, MixAll.UNIQUE_MSG_QUERY_FLAG).
_UNSIGNED_FIELDS = ("Signature", "_UNIQUE_KEY_QUERY")
# RequestCode values Permission.ADMIN_CODE lists.
_ADMIN_CODES = {17, 25, 215, 200, 207}
_SEND_MESSAGE_V2 = 310


class AclDenied(Exception):
    """An AclException: ``remark`` is what the broker answers with."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.remark = f"org.apache.rocketmq.acl.common.AclException: {message}, {where}"


def parse_perm(text: Optional[str]) -> int:
    return _PERMS.get((text or "").strip(), DENY)


def check_permission(needed: int, owned: int) -> bool:
    if owned & DENY:
        return False
    if needed & ANY:
        return bool(owned & (PUB | SUB))
    return bool(needed & owned)


def retry_topic(group: Optional[str]) -> Optional[str]:
    return None if group is None else RETRY_GROUP_TOPIC_PREFIX + group


def address_matches(pattern: Optional[str], address: str) -> bool:
    """The RemoteAddressStrategy forms: "*", "a.b.c.d", "a.b.c.*" and comma-separated lists."""
    if not pattern:
        return False
    for candidate in (part.strip() for part in pattern.split(",")):
        if candidate == "*":
            return True
        wanted, actual = candidate.split("."), address.split(".")
        if len(wanted) == len(actual) and all(w in ("*", a) for w, a in zip(wanted, actual)):
            return True
    return False


class Account:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.access_key = str(config["accessKey"])
        self.secret_key = str(config["secretKey"])
        self.white_remote_address = config.get("whiteRemoteAddress")
        self.admin = bool(config.get("admin", False))
        self.default_topic_perm = parse_perm(config.get("defaultTopicPerm"))
        self.default_group_perm = parse_perm(config.get("defaultGroupPerm"))
        self.perms: Dict[str, int] = {}
        for is_topic, key in ((True, "topicPerms"), (False, "groupPerms")):
            for entry in config.get(key) or []:
                name, _, perm = str(entry).partition("=")
                resource = name.strip() if is_topic else RETRY_GROUP_TOPIC_PREFIX + name.strip()
                self.perms[resource] = parse_perm(perm)


def signature_of(content: bytes, secret_key: str) -> str:
    """AclUtils.calSignature: HmacSHA1, Base64."""
    return base64.b64encode(hmac.new(secret_key.encode("utf-8"), content, hashlib.sha1).digest()).decode()


def signed_content(cmd: RemotingCommand) -> bytes:
    """AclUtils.combineRequestContent: values of the sorted fields but the signature, then the body."""
    values = "".join(value for key, value in sorted(cmd.ext_fields.items()) if key not in _UNSIGNED_FIELDS)
    return values.encode("utf-8") + (cmd.body or b"")


def needed_permissions(cmd: RemotingCommand) -> Dict[str, int]:
    """PlainAccessValidator.parse: the resources a request touches."""
    f = cmd.ext_fields
    needed: List[Tuple[Optional[str], int]] = []
    if cmd.code in (RequestCode.SEND_MESSAGE, _SEND_MESSAGE_V2):
        # V2 abbreviates the header fields; "group" is what the Java broker reads for V1.
        topic, group = (f.get("topic"), f.get("group")) if cmd.code == RequestCode.SEND_MESSAGE \
            else (f.get("b"), f.get("a"))
        if topic is not None and topic.startswith(RETRY_GROUP_TOPIC_PREFIX):
            needed.append((retry_topic(group), SUB))
        else:
            needed.append((topic, PUB))
    elif cmd.code == RequestCode.CONSUMER_SEND_MSG_BACK:
        needed.append((retry_topic(f.get("group")), SUB))
    elif cmd.code == RequestCode.PULL_MESSAGE:
        needed += [(f.get("topic"), SUB), (retry_topic(f.get("consumerGroup")), SUB)]
    elif cmd.code == RequestCode.HEART_BEAT:
        heartbeat = json.loads(cmd.body or b"{}")
        for consumer in heartbeat.get("consumerDataSet", []):
            needed.append((retry_topic(consumer.get("groupName")), SUB))
            needed += [(sub.get("topic"), SUB) for sub in consumer.get("subscriptionDataSet", [])]
    elif cmd.code in (RequestCode.UNREGISTER_CLIENT, RequestCode.GET_CONSUMER_LIST_BY_GROUP):
        needed.append((retry_topic(f.get("consumerGroup")), SUB))
    elif cmd.code == RequestCode.UPDATE_CONSUMER_OFFSET:
        needed += [(retry_topic(f.get("consumerGroup")), SUB), (f.get("topic"), SUB)]
    return {resource: perm for resource, perm in needed if resource is not None}


class AclValidator:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.global_white = [str(p) for p in config.get("globalWhiteRemoteAddresses") or []]
        accounts = [Account(account) for account in config.get("accounts") or []]
        self.accounts = {account.access_key: account for account in accounts}

    def validate(self, cmd: RemotingCommand, remote_host: str) -> None:
        """PlainPermissionManager.validate; raises AclDenied."""
        if any(address_matches(pattern, remote_host) for pattern in self.global_white):
            return
        access_key = cmd.ext_fields.get("AccessKey")
        if access_key is None:
            raise AclDenied("No accessKey is configured", _WHERE["validate"])
        account = self.accounts.get(access_key)
        if account is None:
            raise AclDenied(f"No acl config for {access_key}", _WHERE["validate"])
        if address_matches(account.white_remote_address, remote_host):
            return
        if signature_of(signed_content(cmd), account.secret_key) != cmd.ext_fields.get("Signature"):
            raise AclDenied(f"Check signature failed for accessKey={access_key}", _WHERE["validate"])
        needed = needed_permissions(cmd)
        if cmd.code in _ADMIN_CODES and not account.admin:
            raise AclDenied(f"Need admin permission for request code={cmd.code}, but accessKey={access_key} "
                            "is not", _WHERE["checkPerm"])
        if needed.get("RMQ_SYS_TRACE_TOPIC") == PUB:
            return
        for resource, perm in needed.items():
            is_group = resource.startswith(RETRY_GROUP_TOPIC_PREFIX)
            owned = account.perms.get(resource)
            if owned is None:
                owned = account.default_group_perm if is_group else account.default_topic_perm
            if not check_permission(perm, owned):
                name = resource[len(RETRY_GROUP_TOPIC_PREFIX):] if is_group else resource
                shown = f"group:{name}" if is_group else f"topic:{name}"
                raise AclDenied(f"No default permission for {shown}", _WHERE["checkPerm"])


# Where the Java broker's AclException says it was thrown (the first stack frame
# that RemotingHelper.exceptionSimpleDesc appends to the remark).
_MANAGER = "org.apache.rocketmq.acl.plain.PlainPermissionManager"
_WHERE = {
    "validate": f"{_MANAGER}.validate(PlainPermissionManager.java)",
    "checkPerm": f"{_MANAGER}.checkPerm(PlainPermissionManager.java)",
}
