// Page-side playback: A/V sync against the audio master clock, the live latency controller, YUV drawing and the debug/error UI.
//
// [SECTION] PagePlayback
// [SECTION] Hooks called by page_app.cpp
// [SECTION] C API for web/runtime/playback.js (ls_playback_*)
//
// The frame queue itself lives in JS (transferable buffers from the Worker); each refresh JS asks
// ls_playback_step() what to do with the oldest queued frame and uploads it on Show. Every decision is here or
// in src/player/av: frame timing (VideoScheduler), 'playing'/'waiting' (PlayState), latency (PdtMap: now - PDT of
// the frame on screen), buffer (BufferAhead), rate and jumps (LatencyController), fps windows
// (StatsAccumulator). JS reads the results as the playbackStats record (app_abi.h).
#include "playback.h"

#include "page_app.h"
#include "video_renderer.h"

#include <livescope/player/av/clock.h>
#include <livescope/player/av/latency.h>
#include <livescope/player/av/pdt.h>
#include <livescope/player/av/stats.h>

#include <imgui.h>

#include <cmath>
#include <string>
#include <vector>

#include <livescope/app/app_abi.h>
#include <livescope/app/app_export.h>

namespace livescope {

// [SECTION] PagePlayback

// What the worker reports (its stats and the playlist info), for the debug panel.
struct SourceStats
{
    double Bitrate = 0.0;  // bits per second
    double DecodeMs = 0.0; // milliseconds per frame
    int Variant = -1;
    int VariantHeight = 0; // pixels
};

struct PagePlayback
{
    PageApp* App = nullptr;
    VideoRenderer Renderer;
    bool RendererOk = false;
    std::vector<uint8_t> Staging; // last uploaded I420 frame (kept for context restore)
    int StagedWidth = 0, StagedHeight = 0, StagedMatrix = 601;
    bool StagedFull = false;
    bool StagedRgb = false; // the last upload was a VideoFrame (closed after upload: nothing to re-upload on restore)
    Clock Master;
    VideoScheduler Scheduler;
    LatencyController Latency;
    LatencyDecision LastDecision;
    double AppliedRate = 1.0;    // the rate last sent to the worker (and the audio clock's speed)
    PdtMap Pdts;                 // PDT anchors of the frames received: latency of the frame on screen
    double CurrentLatency = NAN; // seconds, at the last control; NaN = unknown
    double BufferNow = 0.0;      // seconds, at the last control
    PlayState Play;              // 'playing' / 'waiting'
    StatsAccumulator Windows;    // decoded (received) and dropped fps over 2 s
    SourceStats Source;
    double StatsOut[FieldCount<PlaybackStatsField>()] = {}; // see ls_playback_stats
    bool Debug = false;
    std::string Error; // fatal message drawn on the canvas
};

PagePlayback* PagePlaybackCreate(PageApp* app)
{
    auto* p = new PagePlayback();
    p->App = app;
    if (app->GlReady) p->RendererOk = VideoRendererInit(p->Renderer);
    return p;
}

void PagePlaybackDestroy(PagePlayback* playback)
{
    if (!playback) return;
    VideoRendererShutdown(playback->Renderer);
    delete playback;
}

// [SECTION] Hooks called by page_app.cpp

void PagePlaybackRender(PagePlayback* playback, double, int fb_width, int fb_height)
{
    if (!playback || !playback->RendererOk) return;
    VideoRendererDraw(playback->Renderer, fb_width, fb_height);
}

bool PagePlaybackFrameSize(const PagePlayback* playback, int* width, int* height)
{
    if (!playback || playback->StagedWidth <= 0 || playback->StagedHeight <= 0) return false;
    *width = playback->StagedWidth;
    *height = playback->StagedHeight;
    return true;
}

bool PagePlaybackStreamTimeMs(const PagePlayback* playback, std::int64_t* stream_time_ms)
{
    if (!playback || !playback->Scheduler.HasShown) return false;
    const std::optional<double> pdt = playback->Pdts.PdtAt(playback->Scheduler.Shown.Serial, playback->Scheduler.Shown.Pts);
    if (!pdt || !(*pdt > 0.0)) return false;
    *stream_time_ms = std::llround(*pdt * 1000.0);
    return true;
}

void PagePlaybackDrawUi(PagePlayback* playback, double now)
{
    if (!playback) return;
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    if (!playback->Error.empty())
    {
        ImGui::SetNextWindowPos(ImVec2(size.x * 0.5f, size.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
        ImGui::SetNextWindowSize(ImVec2(size.x * 0.8f, 0.0f));
        ImGui::SetNextWindowBgAlpha(0.85f);
        ImGui::Begin("##playback-error", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "Playback error");
        ImGui::TextWrapped("%s", playback->Error.c_str());
        ImGui::End();
    }
    if (!playback->Debug) return;
    const PlaybackStats w = playback->Windows.Snapshot(now);
    const SourceStats& src = playback->Source;
    const double latency = std::isfinite(playback->CurrentLatency) ? playback->CurrentLatency : 0.0;
    ImGui::SetNextWindowPos(ImVec2(size.x - 12.0f, 12.0f), ImGuiCond_Always, ImVec2(1.0f, 0.0f));
    ImGui::SetNextWindowBgAlpha(0.6f);
    ImGui::Begin("##playback-debug", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::Text("latency %.2f s (target %.2f)", latency, playback->LastDecision.TargetLatency);
    ImGui::Text("buffer  %.2f s  rate %.2fx", playback->BufferNow, playback->AppliedRate);
    ImGui::Text("fps %.1f decoded, %.1f dropped", w.DecodedFps, w.DroppedFps);
    ImGui::Text("decode %.2f ms/frame", src.DecodeMs);
    ImGui::Text("%.0f kbit/s  variant %d (%dp)", src.Bitrate / 1000.0, src.Variant, src.VariantHeight);
    ImGui::End();
}

} // namespace livescope

// [SECTION] C API for web/runtime/playback.js. `app` is the PageApp handle the widget holds.

using livescope::PageApp;
using livescope::PagePlayback;

namespace {
PagePlayback* Pb(PageApp* app) { return app ? app->Playback : nullptr; }
} // namespace

// A heap buffer of at least `size` bytes for the next frame upload (tightly packed I420).
LS_EXPORT uint8_t* ls_playback_staging(PageApp* app, int size)
{
    PagePlayback* p = Pb(app);
    if (!p || size <= 0) return nullptr;
    if (p->Staging.size() < static_cast<size_t>(size)) p->Staging.resize(static_cast<size_t>(size));
    return p->Staging.data();
}

// Uploads the staged frame to the plane textures; it is drawn from the next frame on.
LS_EXPORT void ls_playback_upload(PageApp* app, int width, int height, int matrix, int full_range)
{
    PagePlayback* p = Pb(app);
    if (!p || !p->RendererOk) return;
    p->StagedWidth = width;
    p->StagedHeight = height;
    p->StagedMatrix = matrix;
    p->StagedFull = full_range != 0;
    p->StagedRgb = false;
    livescope::VideoRendererUpload(p->Renderer, p->Staging.data(), width, height, matrix, full_range != 0);
}

// Uploads the WebCodecs VideoFrame JS put in Module.lsVideoFrame (texImage2D from the frame: no I420 copy). Returns 1
// when uploaded; JS closes the frame after the call either way.
LS_EXPORT int ls_playback_upload_frame(PageApp* app, int width, int height)
{
    PagePlayback* p = Pb(app);
    if (!p || !p->RendererOk) return 0;
    if (!livescope::VideoRendererUploadVideoFrame(p->Renderer, width, height)) return 0;
    p->StagedWidth = width;
    p->StagedHeight = height;
    p->StagedRgb = true;
    return 1;
}

// Sets the master clock: stream time `pts` at host time `now` (seconds), for data of `serial`, at the rate applied.
LS_EXPORT void ls_playback_clock_set(PageApp* app, double pts, double now, int serial)
{
    PagePlayback* p = Pb(app);
    if (!p) return;
    livescope::ClockSet(p->Master, pts, now, serial);
    p->Master.Speed = p->AppliedRate;
}

// A frame arrived from the worker at host time `now` (seconds) and was queued: it counts in the decoded fps,
// and its PDT (epoch seconds; 0 = unknown) anchors the latency.
LS_EXPORT void ls_playback_frame_queued(PageApp* app, double now, int serial, double pts, double pdt, double decode_ms,
                                        int width, int height)
{
    PagePlayback* p = Pb(app);
    if (!p) return;
    p->Windows.OnFrameDecoded(now, decode_ms, width, height);
    if (pdt > 0.0) p->Pdts.Add(serial, pts, pdt);
}

// What to do with the oldest queued frame: 0 wait, 1 show (then upload it), 2 drop, 3 show and fire 'playing'
// (the first frame, or the first after a stall or while `source_error` is on the canvas).
LS_EXPORT int ls_playback_step(PageApp* app, double now, double pts, double duration, int serial, int has_later,
                               double later_pts, double later_duration, int later_serial, int current_serial, int source_error)
{
    PagePlayback* p = Pb(app);
    if (!p) return 2;
    const livescope::FrameInfo cand{pts, duration, serial};
    const livescope::FrameInfo later{later_pts, later_duration, later_serial};
    const livescope::FrameDecision d = livescope::VideoSchedulerStep(p->Scheduler, now, cand, has_later ? &later : nullptr, p->Master, current_serial);
    switch (d.Action)
    {
        case livescope::FrameAction::Wait: return 0;
        case livescope::FrameAction::Show: return livescope::PlayStateOnShown(p->Play, now, source_error != 0) ? 3 : 1;
        case livescope::FrameAction::Drop: p->Windows.OnFrameDropped(now); return 2;
    }
    return 0;
}

// Each refresh: returns 1 when 'waiting' must fire (nothing new shown for PlayState::StallAfter while visible).
LS_EXPORT int ls_playback_tick(PageApp* app, double now, int visible)
{
    PagePlayback* p = Pb(app);
    return p && livescope::PlayStateTick(p->Play, now, visible != 0) ? 1 : 0;
}

// The latency controller's turn (every few hundred ms): `now` host seconds, `wall_now` epoch seconds; the newest
// queued frame's pts (`has_frames` 0 = nothing queued or shown); the audio output's buffer when `audio_clock` (audio
// drives the clock); the playlist's PART-HOLD-BACK and PART-TARGET; the widget's `latency` option (0 = PART-HOLD-BACK).
// Returns a bit set: 1 = send the new rate (playbackStats.rate) to the worker, 2 = jump to the live edge now.
LS_EXPORT int ls_playback_control(PageApp* app, double now, double wall_now, int has_frames, double last_pts, int audio_clock,
                                  double audio_buffered, double part_hold_back, double part_target, double latency_option)
{
    PagePlayback* p = Pb(app);
    if (!p) return 0;
    const livescope::VideoScheduler& sched = p->Scheduler;
    p->CurrentLatency = NAN;
    if (sched.HasShown)
        p->CurrentLatency = livescope::LiveLatency(p->Pdts, wall_now, sched.Shown.Serial, sched.Shown.Pts).value_or(NAN);
    const double clock = p->Master.Serial >= 0 ? livescope::ClockGet(p->Master, now) : NAN;
    p->BufferNow = livescope::BufferAhead(audio_clock != 0, audio_buffered, has_frames != 0 && sched.HasShown, last_pts,
                                          sched.Shown.Pts, clock);
    int actions = 0;
    if (std::isfinite(p->CurrentLatency))
    {
        p->Latency.Config.TargetLatency = latency_option;
        livescope::LatencyObservation o;
        o.Now = now;
        o.Latency = p->CurrentLatency;
        o.BufferAhead = p->BufferNow;
        o.PartHoldBack = part_hold_back;
        o.PartTarget = part_target;
        o.Stalled = p->Play.Waiting;
        p->LastDecision = livescope::LatencyControllerUpdate(p->Latency, o);
        if (p->LastDecision.Jump)
        {
            livescope::LatencyControllerOnJump(p->Latency, now);
            actions |= 2;
        }
        if (std::fabs(p->LastDecision.Rate - p->AppliedRate) > 0.005)
        {
            p->AppliedRate = p->LastDecision.Rate;
            actions |= 1;
        }
    }
    return actions;
}

// The worker's figures for the debug panel: bits per second, milliseconds per frame, the variant and its height (pixels).
LS_EXPORT void ls_playback_set_source_stats(PageApp* app, double bitrate, double decode_ms, int variant, int variant_height)
{
    PagePlayback* p = Pb(app);
    if (p) p->Source = {bitrate, decode_ms, variant, variant_height};
}

// The playbackStats record (app_abi.h) at host time `now` (seconds: the fps windows).
LS_EXPORT const double* ls_playback_stats(PageApp* app, double now)
{
    using livescope::Field;
    using F = livescope::PlaybackStatsField;
    PagePlayback* p = Pb(app);
    if (!p) return nullptr;
    const livescope::PlaybackStats w = p->Windows.Snapshot(now);
    double* o = p->StatsOut;
    o[Field(F::Latency)] = p->CurrentLatency;
    o[Field(F::Target)] = p->LastDecision.TargetLatency;
    o[Field(F::Buffer)] = p->BufferNow;
    o[Field(F::DecodedFps)] = w.DecodedFps;
    o[Field(F::DroppedFps)] = w.DroppedFps;
    o[Field(F::Dropped)] = static_cast<double>(w.FramesDropped);
    o[Field(F::Rate)] = p->AppliedRate;
    o[Field(F::Playing)] = p->Play.Playing ? 1.0 : 0.0;
    o[Field(F::Waiting)] = p->Play.Waiting ? 1.0 : 0.0;
    o[Field(F::FramesShown)] = p->Play.FramesShown;
    o[Field(F::ShownPts)] = p->Scheduler.HasShown ? p->Scheduler.Shown.Pts : NAN;
    o[Field(F::Stalls)] = p->Latency.Stalls;
    return o;
}

LS_EXPORT void ls_playback_set_debug(PageApp* app, int on)
{
    PagePlayback* p = Pb(app);
    if (p) p->Debug = on != 0;
}
LS_EXPORT void ls_playback_set_error(PageApp* app, const char* utf8)
{
    PagePlayback* p = Pb(app);
    if (p) p->Error = utf8 ? utf8 : "";
}

// WebGL context loss (canvas webglcontextlost / webglcontextrestored): the renderer drops its GL
// objects, and on restore rebuilds them and re-uploads the last frame it kept in Staging.
LS_EXPORT void ls_playback_gl_lost(PageApp* app)
{
    PagePlayback* p = Pb(app);
    if (p) livescope::VideoRendererOnLost(p->Renderer);
}
LS_EXPORT int ls_playback_gl_restored(PageApp* app)
{
    PagePlayback* p = Pb(app);
    if (!p) return 0;
    p->RendererOk = livescope::VideoRendererOnRestored(p->Renderer);
    if (p->RendererOk && p->StagedWidth > 0 && !p->StagedRgb)
        livescope::VideoRendererUpload(p->Renderer, p->Staging.data(), p->StagedWidth, p->StagedHeight, p->StagedMatrix, p->StagedFull);
    return p->RendererOk ? 1 : 0;
}
