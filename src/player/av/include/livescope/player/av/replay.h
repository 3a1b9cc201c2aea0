// Replay (VOD) and live DVR decisions of the page: the position of the frame on screen, where a seek or "−30 s" goes,
// whether a live playlist is a rewind window, when the latency controller may act, and the timeupdate gate.
// Pure: times are passed in. docs/replay.md ("Replay and DVR in the widget") names the figures.
#pragma once

#include <cmath>

namespace livescope {

// What the worker says about the media playlist (HlsTimeline): seconds and epoch seconds (0 = unknown).
struct ReplayTimeline
{
    bool Replay = false;   // ENDLIST or PLAYLIST-TYPE VOD: plays from 0, no latency control
    double Duration = 0.0; // seconds: the recording, or a live playlist's window
    double StartPdt = 0.0; // epoch seconds of the first segment
    double EndPdt = 0.0;   // epoch seconds of the end of the last segment
};

// A live playlist offers rewind ("−30 s", the seek bar, "Live") when its window holds at least this much.
inline constexpr double kDvrMinWindow = 45.0;       // seconds
inline constexpr double kDvrBackStep = 30.0;        // seconds, the "−30 s" control
inline constexpr double kSeekKeyStep = 5.0;         // seconds, ← / → on the widget
inline constexpr double kTimeUpdateInterval = 0.25; // seconds: `timeupdate` at most 4 times a second

// True for a live playlist with a rewind window (dated segments over at least kDvrMinWindow).
bool ReplayHasDvr(const ReplayTimeline& t);

// The position (seconds from the playlist's start) of the frame with PDT `shown_pdt` (epoch seconds); NaN when either
// is unknown. A replay's position is clamped to [0, duration].
double ReplayPositionOf(const ReplayTimeline& t, double shown_pdt);

// A seek target clamped into the playlist: [0, duration] (a replay's end minus 0.1 s, so a seek to the end still shows
// its last frames). NaN targets go to 0.
double ReplayClampTarget(const ReplayTimeline& t, double position);

// The PDT (epoch seconds) of position `position` (clamped), or 0 when the playlist has no dates.
double ReplayTargetPdt(const ReplayTimeline& t, double position);

// Whether the latency controller may change the rate or jump: never for a replay, and for live only at the edge (not
// after a seek back until "Live" or a jump returns there).
inline bool ReplayLatencyControlAllowed(const ReplayTimeline& t, bool behind_live) { return !t.Replay && !behind_live; }

// Whether the end of the stream was reached on screen: a replay's last segment is loaded up to MaxBufferAhead before its
// playhead gets there, so 'ended' also waits for the position to reach the last kReplayEndSlack seconds. Live, or an
// unknown position: true (the queue playing out decides alone).
inline constexpr double kReplayEndSlack = 1.0; // seconds
bool ReplayPlayedOut(const ReplayTimeline& t, double position);

// `timeupdate`: at most once per kTimeUpdateInterval, and only when the position moved.
struct TimeUpdateGate
{
    double LastAt = -1e300; // seconds, host clock
    double LastPosition = NAN;
    bool Due(double now, double position);
};

} // namespace livescope
