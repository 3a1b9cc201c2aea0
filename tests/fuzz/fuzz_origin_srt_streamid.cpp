// libFuzzer target: the origin's SRT stream id rules (src/server/origin/srt_streamid.h) never crash on any stream id,
// and what they decide is consistent: a refusal has a reason and an SRT reject code of libsrt's predefined range; an
// acceptance names a valid broadcast that is not the demo, and its key verifies for that broadcast; an accepted stream id
// is accepted the same in the other form (the key alone, or #!::r=<name>,s=<key>).
#include <livescope/server/origin/broadcasts.h>
#include <livescope/server/origin/srt_streamid.h>

#include <livescope/server/common/token.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace livescope;

namespace {

constexpr int64_t Now = 1764000000; // s
const char* const Secret = "fuzz-srt-secret";

void CheckOne(std::string_view stream_id)
{
    SrtStreamId parsed;
    std::string error;
    int status = 0;
    if (!ParseSrtStreamId(stream_id, parsed, error, status))
    {
        if (error.empty() || (status != 400 && status != 405 && status != 415))
            std::abort();
    }
    else if (parsed.Key.size() > stream_id.size() || parsed.Name.size() > stream_id.size())
        std::abort();

    const SrtKeyCheck check = CheckSrtStreamId(Secret, stream_id, Now);
    if (check.Status != 200)
    {
        const int reason = SrtRejectReason(check.Status);
        if (check.Message.empty() || reason < 1400 || reason >= 1600)
            std::abort();
        return;
    }
    if (!ValidBroadcastName(check.Name) || check.Name == DemoBroadcastName || CheckStreamKey(Secret, check.Key, check.Name, Now).Status != 200)
        std::abort();
    if (CheckSrtStreamId(Secret, check.Key, Now).Name != check.Name)
        std::abort();
    const SrtKeyCheck named = CheckSrtStreamId(Secret, "#!::r=" + check.Name + ",s=" + check.Key, Now);
    if (named.Status != 200 || named.Name != check.Name)
        std::abort();
    if (CheckSrtStreamId("another-secret", stream_id, Now).Status == 200)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    CheckOne(text);
    // Byte 0 picks a form around a valid key so that acceptances are reached too: the rest is then its broadcast name.
    if (size >= 1)
    {
        TokenClaims claims;
        claims.Name = std::string(text.substr(1, 32));
        claims.UserRole = data[0] & 1 ? Role::Broadcaster : Role::Viewer;
        claims.ExpiresAt = data[0] & 2 ? Now + 60 : Now - 1;
        const std::string key = MintToken(Secret, claims);
        CheckOne(key);
        CheckOne("#!::r=" + claims.Name + ",s=" + key);
        CheckOne("#!::s=" + key + (data[0] & 4 ? ",m=publish" : ",m=request"));
    }
    return 0;
}
