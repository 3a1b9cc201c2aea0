// Page-side app: frame loop body for one widget (WebGL2 clear, ImGui overlay) and its exported C API.
//
// [SECTION] App lifetime and frame
// [SECTION] C API for web/runtime (ls_page_*)
#include "page_app.h"

#include "imgui_impl_livescope.h"
#include "interaction.h"
#include "playback.h"

#include <GLES3/gl3.h>
#include <emscripten.h>
#include <backends/imgui_impl_opengl3.h>
#include <cstdio>
#include <imgui.h>

#include <livescope/app/app_export.h>

namespace livescope {

//-----------------------------------------------------------------------------
// [SECTION] App lifetime and frame
//-----------------------------------------------------------------------------

PageApp* PageAppCreate(const PageAppConfig& config)
{
    auto* app = new PageApp();
    app->Config = config;
    ImGuiContext* previous = ImGui::GetCurrentContext();
    app->Imgui = ImGui::CreateContext();
    ImGui::SetCurrentContext(app->Imgui);
    ImGui::StyleColorsDark();
    ImGui_ImplLivescope_Init();
    app->GlReady = ImGui_ImplOpenGL3_Init("#version 300 es");
    app->Playback = PagePlaybackCreate(app);
    app->Interaction = PageInteractionCreate(app);
    if (previous != nullptr) ImGui::SetCurrentContext(previous);
    return app;
}

void PageAppDestroy(PageApp* app)
{
    if (app == nullptr) return;
    ImGui::SetCurrentContext(app->Imgui);
    PageInteractionDestroy(app->Interaction);
    PagePlaybackDestroy(app->Playback);
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplLivescope_Shutdown();
    ImGui::DestroyContext(app->Imgui);
    delete app;
}

void PageAppResize(PageApp* app, int css_width, int css_height, float device_pixel_ratio)
{
    app->Config.CanvasWidth = css_width;
    app->Config.CanvasHeight = css_height;
    app->Config.DevicePixelRatio = device_pixel_ratio > 0.0f ? device_pixel_ratio : 1.0f;
}

namespace {
// Hash of what ImGui will draw: vertices, indices and each command's clip rectangle, texture and range.
uint64_t OverlayHash(const ImDrawData* d)
{
    uint64_t h = kRedrawHashSeed;
    if (!d) return h;
    h = RedrawHash(h, &d->DisplaySize, sizeof d->DisplaySize);
    h = RedrawHash(h, &d->FramebufferScale, sizeof d->FramebufferScale);
    for (int n = 0; n < d->CmdListsCount; ++n)
    {
        const ImDrawList* l = d->CmdLists[n];
        h = RedrawHash(h, l->VtxBuffer.Data, static_cast<size_t>(l->VtxBuffer.Size) * sizeof(ImDrawVert));
        h = RedrawHash(h, l->IdxBuffer.Data, static_cast<size_t>(l->IdxBuffer.Size) * sizeof(ImDrawIdx));
        for (const ImDrawCmd& c : l->CmdBuffer)
        {
            const ImTextureID tex = c.GetTexID();
            h = RedrawHash(h, &c.ClipRect, sizeof c.ClipRect);
            h = RedrawHash(h, &tex, sizeof tex);
            h = RedrawHash(h, &c.ElemCount, sizeof c.ElemCount);
            h = RedrawHash(h, &c.IdxOffset, sizeof c.IdxOffset);
            h = RedrawHash(h, &c.VtxOffset, sizeof c.VtxOffset);
            const bool callback = c.UserCallback != nullptr;
            h = RedrawHash(h, &callback, sizeof callback);
        }
    }
    return h;
}
} // namespace

void PageAppFrame(PageApp* app, double now)
{
    ImGui::SetCurrentContext(app->Imgui);
    if (app->StartTime < 0.0) app->StartTime = now;
    const PageAppConfig& c = app->Config;
    const int fb_w = static_cast<int>(static_cast<float>(c.CanvasWidth) * c.DevicePixelRatio);
    const int fb_h = static_cast<int>(static_cast<float>(c.CanvasHeight) * c.DevicePixelRatio);

    const double t_imgui = emscripten_get_now(); // ms: the frame cost timers (docs/playback.md)
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplLivescope_NewFrame(static_cast<float>(c.CanvasWidth), static_cast<float>(c.CanvasHeight), c.DevicePixelRatio, now);
    ImGui::NewFrame();

    if (app->ShowStatus)
    {
        // Status panel: fixed place (top left) so the e2e test knows where text must appear.
        ImGui::SetNextWindowPos(ImVec2(16.0f, 16.0f));
        ImGui::SetNextWindowBgAlpha(0.0f);
        ImGui::Begin("##status", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoInputs | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
        ImGui::TextUnformatted("livescope");
        ImGui::Text("frame %llu", static_cast<unsigned long long>(app->FrameCount));
        ImGui::End();
    }
    PageInteractionDraw(app->Interaction, now, static_cast<float>(c.CanvasWidth), static_cast<float>(c.CanvasHeight));
    PagePlaybackDrawUi(app->Playback, now);
    ImGui::Render();
    const double t_compose = emscripten_get_now();

    // The redraw gate (docs/playback.md): nothing new to show (no video frame uploaded, the same overlay, the same
    // size) leaves the canvas as it is, so the GPU process renders and composites nothing for this refresh.
    const bool video_changed = PagePlaybackTakeVideoChanged(app->Playback);
    if (!RedrawNeeded(app->Redraw, video_changed, OverlayHash(ImGui::GetDrawData()), fb_w, fb_h))
    {
        PagePlaybackOnFrameCost(app->Playback, now, t_compose - t_imgui, 0.0);
        app->FrameCount++;
        return;
    }

    // Draw order: clear, video, overlay.
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(app->ClearColor[0], app->ClearColor[1], app->ClearColor[2], app->ClearColor[3]);
    glClear(GL_COLOR_BUFFER_BIT);
    PagePlaybackRender(app->Playback, now, fb_w, fb_h);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    const double t_end = emscripten_get_now();
    PagePlaybackOnFrameCost(app->Playback, now, t_compose - t_imgui, t_end - t_compose);
    app->FrameCount++;
}

} // namespace livescope

//-----------------------------------------------------------------------------
// [SECTION] C API for web/runtime (ls_page_*). Handles are PageApp pointers owned by the glue.
//-----------------------------------------------------------------------------

using livescope::PageApp;

// The WebGL edge (web/emlib/library_livescope_webgl.js): creates and makes current this instance's
// WebGL2 context on Module.canvas. Returns a handle > 0, or 0 when WebGL2 is unavailable.
// flags: 1 preserveDrawingBuffer, 2 a transparent canvas.
extern "C" int ls_glue_webgl2_create(int flags);

// flags: 1 preserveDrawingBuffer (tests read pixels back), 2 transparent (the `overlay-only` widget: no video, the
// canvas is cleared to transparent so the page's own picture shows under the overlay). Returns null when no WebGL2
// context can be had; the glue then shows its fallback message.
LS_EXPORT PageApp* ls_page_create(int css_width, int css_height, float device_pixel_ratio, int flags)
{
    if (ls_glue_webgl2_create(flags) <= 0)
    {
        std::fprintf(stderr, "livescope: WebGL2 is not available\n");
        return nullptr;
    }
    livescope::PageAppConfig config;
    config.CanvasWidth = css_width;
    config.CanvasHeight = css_height;
    config.DevicePixelRatio = device_pixel_ratio;
    PageApp* app = livescope::PageAppCreate(config);
    if ((flags & 2) != 0)
        for (float& c : app->ClearColor) c = 0.0f;
    if (!app->GlReady) std::fprintf(stderr, "livescope: WebGL2 renderer init failed\n");
    return app;
}
LS_EXPORT void ls_page_destroy(PageApp* app) { livescope::PageAppDestroy(app); }
LS_EXPORT void ls_page_resize(PageApp* app, int w, int h, float dpr)
{
    if (app) livescope::PageAppResize(app, w, h, dpr);
}
LS_EXPORT void ls_page_frame(PageApp* app, double now_ms)
{
    if (app) livescope::PageAppFrame(app, now_ms / 1000.0);
}
LS_EXPORT double ls_page_frame_count(PageApp* app) { return app ? static_cast<double>(app->FrameCount) : 0.0; }
// Page frames that redrew the canvas since create (the rest were skipped by the redraw gate: nothing changed).
LS_EXPORT double ls_page_redraw_count(PageApp* app) { return app ? static_cast<double>(app->Redraw.Redraws) : 0.0; }
LS_EXPORT void ls_page_show_status(PageApp* app, int show)
{
    if (app) app->ShowStatus = show != 0;
}
// After webglcontextrestored: every GL object died with the old context; rebuild ImGui's (shaders, buffers,
// font texture). The video renderer rebuilds its own (ls_playback_gl_restored).
LS_EXPORT void ls_page_gl_restored(PageApp* app)
{
    if (!app) return;
    ImGui::SetCurrentContext(app->Imgui);
    // Shutdown + Init, not DestroyDeviceObjects + CreateDeviceObjects: the backend keeps the sizes of its vertex and
    // index buffers across those, so the new context's empty buffers got bufferSubData past their end (WebGL
    // INVALID_VALUE, no overlay drawn) until the overlay outgrew its largest frame before the loss.
    ImGui_ImplOpenGL3_Shutdown();
    app->GlReady = ImGui_ImplOpenGL3_Init("#version 300 es") && ImGui_ImplOpenGL3_CreateDeviceObjects();
    app->Redraw.Force = true;
}
LS_EXPORT void ls_page_pointer_move(PageApp* app, float x, float y)
{
    if (!app) return;
    ImGui::SetCurrentContext(app->Imgui);
    livescope::ImGui_ImplLivescope_OnPointerMove(x, y);
}
LS_EXPORT void ls_page_pointer_button(PageApp* app, int button, int down)
{
    if (!app) return;
    ImGui::SetCurrentContext(app->Imgui);
    livescope::ImGui_ImplLivescope_OnPointerButton(button, down != 0);
}
LS_EXPORT void ls_page_pointer_leave(PageApp* app)
{
    if (!app) return;
    ImGui::SetCurrentContext(app->Imgui);
    livescope::ImGui_ImplLivescope_OnPointerLeave();
}
