"""The SSRF guard: user-typed base URLs never reach private or reserved addresses."""

import datetime
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from providers import http, ssrf
from providers.base import ErrorKind, ProviderError

from .loopback import RawServer


@pytest.fixture
def nothing_allowed(settings):
    settings.ALLOWED_VENDOR_HOSTS = []
    settings.DEBUG = True  # so plain http isn't what refuses them


@pytest.fixture
def sent(monkeypatch):
    """Every request that reached the session: a refusal must leave this empty."""
    calls = []
    real = http._session.request
    monkeypatch.setattr(
        http._session, "request", lambda m, u, *a, **k: calls.append(u) or real(m, u, *a, **k)
    )
    return calls


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8100/r4",
        "http://10.1.2.3/api",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/",
        "http://localhost:8000/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
        "http://192.168.1.10/",
        "http://[fe80::1]/",
        "http://100.100.100.200/latest/meta-data/",  # carrier-grade NAT: a cloud's metadata
        "http://100.64.0.1/",
        "http://198.18.0.1/",  # benchmarking
        "http://192.0.0.170/",
        "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
        # IPv6 forms Python calls global although they reach an IPv4 address inside:
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254 (metadata)
        "http://[64:ff9b::10.0.0.1]/",  # NAT64 of a private address
        "http://[::ffff:0:a9fe:a9fe]/",  # IPv4-translated (SIIT) metadata
        "http://[::a9fe:a9fe]/",  # IPv4-compatible (deprecated) metadata
        "http://[::8.8.8.8]/",  # IPv4-compatible is deprecated, whatever it carries
        "http://[fec0::1]/",  # site-local (deprecated)
        "http://[3ffe::1]/",  # 6bone (returned)
        "http://[2002:a9fe:a9fe::1]/",  # 6to4 tunnel to metadata
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo tunnel
        "http://192.88.99.1/",  # 6to4 relay anycast (deprecated)
    ],
)
def test_private_and_reserved_destinations_are_refused_before_sending(nothing_allowed, sent, url):
    with pytest.raises(ProviderError) as caught:
        http.check_base_url(url)
    assert caught.value.field_errors["base_url"]
    with pytest.raises(ProviderError) as caught:
        http.send("GET", url + "/me")
    assert caught.value.kind == ErrorKind.INVALID and "private or reserved" in caught.value.message
    assert sent == []


@pytest.mark.parametrize("address", ["10.0.0.7", "64:ff9b::a9fe:a9fe", "::ffff:0:a00:7"])
def test_a_public_name_resolving_to_a_private_address_is_refused(
    nothing_allowed, sent, monkeypatch, address
):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(family, 1, 6, "", (address, 443))])
    with pytest.raises(ProviderError) as caught:
        http.check_base_url("https://otas.example.com")
    message = caught.value.field_errors["base_url"]
    assert "private or reserved" in message and address not in message  # no internal echo
    assert sent == []


def test_an_ipv6_form_carrying_a_public_ipv4_address_passes(nothing_allowed, settings):
    """Behind DNS64 a vendor's name resolves to NAT64 addresses: those must keep working."""
    for url in ("https://[64:ff9b::808:808]", "https://[::ffff:8.8.8.8]"):
        assert http.check_base_url(url) == url
    settings.ALLOWED_VENDOR_HOSTS = ["fec0::/10", "64:ff9b::/96"]  # an operator's exceptions
    assert http.check_base_url("http://[fec0::1]") == "http://[fec0::1]"
    assert http.check_base_url("http://[64:ff9b::a00:1]") == "http://[64:ff9b::a00:1]"


def resolving(monkeypatch, name, answers):
    """`name` resolves to each of `answers` in turn (the last one from then on)."""
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def fake(host, *args, **kwargs):
        if host == name:
            lookups.append(host)
            return real_getaddrinfo(answers[min(len(lookups), len(answers)) - 1], *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return lookups


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    settings, sandbox, monkeypatch, _loopback_only
):
    """DNS rebinding: the name is checked, then answers otherwise; the connection still
    goes to the address that was checked, with the name in the Host header."""
    settings.ALLOWED_VENDOR_HOSTS = ["127.0.0.1"]  # 127.0.0.2 is not allowed
    _loopback_only.add("rebind.example")
    port = sandbox.httpd.server_address[1]
    lookups = resolving(monkeypatch, "rebind.example", ["127.0.0.1", "127.0.0.2"])
    answer = http.send("GET", f"http://rebind.example:{port}/r4/api/v1/machine/me")
    assert answer.status == 401  # the sandbox answered: no key was sent
    assert len(lookups) == 1
    assert sandbox.calls()[0]["headers"]["host"] == f"rebind.example:{port}"


def test_a_rebinding_name_tells_nothing_about_ports_on_the_address_it_turns_to(
    settings, monkeypatch, _loopback_only
):
    """Before, an open port on the second answer said "private address" and a closed one
    "could not be reached". Now neither is connected to, and the answers are the same."""
    settings.ALLOWED_VENDOR_HOSTS = ["127.0.0.1"]  # 127.0.0.2 is not allowed
    _loopback_only.add("rebind.example")
    monkeypatch.setattr(http, "_RETRY_PAUSE_SECONDS", 0)
    with socket.socket() as open_checked, socket.socket() as closed_checked:
        # Bound but never listening on the checked address: connections there are refused.
        open_checked.bind(("127.0.0.1", 0))
        closed_checked.bind(("127.0.0.1", 0))
        open_port, closed_port = open_checked.getsockname()[1], closed_checked.getsockname()[1]
        with RawServer(host="127.0.0.2", port=open_port) as listening:
            answers = []
            for port in (open_port, closed_port):
                resolving(monkeypatch, "rebind.example", ["127.0.0.1", "127.0.0.2"])
                with pytest.raises(ProviderError) as caught:
                    http.send("GET", f"http://rebind.example:{port}/")
                answers.append((caught.value.kind, caught.value.message))
        assert listening.received == []
    assert answers[0] == answers[1]
    assert "could not be reached" in answers[0][1]


def tls_context_for(name: str, tmp_path) -> tuple[ssl.SSLContext, str]:
    """A server context with a certificate for `name`, and the CA file that trusts it."""
    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, key, signer, *, ca):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
            )
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Test CA", "Test CA", ca_key, ca_key, ca=True)
    leaf = certificate(name, "Test CA", key, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    return context, str(tmp_path / "ca.pem")


def answer_ok(connection, _head):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")


@pytest.mark.parametrize(
    "certificate_for, accepted", [("vendor.test", True), ("other.test", False)]
)
def test_tls_to_the_pinned_address_still_checks_the_name(
    monkeypatch, tmp_path, _loopback_only, certificate_for, accepted
):
    """Connecting to the checked address keeps the name for SNI and the certificate."""
    _loopback_only.add("vendor.test")
    resolving(monkeypatch, "vendor.test", ["127.0.0.1"])
    context, ca_file = tls_context_for(certificate_for, tmp_path)
    server_names = []
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)
    monkeypatch.setattr(http._session, "verify", ca_file)
    with RawServer(answer_ok, tls=context) as server:
        url = f"https://vendor.test:{server.port}/me"
        if accepted:
            assert http.send("GET", url).status == 200
            assert server.received[0].startswith(b"GET /me HTTP/1.1\r\n")
            assert f"Host: vendor.test:{server.port}".encode() in server.received[0]
        else:
            with pytest.raises(ProviderError):
                http.send("GET", url)
            assert server.received == []  # the certificate was refused before any request
    assert server_names and set(server_names) == {"vendor.test"}


def test_no_proxy_and_no_netrc_from_the_environment(sandbox, monkeypatch, tmp_path):
    """A proxy's own connections would skip the guard, and ~/.netrc would add a login."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with RawServer() as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        answer = http.send("GET", f"{sandbox.base_url('r4')}/me")
    assert answer.status == 401
    assert proxy.received == []
    (call,) = sandbox.calls()
    assert "authorization" not in call["headers"]


def test_a_redirect_to_a_private_address_is_not_followed(sandbox, sent, monkeypatch):
    from providers.sandbox.core import SandboxResponse

    monkeypatch.setattr(
        sandbox.vendors["r4"],
        "handle",
        lambda r: SandboxResponse(
            302, "", headers={"Location": "http://169.254.169.254/latest/meta-data/"}
        ),
    )
    with pytest.raises(ProviderError) as caught:
        http.send("GET", f"{sandbox.base_url('r4')}/me")
    assert "redirect" in caught.value.message
    assert sent == [f"{sandbox.base_url('r4')}/me"]


def test_allow_listed_hosts_and_networks_pass(settings, sandbox):
    settings.ALLOWED_VENDOR_HOSTS = ["127.0.0.0/8"]
    assert http.send("GET", f"{sandbox.base_url('r4')}/me").status == 401


def test_https_is_required_when_debug_is_off_unless_allow_listed(settings, monkeypatch):
    settings.DEBUG = False
    settings.ALLOWED_VENDOR_HOSTS = []
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 80))]
    )
    with pytest.raises(ProviderError) as caught:
        http.check_base_url("http://otas.example.com")
    assert "https://" in caught.value.field_errors["base_url"]
    assert http.check_base_url("https://otas.example.com") == "https://otas.example.com"
    settings.ALLOWED_VENDOR_HOSTS = ["otas.example.com"]
    assert http.check_base_url("http://otas.example.com") == "http://otas.example.com"


def test_unknown_hosts_are_a_clear_field_error(nothing_allowed):
    with pytest.raises(ProviderError) as caught:
        http.check_base_url("https://no-such-host.invalid")
    assert "could not be found" in caught.value.field_errors["base_url"]


def test_the_session_connects_only_inside_a_checked_call(sandbox):
    """Code that skips send() (and its check) gets no connection, nor one through a proxy."""
    url = f"{sandbox.base_url('r4')}/me"
    with pytest.raises(ssrf.BlockedAddress):
        http._session.request("GET", url, timeout=1)
    with pytest.raises(ssrf.BlockedAddress):
        http._session.request("GET", url, timeout=1, proxies={"http": url})
    assert sandbox.calls() == []


def test_a_callers_own_exceptions_pass_beside_its_allow_list(nothing_allowed, sandbox, sent):
    """Sign-in lets its issuer's host through without listing it in any setting."""
    url = f"{sandbox.base_url('r4')}/me"
    with pytest.raises(ProviderError):
        http.send("GET", url, also_allowed=["10.0.0.0/8"])
    assert sent == []
    assert http.send("GET", url, also_allowed=["127.0.0.1"]).status == 401
    assert http.send("GET", url, also_allowed=["127.0.0.0/8"]).status == 401
