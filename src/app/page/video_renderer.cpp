// WebGL2 video renderer: three R8 plane textures and a YUV -> RGB shader (BT.601/709, limited/full range), or one RGBA
// texture filled from a WebCodecs VideoFrame; letterboxed.
#include "video_renderer.h"

#include <GLES3/gl3.h>

#include <cstdio>

// web/emlib/library_livescope_webgl.js: texImage2D(TEXTURE_2D, 0, RGBA, RGBA, UNSIGNED_BYTE, Module.lsVideoFrame) into
// the texture bound to TEXTURE_2D. Returns 1 when a frame was uploaded.
extern "C" int ls_glue_upload_video_frame();

namespace livescope {

VideoRect LetterboxRect(int fb_width, int fb_height, double frame_aspect)
{
    VideoRect r{0, 0, fb_width, fb_height};
    if (fb_width <= 0 || fb_height <= 0 || !(frame_aspect > 0.0)) return r;
    const double fb_aspect = static_cast<double>(fb_width) / fb_height;
    if (fb_aspect > frame_aspect)
    {
        r.Width = static_cast<int>(fb_height * frame_aspect + 0.5);
        r.X = (fb_width - r.Width) / 2;
    }
    else
    {
        r.Height = static_cast<int>(fb_width / frame_aspect + 0.5);
        r.Y = (fb_height - r.Height) / 2;
    }
    return r;
}

YuvConversion YuvConversionFor(int matrix, bool full_range)
{
    const double kr = matrix == 709 ? 0.2126 : 0.299;
    const double kb = matrix == 709 ? 0.0722 : 0.114;
    const double kg = 1.0 - kr - kb;
    const double ys = full_range ? 1.0 : 255.0 / 219.0;
    const double cs = full_range ? 1.0 : 255.0 / 224.0;
    // R = Y + 2(1-kr) V;  B = Y + 2(1-kb) U;  G = (Y - kr R - kb B) / kg
    const double rv = 2.0 * (1.0 - kr), bu = 2.0 * (1.0 - kb);
    const double gu = -kb * bu / kg, gv = -kr * rv / kg;
    YuvConversion c{};
    // column-major: column 0 = Y coefficients, column 1 = U, column 2 = V
    const double m[9] = {ys, ys, ys, 0.0, gu * cs, bu * cs, rv * cs, gv * cs, 0.0};
    for (int i = 0; i < 9; ++i) c.Matrix[i] = static_cast<float>(m[i]);
    c.Offset[0] = full_range ? 0.0f : 16.0f / 255.0f;
    c.Offset[1] = 128.0f / 255.0f;
    c.Offset[2] = 128.0f / 255.0f;
    return c;
}

namespace {

const char* kVertex = R"(#version 300 es
out vec2 v_uv;
void main() {
  vec2 p = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
  v_uv = vec2(p.x, 1.0 - p.y);
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
})";

const char* kFragment = R"(#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_y, u_u, u_v;
uniform mat3 u_matrix;
uniform vec3 u_offset;
out vec4 o_color;
void main() {
  vec3 yuv = vec3(texture(u_y, v_uv).r, texture(u_u, v_uv).r, texture(u_v, v_uv).r) - u_offset;
  o_color = vec4(clamp(u_matrix * yuv, 0.0, 1.0), 1.0);
})";

const char* kFragmentRgb = R"(#version 300 es
precision mediump float;
in vec2 v_uv;
uniform sampler2D u_rgb;
out vec4 o_color;
void main() {
  o_color = vec4(texture(u_rgb, v_uv).rgb, 1.0);
})";

GLuint Compile(GLenum type, const char* src)
{
    GLuint s = glCreateShader(type);
    glShaderSource(s, 1, &src, nullptr);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok)
    {
        char log[512] = {};
        glGetShaderInfoLog(s, sizeof log, nullptr, log);
        std::fprintf(stderr, "livescope: video shader: %s\n", log);
        glDeleteShader(s);
        return 0;
    }
    return s;
}

GLuint Link(const char* fragment)
{
    GLuint vs = Compile(GL_VERTEX_SHADER, kVertex), fs = Compile(GL_FRAGMENT_SHADER, fragment);
    if (!vs || !fs)
    {
        if (vs) glDeleteShader(vs);
        if (fs) glDeleteShader(fs);
        return 0;
    }
    GLuint program = glCreateProgram();
    glAttachShader(program, vs);
    glAttachShader(program, fs);
    glLinkProgram(program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok)
    {
        glDeleteProgram(program);
        return 0;
    }
    return program;
}

void SetLinearClamp(GLuint t)
{
    glBindTexture(GL_TEXTURE_2D, t);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

} // namespace

bool VideoRendererInit(VideoRenderer& r)
{
    r.Program = Link(kFragment);
    if (!r.Program) return false;
    r.ProgramRgb = Link(kFragmentRgb);
    if (r.ProgramRgb)
    {
        glUseProgram(r.ProgramRgb);
        glUniform1i(glGetUniformLocation(r.ProgramRgb, "u_rgb"), 0);
        glGenTextures(1, &r.TextureRgb);
        SetLinearClamp(r.TextureRgb);
    }
    glUseProgram(r.Program);
    glUniform1i(glGetUniformLocation(r.Program, "u_y"), 0);
    glUniform1i(glGetUniformLocation(r.Program, "u_u"), 1);
    glUniform1i(glGetUniformLocation(r.Program, "u_v"), 2);
    r.LocMatrix = glGetUniformLocation(r.Program, "u_matrix");
    r.LocOffset = glGetUniformLocation(r.Program, "u_offset");
    glGenVertexArrays(1, &r.Vao);
    glGenTextures(3, r.Textures);
    for (GLuint t : r.Textures) SetLinearClamp(t);
    r.TexWidth = r.TexHeight = 0;
    r.Lost = false;
    return true;
}

void VideoRendererShutdown(VideoRenderer& r)
{
    if (r.Lost) return;
    if (r.Program) glDeleteProgram(r.Program);
    if (r.Vao) glDeleteVertexArrays(1, &r.Vao);
    if (r.Textures[0]) glDeleteTextures(3, r.Textures);
    if (r.ProgramRgb) glDeleteProgram(r.ProgramRgb);
    if (r.TextureRgb) glDeleteTextures(1, &r.TextureRgb);
    r.ProgramRgb = r.TextureRgb = 0;
    r.Program = r.Vao = 0;
    r.Textures[0] = r.Textures[1] = r.Textures[2] = 0;
}

void VideoRendererUpload(VideoRenderer& r, const uint8_t* data, int width, int height, int matrix, bool full_range)
{
    if (r.Lost || !r.Program || width <= 0 || height <= 0) return;
    const int cw = (width + 1) / 2, ch = (height + 1) / 2;
    const bool realloc = width != r.TexWidth || height != r.TexHeight;
    const uint8_t* planes[3] = {data, data + width * height, data + width * height + cw * ch};
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    for (int i = 0; i < 3; ++i)
    {
        const int w = i ? cw : width, h = i ? ch : height;
        glActiveTexture(GL_TEXTURE0 + static_cast<GLenum>(i));
        glBindTexture(GL_TEXTURE_2D, r.Textures[i]);
        if (realloc)
            glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, w, h, 0, GL_RED, GL_UNSIGNED_BYTE, planes[i]);
        else
            glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, w, h, GL_RED, GL_UNSIGNED_BYTE, planes[i]);
    }
    glActiveTexture(GL_TEXTURE0);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    r.TexWidth = width;
    r.TexHeight = height;
    r.FrameWidth = width;
    r.FrameHeight = height;
    r.ColorMatrix = matrix;
    r.FullRange = full_range;
    r.HasFrame = true;
    r.Rgb = false;
}

bool VideoRendererUploadVideoFrame(VideoRenderer& r, int width, int height)
{
    if (r.Lost || !r.ProgramRgb || width <= 0 || height <= 0) return false;
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, r.TextureRgb);
    if (!ls_glue_upload_video_frame()) return false;
    r.FrameWidth = width;
    r.FrameHeight = height;
    r.HasFrame = true;
    r.Rgb = true;
    return true;
}

void VideoRendererDraw(VideoRenderer& r, int fb_width, int fb_height)
{
    if (r.Lost || !r.Program || !r.HasFrame) return;
    glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    const VideoRect rect = LetterboxRect(fb_width, fb_height, static_cast<double>(r.FrameWidth) / r.FrameHeight);
    glViewport(rect.X, rect.Y, rect.Width, rect.Height);
    glDisable(GL_BLEND);
    glDisable(GL_SCISSOR_TEST);
    if (r.Rgb)
    {
        glUseProgram(r.ProgramRgb);
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, r.TextureRgb);
    }
    else
    {
        glUseProgram(r.Program);
        const YuvConversion c = YuvConversionFor(r.ColorMatrix, r.FullRange);
        glUniformMatrix3fv(r.LocMatrix, 1, GL_FALSE, c.Matrix);
        glUniform3fv(r.LocOffset, 1, c.Offset);
        for (int i = 0; i < 3; ++i)
        {
            glActiveTexture(GL_TEXTURE0 + static_cast<GLenum>(i));
            glBindTexture(GL_TEXTURE_2D, r.Textures[i]);
        }
    }
    glBindVertexArray(r.Vao);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
    glActiveTexture(GL_TEXTURE0);
    glViewport(0, 0, fb_width, fb_height);
}

void VideoRendererOnLost(VideoRenderer& r)
{
    r.Lost = true;
    r.ProgramRgb = r.TextureRgb = 0;
    r.Rgb = false;
    r.Program = r.Vao = 0;
    r.Textures[0] = r.Textures[1] = r.Textures[2] = 0;
    r.TexWidth = r.TexHeight = 0;
}

bool VideoRendererOnRestored(VideoRenderer& r)
{
    r.HasFrame = false; // the caller re-uploads the last frame it kept
    return VideoRendererInit(r);
}

} // namespace livescope
