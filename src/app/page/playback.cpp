// Page-side playback: A/V sync against the audio master clock, the live latency controller, YUV drawing and the debug/error UI.
//
// [SECTION] PagePlayback
// [SECTION] Hooks called by page_app.cpp
// [SECTION] C API for web/runtime/playback.js (ls_playback_*)
//
// The frame queue itself lives in JS (transferable buffers from the Worker); each refresh JS asks
// ls_playback_step() what to do with the oldest queued frame and uploads it on Show.
#include "playback.h"

#include "page_app.h"
#include "video_renderer.h"

#include <livescope/player/av/clock.h>
#include <livescope/player/av/latency.h>

#include <imgui.h>

#include <cmath>
#include <string>
#include <vector>

#include <livescope/app/app_export.h>

namespace livescope {

// [SECTION] PagePlayback

struct PlaybackStats {
  double Latency = 0.0;        // seconds, now - PROGRAM-DATE-TIME of the frame on screen
  double Buffer = 0.0;         // seconds buffered past the playhead
  double DecodedFps = 0.0;     // frames per second
  double DroppedFps = 0.0;     // frames per second
  double Bitrate = 0.0;        // bits per second
  double DecodeMs = 0.0;       // milliseconds per frame
  double Rate = 1.0;           // playback rate
  int VariantHeight = 0;       // pixels
  int Variant = -1;
};

struct PagePlayback {
  PageApp* App = nullptr;
  VideoRenderer Renderer;
  bool RendererOk = false;
  std::vector<uint8_t> Staging;          // last uploaded I420 frame (kept for context restore)
  int StagedWidth = 0, StagedHeight = 0, StagedMatrix = 601;
  bool StagedFull = false;
  Clock Master;
  VideoScheduler Scheduler;
  LatencyController Latency;
  LatencyDecision LastDecision;
  PlaybackStats Stats;
  bool Debug = false;
  std::string Error;                     // fatal message drawn on the canvas
  std::string Status;                    // short state line for the debug panel
};

PagePlayback* PagePlaybackCreate(PageApp* app) {
  auto* p = new PagePlayback();
  p->App = app;
  if (app->GlReady) p->RendererOk = VideoRendererInit(p->Renderer);
  return p;
}

void PagePlaybackDestroy(PagePlayback* playback) {
  if (!playback) return;
  VideoRendererShutdown(playback->Renderer);
  delete playback;
}

// [SECTION] Hooks called by page_app.cpp

void PagePlaybackRender(PagePlayback* playback, double, int fb_width, int fb_height) {
  if (!playback || !playback->RendererOk) return;
  VideoRendererDraw(playback->Renderer, fb_width, fb_height);
}

bool PagePlaybackFrameSize(const PagePlayback* playback, int* width, int* height) {
  if (!playback || playback->StagedWidth <= 0 || playback->StagedHeight <= 0) return false;
  *width = playback->StagedWidth;
  *height = playback->StagedHeight;
  return true;
}

void PagePlaybackDrawUi(PagePlayback* playback, double) {
  if (!playback) return;
  const ImVec2 size = ImGui::GetIO().DisplaySize;
  if (!playback->Error.empty()) {
    ImGui::SetNextWindowPos(ImVec2(size.x * 0.5f, size.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSize(ImVec2(size.x * 0.8f, 0.0f));
    ImGui::SetNextWindowBgAlpha(0.85f);
    ImGui::Begin("##playback-error", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "Playback error");
    ImGui::TextWrapped("%s", playback->Error.c_str());
    ImGui::End();
  }
  if (!playback->Debug) return;
  const PlaybackStats& s = playback->Stats;
  ImGui::SetNextWindowPos(ImVec2(size.x - 12.0f, 12.0f), ImGuiCond_Always, ImVec2(1.0f, 0.0f));
  ImGui::SetNextWindowBgAlpha(0.6f);
  ImGui::Begin("##playback-debug", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
  ImGui::Text("latency %.2f s (target %.2f)", s.Latency, playback->LastDecision.TargetLatency);
  ImGui::Text("buffer  %.2f s  rate %.2fx", s.Buffer, s.Rate);
  ImGui::Text("fps %.1f decoded, %.1f dropped", s.DecodedFps, s.DroppedFps);
  ImGui::Text("decode %.2f ms/frame", s.DecodeMs);
  ImGui::Text("%.0f kbit/s  variant %d (%dp)", s.Bitrate / 1000.0, s.Variant, s.VariantHeight);
  if (!playback->Status.empty()) ImGui::TextUnformatted(playback->Status.c_str());
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
LS_EXPORT uint8_t* ls_playback_staging(PageApp* app, int size) {
  PagePlayback* p = Pb(app);
  if (!p || size <= 0) return nullptr;
  if (p->Staging.size() < static_cast<size_t>(size)) p->Staging.resize(static_cast<size_t>(size));
  return p->Staging.data();
}

// Uploads the staged frame to the plane textures; it is drawn from the next frame on.
LS_EXPORT void ls_playback_upload(PageApp* app, int width, int height, int matrix, int full_range) {
  PagePlayback* p = Pb(app);
  if (!p || !p->RendererOk) return;
  p->StagedWidth = width; p->StagedHeight = height; p->StagedMatrix = matrix; p->StagedFull = full_range != 0;
  livescope::VideoRendererUpload(p->Renderer, p->Staging.data(), width, height, matrix, full_range != 0);
}

// Sets the master clock: stream time `pts` at host time `now` (seconds), for data of `serial`, at `speed`.
LS_EXPORT void ls_playback_clock_set(PageApp* app, double pts, double now, int serial, double speed) {
  PagePlayback* p = Pb(app);
  if (!p) return;
  livescope::ClockSet(p->Master, pts, now, serial);
  p->Master.Speed = speed;
}
LS_EXPORT double ls_playback_clock_get(PageApp* app, double now) {
  PagePlayback* p = Pb(app);
  return p && p->Master.Serial >= 0 ? livescope::ClockGet(p->Master, now) : NAN;
}

// What to do with the oldest queued frame: 0 wait, 1 show (then upload it), 2 drop.
LS_EXPORT int ls_playback_step(PageApp* app, double now, double pts, double duration, int serial, int has_later,
                               double later_pts, double later_duration, int later_serial, int current_serial) {
  PagePlayback* p = Pb(app);
  if (!p) return 2;
  const livescope::FrameInfo cand{pts, duration, serial};
  const livescope::FrameInfo later{later_pts, later_duration, later_serial};
  const livescope::FrameDecision d = livescope::VideoSchedulerStep(p->Scheduler, now, cand, has_later ? &later : nullptr, p->Master, current_serial);
  switch (d.Action) {
    case livescope::FrameAction::Wait: return 0;
    case livescope::FrameAction::Show: return 1;
    case livescope::FrameAction::Drop: return 2;
  }
  return 0;
}
LS_EXPORT int ls_playback_dropped(PageApp* app) { PagePlayback* p = Pb(app); return p ? p->Scheduler.Dropped : 0; }

// Feeds the latency controller; returns the playback rate to apply. ls_playback_jump_wanted() then says
// whether to jump to the live edge. `target` is the widget's `latency` option (0 = PART-HOLD-BACK).
LS_EXPORT double ls_playback_latency_update(PageApp* app, double now, double latency, double buffer, double part_hold_back,
                                            double part_target, int stalled, double target) {
  PagePlayback* p = Pb(app);
  if (!p) return 1.0;
  p->Latency.Config.TargetLatency = target;
  livescope::LatencyObservation o;
  o.Now = now; o.Latency = latency; o.BufferAhead = buffer; o.PartHoldBack = part_hold_back; o.PartTarget = part_target;
  o.Stalled = stalled != 0;
  p->LastDecision = livescope::LatencyControllerUpdate(p->Latency, o);
  return p->LastDecision.Rate;
}
LS_EXPORT int ls_playback_jump_wanted(PageApp* app) { PagePlayback* p = Pb(app); return p && p->LastDecision.Jump ? 1 : 0; }
LS_EXPORT void ls_playback_on_jump(PageApp* app, double now) { PagePlayback* p = Pb(app); if (p) livescope::LatencyControllerOnJump(p->Latency, now); }
LS_EXPORT double ls_playback_target(PageApp* app) { PagePlayback* p = Pb(app); return p ? p->LastDecision.TargetLatency : 0.0; }
LS_EXPORT int ls_playback_stalls(PageApp* app) { PagePlayback* p = Pb(app); return p ? p->Latency.Stalls : 0; }

LS_EXPORT void ls_playback_set_stats(PageApp* app, double latency, double buffer, double decoded_fps, double dropped_fps,
                                     double bitrate, double decode_ms, double rate, int variant, int variant_height) {
  PagePlayback* p = Pb(app);
  if (!p) return;
  p->Stats = {latency, buffer, decoded_fps, dropped_fps, bitrate, decode_ms, rate, variant_height, variant};
}
LS_EXPORT void ls_playback_set_debug(PageApp* app, int on) { PagePlayback* p = Pb(app); if (p) p->Debug = on != 0; }
LS_EXPORT void ls_playback_set_error(PageApp* app, const char* utf8) { PagePlayback* p = Pb(app); if (p) p->Error = utf8 ? utf8 : ""; }
LS_EXPORT void ls_playback_set_status(PageApp* app, const char* utf8) { PagePlayback* p = Pb(app); if (p) p->Status = utf8 ? utf8 : ""; }

// WebGL context loss (canvas webglcontextlost / webglcontextrestored): the renderer drops its GL
// objects, and on restore rebuilds them and re-uploads the last frame it kept in Staging.
LS_EXPORT void ls_playback_gl_lost(PageApp* app) { PagePlayback* p = Pb(app); if (p) livescope::VideoRendererOnLost(p->Renderer); }
LS_EXPORT int ls_playback_gl_restored(PageApp* app) {
  PagePlayback* p = Pb(app);
  if (!p) return 0;
  p->RendererOk = livescope::VideoRendererOnRestored(p->Renderer);
  if (p->RendererOk && p->StagedWidth > 0)
    livescope::VideoRendererUpload(p->Renderer, p->Staging.data(), p->StagedWidth, p->StagedHeight, p->StagedMatrix, p->StagedFull);
  return p->RendererOk ? 1 : 0;
}
