// libFuzzer target: the origin's pure router (router.h) answers any path, query, method and HTTP version over a live
// rendition without crashing, and its decisions are consistent: a status in 100..599, never a hold once the hold has
// timed out, a streamed part of a rendition that exists, 503 for everything while stopping, the fault plan untouched
// by anything but media.
#include <livescope/server/origin/router.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

using namespace livescope;

namespace {

SharedBytes Payload(uint8_t fill) { return std::make_shared<const std::vector<uint8_t>>(10, fill); }

// One rendition "360p" with 25 parts of 0.2 s (2 s segments), as in the router's unit tests.
struct Fixture
{
    RenditionSpec Spec{"360p", 640, 360, 800, 96};
    LiveRendition Live;
    Mp4InitInfo Init;
    RouterState State;

    Fixture()
    {
        Live.SetInit(Payload(0xee), 1);
        for (int i = 0; i < 25; i++)
            Live.AddPart(Payload(uint8_t(i)), 0.2, i % 10 == 0, 1764000000000 + int64_t(i) * 200);
        State.Session = "abc";
        State.Ready = true;
        State.Renditions.push_back(RouterRendition{&Spec, &Live, &Init, false, nullptr, {}});
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static Fixture fixture; // routing reads the state, never changes it
    if (size < 2)
        return 0;
    const uint8_t flags = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
    const size_t cut = std::min<size_t>(data[1], rest.size());
    RouterRequest request;
    request.Path = rest.substr(0, cut);
    request.Query = rest.substr(cut);
    request.Head = flags & 1;
    request.Version = flags & 2 ? 10 : 11;
    request.TimedOut = flags & 4;
    fixture.State.Ready = !(flags & 8);
    fixture.State.Stopping = flags & 16;

    FaultPlan faults; // no faults configured: every request is answered as is
    const RouteDecision d = Route(request, fixture.State, faults);
    if (d.DecisionKind == RouteDecision::Kind::Respond && (d.Status < 100 || d.Status > 599))
        std::abort();
    if (request.TimedOut && d.DecisionKind == RouteDecision::Kind::Hold)
        std::abort();
    if (d.DecisionKind == RouteDecision::Kind::StreamPart && d.StreamRendition >= fixture.State.Renditions.size())
        std::abort();
    if (fixture.State.Stopping && (d.DecisionKind != RouteDecision::Kind::Respond || d.Status != 503))
        std::abort();
    if (d.DecisionKind == RouteDecision::Kind::Drop || d.DelayMs != 0)
        std::abort(); // only a configured fault plan drops or delays
    return 0;
}
