// Playback statistics: fixed-bucket sliding windows, the accumulator and its JSON form.
#include <livescope/player/av/stats.h>

#include <algorithm>
#include <cmath>

namespace livescope {

RateWindow::RateWindow(double window)
{
    if (std::isfinite(window) && window > 0.0)
        BucketSpan = window / kBuckets;
}

int64_t RateWindow::BucketIndex(double now) const
{
    if (!std::isfinite(now))
        return Head == INT64_MIN ? 0 : Head;
    return static_cast<int64_t>(std::floor(now / BucketSpan));
}

void RateWindow::Advance(double now)
{
    const int64_t idx = BucketIndex(now);
    if (Head == INT64_MIN || idx - Head >= kBuckets)
    {
        Amount.fill(0.0);
        Weight.fill(0.0);
    }
    else
    {
        for (int64_t i = Head + 1; i <= idx; ++i)
        {
            const auto slot = static_cast<size_t>(((i % kBuckets) + kBuckets) % kBuckets);
            Amount[slot] = 0.0;
            Weight[slot] = 0.0;
        }
    }
    if (Head == INT64_MIN || idx > Head)
        Head = idx;
}

void RateWindow::Add(double now, double amount, double weight)
{
    if (!std::isfinite(amount) || !std::isfinite(weight))
        return;
    Advance(now);
    if (FirstEvent < 0.0 && std::isfinite(now))
        FirstEvent = now;
    // Events older than the head (time going backwards) land in the head bucket.
    const auto slot = static_cast<size_t>(((Head % kBuckets) + kBuckets) % kBuckets);
    Amount[slot] += amount;
    Weight[slot] += weight;
}

double RateWindow::SumBuckets(const std::array<double, kBuckets>& buckets, double now) const
{
    if (Head == INT64_MIN)
        return 0.0;
    const int64_t idx = std::max(BucketIndex(now), Head);
    double s = 0.0;
    for (int64_t i = std::max(Head - kBuckets + 1, idx - kBuckets + 1); i <= Head; ++i)
        s += buckets[static_cast<size_t>(((i % kBuckets) + kBuckets) % kBuckets)];
    return s;
}

double RateWindow::Sum(double now) const { return SumBuckets(Amount, now); }
double RateWindow::WeightSum(double now) const { return SumBuckets(Weight, now); }

double RateWindow::PerSecond(double now) const
{
    const double window = BucketSpan * kBuckets;
    // Short runs: divide by the time since the first event, not the whole window.
    double span = window;
    if (FirstEvent >= 0.0 && std::isfinite(now))
        span = std::clamp(now - FirstEvent, BucketSpan, window);
    return Sum(now) / span;
}

void RateWindow::Clear()
{
    Amount.fill(0.0);
    Weight.fill(0.0);
    Head = INT64_MIN;
    FirstEvent = -1.0;
}

StatsAccumulator::StatsAccumulator(double window) : Decoded(window), Dropped(window), Bytes(window), DecodeMs(window) {}

void StatsAccumulator::OnFrameDecoded(double now, double decode_ms, int width, int height)
{
    ++Current.FramesDecoded;
    Decoded.Add(now, 1.0);
    if (std::isfinite(decode_ms) && decode_ms >= 0.0)
        DecodeMs.Add(now, decode_ms, 1.0);
    Current.Width = width;
    Current.Height = height;
}

void StatsAccumulator::OnFrameDropped(double now)
{
    ++Current.FramesDropped;
    Dropped.Add(now, 1.0);
}

void StatsAccumulator::OnMediaBytes(double now, uint64_t bytes) { Bytes.Add(now, static_cast<double>(bytes) * 8.0); }

void StatsAccumulator::OnStall() { ++Current.Stalls; }

void StatsAccumulator::SetVariant(int index, double bandwidth)
{
    Current.VariantIndex = index;
    Current.VariantBandwidth = std::isfinite(bandwidth) ? bandwidth : 0.0;
}

void StatsAccumulator::SetPlayback(double latency, double target_latency, double buffer_ahead, double rate)
{
    Current.Latency = latency;
    Current.TargetLatency = target_latency;
    Current.BufferAhead = buffer_ahead;
    Current.PlaybackRate = rate;
}

PlaybackStats StatsAccumulator::Snapshot(double now) const
{
    PlaybackStats s = Current;
    s.DecodedFps = Decoded.PerSecond(now);
    s.DroppedFps = Dropped.PerSecond(now);
    s.Bitrate = Bytes.PerSecond(now);
    const double n = DecodeMs.WeightSum(now);
    s.DecodeMsPerFrame = n > 0.0 ? DecodeMs.Sum(now) / n : 0.0;
    return s;
}

FrameCostAccumulator::FrameCostAccumulator(double window) : ImGui(window), Upload(window), Compose(window) {}

void FrameCostAccumulator::OnFrame(double now, double imgui_ms, double upload_ms, double compose_ms)
{
    auto ms = [](double v) { return std::isfinite(v) && v > 0.0 ? v : 0.0; };
    imgui_ms = ms(imgui_ms);
    upload_ms = ms(upload_ms);
    compose_ms = ms(compose_ms);
    ImGui.Add(now, imgui_ms, 1.0);
    Upload.Add(now, upload_ms, 1.0);
    Compose.Add(now, compose_ms, 1.0);
    const double total = imgui_ms + upload_ms + compose_ms;
    Sum.ImGuiMs += imgui_ms;
    Sum.UploadMs += upload_ms;
    Sum.ComposeMs += compose_ms;
    Sum.TotalMs += total;
    Sum.Frames += 1.0;
    Largest.ImGuiMs = std::max(Largest.ImGuiMs, imgui_ms);
    Largest.UploadMs = std::max(Largest.UploadMs, upload_ms);
    Largest.ComposeMs = std::max(Largest.ComposeMs, compose_ms);
    Largest.TotalMs = std::max(Largest.TotalMs, total);
}

FrameCost FrameCostAccumulator::Window(double now) const
{
    FrameCost c;
    c.Frames = ImGui.WeightSum(now);
    if (c.Frames <= 0.0)
        return c;
    c.ImGuiMs = ImGui.Sum(now) / c.Frames;
    c.UploadMs = Upload.Sum(now) / c.Frames;
    c.ComposeMs = Compose.Sum(now) / c.Frames;
    c.TotalMs = c.ImGuiMs + c.UploadMs + c.ComposeMs;
    return c;
}

FrameCost FrameCostAccumulator::Totals() const { return Sum; }
FrameCost FrameCostAccumulator::Max() const { return Largest; }

nlohmann::json StatsToJson(const PlaybackStats& s)
{
    // NaN/inf are not JSON: they become null through nlohmann's float handling, so clean them here.
    auto num = [](double v) { return std::isfinite(v) ? v : 0.0; };
    return nlohmann::json{
        {"latency", num(s.Latency)},
        {"targetLatency", num(s.TargetLatency)},
        {"buffer", num(s.BufferAhead)},
        {"rate", num(s.PlaybackRate)},
        {"decodedFps", num(s.DecodedFps)},
        {"droppedFps", num(s.DroppedFps)},
        {"bitrate", num(s.Bitrate)},
        {"decodeMs", num(s.DecodeMsPerFrame)},
        {"variant", s.VariantIndex},
        {"variantBandwidth", num(s.VariantBandwidth)},
        {"width", s.Width},
        {"height", s.Height},
        {"framesDecoded", s.FramesDecoded},
        {"framesDropped", s.FramesDropped},
        {"stalls", s.Stalls},
    };
}

bool PlayStateOnShown(PlayState& state, double now, bool source_error)
{
    const bool fire = !state.Playing || state.Waiting || source_error;
    state.Playing = true;
    state.Waiting = false;
    state.ShownAt = now;
    ++state.FramesShown;
    return fire;
}

bool PlayStateTick(PlayState& state, double now, bool visible)
{
    if (!state.Playing || state.Waiting || !visible || !(now - state.ShownAt > state.StallAfter))
        return false;
    state.Waiting = true;
    return true;
}

double BufferAhead(bool audio_clock, double audio_buffered, bool has_frames, double last_pts, double shown_pts,
                   double clock)
{
    if (audio_clock)
        return std::isfinite(audio_buffered) ? std::max(0.0, audio_buffered) : 0.0;
    if (!has_frames)
        return 0.0;
    const double playhead = std::isfinite(clock) ? clock : shown_pts;
    const double ahead = last_pts - playhead;
    return std::isfinite(ahead) ? std::max(0.0, ahead) : 0.0;
}

} // namespace livescope
