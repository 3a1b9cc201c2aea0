// URL resolution for HLS playlists: a pure RFC 3986 subset that turns playlist URIs into absolute URLs.
//
// Contracts: pure (text in, value out), never throws; errors are values with a reason.
#pragma once

#include <string>
#include <string_view>

namespace livescope {

struct HlsUrlResult
{
    bool Ok = false;
    std::string Url;    // valid when Ok
    std::string Reason; // valid when !Ok
};

// Resolves `ref` against `base` (RFC 3986 subset: absolute, network-path, absolute-path, relative
// with dot segments). `base` may be http(s)://, file:// or a filesystem path. Fails on empty or
// control-character refs, and on a relative ref with no base.
HlsUrlResult ResolveUrl(std::string_view base, std::string_view ref);

} // namespace livescope
