// URL resolution for HLS playlists (RFC 3986 subset): scheme detection, dot-segment removal, merge.
#include <livescope/player/hls/hls_url.h>

#include <vector>

namespace livescope {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool HasScheme(std::string_view s)
{
    if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
    for (size_t i = 1; i < s.size(); i++)
    {
        const char c = s[i];
        if (c == ':') return i > 1; // a single letter is a Windows drive, not a scheme
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '+' || c == '-' || c == '.')) return false;
    }
    return false;
}

std::string RemoveDotSegments(std::string_view path)
{
    const bool absolute = !path.empty() && path[0] == '/';
    std::vector<std::string_view> out;
    size_t leading_up = 0;
    size_t i = absolute ? 1 : 0;
    bool trailing_slash = false;
    while (i <= path.size())
    {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        const std::string_view seg = path.substr(i, j - i);
        if (seg == ".")
        {
            trailing_slash = true;
        }
        else if (seg == "..")
        {
            if (!out.empty())
                out.pop_back();
            else if (!absolute)
                leading_up++;
            trailing_slash = true;
        }
        else
        {
            out.push_back(seg);
            trailing_slash = false;
        }
        i = j + 1;
    }
    std::string r = absolute ? "/" : "";
    for (size_t k = 0; k < leading_up; k++) r += "../";
    for (size_t k = 0; k < out.size(); k++)
    {
        r += out[k];
        if (k + 1 < out.size()) r += '/';
    }
    if (trailing_slash && !r.empty() && r.back() != '/') r += '/';
    return r;
}

} // namespace

HlsUrlResult ResolveUrl(std::string_view base, std::string_view ref)
{
    HlsUrlResult r;
    if (ref.empty())
    {
        r.Reason = "empty URI";
        return r;
    }
    for (char c : ref)
    {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == ' ')
        {
            r.Reason = "invalid character in URI '" + std::string(ref.substr(0, 80)) + "'";
            return r;
        }
    }
    if (HasScheme(ref))
    {
        r.Ok = true;
        r.Url = std::string(ref);
        return r;
    }
    if (base.empty())
    {
        r.Reason = "cannot resolve relative URI '" + std::string(ref.substr(0, 80)) + "' without a base URL";
        return r;
    }
    // Split base into prefix (scheme://authority) and path (without query/fragment).
    std::string_view prefix, path = base;
    if (HasScheme(base))
    {
        const size_t colon = base.find(':');
        std::string_view rest = base.substr(colon + 1);
        if (rest.substr(0, 2) == "//")
        {
            size_t end = rest.find_first_of("/?#", 2);
            if (end == std::string_view::npos) end = rest.size();
            prefix = base.substr(0, colon + 1 + end);
            path = rest.substr(end);
        }
        else
        {
            prefix = base.substr(0, colon + 1);
            path = rest;
        }
    }
    const size_t q = path.find_first_of("?#");
    if (q != std::string_view::npos) path = path.substr(0, q);
    if (ref.substr(0, 2) == "//")
    {
        const size_t colon = base.find(':');
        if (!HasScheme(base))
        {
            r.Reason = "network-path URI '" + std::string(ref.substr(0, 80)) + "' needs a base URL with a scheme";
            return r;
        }
        r.Ok = true;
        r.Url = std::string(base.substr(0, colon + 1)) + std::string(ref);
        return r;
    }
    std::string_view ref_path = ref, ref_rest;
    const size_t rq = ref.find_first_of("?#");
    if (rq != std::string_view::npos)
    {
        ref_path = ref.substr(0, rq);
        ref_rest = ref.substr(rq);
    }
    std::string merged;
    if (ref_path.empty())
        merged = std::string(path);
    else if (ref_path[0] == '/')
        merged = std::string(ref_path);
    else
    {
        const size_t slash = path.rfind('/');
        merged = (slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash + 1))) + std::string(ref_path);
        if (!prefix.empty() && (merged.empty() || merged[0] != '/')) merged = "/" + merged;
    }
    r.Ok = true;
    r.Url = std::string(prefix) + RemoveDotSegments(merged) + std::string(ref_rest);
    return r;
}

} // namespace livescope
