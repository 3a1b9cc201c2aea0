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
#include <livescope/player/av/replay.h>
#include <livescope/player/av/stats.h>
#include <livescope/player/av/upload.h>

#include <livescope/overlay/overlay.h>
#include <livescope/overlay/playback_bar.h>

#include <nlohmann/json.hpp>

#include <imgui.h>

#include <emscripten.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
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
    // Replay and DVR (ls_playback_set_timeline, _set_paused, _set_behind_live, ls_set_seek_marks; the bar's actions)
    ReplayTimeline Timeline;
    bool Paused = false, Ended = false, BehindLive = false;
    bool BroadcastEnded = false; // the live broadcast's ended card shows (PagePlaybackSetBroadcastEnded)
    bool FrameWanted = false; // a seek while paused: show its first frame, then hold
    PlaybackBarState Bar;
    PlaybackBarStrings BarStrings;
    bool Dragging = false; // the pointer holds the seek bar's knob
    double DragPosition = 0.0;
    std::string Action, ActionOut; // the bar's last action as JSON, for ls_playback_take_action
    TimeUpdateGate TimeUpdates;
    // Page frame cost (docs/playback.md): the uploads since the last page frame, added to its ImGui and composition.
    FrameCostAccumulator Cost;
    double UploadStart = -1.0; // ms (performance.now), at ls_playback_staging; < 0 = none pending
    double UploadMs = 0.0;     // ms of uploads since the last page frame
    bool VideoChanged = false; // a frame was uploaded since the last page frame (the redraw gate)
    // WebCodecs upload path (ls_playback_set_video_upload, ls_playback_video_upload; docs/playback.md)
    VideoUploadMode UploadMode = VideoUploadMode::Auto;
    bool SoftwareGl = false; // the WebGL renderer is a software rasterizer (SwiftShader, llvmpipe, ...)
};

namespace {
// PDT (epoch seconds) of the frame on screen; 0 when unknown.
double ShownPdt(const PagePlayback* p)
{
    if (!p->Scheduler.HasShown) return 0.0;
    return p->Pdts.PdtAt(p->Scheduler.Shown.Serial, p->Scheduler.Shown.Pts).value_or(0.0);
}
double Position(const PagePlayback* p) { return ReplayPositionOf(p->Timeline, ShownPdt(p)); }

void SetAction(PagePlayback* p, const char* type, double to = NAN)
{
    nlohmann::json j{{"type", type}};
    if (std::isfinite(to)) j["to"] = to;
    p->Action = j.dump();
}

// The replay / DVR bar: laid out by the overlay's pure rule, hit-tested through an invisible ImGui window over it (so
// ImGui's WantCaptureMouse keeps the overlay from taking the tap as a heart), drawn with OverlayDrawPlaybackBar.
void DrawPlaybackBar(PagePlayback* p, const ImVec2& size)
{
    PlaybackBarState& b = p->Bar;
    b.Replay = p->Timeline.Replay;
    b.Dvr = ReplayHasDvr(p->Timeline);
    b.BroadcastEnded = p->BroadcastEnded;
    if (!OverlayPlaybackBarShown(b)) return;
    b.Paused = p->Paused || p->Ended;
    b.Ended = p->Ended;
    b.AtLiveEdge = !p->BehindLive;
    b.Duration = p->Timeline.Duration;
    const double pos = Position(p);
    b.Position = p->Dragging ? p->DragPosition : (std::isfinite(pos) ? pos : (b.Dvr ? b.Duration : 0.0));
    if (b.Dvr && !p->BehindLive && !p->Dragging) b.Position = b.Duration;
    // The overlay's DejaVu font (interaction.cpp adds it right after ImGui's default one), for its glyphs and metrics.
    ImFontAtlas* atlas = ImGui::GetIO().Fonts;
    ImFont* font = atlas && atlas->Fonts.Size > 1 ? atlas->Fonts.back() : ImGui::GetFont();
    const float unit = font ? font->FontSize * font->Scale : 16.0f;
    const TextMeasureFn measure = [font, unit](std::string_view t) {
        return t.empty() || !font ? 0.0f : font->CalcTextSizeA(unit, 1e9f, 0.0f, t.data(), t.data() + t.size()).x;
    };
    const PlaybackBarLayout l = OverlayPlaybackBarLayout(size.x, size.y, unit, b, p->BarStrings, measure);
    if (!l.Visible) return;
    ImGui::SetNextWindowPos(ImVec2(l.Bar.X, l.Bar.Y), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(l.Bar.W, l.Bar.H), ImGuiCond_Always);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0.0f, 0.0f));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
    ImGui::Begin("##playback-bar", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollbar);
    const auto hit = [&](const char* id, const OverlayRect& r) {
        if (r.W <= 0.0f || r.H <= 0.0f) return false;
        ImGui::SetCursorScreenPos(ImVec2(r.X, r.Y));
        return ImGui::InvisibleButton(id, ImVec2(r.W, r.H));
    };
    if (hit("play", l.Play)) SetAction(p, p->Ended || p->Paused ? "play" : "pause");
    if (hit("back", l.Back)) SetAction(p, "back");
    if (hit("live", l.Live)) SetAction(p, "live");
    bool hot_seek = false;
    if (l.Seek.W > 0.0f)
    {
        ImGui::SetCursorScreenPos(ImVec2(l.Seek.X, l.Seek.Y));
        ImGui::InvisibleButton("seek", ImVec2(l.Seek.W, l.Seek.H));
        hot_seek = ImGui::IsItemHovered() || ImGui::IsItemActive();
        if (ImGui::IsItemActive())
        {
            p->Dragging = true;
            p->DragPosition = OverlaySeekPositionAt(l, ImGui::GetIO().MousePos.x, b.Duration);
            b.Position = p->DragPosition;
        }
        if (ImGui::IsItemDeactivated() && p->Dragging)
        {
            p->Dragging = false;
            SetAction(p, "seek", p->DragPosition);
        }
    }
    OverlayDrawPlaybackBar(ImGui::GetWindowDrawList(), ImVec2(0.0f, 0.0f), l, b, hot_seek, font);
    ImGui::End();
    ImGui::PopStyleVar(2);
}
} // namespace

bool PagePlaybackIsReplay(const PagePlayback* playback) { return playback && playback->Timeline.Replay; }

bool PagePlaybackBehindLive(const PagePlayback* playback) { return playback && playback->BehindLive; }

void PagePlaybackSetBroadcastEnded(PagePlayback* playback, bool ended)
{
    if (playback) playback->BroadcastEnded = ended;
}

float PagePlaybackReserveBottom(const PagePlayback* playback, float unit)
{
    PlaybackBarState shown;
    if (playback)
    {
        shown.Replay = playback->Timeline.Replay;
        shown.Dvr = ReplayHasDvr(playback->Timeline);
        shown.BroadcastEnded = playback->BroadcastEnded;
    }
    if (!playback || !OverlayPlaybackBarShown(shown)) return 0.0f;
    return PlaybackBarHeight(unit) + 0.75f * unit; // the bar and the margin under it
}

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

bool PagePlaybackTakeVideoChanged(PagePlayback* playback)
{
    if (!playback) return false;
    const bool changed = playback->VideoChanged;
    playback->VideoChanged = false;
    return changed;
}

void PagePlaybackOnFrameCost(PagePlayback* playback, double now, double imgui_ms, double compose_ms)
{
    if (!playback) return;
    playback->Cost.OnFrame(now, imgui_ms, playback->UploadMs, compose_ms);
    playback->UploadMs = 0.0;
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
    DrawPlaybackBar(playback, size);
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
    const FrameCost cost = playback->Cost.Window(now);
    ImGui::Text("page %.2f ms/frame (imgui %.2f, upload %.2f, compose %.2f)", cost.TotalMs, cost.ImGuiMs, cost.UploadMs, cost.ComposeMs);
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
    p->UploadStart = emscripten_get_now(); // the upload's cost includes JS's copy into the staging buffer
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
    if (p->UploadStart >= 0.0) p->UploadMs += emscripten_get_now() - p->UploadStart;
    p->UploadStart = -1.0;
    p->VideoChanged = true;
}

// Uploads the WebCodecs VideoFrame JS put in Module.lsVideoFrame (texImage2D from the frame: no I420 copy). Returns 1
// when uploaded; JS closes the frame after the call either way.
LS_EXPORT int ls_playback_upload_frame(PageApp* app, int width, int height)
{
    PagePlayback* p = Pb(app);
    if (!p || !p->RendererOk) return 0;
    const double t0 = emscripten_get_now();
    const bool uploaded = livescope::VideoRendererUploadVideoFrame(p->Renderer, width, height);
    p->UploadMs += emscripten_get_now() - t0;
    if (!uploaded) return 0;
    p->VideoChanged = true;
    p->StagedWidth = width;
    p->StagedHeight = height;
    p->StagedRgb = true;
    return 1;
}

// The widget's videoUpload option ('auto', 'frame', 'planes') and the WebGL renderer's name (UNMASKED_RENDERER_WEBGL;
// empty when unknown), for ls_playback_video_upload.
LS_EXPORT void ls_playback_set_video_upload(PageApp* app, const char* mode, const char* renderer)
{
    PagePlayback* p = Pb(app);
    if (!p) return;
    p->UploadMode = livescope::VideoUploadModeOf(mode ? mode : "");
    p->SoftwareGl = livescope::IsSoftwareGlRenderer(renderer ? renderer : "");
}

// How a WebCodecs VideoFrame just queued goes up (VideoUploadPathOf): 1 = copy it out as I420 planes now (copyTo of its
// visible rectangle, then ls_playback_staging / ls_playback_upload), 0 = texImage2D from the frame
// (ls_playback_upload_frame). `i420`: its format is 'I420'; then its visibleRect and display size in pixels.
LS_EXPORT int ls_playback_video_upload(PageApp* app, int i420, int visible_x, int visible_y, int visible_width, int visible_height,
                                       int display_width, int display_height)
{
    PagePlayback* p = Pb(app);
    if (!p || !p->RendererOk) return 0;
    livescope::VideoFrameLayout f;
    f.I420 = i420 != 0;
    f.VisibleX = visible_x;
    f.VisibleY = visible_y;
    f.VisibleWidth = visible_width;
    f.VisibleHeight = visible_height;
    f.DisplayWidth = display_width;
    f.DisplayHeight = display_height;
    return livescope::VideoUploadPathOf(p->UploadMode, p->SoftwareGl, f) == livescope::VideoUploadPath::Planes ? 1 : 0;
}

// A report of the master clock: stream time `pts` at host time `now` (seconds: the message's arrival), for data of
// `serial`, at the rate applied. Filtered (ClockSync): a report near the clock's extrapolation moves it by a share of
// the error (the reports' jitter), a far one sets it.
LS_EXPORT void ls_playback_clock_set(PageApp* app, double pts, double now, int serial)
{
    PagePlayback* p = Pb(app);
    if (!p) return;
    livescope::ClockSync(p->Master, pts, now, serial);
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
    if (p->Paused && !p->FrameWanted) return 0; // a paused replay: the picture stays
    const livescope::FrameInfo cand{pts, duration, serial};
    const livescope::FrameInfo later{later_pts, later_duration, later_serial};
    const livescope::FrameDecision d = livescope::VideoSchedulerStep(p->Scheduler, now, cand, has_later ? &later : nullptr, p->Master, current_serial);
    switch (d.Action)
    {
        case livescope::FrameAction::Wait: return 0;
        case livescope::FrameAction::Show:
            p->FrameWanted = false;
            return livescope::PlayStateOnShown(p->Play, now, source_error != 0) ? 3 : 1;
        case livescope::FrameAction::Drop: p->Windows.OnFrameDropped(now); return 2;
    }
    return 0;
}

// Each refresh: returns 1 when 'waiting' must fire (nothing new shown for PlayState::StallAfter while visible).
LS_EXPORT int ls_playback_tick(PageApp* app, double now, int visible)
{
    PagePlayback* p = Pb(app);
    // Paused or ended: no frame is due, so no stall either.
    return p && livescope::PlayStateTick(p->Play, now, visible != 0 && !p->Paused && !p->Ended) ? 1 : 0;
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
    if (!livescope::ReplayLatencyControlAllowed(p->Timeline, p->BehindLive))
    {
        // A replay, or live behind the edge after a seek back: 1x, no jump (the controller takes over again at the edge).
        p->LastDecision.Jump = false;
        p->LastDecision.Rate = 1.0;
        if (std::fabs(p->AppliedRate - 1.0) > 0.005)
        {
            p->AppliedRate = 1.0;
            actions |= 1;
        }
        return actions;
    }
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
    o[Field(F::TargetBase)] = p->LastDecision.BaseTarget;
    o[Field(F::Backoff)] = p->LastDecision.Backoff;
    o[Field(F::BackoffHold)] = p->LastDecision.BackoffHold;
    o[Field(F::Relapses)] = p->Latency.Relapses;
    o[Field(F::Jumps)] = p->Latency.Jumps;
    o[Field(F::FramesReceived)] = static_cast<double>(w.FramesDecoded);
    const livescope::FrameCost cw = p->Cost.Window(now), ct = p->Cost.Totals();
    o[Field(F::CostMs)] = cw.TotalMs;
    o[Field(F::CostImGuiMs)] = cw.ImGuiMs;
    o[Field(F::CostUploadMs)] = cw.UploadMs;
    o[Field(F::CostComposeMs)] = cw.ComposeMs;
    o[Field(F::CostMaxMs)] = p->Cost.Max().TotalMs;
    o[Field(F::CostFrames)] = ct.Frames;
    o[Field(F::CostImGuiSumMs)] = ct.ImGuiMs;
    o[Field(F::CostUploadSumMs)] = ct.UploadMs;
    o[Field(F::CostComposeSumMs)] = ct.ComposeMs;
    o[Field(F::DropStale)] = p->Scheduler.DroppedStale;
    o[Field(F::DropLateClock)] = p->Scheduler.DroppedLateClock;
    o[Field(F::DropMissed)] = p->Scheduler.DroppedMissed;
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
    p->VideoChanged = true;
    if (p->RendererOk && p->StagedWidth > 0 && !p->StagedRgb)
        livescope::VideoRendererUpload(p->Renderer, p->Staging.data(), p->StagedWidth, p->StagedHeight, p->StagedMatrix, p->StagedFull);
    return p->RendererOk ? 1 : 0;
}

// [SECTION] Replay and DVR (docs/replay.md, "Replay and DVR in the widget")

// The worker's timeline of the media playlist: replay (ENDLIST / VOD), duration (seconds; a live window), PDTs of its
// start and end (epoch seconds; 0 unknown).
LS_EXPORT void ls_playback_set_timeline(PageApp* app, int replay, double duration, double start_pdt, double end_pdt)
{
    PagePlayback* p = Pb(app);
    if (p) p->Timeline = {replay != 0, duration, start_pdt, end_pdt};
}
// Paused (the picture stays, no stall is reported) and ended (a replay played out: the bar offers "play again").
LS_EXPORT void ls_playback_set_paused(PageApp* app, int paused, int ended)
{
    PagePlayback* p = Pb(app);
    if (!p) return;
    p->Paused = paused != 0;
    p->Ended = ended != 0;
    if (!p->Paused) p->FrameWanted = false;
}
// A seek was sent to the worker: while paused, its first frame is still shown.
LS_EXPORT void ls_playback_seek_started(PageApp* app)
{
    PagePlayback* p = Pb(app);
    if (p) p->FrameWanted = p->Paused;
}
// Live behind the edge (a seek back in the DVR window): no latency control until "Live" (0).
LS_EXPORT void ls_playback_set_behind_live(PageApp* app, int behind)
{
    PagePlayback* p = Pb(app);
    if (p) p->BehindLive = behind != 0;
}
LS_EXPORT int ls_playback_has_dvr(PageApp* app)
{
    PagePlayback* p = Pb(app);
    return p && livescope::ReplayHasDvr(p->Timeline) && !p->BroadcastEnded ? 1 : 0; // no rewind once the broadcast ended
}
// Seconds from the playlist's start to the frame on screen (NaN unknown).
LS_EXPORT double ls_playback_position(PageApp* app)
{
    PagePlayback* p = Pb(app);
    return p ? livescope::Position(p) : NAN;
}
// Epoch milliseconds (PDT) of the frame on screen (NaN unknown).
LS_EXPORT double ls_playback_stream_time(PageApp* app)
{
    PagePlayback* p = Pb(app);
    const double pdt = p ? livescope::ShownPdt(p) : 0.0;
    return pdt > 0.0 ? std::round(pdt * 1000.0) : NAN;
}
// The clamped target of a seek to `position` (seconds) and its PDT (epoch seconds, 0 without dates), as JSON
// {"position","pdt"}.
LS_EXPORT const char* ls_playback_seek_target(PageApp* app, double position)
{
    PagePlayback* p = Pb(app);
    if (!p) return "";
    const double to = livescope::ReplayClampTarget(p->Timeline, position);
    char buf[96];
    std::snprintf(buf, sizeof buf, "{\"position\":%.3f,\"pdt\":%.3f}", to, livescope::ReplayTargetPdt(p->Timeline, to));
    p->ActionOut = buf;
    return p->ActionOut.c_str();
}
// 1 when a replay's position reached its end (ReplayPlayedOut); always 1 live.
LS_EXPORT int ls_playback_played_out(PageApp* app)
{
    PagePlayback* p = Pb(app);
    return !p || livescope::ReplayPlayedOut(p->Timeline, livescope::Position(p)) ? 1 : 0;
}
// 1 when `timeupdate` is due now (host seconds): at most 4 per second, only when the position moved.
LS_EXPORT int ls_playback_timeupdate_due(PageApp* app, double now)
{
    PagePlayback* p = Pb(app);
    return p && p->TimeUpdates.Due(now, livescope::Position(p)) ? 1 : 0;
}
// The bar's last action as JSON, once: {"type":"play"|"pause"|"back"|"live"} or {"type":"seek","to":seconds}; "" none.
LS_EXPORT const char* ls_playback_take_action(PageApp* app)
{
    PagePlayback* p = Pb(app);
    if (!p) return "";
    p->ActionOut = std::exchange(p->Action, std::string());
    return p->ActionOut.c_str();
}
// The bar's labels in the widget's language: keys "dvrBack30" and "dvrLive" of web/ui_strings.json.
LS_EXPORT void ls_playback_set_strings(PageApp* app, const char* json_text)
{
    PagePlayback* p = Pb(app);
    if (!p || !json_text) return;
    const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (!j.is_object()) return;
    if (auto it = j.find("dvrBack30"); it != j.end() && it->is_string()) p->BarStrings.Back30 = it->get<std::string>();
    if (auto it = j.find("dvrLive"); it != j.end() && it->is_string()) p->BarStrings.Live = it->get<std::string>();
}
// The heat strip on the seek bar (REPLAY-SPEC.md): {"hearts":[[t_s, weight 0..1], ...], "answers":[t_s, ...]}, times
// in position seconds. Bad JSON or entries are ignored; at most 2000 heart samples and 500 answers are kept.
LS_EXPORT void ls_set_seek_marks(PageApp* app, const char* json_text)
{
    PagePlayback* p = Pb(app);
    if (!p || !json_text) return;
    const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (!j.is_object()) return;
    livescope::PlaybackBarState& b = p->Bar;
    b.HeartTimes.clear();
    b.HeartWeights.clear();
    b.Answers.clear();
    if (auto h = j.find("hearts"); h != j.end() && h->is_array())
        for (const nlohmann::json& e : *h)
        {
            if (b.HeartTimes.size() >= 2000) break;
            if (!e.is_array() || e.size() < 2 || !e[0].is_number() || !e[1].is_number()) continue;
            const double t = e[0].get<double>(), w = e[1].get<double>();
            if (!std::isfinite(t) || !std::isfinite(w)) continue;
            b.HeartTimes.push_back(static_cast<float>(t));
            b.HeartWeights.push_back(static_cast<float>(std::clamp(w, 0.0, 1.0)));
        }
    if (auto a = j.find("answers"); a != j.end() && a->is_array())
        for (const nlohmann::json& e : *a)
        {
            if (b.Answers.size() >= 500) break;
            if (e.is_number() && std::isfinite(e.get<double>())) b.Answers.push_back(e.get<float>());
        }
}
