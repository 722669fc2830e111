"""The libvirt port's firewall rules as text, per backend, and the allowed sources they name."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._firewall.rules import (
    CHAIN,
    FirewallRequest,
    allowed_sources,
    firewalld_rich_rules,
    iptables_listing,
    listen_address,
    nft_digest,
    nft_replace_script,
    nft_rules,
    nft_ruleset,
    ufw_needs_change,
    ufw_rules,
)

NAMES = {"kvm1.example.org": ["192.0.2.21"], "kvm2.example.org": ["192.0.2.22", "2001:db8::22"]}


def resolve(name: str) -> list[str]:
    return NAMES.get(name, [])


def request(*allowed: str, address: str = "10.0.0.5") -> FirewallRequest:
    return FirewallRequest(address, 16509, allowed_sources(allowed, resolve))


def test_sources_are_merged_resolved_and_v4_first() -> None:
    sources = allowed_sources(
        ["2001:db8::/64", "10.0.1.7", "10.0.1.0/24", "10.0.2.9/32", "kvm2.example.org", " 10.0.3.1 "], resolve
    )
    assert sources == ("10.0.1.0/24", "10.0.2.9", "10.0.3.1", "192.0.2.22", "2001:db8::/64")
    assert allowed_sources(["10.0.1.5/24"], resolve) == ("10.0.1.0/24",)  # host bits dropped, as iptables does


@pytest.mark.parametrize("entry", ["no-such-host.invalid", "", "10.0.0.300"])
def test_a_source_that_is_no_address_is_one_input_error(entry: str) -> None:
    with pytest.raises(InputError) as caught:
        allowed_sources([entry], resolve)
    assert caught.value.field == "allowed" and caught.value.fix


def test_listen_address_must_be_an_ip() -> None:
    assert listen_address("2001:DB8::5") == "2001:db8::5"
    with pytest.raises(InputError) as caught:
        listen_address("kvm1.example.org")
    assert caught.value.field == "address"


def test_nft_rules_accept_then_reject() -> None:
    assert nft_rules(request("10.0.1.2", "10.0.2.0/24", "2001:db8::7")) == [
        "tcp dport 16509 ip saddr { 10.0.1.2, 10.0.2.0/24 } accept",
        "tcp dport 16509 ip6 saddr { 2001:db8::7 } accept",
        "ip daddr 10.0.0.5 tcp dport 16509 reject with tcp reset",
        "tcp dport 16509 reject with tcp reset",
    ]
    assert (
        nft_rules(request("10.0.1.2", address="2001:db8::5"))[1]
        == "ip6 daddr 2001:db8::5 tcp dport 16509 reject with tcp reset"
    )


def test_nft_digest_follows_the_rules() -> None:
    first, same, other = request("10.0.1.2"), request("10.0.1.2/32"), request("10.0.1.3")
    assert nft_digest(first) == nft_digest(same) != nft_digest(other)
    ruleset = nft_ruleset(first)
    assert f'comment "acs.ingest libvirt_listen_tcp {nft_digest(first)}"' in ruleset
    assert "type filter hook input priority -10; policy accept;" in ruleset
    # One transaction: make sure the table exists, delete it, add the new one.
    assert nft_replace_script(first).startswith(
        "table inet acs_ingest_libvirt_tcp\ndelete table inet acs_ingest_libvirt_tcp\n"
    )


def test_iptables_listing_is_what_iptables_prints() -> None:
    assert iptables_listing(request("10.0.1.2", "10.0.2.0/24", "2001:db8::7")) == [
        f"-N {CHAIN}",
        f"-A {CHAIN} -s 10.0.1.2/32 -j ACCEPT",
        f"-A {CHAIN} -s 10.0.2.0/24 -j ACCEPT",
        f"-A {CHAIN} -p tcp -j REJECT --reject-with tcp-reset",
    ]


def test_firewalld_and_ufw_rules() -> None:
    req = request("10.0.1.2", "2001:db8::7")
    assert firewalld_rich_rules(req) == [
        'rule family="ipv4" source address="10.0.1.2" port port="16509" protocol="tcp" accept',
        'rule family="ipv6" source address="2001:db8::7" port port="16509" protocol="tcp" accept',
    ]
    assert ufw_rules(req)[-1] == ["deny", "to", "10.0.0.5", "port", "16509", "proto", "tcp"]
    assert ufw_rules(req)[0] == ["allow", "from", "10.0.1.2", "to", "10.0.0.5", "port", "16509", "proto", "tcp"]


UFW_STATUS = (
    "Status: active\n\nTo                         Action      From\n--                         ------      ----\n"
    "10.0.0.5 16509/tcp         ALLOW       10.0.1.2\n10.0.0.5 16509/tcp         DENY        Anywhere\n"
)


def test_ufw_change_detection() -> None:
    assert ufw_needs_change(UFW_STATUS, request("10.0.1.2"), present=True) is False
    assert ufw_needs_change(UFW_STATUS, request("10.0.1.2", "10.0.1.3"), present=True) is True
    assert ufw_needs_change(UFW_STATUS, request("10.0.1.2"), present=False) is True
    assert ufw_needs_change("Status: active\n", request("10.0.1.2"), present=False) is False
