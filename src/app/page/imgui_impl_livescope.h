// Dear ImGui platform backend for livescope: input and display size pushed in from the browser glue.
// Like imgui_impl_glfw/sdl, but event-driven: web/runtime/*.js forwards DOM events through the page
// module's C API, so nothing here calls a browser API and the backend also runs natively (tests).
#pragma once
#include <imgui.h>

namespace livescope {

// Installs the backend on the current ImGui context. Returns false if one is already installed.
bool ImGui_ImplLivescope_Init();
void ImGui_ImplLivescope_Shutdown();
// Sets display size (CSS pixels), framebuffer scale (devicePixelRatio) and delta time for the next frame.
void ImGui_ImplLivescope_NewFrame(float css_width, float css_height, float device_pixel_ratio, double now);

// Event entry points (CSS pixels, relative to the canvas). Safe to call between frames.
void ImGui_ImplLivescope_OnPointerMove(float x, float y);
void ImGui_ImplLivescope_OnPointerButton(int button, bool down);
void ImGui_ImplLivescope_OnPointerLeave();
void ImGui_ImplLivescope_OnWheel(float dx, float dy);
void ImGui_ImplLivescope_OnKey(ImGuiKey key, bool down); // ImGuiKey_* (KeyMap is the identity)
void ImGui_ImplLivescope_OnText(const char* utf8);
void ImGui_ImplLivescope_OnFocus(bool focused);

} // namespace livescope
