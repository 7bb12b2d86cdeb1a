"""Frame codec of the RocketMQ remoting protocol (JSON and binary ROCKETMQ headers)."""

import asyncio
import json
import struct
from typing import Dict, Optional, Tuple

from .codes import FLAG_ONEWAY, FLAG_RESPONSE, MAX_FRAME_SIZE

SERIALIZE_JSON = 0
SERIALIZE_ROCKETMQ = 1

LANGUAGES = (
    "JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY", "OTHER", "HTTP", "GO", "PHP", "OMS",
    "RUST",
)


class ProtocolError(Exception):
    """The peer sent bytes that are not a valid remoting frame."""


class RemotingCommand:
    """One request or response frame."""

    def __init__(
        self,
        code: int,
        ext_fields: Optional[Dict[str, str]] = None,
        body: bytes = b"",
        opaque: int = 0,
        flag: int = 0,
        remark: Optional[str] = None,
        language: str = "JAVA",
        version: int = 0,
        serialize_type: int = SERIALIZE_JSON,
    ) -> None:
        self.code = code
        self.ext_fields = dict(ext_fields or {})
        self.body = body or b""
        self.opaque = opaque
        self.flag = flag
        self.remark = remark
        self.language = language
        self.version = version
        self.serialize_type = serialize_type

    @property
    def is_response(self) -> bool:
        return bool(self.flag & FLAG_RESPONSE)

    @property
    def is_oneway(self) -> bool:
        return bool(self.flag & FLAG_ONEWAY)

    def make_response(self, code: int, remark: Optional[str] = None,
                      ext_fields: Optional[Dict[str, str]] = None, body: bytes = b"") -> "RemotingCommand":
        """A response to this request, in the serialize type the request used."""
        return RemotingCommand(
            code, ext_fields, body, opaque=self.opaque, flag=FLAG_RESPONSE, remark=remark,
            version=self.version, serialize_type=self.serialize_type,
        )

    def __repr__(self) -> str:
        return "RemotingCommand(code=%d, opaque=%d, flag=%d, remark=%r, ext=%r, body=%d bytes)" % (
            self.code, self.opaque, self.flag, self.remark, self.ext_fields, len(self.body))


def _encode_json_header(cmd: RemotingCommand) -> bytes:
    header = {
        "code": cmd.code,
        "extFields": {k: str(v) for k, v in cmd.ext_fields.items() if v is not None},
        "flag": cmd.flag,
        "language": cmd.language,
        "opaque": cmd.opaque,
        "serializeTypeCurrentRPC": "JSON",
        "version": cmd.version,
    }
    if cmd.remark is not None:
        header["remark"] = cmd.remark
    return json.dumps(header, separators=(",", ":")).encode("utf-8")


def _encode_binary_header(cmd: RemotingCommand) -> bytes:
    try:
        language = LANGUAGES.index(cmd.language)
    except ValueError:
        language = LANGUAGES.index("OTHER")
    parts = [struct.pack(">hBhii", cmd.code, language, cmd.version, cmd.opaque, cmd.flag)]
    remark = (cmd.remark or "").encode("utf-8")
    parts.append(struct.pack(">i", len(remark)) + remark)
    fields = []
    for key, value in cmd.ext_fields.items():
        if value is None:
            continue
        k, v = key.encode("utf-8"), str(value).encode("utf-8")
        fields.append(struct.pack(">h", len(k)) + k + struct.pack(">i", len(v)) + v)
    ext = b"".join(fields)
    parts.append(struct.pack(">i", len(ext)) + ext)
    return b"".join(parts)


def encode_frame(cmd: RemotingCommand) -> bytes:
    if cmd.serialize_type == SERIALIZE_ROCKETMQ:
        header = _encode_binary_header(cmd)
    else:
        header = _encode_json_header(cmd)
    length = 4 + len(header) + len(cmd.body)
    mark = (cmd.serialize_type << 24) | len(header)
    return struct.pack(">ii", length, mark) + header + cmd.body


def _decode_json_header(raw: bytes) -> RemotingCommand:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError("bad JSON header: %s" % exc)
    if not isinstance(obj, dict) or not isinstance(obj.get("code"), int):
        raise ProtocolError("JSON header without code")
    ext = obj.get("extFields") or {}
    if not isinstance(ext, dict):
        raise ProtocolError("extFields is not an object")
    return RemotingCommand(
        obj["code"],
        {str(k): ("" if v is None else str(v)) for k, v in ext.items()},
        opaque=int(obj.get("opaque", 0)),
        flag=int(obj.get("flag", 0)),
        remark=obj.get("remark"),
        language=str(obj.get("language", "JAVA")),
        version=int(obj.get("version", 0)),
        serialize_type=SERIALIZE_JSON,
    )


def _decode_binary_header(raw: bytes) -> RemotingCommand:
    try:
        code, language, version, opaque, flag = struct.unpack_from(">hBhii", raw, 0)
        pos = 13
        (remark_len,) = struct.unpack_from(">i", raw, pos)
        pos += 4
        if remark_len < 0 or pos + remark_len > len(raw):
            raise ProtocolError("bad remark length")
        remark = raw[pos:pos + remark_len].decode("utf-8") if remark_len else None
        pos += remark_len
        (ext_len,) = struct.unpack_from(">i", raw, pos)
        pos += 4
        end = pos + ext_len
        if ext_len < 0 or end > len(raw):
            raise ProtocolError("bad extFields length")
        fields = {}
        while pos < end:
            (klen,) = struct.unpack_from(">h", raw, pos)
            pos += 2
            key = raw[pos:pos + klen].decode("utf-8")
            pos += klen
            (vlen,) = struct.unpack_from(">i", raw, pos)
            pos += 4
            if klen < 0 or vlen < 0 or pos + vlen > end:
                raise ProtocolError("bad extFields entry")
            fields[key] = raw[pos:pos + vlen].decode("utf-8")
            pos += vlen
    except (struct.error, UnicodeDecodeError) as exc:
        raise ProtocolError("bad binary header: %s" % exc)
    lang = LANGUAGES[language] if language < len(LANGUAGES) else "OTHER"
    return RemotingCommand(code, fields, opaque=opaque, flag=flag, remark=remark, language=lang,
                           version=version, serialize_type=SERIALIZE_ROCKETMQ)


def decode_frame_payload(payload: bytes) -> RemotingCommand:
    """Decode everything after the leading length field."""
    if len(payload) < 4:
        raise ProtocolError("frame too short")
    (mark,) = struct.unpack_from(">i", payload, 0)
    serialize_type = (mark >> 24) & 0xFF
    header_len = mark & 0xFFFFFF
    if header_len > len(payload) - 4:
        raise ProtocolError("header longer than frame")
    raw = payload[4:4 + header_len]
    if serialize_type == SERIALIZE_JSON:
        cmd = _decode_json_header(raw)
    elif serialize_type == SERIALIZE_ROCKETMQ:
        cmd = _decode_binary_header(raw)
    else:
        raise ProtocolError("unknown serialize type %d" % serialize_type)
    cmd.body = payload[4 + header_len:]
    return cmd


async def read_frame(reader: asyncio.StreamReader) -> Optional[RemotingCommand]:
    """Next frame from the stream, or None on a clean end of stream."""
    try:
        head = await reader.readexactly(4)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise ProtocolError("truncated length field")
        return None
    (length,) = struct.unpack(">i", head)
    if length < 4 or length > MAX_FRAME_SIZE:
        raise ProtocolError("frame length %d out of range" % length)
    try:
        payload = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise ProtocolError("truncated frame")
    return decode_frame_payload(payload)


def split_address(addr: str) -> Tuple[str, int]:
    host, _, port = addr.rpartition(":")
    return host, int(port)
