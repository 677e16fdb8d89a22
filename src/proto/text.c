/* Helpers shared by the line-based text protocols (FTP, RTSP). */
#include <string.h>

#include "proto.h"

bool text_next_line(const uint8_t *p, size_t n, size_t *pos, struct text_line *ln)
{
    if (*pos >= n)
        return false;
    const uint8_t *lf = memchr(p + *pos, '\n', n - *pos);
    ln->off = *pos;
    ln->ended = lf != NULL;
    size_t end = lf ? (size_t)(lf - p) : n;
    ln->len = end - *pos;
    if (ln->ended && ln->len && p[end - 1] == '\r')
        ln->len--;
    *pos = lf ? end + 1 : n;
    return true;
}
