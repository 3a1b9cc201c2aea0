// Pure: where a broadcast's EXT-X-PROGRAM-DATE-TIME comes from. A publisher that stamps its capture wall-clock time
// (the studio) gives the wall time of media time 0 of its stream; otherwise the origin takes the time the run's first
// input bytes arrived (a publisher sends at real time, so media time 0 arrived then), and failing that its clock when
// the encoder's first fragment comes out. ChooseMediaAnchor picks between them with sanity windows, and
// ParseIngestControl reads the publisher's text message that carries the stamp (docs/ingest.md).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace livescope {

// A capture stamp older than the origin's own anchor by more than this is not trusted (the publisher's clock is
// off, or the stamp is stale): the origin's clock is used. (The origin's anchor is taken when the first encoded
// fragment leaves the encoder, so it is later than the capture by the whole ingest path: upload, probe, encode.)
constexpr int64_t CaptureClockMaxLagMs = 10000; // ms
constexpr int64_t CaptureClockMaxLeadMs = 0;    // ms a capture stamp may be later than the origin's anchor (none: a
                                                // frame is not served before it was captured)

// The first input bytes arrive before the first fragment leaves the encoder by its probe and encode time (about 1 s
// for ffmpeg's probe of MPEG-TS). An arrival time earlier than the output anchor by more than this is not trusted
// (the bytes sat in a queue, or the encoder dropped input before its first key frame): the output anchor is used.
constexpr int64_t InputArrivalMaxLeadMs = 5000; // ms

struct MediaAnchor
{
    int64_t WallMs = 0;       // ms since the epoch at media time 0 of an encoder run
    bool FromCapture = false; // the publisher's capture clock
    bool FromInput = false;   // when the run's first input bytes arrived (both false: when its first fragment came out)
};

// output_anchor_ms: the origin's anchor (now minus the media end of the first fragment); capture_anchor_ms: the
// publisher's stamp of media time 0, when `have_capture`; input_arrival_ms: when the run's first input bytes arrived
// (0: unknown, as for the demo's own source). Taking the output anchor alone would date every frame late by the
// probe time, so its PDT would run ahead of the wall clock and a viewer's now − PDT would read low, even below 0.
MediaAnchor ChooseMediaAnchor(int64_t output_anchor_ms, bool have_capture, int64_t capture_anchor_ms, int64_t input_arrival_ms = 0);

// A publisher's text message: a JSON object. {"capture_ms": N} says the stream's media time 0 was captured at N ms
// since the epoch (the publisher's clock); other keys are ignored. Returns true when the message carries a stamp.
// A message that is not a JSON object, or a stamp that is not a positive integer, is an error (text in `error`).
bool ParseIngestControl(std::string_view text, int64_t& capture_ms, std::string& error);

} // namespace livescope
