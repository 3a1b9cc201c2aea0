// ClientAddressKey implementation: normalise with asio's address parser (header-only, no sockets), then group.
#include <livescope/server/relay/client_address.h>

#include <boost/asio/ip/address.hpp>

#include <cstdio>
#include <optional>

namespace livescope {
namespace {
namespace ip = boost::asio::ip;

std::string_view Trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::optional<ip::address> Parse(std::string_view text)
{
    text = Trim(text);
    boost::system::error_code ec;
    ip::address a = ip::make_address(std::string(text), ec);
    if (ec)
        return std::nullopt;
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
    return a;
}

std::string Key(const ip::address& a)
{
    if (a.is_v4())
        return a.to_string();
    const auto bytes = a.to_v6().to_bytes();
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%x:%x:%x:%x::/64", (bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3], (bytes[4] << 8) | bytes[5],
                  (bytes[6] << 8) | bytes[7]);
    return buf;
}

bool Trusted(const ip::address& a, const std::vector<std::string>& trusted_proxies)
{
    for (const std::string& t : trusted_proxies)
        if (const auto parsed = Parse(t); parsed && *parsed == a)
            return true;
    return false;
}
} // namespace

bool IsTrustedProxy(std::string_view peer, const std::vector<std::string>& trusted_proxies)
{
    const auto peer_ip = Parse(peer);
    return peer_ip && Trusted(*peer_ip, trusted_proxies);
}

bool IsIpAddress(std::string_view text)
{
    return Parse(text).has_value();
}

std::string ClientAddressKey(std::string_view peer, std::string_view forwarded_for, const std::vector<std::string>& trusted_proxies)
{
    const auto peer_ip = Parse(peer);
    if (!peer_ip)
        return std::string(peer);
    if (forwarded_for.empty() || !Trusted(*peer_ip, trusted_proxies))
        return Key(*peer_ip);
    // Rightmost first: each trusted proxy appends the address it saw.
    std::string_view rest = forwarded_for;
    while (!rest.empty())
    {
        const size_t comma = rest.rfind(',');
        const std::string_view item = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        const auto hop = Parse(item);
        if (!hop)
            break; // garbage: believe nothing further left
        if (!Trusted(*hop, trusted_proxies))
            return Key(*hop);
    }
    return Key(*peer_ip);
}

} // namespace livescope
