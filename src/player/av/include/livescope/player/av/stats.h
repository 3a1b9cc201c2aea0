// Playback statistics: one plain struct, one accumulator with fixed sliding windows, and JSON for the JS side.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace livescope {

// A snapshot of what the player is doing, for the stats overlay and the JS side.
struct PlaybackStats
{
    double Latency = 0.0;          // seconds, now minus PROGRAM-DATE-TIME of the frame on screen
    double TargetLatency = 0.0;    // seconds, the latency controller's current target
    double BufferAhead = 0.0;      // seconds of media buffered past the playhead
    double PlaybackRate = 1.0;     // current rate (catch-up > 1)
    double DecodedFps = 0.0;       // frames per second decoded, over the sliding window
    double DroppedFps = 0.0;       // frames per second dropped, over the sliding window
    double Bitrate = 0.0;          // bits per second of media received, over the sliding window
    double DecodeMsPerFrame = 0.0; // milliseconds, mean decode time per frame over the window
    int VariantIndex = -1;         // index of the variant playing; -1 = none
    double VariantBandwidth = 0.0; // bits per second, the variant's declared BANDWIDTH
    int Width = 0;                 // pixels, last decoded frame
    int Height = 0;                // pixels, last decoded frame
    uint64_t FramesDecoded = 0;    // since start
    uint64_t FramesDropped = 0;    // since start
    int Stalls = 0;                // since start
};

// Sums of events over a sliding window of fixed buckets (no allocation).
class RateWindow
{
public:
    static constexpr int kBuckets = 20;
    explicit RateWindow(double window = 2.0); // seconds
    void Add(double now, double amount, double weight = 1.0);
    double Sum(double now) const;       // sum of amounts in the window
    double WeightSum(double now) const; // sum of weights in the window
    double PerSecond(double now) const; // Sum / covered span (seconds)
    void Clear();

private:
    void Advance(double now);
    int64_t BucketIndex(double now) const;
    // Sum of `buckets` over the buckets still inside the window at `now`.
    double SumBuckets(const std::array<double, kBuckets>& buckets, double now) const;
    double BucketSpan = 0.1; // seconds
    std::array<double, kBuckets> Amount{};
    std::array<double, kBuckets> Weight{};
    int64_t Head = INT64_MIN; // bucket index of the newest bucket
    double FirstEvent = -1.0; // seconds, host time of the first event ever (short runs)
};

// The one place the player reports into. All methods take host time in seconds.
class StatsAccumulator
{
public:
    explicit StatsAccumulator(double window = 2.0); // seconds
    void OnFrameDecoded(double now, double decode_ms, int width, int height);
    void OnFrameDropped(double now);
    void OnMediaBytes(double now, uint64_t bytes); // bytes of media received (bitrate)
    void OnStall();
    void SetVariant(int index, double bandwidth); // bandwidth: bits per second
    void SetPlayback(double latency, double target_latency, double buffer_ahead, double rate);
    PlaybackStats Snapshot(double now) const;

private:
    PlaybackStats Current;
    RateWindow Decoded;
    RateWindow Dropped;
    RateWindow Bytes;
    RateWindow DecodeMs;
};

nlohmann::json StatsToJson(const PlaybackStats& stats);

// [SECTION] Page frame cost: milliseconds of main-thread CPU per page frame, by part (docs/playback.md)

// What one page frame cost, by part: the video upload(s) since the previous frame, ImGui (NewFrame .. Render) and the
// composition (clear, the video quad, ImGui's draw calls). CPU time on the main thread: the GPU's own work is not in it.
struct FrameCost
{
    double ImGuiMs = 0.0;   // milliseconds per frame
    double UploadMs = 0.0;  // milliseconds per frame (frames without an upload count as 0)
    double ComposeMs = 0.0; // milliseconds per frame
    double TotalMs = 0.0;   // milliseconds per frame, the sum of the three
    double Frames = 0.0;    // frames counted
};

// Means per frame over a sliding window (the debug panel) and sums since the start (the bench's run figures).
class FrameCostAccumulator
{
public:
    explicit FrameCostAccumulator(double window = 2.0); // seconds
    void OnFrame(double now, double imgui_ms, double upload_ms, double compose_ms);
    FrameCost Window(double now) const; // means per frame over the window
    FrameCost Totals() const;           // sums since the start (Frames = count); negative or NaN parts count as 0
    FrameCost Max() const;              // the largest frame since the start, by part (Frames unused)

private:
    RateWindow ImGui, Upload, Compose;
    FrameCost Sum, Largest;
};

// [SECTION] Play state: the widget's 'playing' and 'waiting' events

// 'playing' fires at the first frame shown, and at the first frame shown after a stall or a source error;
// 'waiting' fires once when nothing new has been shown for StallAfter seconds after playing started, while
// the page is visible (a hidden tab decodes no video and is no stall).
struct PlayState
{
    double StallAfter = 1.0; // seconds without a new frame on screen that make a stall
    bool Playing = false;
    bool Waiting = false;
    double ShownAt = 0.0; // seconds, host time of the last frame shown
    int FramesShown = 0;
};
// A frame was put on screen at `now`; `source_error` is true while a source error is on the canvas.
// Returns true when 'playing' must fire.
bool PlayStateOnShown(PlayState& state, double now, bool source_error);
// Called each refresh: returns true when 'waiting' must fire (the stall onset).
bool PlayStateTick(PlayState& state, double now, bool visible);

// Seconds of media buffered past the playhead: the audio output's buffer when audio drives the clock,
// else the queued video past the clock (or past the frame on screen when there is no clock). `clock`
// NaN = no clock; `last_pts` is the newest queued frame's pts (or the shown frame's when none is queued).
double BufferAhead(bool audio_clock, double audio_buffered, bool has_frames, double last_pts, double shown_pts,
                   double clock);

} // namespace livescope
