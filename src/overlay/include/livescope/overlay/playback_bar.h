// The replay / DVR controls bar (issue 13): play/pause, the seek bar with its heat strip, the time, and for a live DVR
// window "−30 s" and "Live". Pure layout and hit rules here (no ImGui); overlay.cpp's OverlayDrawPlaybackBar draws
// exactly this layout. docs/replay.md ("Replay and DVR in the widget") names the rules.
#pragma once

#include <livescope/overlay/comments.h>
#include <livescope/overlay/fit.h>
#include <livescope/overlay/overlay_types.h>

#include <string>
#include <vector>

namespace livescope {

struct PlaybackBarStrings
{
    std::string Back30 = "\xE2\x80\x93" "30 s"; // "dvrBack30" (an en dash: U+2212 is not in the embedded font)
    std::string Live = "Live";                   // "dvrLive"
};

struct PlaybackBarState
{
    bool Replay = false;     // a recording: play/pause, seek bar, time
    bool Dvr = false;        // live with a rewind window: "−30 s", the seek bar over the window, "Live"
    bool Paused = false;     // the play button shows "play" (a triangle)
    bool Ended = false;      // a replay played out: the play button shows "play again" (a circular arrow)
    bool AtLiveEdge = true;  // DVR: playing at the edge ("Live" is highlighted)
    bool BroadcastEnded = false; // live: the broadcast ended (its card shows): the DVR window is over, no bar
    double Position = 0.0;   // seconds from the start (of the recording, or of the DVR window)
    double Duration = 0.0;   // seconds (the recording, or the DVR window); <= 0 unknown
    std::vector<float> HeartTimes, HeartWeights; // heat strip: position seconds and weight 0..1 (same length)
    std::vector<float> Answers;                  // position seconds where a question was answered
};

struct PlaybackBarLayout
{
    bool Visible = false;
    OverlayRect Bar;   // the whole bar: the bottom row of the widget, full width within the margins
    OverlayRect Play;  // replay: play / pause / play again (square)
    OverlayRect Back;  // DVR: "−30 s"
    OverlayRect Seek;  // the seek bar's hit area (the whole bar height)
    OverlayRect Track; // inside Seek: the drawn track (the heat strip lies on it)
    OverlayRect Time;  // replay: "m:ss / m:ss" (small text)
    OverlayRect Live;  // DVR: "Live"
    std::string TimeText;
    LabelFit BackLabel, LiveLabel;
};

// The bar's height at font size `unit` (pixels): the space the overlay keeps free at the bottom (OverlayState::ReserveBottom).
inline float PlaybackBarHeight(float unit) { return 2.0f * unit; }

// Whether there is a bar: a replay, or DVR while the live broadcast goes on (once it ended, its card shows alone).
inline bool OverlayPlaybackBarShown(const PlaybackBarState& s) { return s.Replay || (s.Dvr && !s.BroadcastEnded); }

// The layout in a width x height widget at font size `unit`. Invisible when OverlayPlaybackBarShown says no bar.
PlaybackBarLayout OverlayPlaybackBarLayout(float width, float height, float unit, const PlaybackBarState& s,
                                           const PlaybackBarStrings& strings, const TextMeasureFn& measure = {});

// The position (seconds) under pointer x on the seek bar, clamped to [0, duration].
double OverlaySeekPositionAt(const PlaybackBarLayout& l, float x, double duration);

// "m:ss" below an hour, "h:mm:ss" from an hour; negative and non-finite values read 0:00.
std::string OverlayFormatPlaybackTime(double seconds);

} // namespace livescope
