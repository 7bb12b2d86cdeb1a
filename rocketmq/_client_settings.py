"""How a client reaches the cluster (name servers, credentials, TLS, route
refresh), written once for the clients whose C setters are all named
``Set<Client>NameServerAddress``, ``Set<Client>Tls`` and so on."""

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, Union

from ._bindings import c_positive_int, c_string, lib, tls_arguments
from .exceptions import ffi_check

StrOrBytes = Union[str, bytes]


class ConnectionSettings:
    """Settings for before ``start()``; a subclass names its C client and has ``_handle``."""

    _C_CLIENT: ClassVar[str]  # "PullConsumer", "LitePullConsumer"

    if TYPE_CHECKING:
        @property
        def _handle(self) -> Any: ...  # HandleOwner's, in the client classes

    def _remember(self, name: str, value: Any) -> None:
        """Called after each setting took; a subclass that opens more clients
        with the same settings (MessageLookups) records them here."""

    def _set(self, setting: str) -> Callable[..., int]:
        setter: Callable[..., int] = getattr(lib, f"Set{self._C_CLIENT}{setting}")
        return setter

    def set_name_server_address(self, addr: StrOrBytes) -> None:
        """Name server address(es), ``host:port`` separated by ``;``; one that is down is skipped."""
        ffi_check(self._set("NameServerAddress")(self._handle, c_string(addr, "addr")))
        self._remember("name_server_address", addr)

    def set_name_server_domain(self, domain: StrOrBytes) -> None:
        """Fetch the name server list over HTTP from ``domain`` (a URL, or ``host[:port]`` with the Java
        client's default path) at start and every 2 minutes."""
        ffi_check(self._set("NameServerDomain")(self._handle, c_string(domain, "domain")))
        self._remember("name_server_domain", domain)

    def set_session_credentials(
        self, access_key: StrOrBytes, access_secret: StrOrBytes, channel: StrOrBytes
    ) -> None:
        """Sign every request with these ACL credentials (``channel`` is e.g. ``ALIYUN``), as the Java
        client's ACL hook does."""
        ffi_check(self._set("SessionCredentials")(
            self._handle,
            c_string(access_key, "access_key"),
            c_string(access_secret, "access_secret"),
            c_string(channel, "channel"),
        ))
        self._remember("credentials", (access_key, access_secret, channel))

    def set_poll_name_server_interval(self, interval_ms: int) -> None:
        """How often routes are fetched from the name server (ms, default 30000; before start):
        queues of a master that joins are taken, and those of a broker that left released,
        within one interval."""
        interval = c_positive_int(interval_ms, "interval_ms")
        ffi_check(self._set("PollNameServerInterval")(self._handle, interval))

    def set_tls(self, enabled: bool = True, ca_file: Optional[str] = None,
                verify_hostname: bool = True) -> None:
        """TLS to brokers and name servers (before start): ``ca_file`` (PEM) authenticates
        the servers, whose certificates must then name the host connected to unless
        ``verify_hostname`` is False; see ``Producer.set_tls``."""
        enabled_arg, ca_arg, verify_arg = tls_arguments(enabled, ca_file, verify_hostname)
        ffi_check(self._set("Tls")(self._handle, enabled_arg, ca_arg))
        ffi_check(self._set("TlsHostnameVerification")(self._handle, verify_arg))
        self._remember("tls", (bool(enabled), ca_file, bool(verify_hostname)))
