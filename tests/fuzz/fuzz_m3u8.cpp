// libFuzzer target: M3U8 parser, delta merge, start point and reload URLs, and one HlsSession step
// (with a stand-in AES-128 decryptor, so that key requests, the key cache and streaming decryption run).
// Input: a playlist, optionally followed by "\n#--UPDATE--\n" and a second playlist used as an update.
#include <livescope/player/hls/hls_session.h>
#include <livescope/player/hls/m3u8.h>
#include <livescope/player/hls/playlist_logic.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

using namespace livescope;

namespace {
// XOR stand-in for AES-128-CBC with the same contract: the last byte is held back until Finish().
class FuzzDecryptor final : public HlsDecryptor
{
public:
    explicit FuzzDecryptor(uint8_t x) : X(x) {}
    void Update(const uint8_t* bytes, size_t size, std::vector<uint8_t>& out) override
    {
        for (size_t i = 0; i < size; i++)
        {
            if (HaveHeld) out.push_back(static_cast<uint8_t>(Held ^ X));
            Held = bytes[i];
            HaveHeld = true;
        }
    }
    bool Finish(std::vector<uint8_t>& out) override
    {
        if (!HaveHeld || (Held ^ X) != 1) return false;
        (void)out;
        return true;
    }

private:
    uint8_t X, Held = 0;
    bool HaveHeld = false;
};

void Exercise(const HlsPlaylist& pl)
{
    for (const HlsSegment& s : pl.Segments)
    {
        if (s.Key) (void)HlsKeyIv(*s.Key, s.Msn);
    }
    for (bool ll : {false, true})
    {
        HlsStartPoint sp = ComputeStartPoint(pl, ll);
        if (sp.Ok && !(sp.Distance >= -1e-6)) std::abort();
        HlsPosition next = NextPosition(pl, ll);
        (void)PlaylistHas(pl, next);
        (void)BuildReloadUrl(pl.Url, next.Msn, next.Part, ChooseSkip(pl, 0.0));
        (void)HoldBack(pl, ll);
    }
    (void)PlaylistDuration(pl);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string_view sep = "\n#--UPDATE--\n";
    const size_t cut = input.find(sep);
    const std::string_view first = input.substr(0, cut);
    const std::string_view second = cut == std::string_view::npos ? std::string_view() : input.substr(cut + sep.size());
    const char* base = "http://127.0.0.1:8080/live/720p/index.m3u8";

    HlsParseResult a = ParsePlaylist(first, base);
    if (!a.Ok && a.Error.Reason.empty()) std::abort(); // every error has a reason
    if (!a.Ok && HlsParseErrorKindName(a.Error.Kind)[0] == '\0') std::abort();
    if (a.Ok) Exercise(a.Playlist);
    if (a.Ok && !second.empty())
    {
        HlsParseResult b = ParsePlaylist(second, base);
        if (b.Ok)
        {
            HlsMergeResult m = MergePlaylistUpdate(a.Playlist, b.Playlist);
            if (m.Ok)
                Exercise(m.Playlist);
            else if (m.Reason.empty())
                std::abort();
        }
    }

    // The engine must survive the same bytes as responses: start, then answer every request with them.
    HlsSessionConfig cfg;
    cfg.Decryptor = [](const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv) -> std::unique_ptr<HlsDecryptor> {
        return std::make_unique<FuzzDecryptor>(static_cast<uint8_t>(key[0] ^ iv[15]));
    };
    HlsSession session(cfg);
    session.Start(base, 0.0);
    double now = 0.0;
    for (int round = 0; round < 4; round++)
    {
        for (const HlsLoadRequest& r : session.TakeRequests())
        {
            std::string_view body = (round % 2 == 0) ? first : (second.empty() ? first : second);
            if (r.Kind == HlsRequestKind::Key && round % 2 == 1) body = body.substr(0, 16); // a key, when long enough
            session.OnResponse(r.Id, 200, now);
            session.OnData(r.Id, reinterpret_cast<const uint8_t*>(body.data()), body.size(), now);
            session.OnComplete(r.Id, now);
        }
        (void)session.TakeCancellations();
        (void)session.TakeMedia();
        (void)session.TakeEvents();
        const double wake = session.NextWakeup();
        now = std::isfinite(wake) ? std::max(now, wake) : now + 1.0;
        session.Tick(now);
    }
    if (session.FatalError() && session.FatalError()->Code.empty()) std::abort(); // a fatal error always has a code
    return 0;
}
