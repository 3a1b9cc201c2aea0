// libFuzzer target: the origin's text parsers of untrusted request parts (playlist query, media URI, /live/ paths,
// stream keys in the query or Sec-WebSocket-Protocol, percent-decoding, webhook URLs) never crash, and what they accept
// is consistent: a parsed query re-serialises to the same request, a media URI re-formats to the same name's value.
#include <livescope/base/query.h>
#include <livescope/server/origin/broadcasts.h>
#include <livescope/server/origin/live_playlist.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace livescope;

namespace {

std::string SerialiseQuery(const PlaylistRequest& r)
{
    std::string out;
    if (r.HasMsn)
        out += "_HLS_msn=" + std::to_string(r.Msn);
    if (r.HasPart)
        out += "&_HLS_part=" + std::to_string(r.Part);
    if (r.Skip != SkipMode::None)
        out += std::string(out.empty() ? "" : "&") + (r.Skip == SkipMode::Yes ? "_HLS_skip=YES" : "_HLS_skip=v2");
    return out;
}

bool SameRequest(const PlaylistRequest& a, const PlaylistRequest& b)
{
    return a.HasMsn == b.HasMsn && a.Msn == b.Msn && a.HasPart == b.HasPart && a.Part == b.Part && a.Skip == b.Skip;
}

void CheckQuery(std::string_view text)
{
    PlaylistRequest request;
    std::string error;
    if (!ParsePlaylistQuery(text, request, error))
    {
        if (error.empty())
            std::abort();
        return;
    }
    if (request.HasPart && !request.HasMsn)
        std::abort();
    // Numbers of up to 19 digits only (ParseU64), so the canonical form parses back whenever its numbers fit.
    if (request.Msn >= 10000000000000000000ull || request.Part >= 10000000000000000000ull)
        std::abort();
    PlaylistRequest again;
    if (!ParsePlaylistQuery(SerialiseQuery(request), again, error) || !SameRequest(request, again))
        std::abort();
}

void CheckMediaUri(std::string_view name, std::string_view session)
{
    const MediaUri uri = ParseMediaUri(name, session);
    if (uri.UriKind == MediaUri::Kind::Invalid)
        return;
    std::string formatted;
    switch (uri.UriKind)
    {
        case MediaUri::Kind::Part: formatted = PartUri(session, uri.Number); break;
        case MediaUri::Kind::Segment: formatted = SegmentUri(session, uri.Number); break;
        case MediaUri::Kind::Init:
            if (uri.Number > 0xffffffffu)
                std::abort();
            formatted = InitUri(session, uint32_t(uri.Number));
            break;
        case MediaUri::Kind::Invalid: break;
    }
    const MediaUri again = ParseMediaUri(formatted, session);
    if (again.UriKind != uri.UriKind || again.Number != uri.Number)
        std::abort();
    // Another session's names never parse (same length, one byte changed).
    if (!session.empty())
    {
        std::string other(session);
        other[0] = char(other[0] ^ 1);
        if (ParseMediaUri(name, other).UriKind != MediaUri::Kind::Invalid)
            std::abort();
    }
}

void CheckLivePath(std::string_view path)
{
    const LivePath live = SplitLivePath(path);
    if (live.PathKind != LivePath::Kind::Broadcast)
        return;
    if (live.Broadcast.empty() || live.Broadcast.find('/') != std::string::npos || live.Inner.rfind("/live/", 0) != 0)
        std::abort();
    // The inner path is of the single-broadcast form, which the split knows too.
    if (SplitLivePath(live.Inner).PathKind != LivePath::Kind::Broadcast)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const size_t cut = size ? data[0] % (size + 1) : 0;
    const std::string_view first = text.substr(0, cut), second = text.substr(cut);

    CheckQuery(text);
    CheckMediaUri(text, "1a2b");
    CheckMediaUri(second, first.substr(0, 8));
    CheckLivePath(text);

    std::string decoded;
    if (PercentDecode(text, decoded) && decoded.size() > text.size())
        std::abort();
    QueryValue(text, "token");

    std::string subprotocol;
    const std::string key = FindStreamKey(first, second, subprotocol);
    if (!subprotocol.empty() && key.empty())
        std::abort();

    HttpUrl url;
    std::string error;
    if (ParseHttpUrl(text, url, error))
    {
        if (url.Host.empty() || url.Port.size() > 5 || url.Port.find_first_not_of("0123456789") != std::string::npos ||
            (!url.Target.empty() && url.Target[0] != '/'))
            std::abort();
    }
    else if (error.empty())
        std::abort();

    const KeyCheck check = CheckStreamKey(first.substr(0, 8), second, "demo", 1000);
    if (check.Status != 200 && check.Status != 401 && check.Status != 403 && check.Status != 503)
        std::abort();
    if ((check.Status == 200) != check.Message.empty())
        std::abort();
    return 0;
}
