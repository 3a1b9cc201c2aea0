// Dear ImGui platform backend for livescope (see imgui_impl_livescope.h). Written for ImGui 1.86's IO.
#include "imgui_impl_livescope.h"

#include <cfloat>

namespace livescope {

struct ImGui_ImplLivescope_Data
{
    double LastTime = -1.0;                                    // seconds, from the caller's clock
    bool ButtonDown[ImGuiMouseButton_COUNT] = {};              // current state from events
    bool ButtonPressedSinceFrame[ImGuiMouseButton_COUNT] = {}; // latched so a press+release between frames still clicks
};

// All backend state hangs off the current context, as in Dear ImGui's own backends.
static ImGui_ImplLivescope_Data* ImGui_ImplLivescope_GetBackendData()
{
    return ImGui::GetCurrentContext() ? static_cast<ImGui_ImplLivescope_Data*>(ImGui::GetIO().BackendPlatformUserData) : nullptr;
}

bool ImGui_ImplLivescope_Init()
{
    ImGuiIO& io = ImGui::GetIO();
    if (io.BackendPlatformUserData != nullptr) return false;
    io.BackendPlatformUserData = IM_NEW(ImGui_ImplLivescope_Data)();
    io.BackendPlatformName = "imgui_impl_livescope";
    io.IniFilename = nullptr; // no persistence: several widgets share a page
    io.LogFilename = nullptr;
    for (int k = 0; k < ImGuiKey_COUNT; k++) io.KeyMap[k] = k; // events arrive as ImGuiKey_* already
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    return true;
}

void ImGui_ImplLivescope_Shutdown()
{
    ImGuiIO& io = ImGui::GetIO();
    IM_DELETE(ImGui_ImplLivescope_GetBackendData());
    io.BackendPlatformUserData = nullptr;
    io.BackendPlatformName = nullptr;
}

void ImGui_ImplLivescope_NewFrame(float css_width, float css_height, float device_pixel_ratio, double now)
{
    ImGui_ImplLivescope_Data* bd = ImGui_ImplLivescope_GetBackendData();
    IM_ASSERT(bd != nullptr && "ImGui_ImplLivescope_Init() not called");
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(css_width, css_height);
    io.DisplayFramebufferScale = ImVec2(device_pixel_ratio, device_pixel_ratio);
    const double dt = bd->LastTime < 0.0 ? 1.0 / 60.0 : now - bd->LastTime;
    io.DeltaTime = dt > 0.0 ? static_cast<float>(dt) : 1.0f / 1000.0f;
    bd->LastTime = now;
    for (int b = 0; b < ImGuiMouseButton_COUNT; b++)
    {
        io.MouseDown[b] = bd->ButtonDown[b] || bd->ButtonPressedSinceFrame[b];
        bd->ButtonPressedSinceFrame[b] = false;
    }
}

void ImGui_ImplLivescope_OnPointerMove(float x, float y) { ImGui::GetIO().MousePos = ImVec2(x, y); }

void ImGui_ImplLivescope_OnPointerButton(int button, bool down)
{
    ImGui_ImplLivescope_Data* bd = ImGui_ImplLivescope_GetBackendData();
    if (bd == nullptr || button < 0 || button >= ImGuiMouseButton_COUNT) return;
    bd->ButtonDown[button] = down;
    if (down) bd->ButtonPressedSinceFrame[button] = true;
}

void ImGui_ImplLivescope_OnPointerLeave() { ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX); }

void ImGui_ImplLivescope_OnWheel(float dx, float dy)
{
    ImGuiIO& io = ImGui::GetIO();
    io.MouseWheelH += dx;
    io.MouseWheel += dy;
}

void ImGui_ImplLivescope_OnKey(ImGuiKey key, bool down)
{
    if (key >= 0 && key < ImGuiKey_COUNT) ImGui::GetIO().KeysDown[key] = down;
}

void ImGui_ImplLivescope_OnText(const char* utf8)
{
    if (utf8) ImGui::GetIO().AddInputCharactersUTF8(utf8);
}
void ImGui_ImplLivescope_OnFocus(bool focused) { ImGui::GetIO().AddFocusEvent(focused); }

} // namespace livescope
