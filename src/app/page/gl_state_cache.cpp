// A shadow of the blend state and scissor box for Dear ImGui's WebGL2 backend: its per-frame state backup reads the
// blend functions, equations and scissor box with glGetIntegerv, which in Chromium is a synchronous round trip to the GPU process (the command buffer
// is flushed and the call waits for every queued command, the last frame's texture uploads and draws included). On a
// loaded machine with software GL that wait was 100-900 ms per page frame (docs/playback.md, "Page frame cost").
//
// src/app/CMakeLists.txt compiles the backend (imgui_impl_opengl3.cpp) with its glGetIntegerv, glBlendEquation,
// glBlendEquationSeparate, glBlendFuncSeparate and glScissor renamed to the functions below: those queries are
// answered from the shadow, every other query goes to WebGL (Chromium answers bindings, viewport and enables from its
// client-side cache; measured: GL_SCISSOR_BOX and GL_BLEND_* were the round trips), and the setters update the shadow
// and go to WebGL. The blend shadow starts at WebGL's defaults (a restored context starts there too). The scissor box
// starts at 0,0,0,0, not the context's default (the canvas size at creation): the backend puts back what it read, so
// after its first frame WebGL holds the shadow's box, and outside ImGui's draws the scissor test is off (the backend
// restores it off; video_renderer.cpp disables it), so the box matters nowhere else. Nothing else in the page module
// sets blend functions, equations or the scissor box; code that does must go through these functions.
#include <GLES3/gl3.h>

namespace {
struct BlendShadow
{
    GLint SrcRgb = GL_ONE, DstRgb = GL_ZERO, SrcAlpha = GL_ONE, DstAlpha = GL_ZERO;
    GLint EquationRgb = GL_FUNC_ADD, EquationAlpha = GL_FUNC_ADD;
    GLint Scissor[4] = {0, 0, 0, 0}; // x, y, width, height (pixels)
};
BlendShadow g_Blend;
} // namespace

extern "C" {

void ls_imgui_gl_get_integerv(GLenum pname, GLint* data)
{
    switch (pname)
    {
        case GL_BLEND_SRC_RGB: *data = g_Blend.SrcRgb; return;
        case GL_BLEND_DST_RGB: *data = g_Blend.DstRgb; return;
        case GL_BLEND_SRC_ALPHA: *data = g_Blend.SrcAlpha; return;
        case GL_BLEND_DST_ALPHA: *data = g_Blend.DstAlpha; return;
        case GL_BLEND_EQUATION_RGB: *data = g_Blend.EquationRgb; return;
        case GL_BLEND_EQUATION_ALPHA: *data = g_Blend.EquationAlpha; return;
        case GL_SCISSOR_BOX:
            for (int i = 0; i < 4; ++i) data[i] = g_Blend.Scissor[i];
            return;
        default: glGetIntegerv(pname, data); return;
    }
}

void ls_imgui_gl_blend_equation(GLenum mode)
{
    g_Blend.EquationRgb = g_Blend.EquationAlpha = static_cast<GLint>(mode);
    glBlendEquation(mode);
}

void ls_imgui_gl_blend_equation_separate(GLenum mode_rgb, GLenum mode_alpha)
{
    g_Blend.EquationRgb = static_cast<GLint>(mode_rgb);
    g_Blend.EquationAlpha = static_cast<GLint>(mode_alpha);
    glBlendEquationSeparate(mode_rgb, mode_alpha);
}

void ls_imgui_gl_blend_func_separate(GLenum src_rgb, GLenum dst_rgb, GLenum src_alpha, GLenum dst_alpha)
{
    g_Blend.SrcRgb = static_cast<GLint>(src_rgb);
    g_Blend.DstRgb = static_cast<GLint>(dst_rgb);
    g_Blend.SrcAlpha = static_cast<GLint>(src_alpha);
    g_Blend.DstAlpha = static_cast<GLint>(dst_alpha);
    glBlendFuncSeparate(src_rgb, dst_rgb, src_alpha, dst_alpha);
}

void ls_imgui_gl_scissor(GLint x, GLint y, GLsizei width, GLsizei height)
{
    g_Blend.Scissor[0] = x;
    g_Blend.Scissor[1] = y;
    g_Blend.Scissor[2] = width;
    g_Blend.Scissor[3] = height;
    glScissor(x, y, width, height);
}

} // extern "C"
