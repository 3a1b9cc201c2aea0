/* The worker modules' iconv (issue 16, docs/decode.md "Where the bytes are"): none. FFmpeg is built with iconv, which it
 * uses only to turn DVB service names in MPEG-TS (mpegts.c getstr8) and subtitles (decode.c, sub_charenc) into UTF-8;
 * the widget shows neither. musl's iconv brings 145 KB of CJK charset tables (103 KB brotli). Linked before libc, these
 * definitions keep it out: iconv_open fails, and FFmpeg then keeps the service name's bytes as they are (its no-iconv
 * path). */
#include <errno.h>
#include <iconv.h>
#include <stddef.h>

iconv_t iconv_open(const char* to, const char* from)
{
    (void)to;
    (void)from;
    errno = EINVAL;
    return (iconv_t)-1;
}

size_t iconv(iconv_t cd, char** restrict in, size_t* restrict in_left, char** restrict out, size_t* restrict out_left)
{
    (void)cd;
    (void)in;
    (void)in_left;
    (void)out;
    (void)out_left;
    errno = EBADF;
    return (size_t)-1;
}

int iconv_close(iconv_t cd)
{
    (void)cd;
    return 0;
}
