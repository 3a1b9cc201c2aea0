// Unit tests for HlsSession's AES-128 path (key requests, key cache, IVs, streaming decryption through the
// HlsDecryptor interface) and its fatal errors (unsupported / invalid playlists). Fake responses, fake clock.
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_session.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

using namespace livescope;

namespace {
const std::string kUrl = "http://127.0.0.1:9/live/720p/index.m3u8";

// A stand-in for AES-128-CBC: XOR with key[0], and one '!' byte of "padding" that only Finish() may hand out.
struct MadeWith
{
    std::array<uint8_t, 16> Key, Iv;
};
std::vector<MadeWith> g_made;

class XorDecryptor final : public HlsDecryptor
{
public:
    explicit XorDecryptor(uint8_t x) : X(x) {}
    void Update(const uint8_t* bytes, size_t size, std::vector<uint8_t>& out) override
    {
        for (size_t i = 0; i < size; i++)
        {
            if (HaveHeld) out.push_back(static_cast<uint8_t>(Held ^ X));
            Held = bytes[i];
            HaveHeld = true;
        }
    }
    bool Finish(std::vector<uint8_t>&) override { return HaveHeld && (Held ^ X) == '!'; }

private:
    uint8_t X, Held = 0;
    bool HaveHeld = false;
};

HlsSessionConfig WithFake()
{
    HlsSessionConfig cfg;
    cfg.Decryptor = [](const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv) -> std::unique_ptr<HlsDecryptor> {
        g_made.push_back({key, iv});
        return std::make_unique<XorDecryptor>(key[0]);
    };
    return cfg;
}

std::string Encrypt(const std::string& plain, uint8_t x)
{
    std::string s = plain + "!";
    for (char& c : s) c = static_cast<char>(static_cast<uint8_t>(c) ^ x);
    return s;
}

std::string KeyBytes(uint8_t first) { return std::string(1, static_cast<char>(first)) + std::string(15, 'k'); }

struct Harness
{
    HlsSession S;
    double Now = 0.0;
    std::vector<HlsLoadRequest> Open;
    std::vector<HlsMediaChunk> Media;
    std::vector<HlsEventRecord> Events;
    explicit Harness(HlsSessionConfig cfg = {}) : S(std::move(cfg)) {}
    void Pull()
    {
        for (HlsLoadRequest& r : S.TakeRequests()) Open.push_back(std::move(r));
        for (uint64_t id : S.TakeCancellations()) Open.erase(std::remove_if(Open.begin(), Open.end(), [&](const HlsLoadRequest& r) { return r.Id == id; }), Open.end());
        for (HlsMediaChunk& c : S.TakeMedia()) Media.push_back(std::move(c));
        for (HlsEventRecord& e : S.TakeEvents()) Events.push_back(std::move(e));
    }
    HlsLoadRequest Take(HlsRequestKind kind, const std::string& url_part = "")
    {
        auto it = std::find_if(Open.begin(), Open.end(), [&](const HlsLoadRequest& r) { return r.Kind == kind && r.Url.find(url_part) != std::string::npos; });
        REQUIRE_MESSAGE(it != Open.end(), "no open ", HlsRequestKindName(kind), " request matching '", url_part, "'");
        HlsLoadRequest copy = *it;
        Open.erase(it);
        return copy;
    }
    void Data(const HlsLoadRequest& r, const std::string& bytes)
    {
        S.OnData(r.Id, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), Now);
        Pull();
    }
    void Respond(const HlsLoadRequest& r, const std::string& body, int status = 200)
    {
        S.OnResponse(r.Id, status, Now);
        Pull();
        if (status >= 400) return;
        Data(r, body);
        S.OnComplete(r.Id, Now);
        Pull();
    }
    int Count(HlsEvent e) const
    {
        return static_cast<int>(std::count_if(Events.begin(), Events.end(), [&](const HlsEventRecord& r) { return r.Type == e; }));
    }
    std::string Text() const
    {
        std::string s;
        for (const HlsMediaChunk& c : Media) s.append(c.Bytes.begin(), c.Bytes.end());
        return s;
    }
};

const std::string kVod =
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    "#EXT-X-KEY:METHOD=AES-128,URI=\"k1.key\"\n#EXTINF:2,\ns5.ts\n#EXTINF:2,\ns6.ts\n"
    "#EXT-X-KEY:METHOD=AES-128,URI=\"k2.key\",IV=0x0000000000000000000000000000002A\n#EXTINF:2,\ns7.ts\n"
    "#EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\ns8.ts\n#EXT-X-ENDLIST\n";
} // namespace

TEST_SUITE_BEGIN("player_hls/hls_session_aes");

TEST_CASE("an AES-128 stream makes one key request per key URI, before its segment; each segment decrypts with its IV")
{
    g_made.clear();
    Harness h(WithFake());
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), kVod);
    REQUIRE(h.Open.size() == 1); // the key first, not the segment
    const HlsLoadRequest k1 = h.Take(HlsRequestKind::Key, "k1.key");
    CHECK(k1.Url == "http://127.0.0.1:9/live/720p/k1.key");
    h.Respond(k1, KeyBytes(0x11));
    // Streaming: the first chunk holds back what might be padding; First/Last mark the segment's ends.
    const HlsLoadRequest s5 = h.Take(HlsRequestKind::Segment, "s5.ts");
    const std::string c5 = Encrypt("segment five", 0x11);
    h.S.OnResponse(s5.Id, 200, h.Now);
    h.Data(s5, c5.substr(0, 4));
    REQUIRE(h.Media.size() == 1);
    CHECK(h.Media[0].First);
    CHECK_FALSE(h.Media[0].Last);
    CHECK(std::string(h.Media[0].Bytes.begin(), h.Media[0].Bytes.end()) == "seg");
    h.Data(s5, c5.substr(4));
    h.S.OnComplete(s5.Id, h.Now);
    h.Pull();
    CHECK(h.Text() == "segment five");
    CHECK(h.Media.back().Last);
    CHECK_FALSE(h.Media.back().First);
    // Same key URI: no second key request; the IV is the media sequence number.
    h.Respond(h.Take(HlsRequestKind::Segment, "s6.ts"), Encrypt("/six", 0x11));
    CHECK(h.Text() == "segment five/six");
    REQUIRE(g_made.size() == 2);
    CHECK(g_made[0].Iv[15] == 5);
    CHECK(g_made[1].Iv[15] == 6);
    CHECK(g_made[1].Key[0] == 0x11);
    // A new key URI with an explicit IV, then clear media.
    h.Respond(h.Take(HlsRequestKind::Key, "k2.key"), KeyBytes(0x22));
    h.Respond(h.Take(HlsRequestKind::Segment, "s7.ts"), Encrypt("/seven", 0x22));
    CHECK(g_made.back().Iv[15] == 0x2A);
    h.Respond(h.Take(HlsRequestKind::Segment, "s8.ts"), "/eight");
    CHECK(h.Text() == "segment five/six/seven/eight");
    CHECK(h.S.Ended());
    CHECK(h.S.Stats().Errors == 0);
}

TEST_CASE("an AES-128 key of the wrong size is an error, retried, then the segment is skipped")
{
    Harness h(WithFake());
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), kVod);
    h.Respond(h.Take(HlsRequestKind::Key, "k1.key"), "short");
    CHECK(h.Count(HlsEvent::RequestFailed) == 1);
    h.Respond(h.Take(HlsRequestKind::Key, "k1.key"), "", 404);
    h.Respond(h.Take(HlsRequestKind::Key, "k1.key"), "", 403);
    CHECK(h.Count(HlsEvent::MediaSkipped) == 1);
    // s5 skipped; s6 needs the same key: asked again.
    h.Respond(h.Take(HlsRequestKind::Key, "k1.key"), KeyBytes(0x11));
    h.Respond(h.Take(HlsRequestKind::Segment, "s6.ts"), Encrypt("six", 0x11));
    CHECK(h.Text() == "six");
    CHECK_FALSE(h.S.FatalError());
}

TEST_CASE("AES-128 bad padding (a wrong key) is a reported error, not a crash")
{
    Harness h(WithFake());
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), kVod);
    h.Respond(h.Take(HlsRequestKind::Key, "k1.key"), KeyBytes(0x11));
    h.Respond(h.Take(HlsRequestKind::Segment, "s5.ts"), Encrypt("five", 0x33));
    CHECK(h.Count(HlsEvent::RequestFailed) == 1);
    REQUIRE_FALSE(h.Media.empty());
    CHECK(h.Media.back().Last);
    h.Respond(h.Take(HlsRequestKind::Segment, "s6.ts"), Encrypt("six", 0x11)); // playback goes on
}

TEST_CASE("without a decryptor an encrypted stream is a fatal unsupported-playlist")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), kVod);
    REQUIRE(h.S.FatalError());
    CHECK(h.S.FatalError()->Code == "unsupported-playlist");
    CHECK(h.S.FatalError()->Kind == HlsParseErrorKind::Unsupported);
    CHECK(h.Open.empty());
    CHECK(h.Count(HlsEvent::Fatal) == 1);
}

TEST_CASE("SAMPLE-AES is a fatal unsupported-playlist at once; nothing more is requested")
{
    Harness h(WithFake());
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://k\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n#EXTINF:2,\na.ts\n");
    REQUIRE(h.S.FatalError());
    CHECK(h.S.FatalError()->Code == "unsupported-playlist");
    CHECK(h.S.FatalError()->Message.find("line 3: unsupported encryption") == 0);
    REQUIRE(h.S.LastParseError());
    CHECK(h.S.LastParseError()->Kind == HlsParseErrorKind::Unsupported);
    h.Now = 30.0;
    h.S.Tick(h.Now);
    h.Pull();
    CHECK(h.Open.empty());
    CHECK(h.S.NextWakeup() == std::numeric_limits<double>::infinity());
}

TEST_CASE("an invalid first playlist is retried, then a fatal invalid-playlist")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    const std::string bad = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n#EXT-X-ENDLIST\n";
    for (int i = 0; i < 2; i++)
    {
        h.Respond(h.Take(HlsRequestKind::Multivariant), bad);
        CHECK_FALSE(h.S.FatalError());
        h.Now = h.S.NextWakeup();
        h.S.Tick(h.Now);
        h.Pull();
    }
    h.Respond(h.Take(HlsRequestKind::Multivariant), bad);
    REQUIRE(h.S.FatalError());
    CHECK(h.S.FatalError()->Code == "invalid-playlist");
    CHECK(h.S.FatalError()->Message == "line 4: duplicate EXT-X-ENDLIST");
}

TEST_CASE("once a media playlist loaded, invalid reloads are retried and never fatal")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n");
    auto reload_open = [&] { return std::any_of(h.Open.begin(), h.Open.end(), [](const HlsLoadRequest& r) { return r.Kind == HlsRequestKind::MediaPlaylist; }); };
    for (int i = 0; i < 5; i++)
    {
        for (int guard = 0; guard < 20 && !reload_open(); guard++)
        { // reload timers (stale checks wake up too)
            h.Now = h.S.NextWakeup();
            h.S.Tick(h.Now);
            h.Pull();
        }
        h.Respond(h.Take(HlsRequestKind::MediaPlaylist), "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n");
    }
    CHECK(h.Count(HlsEvent::ParseFailed) == 5);
    CHECK_FALSE(h.S.FatalError());
    REQUIRE(h.S.LastParseError());
    CHECK(h.S.LastParseError()->Kind == HlsParseErrorKind::Invalid);
}

TEST_CASE("an EXT-X-MAP under an AES-128 key is decrypted with the key's IV, then its segments")
{
    g_made.clear();
    Harness h(WithFake());
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant),
              "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-PLAYLIST-TYPE:VOD\n"
              "#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\",IV=0x77\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\ns3.m4s\n#EXT-X-ENDLIST\n");
    h.Respond(h.Take(HlsRequestKind::Key, "k.key"), KeyBytes(0x44));
    const HlsLoadRequest init = h.Take(HlsRequestKind::Map, "init.mp4");
    h.S.OnResponse(init.Id, 200, h.Now);
    h.Data(init, Encrypt("INIT", 0x44).substr(0, 3));
    h.Data(init, Encrypt("INIT", 0x44).substr(3));
    h.S.OnComplete(init.Id, h.Now);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Segment, "s3.m4s"), Encrypt("media", 0x44));
    std::string init_text, media_text;
    int init_first = 0, init_last = 0;
    for (const HlsMediaChunk& c : h.Media)
    {
        (c.IsInit ? init_text : media_text).append(c.Bytes.begin(), c.Bytes.end());
        if (c.IsInit)
        {
            init_first += c.First;
            init_last += c.Last;
        }
    }
    CHECK(init_text == "INIT");
    CHECK(init_first == 1);
    CHECK(init_last == 1);
    CHECK(media_text == "media");
    REQUIRE(g_made.size() == 2);
    CHECK(g_made[0].Iv[15] == 0x77); // the map: the explicit IV
    CHECK(g_made[1].Iv[15] == 0x77); // the segment too (explicit IV wins over the sequence number)
    CHECK(h.S.Stats().Errors == 0);
}

TEST_SUITE_END();
