// Stream time to PROGRAM-DATE-TIME: anchors from LL-HLS parts, so latency = now - PDT of the frame on screen.
#pragma once

#include <array>
#include <optional>

namespace livescope {

// One part's mapping: the pts of its first frame and the part's EXT-X-PROGRAM-DATE-TIME.
struct PdtAnchor
{
    int Serial = 0;
    double Pts = 0.0; // seconds, stream time
    double Pdt = 0.0; // seconds since the Unix epoch
};

// The most recent anchors in a fixed ring (no allocation). Several widgets each own one.
class PdtMap
{
public:
    static constexpr int kCapacity = 64;

    // Records an anchor (typically for the first frame decoded from each part). Non-finite values are ignored.
    void Add(int serial, double pts, double pdt);
    // PDT at `pts` of `serial`: from the nearest anchor at or before `pts`, else the earliest one
    // after it; nothing when no anchor of that serial is known.
    std::optional<double> PdtAt(int serial, double pts) const;
    void Clear();
    int Size() const { return Count; }

private:
    std::array<PdtAnchor, kCapacity> Ring{};
    int Next = 0; // slot written by the next Add
    int Count = 0;
};

// Latency (seconds) of the frame on screen: now minus its PDT; nothing when the PDT is unknown.
std::optional<double> LiveLatency(const PdtMap& map, double now, int serial, double pts);

} // namespace livescope

namespace livescope {

// [SECTION] Fast start: media older than the latency target is decoded (decoding must begin at a key
// frame) but never shown or played, so the first picture is already near the target latency.

// The start point, epoch seconds: `wall_now` (epoch seconds) minus the target and a 0.1 s margin. The target
// is the widget's `latency` option (seconds; <= 0 = none), else the playlist's PART-HOLD-BACK last seen
// (seconds; <= 0 = unknown), else 1 s.
double FastStartPdt(double wall_now, double latency_option, double part_hold_back);

// A video frame with PDT `pdt` (epoch seconds; 0 = unknown) is shown: frames of unknown PDT always are.
bool FastStartKeepsVideo(double start_pdt, double pdt);

// The still (docs/decode.md, "The fast start"): decoding starts at the key frame of the independent part at or before
// the target (ComputeStartPoint), up to a GOP before the cut. Rather than wait for the decoder to reach the cut, the
// first frame decoded of a live start (`still_wanted`: nothing of this start sent yet) is sent at once, as a still
// that stands for the frame just before the cut: its pts becomes the cut's stream time less one frame, so the page's
// scheduler (which shows a serial's first frame at once) shows it now and the frame at the cut right after it, and the
// clock (the audio, cut at `start_pdt` too) starts at the cut. It carries no PDT (0): it anchors no latency, so the
// picture's age (up to a GOP) never drives the latency controller. Frames between it and the cut are dropped, as
// before. Seeks (replay, DVR) want no still: the picture must be the target's, a paused seek holds its first frame.
struct FastStartVideoCut
{
    bool Send = false;  // false: before the cut, dropped (decoded, never shown)
    bool Still = false; // the still: sent although before the cut
    double Pts = 0.0;   // seconds, the pts to send (the frame's own, or the still's, one frame before the cut)
    double Pdt = 0.0;   // epoch seconds, the PDT to send (the frame's own; 0 for the still)
};
// `pts` (seconds), `duration` (seconds; <= 0 or >= 1 s = unknown: 40 ms is used) and `pdt` (epoch seconds; 0 =
// unknown) of one decoded frame; `start_pdt` the cut (0 = none).
FastStartVideoCut FastStartCutVideo(double start_pdt, bool still_wanted, double pts, double duration, double pdt);

// What the cut does to a batch of decoded audio: `frames` output frames whose first one is at `pdt` (epoch seconds,
// from the PdtMap; nothing = not yet placed in time), each advancing stream time by `rate` / `out_rate` seconds (the
// batch is resampled to `out_rate` frames per second at the playback rate `rate`). `start_pdt` 0 = no cut.
// - Placed at or after the cut: kept whole. Ending at or before it: dropped whole.
// - Straddling it (a seek lands inside a segment, whose audio comes as one batch from the segment's start): the
//   frames before the cut are dropped, the rest is kept, so the sound starts at the cut, as the picture does.
// - Not yet placed (the video anchor of its chunk is still in the browser's decoder): held, to be decided again
//   once placed, up to kFastStartAudioHold seconds of media; past that (no video to place it) dropped whole.
// Dropping a straddling or unplaced batch whole made the audio, the master clock, start up to a segment after the
// picture: the video then dropped frames to catch up, and a DVR "−30 s" went back ~1 s less than it said.
constexpr double kFastStartAudioHold = 5.0; // seconds of media held while not yet placed in time
struct FastStartAudioCut
{
    bool Hold = false; // not yet placed: keep it all back (send nothing), decide again later
    int Drop = 0;      // frames to drop from the front (== frames: all of it)
};
FastStartAudioCut FastStartCutAudio(double start_pdt, std::optional<double> pdt, int frames, int out_rate, double rate);

} // namespace livescope
