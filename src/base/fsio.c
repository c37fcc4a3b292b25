/*
 * fsio.c: whole writes and directory fsyncs (fsio.h).
 */
#include "base/fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int fsio_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        /* at most 1 GiB per call: Linux writes no more than about 2 GiB at once anyway */
        ssize_t w = write(fd, p, n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fsio_dir_fsync(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    errno = err;
    return rc;
}
