// Unit tests for ClientAddressKey: the peer's IP, X-Forwarded-For only from trusted proxies, IPv6 grouped by /64.
#include <doctest/doctest.h>

#include <livescope/server/relay/client_address.h>

using namespace livescope;

TEST_SUITE_BEGIN("relay/client_address");

TEST_CASE("the peer's address is the key, and X-Forwarded-For is ignored from an untrusted peer")
{
    CHECK(ClientAddressKey("203.0.113.9", "", {}) == "203.0.113.9");
    CHECK(ClientAddressKey("203.0.113.9", "1.2.3.4", {}) == "203.0.113.9");
    CHECK(ClientAddressKey("203.0.113.9", "1.2.3.4", {"127.0.0.1"}) == "203.0.113.9");
}

TEST_CASE("a trusted proxy's rightmost forwarded address that is not itself a proxy is the key")
{
    const std::vector<std::string> proxies = {"127.0.0.1", "10.0.0.2"};
    CHECK(ClientAddressKey("127.0.0.1", "198.51.100.4", proxies) == "198.51.100.4");
    // The client wrote "6.6.6.6" itself; nginx appended the address it saw.
    CHECK(ClientAddressKey("127.0.0.1", "6.6.6.6, 198.51.100.4", proxies) == "198.51.100.4");
    CHECK(ClientAddressKey("127.0.0.1", "198.51.100.4, 10.0.0.2", proxies) == "198.51.100.4");
    CHECK(ClientAddressKey("127.0.0.1", "garbage, 10.0.0.2", proxies) == "127.0.0.1");
    CHECK(ClientAddressKey("127.0.0.1", "", proxies) == "127.0.0.1");
}

TEST_CASE("IPv4-mapped IPv6 counts as IPv4 and IPv6 is grouped by /64")
{
    CHECK(ClientAddressKey("::ffff:192.0.2.8", "", {}) == "192.0.2.8");
    CHECK(ClientAddressKey("2001:db8:1:2:aaaa::1", "", {}) == "2001:db8:1:2::/64");
    CHECK(ClientAddressKey("2001:db8:1:2:bbbb::7", "", {}) == ClientAddressKey("2001:db8:1:2::99", "", {}));
    CHECK(ClientAddressKey("2001:db8:1:3::1", "", {}) != ClientAddressKey("2001:db8:1:2::1", "", {}));
}

TEST_CASE("a trusted proxy is recognised in either IPv4 form")
{
    CHECK(IsTrustedProxy("127.0.0.1", {"127.0.0.1"}));
    CHECK(IsTrustedProxy("::ffff:127.0.0.1", {"127.0.0.1"}));
    CHECK_FALSE(IsTrustedProxy("127.0.0.2", {"127.0.0.1"}));
    CHECK_FALSE(IsTrustedProxy("127.0.0.1", {}));
}

TEST_CASE("only IP addresses are accepted as trusted proxies")
{
    CHECK(IsIpAddress("127.0.0.1"));
    CHECK(IsIpAddress("::1"));
    CHECK_FALSE(IsIpAddress("localhost"));
    CHECK_FALSE(IsIpAddress("10.0.0.0/8"));
}

TEST_SUITE_END();
