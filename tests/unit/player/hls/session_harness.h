// Test harness for HlsSession (tests/unit/player/hls): drives a session with fake responses and a fake clock (no I/O),
// collecting its open requests, cancellations, media chunks and events. Shared by test_hls_session and test_hls_seek.
#pragma once
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_session.h>

#include <algorithm>
#include <string>
#include <vector>

namespace livescope::test {

struct Harness
{
    HlsSession S;
    double Now = 0.0;
    std::vector<HlsLoadRequest> Open;
    std::vector<uint64_t> Cancelled;
    std::vector<HlsMediaChunk> Media;
    std::vector<HlsEventRecord> Events;

    explicit Harness(HlsSessionConfig cfg = {}) : S(cfg) {}

    void Pull()
    {
        for (HlsLoadRequest& r : S.TakeRequests()) Open.push_back(std::move(r));
        for (uint64_t id : S.TakeCancellations())
        {
            Cancelled.push_back(id);
            Open.erase(std::remove_if(Open.begin(), Open.end(), [&](const HlsLoadRequest& r) { return r.Id == id; }), Open.end());
        }
        for (HlsMediaChunk& c : S.TakeMedia()) Media.push_back(std::move(c));
        for (HlsEventRecord& e : S.TakeEvents()) Events.push_back(std::move(e));
    }
    const HlsLoadRequest* Find(HlsRequestKind kind, const std::string& url_part = "") const
    {
        for (const HlsLoadRequest& r : Open)
            if (r.Kind == kind && r.Url.find(url_part) != std::string::npos) return &r;
        return nullptr;
    }
    HlsLoadRequest Take(HlsRequestKind kind, const std::string& url_part = "")
    {
        const HlsLoadRequest* r = Find(kind, url_part);
        REQUIRE_MESSAGE(r, "no open ", HlsRequestKindName(kind), " request matching '", url_part, "'");
        HlsLoadRequest copy = *r;
        Open.erase(Open.begin() + (r - Open.data()));
        return copy;
    }
    void Data(uint64_t id, const std::string& bytes)
    {
        S.OnData(id, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), Now);
        Pull();
    }
    void Respond(const HlsLoadRequest& r, const std::string& body, int status = 200)
    {
        S.OnResponse(r.Id, status, Now);
        Pull();
        if (status >= 400) return;
        Data(r.Id, body);
        S.OnComplete(r.Id, Now);
        Pull();
    }
    int Count(HlsEvent e) const
    {
        return static_cast<int>(std::count_if(Events.begin(), Events.end(), [&](const HlsEventRecord& r) { return r.Type == e; }));
    }
    std::string MediaText(bool init) const
    {
        std::string s;
        for (const HlsMediaChunk& c : Media)
            if (c.IsInit == init) s.append(c.Bytes.begin(), c.Bytes.end());
        return s;
    }

    // Answers the open init / segment request with its own file name as the body; returns that name ("" when none).
    std::string Serve()
    {
        for (HlsRequestKind k : {HlsRequestKind::Map, HlsRequestKind::Segment})
            if (Find(k))
            {
                HlsLoadRequest r = Take(k);
                const std::string name = r.Url.substr(r.Url.rfind('/') + 1);
                Respond(r, name);
                return name;
            }
        return "";
    }
};

} // namespace livescope::test
