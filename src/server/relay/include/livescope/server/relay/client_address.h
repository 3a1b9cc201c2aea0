// ClientAddressKey: the key that per-address budgets and guest mutes use: the peer's IP, or the address a trusted
// proxy forwarded; IPv6 grouped by /64 (one subscriber's usual allocation). Pure: parses text, no I/O.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

// `peer`: the socket's peer IP as text. `forwarded_for`: the request's X-Forwarded-For header (may be empty).
// `trusted_proxies`: IPs whose X-Forwarded-For is believed; empty trusts nobody. When the peer is trusted, the key
// is the rightmost forwarded address that is not itself a trusted proxy (the left part is the client's to forge);
// with no usable forwarded address it is the peer's. IPv4-mapped IPv6 counts as IPv4. Text that is no IP is kept
// as it is (an edge that passes something else still gets a stable key).
std::string ClientAddressKey(std::string_view peer, std::string_view forwarded_for, const std::vector<std::string>& trusted_proxies);

// True when `peer` is one of `trusted_proxies` (IPv4-mapped IPv6 matches its IPv4 form).
bool IsTrustedProxy(std::string_view peer, const std::vector<std::string>& trusted_proxies);

// True when `text` is an IPv4 or IPv6 address (for checking --trust-proxy values).
bool IsIpAddress(std::string_view text);

} // namespace livescope
