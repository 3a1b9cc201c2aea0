// Room replay, pure: the room of an ended broadcast played back in step with its recording. Fed pages of the
// relay's log (GET /rooms/<room>/events, REPLAY-SPEC.md), it answers "what to show at stream time T" as T
// advances (comments due, hearts bursts, board changes, the viewer count), rebuilds the state at T after a seek
// (the last few comments, the board as it stood, the count, nothing from later), says which stream-time range to
// fetch next (the chunk under the playhead, then ahead of it, then the rest for the heat strip and the board),
// keeps memory bounded (comments and hearts far from the playhead are dropped and fetched again when needed)
// and computes the seek bar's heat strip (hearts per bucket normalised 0..1, answered moments).
//
// Threading: page main thread only. Ownership: plain value. Times: stream times are epoch milliseconds
// (PROGRAM-DATE-TIME of the frame); `now` is seconds on one monotonic clock (performance.now() / 1000).
// No browser calls: the page module (src/app/page/interaction.cpp) drives it, web/runtime/room-replay.js fetches.
#pragma once

#include <livescope/room/room_client.h>
#include <livescope/room/room_policy.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace livescope {

//-----------------------------------------------------------------------------
// Reading one page of events
//-----------------------------------------------------------------------------

enum class ReplayEventKind
{
    Comment,   // Id, UserId, Author, Rgb, Text, Question
    Hearts,    // Hearts
    Vote,      // Id (question), Votes (total after it)
    Answering, // Id
    Answered,  // Id
    Dismissed, // Id
    Viewers,   // Live, Total
    Pinned,    // Id (Author, Rgb, Text filled from the comment when it is known)
    Unpinned,  //
    Muted,     // UserId
    Ended,     //
    Deleted,   // Id (not in the contract's answers, where a deleted comment is absent; honoured if a log sends it)
};

struct ReplayEvent
{
    std::int64_t Seq = 0; // the log's order among events of the same T
    std::int64_t T = 0;   // stream time, epoch ms
    ReplayEventKind Kind = ReplayEventKind::Comment;
    std::string Id;
    std::string UserId;
    std::string Author;
    std::uint32_t Rgb = 0xFFFFFF; // 0xRRGGBB
    std::string Text;
    bool Question = false;
    std::int64_t Votes = 0;
    std::int64_t Live = 0;
    std::int64_t Total = 0;
    std::vector<RoomHeart> Hearts;
};

struct ReplayPage
{
    std::vector<ReplayEvent> Events; // in the page's order
    std::string Next;                // the cursor for `after=`; empty when this was the last page
    std::size_t Skipped = 0;         // events of an unknown type, or malformed, or beyond the cap: left out
};

struct ReplayPageResult
{
    bool Ok = false;
    std::string Error; // when !Ok: what was wrong ("not JSON", "no events array", ...)
    ReplayPage Page;
};

constexpr std::size_t kReplayMaxPageEvents = 2000;  // events read from one page; the rest are skipped
constexpr std::size_t kReplayMaxPageBytes = 8 << 20; // a longer body is refused whole

// Reads `{"room":R,"events":[E...],"next":<cursor or null>}`. Never throws: an error value for what is not
// such an object; unknown or malformed events are skipped and counted. Texts are sanitised UTF-8.
ReplayPageResult ReplayParsePage(std::string_view json);

//-----------------------------------------------------------------------------
// The replay model
//-----------------------------------------------------------------------------

struct RoomReplayConfig
{
    std::int64_t ChunkMs = 30000;       // a fetch asks for one chunk of stream time (paged by the relay)
    std::int64_t AheadMs = 30000;       // prefetch the chunks up to this far ahead of the playhead
    std::int64_t KeepBehindMs = 60000;  // comments and hearts further behind the playhead are dropped
    std::int64_t RecentMs = 60000;      // a rebuild shows comments at most this old
    std::size_t RebuildComments = 8;    // a rebuild shows at most this many comments
    std::int64_t JumpMs = 5000;         // a playhead that moves further than this at once is a seek
    std::int64_t BackMs = 1000;         // a playhead that moves back less than this is jitter, ignored
    std::int64_t LateMs = 2000;         // an event that arrives at most this late is shown (else a rebuild)
    std::size_t MaxEvents = 50000;      // events kept (the oldest comments and hearts go first)
    std::size_t MaxQuestions = 2000;    // questions tracked for the board
    std::size_t HeatBuckets = 120;      // heat strip resolution (fewer for short broadcasts: buckets >= 1 s)
};

// What the app applies to its overlay, in order.
struct RoomReplayUpdate
{
    bool Reset = false;   // a rebuild starts: clear the comment stream (the rest of the batch is the state at T)
    bool History = false; // part of a rebuild: shown as what was on screen, no `comment` event fired
    std::int64_t T = 0;   // stream time of the event, epoch ms
    // Comment, Hearts, Viewers, Board (the whole board is RoomReplay::Board), Pinned, Unpinned, Muted
    RoomUpdate Update;
};

enum class ReplayChunkState
{
    Missing,
    Loading,
    Loaded, // every page arrived; its comments and hearts are kept
};

struct ReplayChunk
{
    std::int64_t From = 0; // stream ms, inclusive
    std::int64_t To = 0;   // stream ms, exclusive
    ReplayChunkState State = ReplayChunkState::Missing;
    bool Summarised = false;       // its hearts and answers are in the heat strip, its board events kept
    std::string After;             // cursor of the next page while Loading
    std::vector<double> PendingHeat; // hearts per heat bucket from this chunk's pages so far
    std::vector<std::int64_t> PendingAnswers;
};

// One request the edge should make: GET /rooms/<room>/events?from=From&to=To[&after=After]
struct ReplayFetch
{
    std::int64_t From = 0;
    std::int64_t To = 0;
    std::string After;
};

struct RoomReplay
{
    RoomReplayConfig Config;
    bool HasSpan = false;
    std::int64_t Start = 0; // stream ms at position 0
    std::int64_t End = 0;   // stream ms at the end
    std::vector<ReplayChunk> Chunks;
    std::map<std::pair<std::int64_t, std::int64_t>, ReplayEvent> Events; // by (T, Seq): deduplicated, sorted
    bool HasT = false;
    std::int64_t T = 0;     // stream ms, the playhead as last applied
    bool NeedRebuild = false;
    int InFlight = -1;      // chunk index being fetched, -1 none
    int Continue = -1;      // chunk whose next page is to be asked next, -1 none
    int EvictedAt = -1;     // chunk of the playhead at the last eviction
    double NextFetchAt = 0; // seconds: after a failure, no fetch before this
    ReconnectBackoff Backoff;
    std::uint64_t Failures = 0;  // fetches that failed (network, HTTP, bad JSON)
    std::uint64_t Skipped = 0;   // events left out of pages (unknown, malformed, over a cap)
    std::uint64_t Dropped = 0;   // comments and hearts dropped to keep memory bounded
    std::vector<double> Heat;    // hearts per bucket, over the chunks summarised
    std::vector<std::int64_t> Answers; // stream ms of `answered` events (sorted)
    std::unordered_set<std::string> DeletedIds; // comments a `deleted` event named (bounded)
    bool MarksDirty = false;
    // The state at T (for rebuilds and the app).
    RoomBoard Board;
    std::vector<RoomReplayUpdate> Updates; // for the app, oldest first
};

void RoomReplayInit(RoomReplay& r, const RoomReplayConfig& config = {}, std::uint64_t seed = 1);
// The recording's stream-time span (from the player: streamTime - currentTime, and that plus duration). Chunks are
// laid from `start_ms`; calling it again with the same span does nothing, with another one starts over.
void RoomReplaySetSpan(RoomReplay& r, std::int64_t start_ms, std::int64_t end_ms);

// The next request to make, or none (one at a time; none before the span is known, while one is in flight, during
// a failure's backoff, or when everything needed is loaded). Order: the chunk under the playhead, the one 10 s behind
// it (comments still on screen), the chunks up to AheadMs after it, then every chunk not yet summarised from the
// start (the heat strip and the board need them).
std::optional<ReplayFetch> RoomReplayNextFetch(RoomReplay& r, double now);
// The answer to the request in flight. Returns false (and counts a failure, with backoff) when the body is not a
// page; the chunk is then asked again later from its start.
bool RoomReplayOnPage(RoomReplay& r, std::string_view json, double now);
// The request in flight failed (network error, HTTP status): asked again after a backoff.
void RoomReplayOnFetchFailed(RoomReplay& r, double now);

// The playhead's stream time, each frame or `timeupdate`: queues the events that came due since the last call,
// or a rebuild when it jumped (further than JumpMs ahead, or more than BackMs back).
void RoomReplayAdvance(RoomReplay& r, std::int64_t t_ms);
// After `seeked`: queues a rebuild of the state at t (nothing from later).
void RoomReplaySeek(RoomReplay& r, std::int64_t t_ms);
std::vector<RoomReplayUpdate> RoomReplayTakeUpdates(RoomReplay& r);

// The heat strip for the seek bar (`_ls_set_seek_marks`): {"hearts":[[t0_s, weight 0..1], ...], "answers":[t_s, ...]}
// in position seconds (since Start); buckets without hearts are left out.
std::string RoomReplayMarksJson(const RoomReplay& r);
// True once when the marks changed since the last call.
bool RoomReplayTakeMarksDirty(RoomReplay& r);

} // namespace livescope
