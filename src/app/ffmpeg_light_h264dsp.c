/* The light worker module's ff_h264dsp_init (issue 16, docs/decode.md "Where the bytes are"). The light module has no
 * H.264 decoder, but FFmpeg's H.264 parser (which the MPEG-TS demuxer runs) initialises a whole H264DSPContext for the
 * one function it calls, startcode_find_candidate, which pulls every loop filter and IDCT of every bit depth (h264dsp.o,
 * h264idct.o: 66 KB raw). Linked before libavcodec.a (src/app/CMakeLists.txt), this one sets only that function; the
 * full module keeps FFmpeg's own. */
#include "libavcodec/h264dsp.h"
#include "libavcodec/startcode.h"

#include <string.h>

void ff_h264dsp_init(H264DSPContext* c, const int bit_depth, const int chroma_format_idc)
{
    (void)bit_depth;
    (void)chroma_format_idc;
    memset(c, 0, sizeof(*c));
    c->startcode_find_candidate = ff_startcode_find_candidate_c;
}
